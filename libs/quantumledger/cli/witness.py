"""``ql witness``: run a witness for a QuantumLedger's transparency log (c2sp.org/tlog-witness).

* ``ql witness keygen NAME --key FILE``: a new witness key; prints its vkey, which logs configure;
* ``ql witness serve --key FILE --state FILE --log VKEY``: answer ``POST /add-checkpoint``, so
  the log collects this witness's cosignatures on every checkpoint;
* ``ql witness check URL --log VKEY --state FILE [--key FILE]``: one round against a public
  QuantumLedger: fetch its checkpoint, check it extends what this witness saw, cosign and print
  it; a fork is reported with evidence (exit status 3).

The log's vkey is always given (``--log``), never fetched from the log it is meant to check.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import click
import httpx
from qlprov.tlog.cosignature import CosignatureSigner
from qlprov.tlog.encoding import FormatError
from qlprov.tlog.keys import Verifier

__all__ = ["witness"]

FORK_EXIT = 3


def _logs(vkeys: tuple[str, ...]) -> dict[str, list[Verifier]]:
    from quantumledger.transparency import log_keys

    try:
        return log_keys(vkeys)
    except FormatError as exc:
        raise click.BadParameter(str(exc), param_hint="--log") from exc


@click.group()
def witness() -> None:
    """Witness a transparency log: keep its latest checkpoint, cosign, catch forks."""


@witness.command("keygen")
@click.argument("name")
@click.option(
    "--key", "key_path", required=True, type=click.Path(dir_okay=False, path_type=Path), help="Key file to create."
)
def keygen(name: str, key_path: Path) -> None:
    """Make a witness key named NAME (e.g. witness.example.org/w1) and print its vkey."""
    from quantumledger.witness.keys import write_key

    try:
        signer = write_key(key_path, name)
    except (FileExistsError, FormatError) as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(signer.verifier().vkey())


def _signer(path: Path) -> CosignatureSigner:
    from quantumledger.witness.keys import WitnessKeyError, read_key

    try:
        return read_key(path)
    except (OSError, WitnessKeyError) as exc:
        raise click.ClickException(str(exc)) from exc


@witness.command("serve")
@click.option("--key", "key_path", required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--state", "state_path", required=True, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--log", "vkeys", multiple=True, required=True, help="vkey of a log to witness (repeatable).")
@click.option("--listen", default="127.0.0.1:7380", show_default=True, help="host:port to listen on.")
@click.option("--prefix", default="", help="Submission prefix (the path before /add-checkpoint).")
@click.option("--refusals", type=click.Path(dir_okay=False, path_type=Path), help="Append refused checkpoints here.")
def serve(
    key_path: Path, state_path: Path, vkeys: tuple[str, ...], listen: str, prefix: str, refusals: Path | None
) -> None:
    """Answer POST <prefix>/add-checkpoint until interrupted."""
    from quantumledger.witness.server import make_server
    from quantumledger.witness.state import FileWitnessStore

    host, _, port = listen.rpartition(":")
    signer = _signer(key_path)
    store = FileWitnessStore(state_path)
    server = make_server(host or "127.0.0.1", int(port), signer, _logs(vkeys), store, prefix=prefix, refusals=refusals)
    bound_host, bound_port = str(server.server_address[0]), int(server.server_address[1])
    where = f"http://{bound_host}:{bound_port}{prefix.rstrip('/')}/add-checkpoint"
    click.echo(f"witness {signer.name} listening on {where}", err=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


@witness.command("check")
@click.argument("url")
@click.option("--log", "vkeys", multiple=True, required=True, help="The log's vkey (never fetched from it).")
@click.option("--state", "state_path", required=True, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--key", "key_path", type=click.Path(exists=True, dir_okay=False, path_type=Path), help="Cosign with it.")
@click.option(
    "--evidence", "evidence_path", type=click.Path(dir_okay=False, path_type=Path), help="Write fork evidence here."
)
def check(
    url: str, vkeys: tuple[str, ...], state_path: Path, key_path: Path | None, evidence_path: Path | None
) -> None:
    """One round against the QuantumLedger at URL; prints the cosigned checkpoint."""
    from quantumledger.transparency import LogClient
    from quantumledger.witness.monitor import check_log, evidence_to_json
    from quantumledger.witness.state import FileWitnessStore

    try:
        signer = _signer(key_path) if key_path is not None else None
        with LogClient(url) as client:
            out = check_log(client, _logs(vkeys), FileWitnessStore(state_path), signer, time.time)
    except httpx.HTTPError as exc:
        raise click.ClickException(f"cannot read the log at {url}: {exc}") from exc
    sizes = f"{out.old_size} -> {out.new_size}" if out.new_size is not None else ""
    click.echo(f"{out.status.upper()}  {out.origin}  {sizes}  {out.detail}", err=True)
    if out.evidence is not None:
        evidence = json.dumps(evidence_to_json(out.evidence), indent=2)
        if evidence_path is not None:
            evidence_path.write_text(evidence + "\n")
        click.echo(evidence)
        sys.exit(FORK_EXIT)
    if not out.ok:
        sys.exit(1)
    if out.cosigned is not None:
        click.echo(out.cosigned.decode(), nl=False)
