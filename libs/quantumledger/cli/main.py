"""``ql``: the QuantumLedger command line (``ql --help``; every command has ``--help``)."""

from __future__ import annotations

import sys
from importlib.metadata import entry_points

import click

from quantumledger.cli.runs import ingest, runs, verify
from quantumledger.cli.witness import witness

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
cli.add_command(witness)

PLUGIN_GROUP = "quantumledger.cli"


def load_plugins(group: click.Group = cli) -> None:
    """Add the commands of installed plugins: each entry point of ``quantumledger.cli`` is a function
    taking the ``ql`` group. The server package adds its operator commands this way (``ql dev``,
    ``ql ops``, ``ql admin``, ``ql corpus``); the SDK alone has none and imports no server code."""
    for ep in entry_points(group=PLUGIN_GROUP):
        ep.load()(group)


load_plugins()


def main() -> None:
    try:
        cli(standalone_mode=True)
    except KeyboardInterrupt:
        sys.exit(130)


if __name__ == "__main__":
    main()
