"""``ql verify`` for what the transparency log proves: proof bundles, checkpoints, fork evidence.

Offline, against the log keys given with ``--log-key`` (the log's vkey, from
``/.well-known/quantumledger-log.json`` or its documentation; never taken from the file checked):

* a card JSON or an attestation JSON with ``transparency``: the document bytes are rebuilt from
  the JSON and checked against the entry, the entry against the signed checkpoint;
* a ``.tlog-proof`` file, or the JSON of ``/api/v1/log/bundle``: the bundle alone;
* a run document with ``--bundle FILE``: its ``run_hash`` (as for any run) and its commitment;
* two or more checkpoints: are they one history? Two roots for one size is a fork; for two
  sizes, ``--url`` rebuilds the consistency proof from the log's tiles;
* fork evidence (from ``ql witness check``): re-checked with the log's key alone.

Exit status: 0 when everything verifies, 1 when something does not, 3 when a fork is proven.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click
from qlprov.tlog.bundle import BundleVerification, verify_bundle
from qlprov.tlog.checkpoint import CheckpointError, SignedCheckpoint, open_checkpoint, parse_checkpoint_note
from qlprov.tlog.cosignature import CosignatureVerifier
from qlprov.tlog.encoding import FormatError
from qlprov.tlog.fork import ForkVerdict, verify_fork_evidence
from qlprov.tlog.note import NoteError

__all__ = ["FORK_EXIT", "applies", "options", "run"]

FORK_EXIT = 3
PROOF_HEADER = b"c2sp.org/tlog-proof@v1\n"


def options(f: Callable[..., Any]) -> Callable[..., Any]:
    """The options ``ql verify`` takes for transparency checks."""
    for decorator in reversed(
        (
            click.option("--log-key", "log_key", multiple=True, help="A trusted log vkey (repeatable)."),
            click.option("--witness-key", "witness_key", multiple=True, help="A trusted witness vkey (repeatable)."),
            click.option("--min-witnesses", type=click.IntRange(0, 100), default=0, help="Cosignatures required."),
            click.option(
                "--bundle", type=click.Path(exists=True, dir_okay=False, path_type=Path), help="Proof of FILE."
            ),
            click.option("--url", help="A log to rebuild consistency proofs from (checkpoints of two sizes)."),
        )
    ):
        f = decorator(f)
    return f


def _json(path: Path) -> Any:
    try:
        return json.loads(path.read_bytes())
    except (ValueError, OSError):
        return None


def _is_checkpoint(raw: bytes) -> bool:
    try:
        parse_checkpoint_note(raw)
    except CheckpointError:
        return False
    return True


def _kind(path: Path) -> str:
    raw = path.read_bytes()[:1_000_000]
    if raw.startswith(PROOF_HEADER):
        return "proof"
    doc = _json(path)
    if isinstance(doc, dict):
        if doc.get("type") == "quantumledger/fork-evidence/1":
            return "evidence"
        if isinstance(doc.get("transparency"), dict):
            return "attestation" if "envelope" in doc else "card"
        if "transparency" in doc and doc["transparency"] is None:
            return "unlogged"  # a card or attestation fetched before a signed checkpoint covered it
        if isinstance(doc.get("bundle"), str):
            return "bundle"
        return "document"
    return "checkpoint" if _is_checkpoint(raw) else "other"


def applies(files: tuple[Path, ...], log_key: tuple[str, ...], bundle: Path | None, **_: Any) -> bool:
    """Whether ``ql verify`` is asked about the log rather than only run documents."""
    return bool(log_key or bundle) or any(_kind(f) not in ("document", "other") for f in files)


def _bundle_text(path: Path) -> bytes:
    """A ``.tlog-proof`` file as it is, or the ``bundle`` member of a JSON that has one."""
    raw = path.read_bytes()
    doc = _json(path) if raw[:1] == b"{" else None
    return str(doc["bundle"]).encode() if isinstance(doc, dict) and isinstance(doc.get("bundle"), str) else raw


def _run_document(path: Path) -> bool:
    from quantumledger.errors import VerificationError
    from quantumledger.verify import verify

    try:
        click.echo(f"OK    {path}  run_hash={verify(path).run_hash}")
    except VerificationError as exc:
        click.echo(f"FAIL  {path}  {exc}")
        return False
    return True


def _report(path: Path, label: str, result: BundleVerification) -> bool:
    if result.ok and result.entry is not None and result.checkpoint is not None:
        cp = result.checkpoint.checkpoint
        witnesses = f", cosigned by {', '.join(c.name for c in result.cosigners)}" if result.cosigners else ""
        click.echo(f"OK    {path}  {label}: {result.entry.kind} {result.entry.subject} at {result.entry.time},")
        click.echo(f"      in {cp.origin} at size {cp.size}{witnesses}")
        return True
    failed = result.failed
    click.echo(f"FAIL  {path}  {label}: {failed.step}: {failed.detail}" if failed else f"FAIL  {path}  {label}")
    return False


def _checkpoints(paths: list[Path], logs: Any, url: str | None) -> int:
    from quantumledger.transparency import LogClient, compare_checkpoints

    signed: list[tuple[Path, SignedCheckpoint]] = []
    for p in paths:
        try:
            signed.append((p, open_checkpoint(p.read_bytes(), logs)))
            click.echo(
                f"OK    {p}  checkpoint of {signed[-1][1].checkpoint.origin} at size {signed[-1][1].checkpoint.size}"
            )
        except (CheckpointError, NoteError) as exc:
            click.echo(f"FAIL  {p}  checkpoint: {exc}")
            return 1
    signed.sort(key=lambda x: x[1].checkpoint.size)
    status = 0
    client = LogClient(url) if url else None
    try:
        for (pa, a), (pb, b) in itertools.combinations(signed, 2):
            if a.checkpoint.origin != b.checkpoint.origin:
                continue
            check = compare_checkpoints(a.encoded, b.encoded, logs, client=client)
            if check.verdict is ForkVerdict.FORK:
                click.echo(f"FORK  {pa} and {pb}: {check.detail}: the log signed two histories")
                if check.evidence is not None:
                    from quantumledger.witness.monitor import evidence_to_json

                    click.echo(json.dumps(evidence_to_json(check.evidence), indent=2))
                status = FORK_EXIT
            elif check.verdict is ForkVerdict.UNPROVEN:
                click.echo(f"?     {pa} and {pb}: sizes differ; give --url to rebuild the proof from the log's tiles")
                status = max(status, 1)
            else:
                click.echo(f"OK    {pa} and {pb}: {check.detail}")
    finally:
        if client is not None:
            client.close()
    return status


def run(
    files: tuple[Path, ...],
    log_key: tuple[str, ...],
    witness_key: tuple[str, ...],
    min_witnesses: int,
    bundle: Path | None,
    url: str | None,
) -> int:
    """Check every file (see the module docstring); the exit status."""
    from qlprov.hashing import canonical_body

    from quantumledger.transparency import log_keys, verify_attestation, verify_card
    from quantumledger.witness.monitor import evidence_from_json

    if not log_key:
        raise click.UsageError("give the log's key with --log-key (its vkey, /.well-known/quantumledger-log.json)")
    try:
        logs = log_keys(log_key)
        witnesses = [CosignatureVerifier.from_vkey(v) for v in witness_key]
    except FormatError as exc:
        raise click.BadParameter(str(exc)) from exc
    kw: dict[str, Any] = {"witnesses": witnesses, "min_witnesses": min_witnesses}
    ok, forks, checkpoints = True, False, []
    for f in files:
        kind = _kind(f)
        if kind == "card":
            ok &= _report(f, "card", verify_card(_json(f), logs, **kw))
        elif kind == "attestation":
            for label, result in verify_attestation(_json(f), logs, **kw):
                ok &= _report(f, f"attestation {label}", result)
        elif kind in ("proof", "bundle") or (kind == "document" and bundle is not None):
            document = None
            if kind == "document":
                ok &= _run_document(f)
                document = canonical_body(_json(f))
            text = _bundle_text(bundle if kind == "document" and bundle is not None else f)
            result = verify_bundle(text, logs, document=document, witness_keys=witnesses, min_witnesses=min_witnesses)
            ok &= _report(f, "proof", result)
        elif kind == "evidence":
            try:
                verify_fork_evidence(evidence_from_json(_json(f)), logs)
            except (ValueError, KeyError, NoteError) as exc:
                click.echo(f"FAIL  {f}  fork evidence does not hold: {exc}")
                ok = False
            else:
                click.echo(f"FORK  {f}  proven: the log signed two histories")
                forks = True
        elif kind == "unlogged":
            what = "attestation" if "envelope" in _json(f) else "card"
            click.echo(
                f"FAIL  {f}  this {what} is not in the log yet: no signed checkpoint covered it when it was"
                " fetched (its transparency member is null); fetch it again after the next checkpoint"
            )
            ok = False
        elif kind == "checkpoint":
            checkpoints.append(f)
        elif kind == "document":
            ok &= _run_document(f)
        else:
            click.echo(f"FAIL  {f}  not a card, attestation, proof, checkpoint or fork evidence")
            ok = False
    status = _checkpoints(checkpoints, logs, url) if checkpoints else 0
    if forks or status == FORK_EXIT:
        return FORK_EXIT
    return 0 if ok and status == 0 else 1
