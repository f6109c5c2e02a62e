"""``ql attest issue|show|evidence|verify|ls|revoke``: compliance attestations."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click
import msgspec

from quantumledger.attest import load_attestation, load_jwks, verify_attestation
from quantumledger.cli._common import EXIT_VERIFY, client, echo_json, failure, json_option, table
from quantumledger.client import Client
from quantumledger.errors import QuantumLedgerError
from quantumledger.models import EvidenceDownload, Verification

__all__ = ["attest"]

_OUTPUT = click.Path(dir_okay=False, path_type=Path)


@click.group()
def attest() -> None:
    """Compliance attestations: issue one over your workspace's evidence, verify one anywhere."""


def _save(path: Path, value: object) -> None:
    path.write_text(json.dumps(msgspec.to_builtins(value), indent=2, ensure_ascii=False), encoding="utf-8")


def _download(c: Client, attestation_id: str, path: Path, page: int | None = None) -> EvidenceDownload:
    got = c.attestations.download_evidence(attestation_id, path, page=page)
    what = f"page {page} of {got.pages}" if page is not None else f"{got.count} items in {got.pages} pages"
    click.echo(f"  evidence saved to {path}: {what}, {got.bytes} bytes, sha256 {got.sha256}", err=True)
    return got


@attest.command("issue")
@click.argument("framework_id")
@click.option("-o", "--output", type=_OUTPUT, help="Save the attestation here (to verify it later, anywhere).")
@click.option("--evidence", "evidence_out", type=_OUTPUT, help="Also download its evidence bundle to this file.")
@json_option
def issue(framework_id: str, output: Path | None, evidence_out: Path | None, as_json: bool) -> None:
    """Sign an attestation over FRAMEWORK_ID's evaluation of your workspace now (the framework
    must be enabled). -o saves it and --evidence its evidence, for `ql attest verify`."""
    with client() as c:
        issued = c.attestations.issue(framework_id)
        if output:
            _save(output, issued)
        if evidence_out:
            _download(c, issued.attestation_id, evidence_out)
    if as_json:
        echo_json(issued)
        return
    click.echo(f"{issued.attestation_id}  {issued.framework_id}@{issued.framework_version}: {issued.status}")
    click.echo(f"  evidence root {issued.evidence_root} ({issued.evidence_count} items), key {issued.keyid}")
    if output:
        with_evidence = f" --evidence {evidence_out}" if evidence_out else ""
        click.echo(f"  saved to {output}; verify it offline with: ql attest verify {output}{with_evidence}")


@attest.command("show")
@click.argument("attestation_id")
@click.option("-o", "--output", type=_OUTPUT, help="Save it here (to verify it later, anywhere).")
@json_option
def show(attestation_id: str, output: Path | None, as_json: bool) -> None:
    """One of your attestations: framework, status, key and how much evidence it has."""
    with client() as c:
        record = c.attestations.get(attestation_id)
    if output:
        _save(output, record)
    if as_json:
        echo_json(record)
        return
    click.echo(f"{record.attestation_id}  {record.framework_id}@{record.framework_version}: {record.status}")
    click.echo(f"  issued {record.issued_at}, key {record.keyid}, evidence root {record.evidence_root}")
    if record.evidence is not None:
        click.echo(f"  evidence: {record.evidence.count} items, {record.evidence.bytes} bytes")
    if record.revoked:
        click.echo(f"  REVOKED at {record.revoked_at}: {record.revocation_reason}")


@attest.command("evidence")
@click.argument("attestation_id")
@click.option("-o", "--output", type=_OUTPUT, required=True, help="The file to write the evidence bundle to.")
@click.option("--page", type=click.IntRange(min=0), help="Only this page of 1,024 items (from 0).")
def evidence(attestation_id: str, output: Path, page: int | None) -> None:
    """Download ATTESTATION_ID's evidence bundle: the exact bytes its statement signs (streamed
    to the file, checked against the digest the ledger sends). Verify it offline with
    `ql attest verify ATTESTATION.json --evidence FILE`."""
    with client() as c:
        _download(c, attestation_id, output, page)


def _report(name: str, v: Verification) -> None:
    state = "VALID" if v.valid else "INVALID"
    where = "offline" if v.offline else "by the ledger"
    click.echo(f"{state}  {name}  (checked {where})")
    if v.attestation_id:
        framework = f"{v.framework_id}@{v.framework_version}"
        click.echo(f"  attestation {v.attestation_id}: {framework}, workspace {v.workspace_id}")
    click.echo(f"  signature {'ok (key ' + str(v.keyid) + ')' if v.signature_valid else 'BAD'}")
    if v.signature_valid and v.evidence_checked:
        click.echo(f"  evidence checked item by item against the signed root {v.evidence_root}")
    elif v.signature_valid:
        click.echo("  evidence not checked: add --evidence FILE (ql attest evidence ID -o FILE) or --fetch-evidence")
    if v.revoked:
        click.echo(f"  REVOKED at {v.revoked_at}: {v.revocation_reason}")
    elif v.offline and not v.revocation_checked:
        click.echo("  revocation not checked: it is the ledger's fact (--revocations FILE, or --online)")
    else:
        click.echo("  not revoked")
    for e in v.errors:
        click.echo(f"  error: {e}")


def _verified(
    path: Path,
    target: str,
    evidence_file: Path | None,
    fetch_evidence: bool,
    jwks_file: Path | None,
    revocations: Path | None,
    online: bool,
) -> Verification:
    if online:
        with client() as c:
            if path.is_file():
                return c.attestations.verify_envelope(load_attestation(path)[0])
            return c.attestations.verify(target)
    if fetch_evidence:
        with client() as c:
            listed = revocations.read_bytes() if revocations else None
            return c.attestations.verify_offline(path, fetch_evidence=True, revocations=listed)
    if jwks_file is not None:
        keys = load_jwks(jwks_file)
    else:
        with client() as c:
            keys = c.attestations.jwks()
    return verify_attestation(path, keys, evidence=evidence_file, revocations=revocations)


@attest.command("verify")
@click.argument("target")
@click.option(
    "--evidence",
    "evidence_file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="The evidence bundle (`ql attest evidence`): every item is checked against the signed root.",
)
@click.option(
    "--fetch-evidence", is_flag=True, help="Stream the evidence from the ledger into the check (your attestation)."
)
@click.option(
    "--jwks",
    "jwks_file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="The published keys from a file: no network at all (default: fetched from the server once).",
)
@click.option(
    "--revocations",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="A signed revocation list (/.well-known/quantumledger-revocations.json) to check revocation offline.",
)
@click.option("--online", is_flag=True, help="Ask the ledger instead (TARGET: a file or an attestation id).")
@json_option
def verify(
    target: str,
    evidence_file: Path | None,
    fetch_evidence: bool,
    jwks_file: Path | None,
    revocations: Path | None,
    online: bool,
    as_json: bool,
) -> None:
    """Verify an attestation: TARGET is a file (an envelope, or what `ql attest issue -o` saved).

    Offline (the default) the signature is checked against the JWKS and the statement read; with
    --evidence (or --fetch-evidence) every evidence item is re-hashed and checked against the
    signed Merkle root and bundle digests, a block at a time. Revocation is only known to the
    ledger: pass a signed revocation list, or use --online. Exit 3 if the attestation is invalid
    or revoked."""
    path = Path(target)
    if evidence_file and fetch_evidence:
        raise click.UsageError("--evidence or --fetch-evidence, not both")
    if fetch_evidence and jwks_file is not None:
        raise click.UsageError("--fetch-evidence verifies with the ledger's keys; drop --jwks")
    if not online and not path.is_file():
        raise click.UsageError(f"{target}: no such file (an attestation id needs --online)")
    try:
        v = _verified(path, target, evidence_file, fetch_evidence, jwks_file, revocations, online)
    except QuantumLedgerError as exc:  # not an attestation, a revocation list that does not verify
        raise failure(exc) from exc
    if as_json:
        echo_json(v)
    else:
        _report(target, v)
    if not v.valid or v.revoked:
        sys.exit(EXIT_VERIFY)


@attest.command("ls")
@click.option("--limit", default=100, show_default=True, type=click.IntRange(1, 500), help="Attestations a page.")
@click.option("--cursor", help="Start at this page (printed after a page when there are more).")
@click.option("--all", "every", is_flag=True, help="Every page, not just one.")
@json_option
def ls(limit: int, cursor: str | None, every: bool, as_json: bool) -> None:
    """Your workspace's attestations, newest first."""
    with client() as c:
        if every:
            items, nxt = list(c.attestations.iter(limit=limit)), None
        else:
            page = c.attestations.list(limit=limit, cursor=cursor)
            items, nxt = page.items, page.next_cursor
    if as_json:
        echo_json(items)
    else:
        rows = [
            (
                a.attestation_id,
                f"{a.framework_id}@{a.framework_version}",
                a.status,
                a.issued_at,
                a.revoked and "revoked",
            )
            for a in items
        ]
        table(rows, ("ATTESTATION_ID", "FRAMEWORK", "STATUS", "ISSUED", "REVOKED"))
    if nxt:
        click.echo(f"more: ql attest ls --cursor {nxt}", err=True)


@attest.command("revoke")
@click.argument("attestation_id")
@click.option("--reason", required=True, help="Why it is withdrawn (published with the revocation).")
def revoke(attestation_id: str, reason: str) -> None:
    """Revoke ATTESTATION_ID; verifying it reports the revocation from then on."""
    with client() as c:
        r = c.attestations.revoke(attestation_id, reason)
    again = " (already revoked)" if r.already_revoked else ""
    click.echo(f"{r.attestation_id} revoked at {r.revoked_at}: {r.reason}{again}")
