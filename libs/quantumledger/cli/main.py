"""``ql``: the QuantumLedger command line, on the SDK only (``ql --help``; every command has ``--help``)."""

from __future__ import annotations

import sys
from importlib.metadata import entry_points

import click

from quantumledger.cli._common import EXIT_CODES_HELP
from quantumledger.cli.account import keys, login, logout, whoami
from quantumledger.cli.attest import attest
from quantumledger.cli.cards import cards
from quantumledger.cli.leaderboard import leaderboard
from quantumledger.cli.members import members
from quantumledger.cli.reproduce import report, reproduce
from quantumledger.cli.runs import ingest, runs, verify
from quantumledger.cli.witness import witness

__all__ = ["cli", "main"]


@click.group(context_settings={"help_option_names": ["-h", "--help"]}, epilog=EXIT_CODES_HELP)
@click.version_option(package_name="quantumledger", prog_name="ql")
@click.option("--url", envvar="QL_URL", help="Server URL  [env QL_URL; default http://127.0.0.1:$QL_PORT, 8000]")
@click.option(
    "--token",
    envvar="QL_TOKEN",
    help="API key or session token  [env QL_TOKEN; else `ql login`'s session, else make run's dev key]",
)
@click.pass_context
def cli(ctx: click.Context, url: str | None, token: str | None) -> None:
    """QuantumLedger: a provenance ledger for quantum-computing runs.

    \b
    Start:   ql login (or QL_TOKEN=ql_live_...), then ql ingest runs/, ql runs ls
    Share:   ql cards publish RUN --author NAME, ql cards cite SLUG
    Check:   ql verify FILE (offline), ql reproduce RUN --wait, ql report RUN
    Comply:  ql attest issue FRAMEWORK -o att.json --evidence ev.json,
             ql attest verify att.json --evidence ev.json (offline)
    Team:    ql members invite EMAIL --role member, ql members ls, ql keys create NAME
    """
    ctx.obj = {"url": url, "token": token}


for command in (
    ingest,
    runs,
    verify,
    cards,
    reproduce,
    report,
    leaderboard,
    attest,
    witness,
    login,
    logout,
    whoami,
    keys,
    members,
):
    cli.add_command(command)

PLUGIN_GROUP = "quantumledger.cli"


def load_plugins(group: click.Group = cli) -> None:
    """Add the commands of installed plugins: each entry point of ``quantumledger.cli`` is a function
    taking the ``ql`` group. The server package adds its operator commands this way (``ql dev``,
    ``ql ops``, ``ql admin``, ``ql corpus``); the SDK alone has none and imports no server code."""
    for ep in entry_points(group=PLUGIN_GROUP):
        try:
            register = ep.load()
        except ImportError as exc:  # a broken plugin costs its own commands, never the SDK's
            click.echo(f"ql: the plugin {ep.name!r} ({ep.value}) could not be loaded: {exc}", err=True)
            continue
        register(group)


load_plugins()


def main() -> None:
    try:
        cli(standalone_mode=True)
    except KeyboardInterrupt:
        sys.exit(130)


if __name__ == "__main__":
    main()
