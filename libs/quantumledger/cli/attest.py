"""``ql attest issue|verify|ls|revoke``: compliance attestations."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click
import msgspec

from quantumledger.attest import load_attestation, load_jwks, verify_attestation
from quantumledger.cli._common import EXIT_VERIFY, client, echo_json, json_option, table
from quantumledger.models import Verification

__all__ = ["attest"]


@click.group()
def attest() -> None:
    """Compliance attestations: issue one over your workspace's evidence, verify one anywhere."""


@attest.command("issue")
@click.argument("framework_id")
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write the attestation (envelope and evidence) to this file, to verify it later.",
)
@json_option
def issue(framework_id: str, output: Path | None, as_json: bool) -> None:
    """Sign an attestation over FRAMEWORK_ID's evaluation of your workspace now (the framework
    must be enabled). With -o, the envelope and its evidence items are saved for `ql attest verify`."""
    with client() as c:
        issued = c.attestations.issue(framework_id)
        record = c.attestations.get(issued.attestation_id) if output else None
    if output and record is not None:
        output.write_text(json.dumps(msgspec.to_builtins(record), indent=2, ensure_ascii=False), encoding="utf-8")
    if as_json:
        echo_json(issued)
        return
    click.echo(f"{issued.attestation_id}  {issued.framework_id}@{issued.framework_version}: {issued.status}")
    click.echo(f"  evidence root {issued.evidence_root} ({issued.evidence_count} items), key {issued.keyid}")
    if output:
        click.echo(f"  saved to {output}; verify it offline with: ql attest verify {output}")


def _report(name: str, v: Verification) -> None:
    state = "VALID" if v.valid else "INVALID"
    where = "offline" if v.offline else "by the ledger"
    click.echo(f"{state}  {name}  (checked {where})")
    if v.attestation_id:
        framework = f"{v.framework_id}@{v.framework_version}"
        click.echo(f"  attestation {v.attestation_id}: {framework}, workspace {v.workspace_id}")
    click.echo(f"  signature {'ok (key ' + str(v.keyid) + ')' if v.signature_valid else 'BAD'}")
    if v.signature_valid:
        click.echo(f"  evidence {'checked' if v.evidence_checked else 'not checked'}, root {v.evidence_root}")
    if v.revoked:
        click.echo(f"  REVOKED at {v.revoked_at}: {v.revocation_reason}")
    elif v.offline and not v.revocation_checked:
        click.echo("  revocation not checked: it is the ledger's fact (--revocations FILE, or --online)")
    else:
        click.echo("  not revoked")
    for e in v.errors:
        click.echo(f"  error: {e}")


@attest.command("verify")
@click.argument("target")
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
def verify(target: str, jwks_file: Path | None, revocations: Path | None, online: bool, as_json: bool) -> None:
    """Verify an attestation: TARGET is a file (an envelope, or what `ql attest issue -o` saved).

    Offline (the default) the signature is checked against the JWKS, the statement read, and the
    evidence (when the file has it) re-hashed to the signed digests and Merkle root. Revocation
    is only known to the ledger: pass a signed revocation list, or use --online. Exit 3 if the
    attestation is invalid or revoked."""
    path = Path(target)
    if online:
        with client() as c:
            if path.is_file():
                v = c.attestations.verify_envelope(load_attestation(path)[0])
            else:
                v = c.attestations.verify(target)
    else:
        if not path.is_file():
            raise click.UsageError(f"{target}: no such file (an attestation id needs --online)")
        if jwks_file is not None:
            keys = load_jwks(jwks_file)
        else:
            with client() as c:
                keys = c.attestations.jwks()
        v = verify_attestation(path, keys, revocations=revocations)
    if as_json:
        echo_json(v)
    else:
        _report(target, v)
    if not v.valid or v.revoked:
        sys.exit(EXIT_VERIFY)


@attest.command("ls")
@json_option
def ls(as_json: bool) -> None:
    """Your workspace's attestations, newest first."""
    with client() as c:
        items = c.attestations.list()
    if as_json:
        echo_json(items)
        return
    rows = [
        (a.attestation_id, f"{a.framework_id}@{a.framework_version}", a.status, a.issued_at, a.revoked and "revoked")
        for a in items
    ]
    table(rows, ("ATTESTATION_ID", "FRAMEWORK", "STATUS", "ISSUED", "REVOKED"))


@attest.command("revoke")
@click.argument("attestation_id")
@click.option("--reason", required=True, help="Why it is withdrawn (published with the revocation).")
def revoke(attestation_id: str, reason: str) -> None:
    """Revoke ATTESTATION_ID; verifying it reports the revocation from then on."""
    with client() as c:
        r = c.attestations.revoke(attestation_id, reason)
    again = " (already revoked)" if r.already_revoked else ""
    click.echo(f"{r.attestation_id} revoked at {r.revoked_at}: {r.reason}{again}")
