"""``ql``: the QuantumLedger command line (``ql --help``; every command has ``--help``)."""

from __future__ import annotations

import sys

import click

from quantumledger.cli.corpus import corpus
from quantumledger.cli.ops import admin, ops
from quantumledger.cli.runs import ingest, runs, verify
from quantumledger.cli.stack import dev

__all__ = ["cli", "main"]


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="quantumledger", prog_name="ql")
def cli() -> None:
    """QuantumLedger: a provenance ledger for quantum-computing runs.

    The server URL comes from QL_URL (default http://127.0.0.1:$QL_PORT), the API key from
    QL_TOKEN or the dev key that `make run` wrote to $QL_HOME/dev-api-key.
    """


cli.add_command(ingest)
cli.add_command(runs)
cli.add_command(verify)
cli.add_command(ops)
cli.add_command(admin)
cli.add_command(dev)
cli.add_command(corpus)


def main() -> None:
    try:
        cli(standalone_mode=True)
    except KeyboardInterrupt:
        sys.exit(130)


if __name__ == "__main__":
    main()
