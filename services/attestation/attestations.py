"""Attestations: issue over fresh evidence, read, verify (public), revoke, the revocation list.

Issuing evaluates the framework again on the current state (recording the evaluation when it
changed), signs an in-toto Statement over the result in a DSSE envelope with the active key,
and logs the envelope together with its evidence items: verify recomputes the evidence root
from what was logged, never from the current state.
"""

from __future__ import annotations

import hashlib
from typing import Any
from urllib.parse import quote

import msgspec
from qlcore.errors import Conflict, NotFound, Unprocessable
from qlcore.events import new_event_id, utcnow
from qlcore.events.attestation import AttestationIssued, AttestationRevoked
from qlcore.rpc import RpcContext
from qlcore.service import ServiceContext
from ulid import ULID

from services.attestation import store
from services.attestation.compliance import (
    catalog_of,
    caught_up,
    framework_for,
    record_evaluation,
    wait_applied,
    workspace_lock,
)
from services.attestation.domain import (
    AttestationVerification,
    Envelope,
    Revocation,
    encode_envelope,
    inclusion_proof,
    issue_attestation,
    sign_revocation_list,
    verify_attestation,
    verify_keys,
)
from services.attestation.keys import keyring_of, merged_jwks

__all__ = [
    "JWKS_PATH",
    "REVOCATIONS_PATH",
    "get",
    "issue",
    "list_for",
    "revocation_list",
    "revoke",
    "verify",
    "verify_envelope",
]

JWKS_PATH = "/.well-known/quantumledger-jwks.json"
REVOCATIONS_PATH = "/.well-known/quantumledger-revocations.json"
MAX_REASON = 500


def _links(ctx: ServiceContext, attestation_id: str) -> dict[str, str]:
    base = ctx.settings.base_url()
    return {
        "verify_url": f"{base}/api/v1/attestations/{quote(attestation_id, safe='')}/verify",
        "jwks_url": base + JWKS_PATH,
        "revocations_url": base + REVOCATIONS_PATH,
    }


async def issue(ctx: ServiceContext, rctx: RpcContext, workspace_id: str, framework_id: str) -> dict[str, Any]:
    """Sign an attestation over the enabled framework's evaluation of the current state."""
    catalog = catalog_of(ctx)
    keyring = keyring_of(ctx)
    await caught_up(ctx)
    async with workspace_lock(ctx, workspace_id) as conn:
        enabled = {e.framework_id: e for e in await store.enabled_frameworks(conn, workspace_id)}.get(framework_id)
        if enabled is None:
            if catalog.get(framework_id) is None:
                raise NotFound(f"no framework {framework_id!r}")
            raise Conflict(
                f"enable {framework_id!r} for this workspace before attesting to it", framework_id=framework_id
            )
        framework = framework_for(catalog, framework_id, enabled.framework_version)
        now = utcnow()
        result, _, seq = await record_evaluation(ctx, rctx, conn, workspace_id, framework, now)
        attestation_id = str(ULID())
        signed = issue_attestation(
            result, keyring, attestation_id=attestation_id, evaluated_at=now, issuer=ctx.settings.base_url()
        )
        event = AttestationIssued(
            event_id=new_event_id(),
            occurred_at=now,
            workspace_id=workspace_id,
            actor=rctx.actor,
            correlation_id=rctx.request_id or attestation_id,
            attestation_id=attestation_id,
            framework_id=framework.id,
            framework_version=framework.version,
            evidence_root=result.evidence_root,
            keyid=signed.keyid,
            envelope=msgspec.to_builtins(signed.envelope),
            evidence=msgspec.to_builtins(result.evidence),
            status=result.status,
            result_digest=result.result_digest,
        )
        seq = max(seq, (await ctx.bus.append(event, msg_id=f"attestation:{attestation_id}")).seq)
        await wait_applied(ctx, seq)
    return {
        "attestation_id": attestation_id,
        "workspace_id": workspace_id,
        "framework_id": framework.id,
        "framework_version": framework.version,
        "status": result.status,
        "counts": result.counts,
        "evidence_root": result.evidence_root,
        "evidence_count": len(result.evidence),
        "result_digest": result.result_digest,
        "keyid": signed.keyid,
        "issued_at": now,
        "envelope": signed.envelope,
        "statement": signed.statement,
        **_links(ctx, attestation_id),
    }


async def _own(ctx: ServiceContext, workspace_id: str, attestation_id: str) -> store.AttestationRow:
    async with ctx.pool.connection() as conn:
        row = await store.attestation(conn, attestation_id)
    if row is None or row.workspace_id != workspace_id:  # another workspace's is not found either
        raise NotFound(f"no attestation {attestation_id!r} in this workspace")
    return row


async def get(
    ctx: ServiceContext, workspace_id: str, attestation_id: str, evidence_id: str | None = None
) -> dict[str, Any]:
    """The owner's full view: envelope and evidence items; with ``evidence_id``, that one item
    and its RFC 9162 inclusion proof under the signed root (to disclose one item, not all)."""
    row = await _own(ctx, workspace_id, attestation_id)
    evidence = sorted(row.evidence(), key=lambda item: item.id.encode())
    if evidence_id is None:
        return {**row.summary(), "envelope": row.envelope, "evidence": evidence, **_links(ctx, attestation_id)}
    index = next((i for i, item in enumerate(evidence) if item.id == evidence_id), None)
    if index is None:
        raise NotFound(f"no evidence item {evidence_id!r} in attestation {attestation_id!r}")
    proof = inclusion_proof([bytes.fromhex(item.digest) for item in evidence], index)
    return {
        "attestation_id": attestation_id,
        "evidence_root": row.evidence_root,
        "item": evidence[index],
        "proof": proof,
        **_links(ctx, attestation_id),
    }


async def list_for(ctx: ServiceContext, workspace_id: str) -> list[dict[str, Any]]:
    async with ctx.pool.connection() as conn:
        rows = await store.attestations_of(conn, [workspace_id])
    return [{**r.summary(), **_links(ctx, r.attestation_id)} for r in rows]


def _revocations(row: store.AttestationRow) -> dict[str, Revocation]:
    if row.revoked_at is None:
        return {}
    return {
        row.attestation_id: Revocation(
            att_id=row.attestation_id, reason=row.revoked_reason or "", revoked_at=row.revoked_at
        )
    }


def _answer(ctx: ServiceContext, v: AttestationVerification, row: store.AttestationRow | None) -> dict[str, Any]:
    out: dict[str, Any] = msgspec.to_builtins(v)
    out["known"] = row is not None
    if row is not None:
        out |= {"issued_at": row.issued_at, "framework_status": row.status, **_links(ctx, row.attestation_id)}
    return out


async def verify(ctx: ServiceContext, attestation_id: str) -> dict[str, Any]:
    """The stored attestation checked against the JWKS, its logged evidence and revocations."""
    async with ctx.pool.connection() as conn:
        row = await store.attestation(conn, attestation_id)
    if row is None:
        raise NotFound(f"no attestation {attestation_id!r}")
    keys = verify_keys(await merged_jwks(ctx))
    v = verify_attestation(row.envelope, keys, evidence=row.evidence(), revocations=_revocations(row))
    errors = list(v.errors)
    if v.signature_valid and v.attestation_id != row.attestation_id:
        errors.append(f"the signed statement is attestation {v.attestation_id!r}, not {row.attestation_id!r}")
    if v.signature_valid and v.workspace_id != row.workspace_id:
        errors.append("the signed statement names another workspace")
    if errors != v.errors:
        v = msgspec.structs.replace(v, valid=False, errors=errors)
    return _answer(ctx, v, row)


async def verify_envelope(ctx: ServiceContext, envelope: Envelope) -> dict[str, Any]:
    """A DSSE envelope supplied by the caller, checked like a stored one; the evidence and the
    revocation come from the ledger when the signed statement names an attestation it issued."""
    keys = verify_keys(await merged_jwks(ctx))
    first = verify_attestation(envelope, keys)
    if not first.signature_valid or first.attestation_id is None:
        return _answer(ctx, first, None)
    async with ctx.pool.connection() as conn:
        row = await store.attestation(conn, first.attestation_id)
    if row is None:
        return _answer(ctx, first, None)
    v = verify_attestation(envelope, keys, evidence=row.evidence(), revocations=_revocations(row))
    return _answer(ctx, v, row)


async def revoke(
    ctx: ServiceContext, rctx: RpcContext, workspace_id: str, attestation_id: str, reason: str
) -> dict[str, Any]:
    """Revoke once; revoking again answers the standing revocation (its reason and time)."""
    reason = reason.strip()
    if not reason or len(reason) > MAX_REASON:
        raise Unprocessable(f"reason must be 1 to {MAX_REASON} characters", field="reason")
    row = await _own(ctx, workspace_id, attestation_id)
    already = row.revoked_at is not None
    if not already:
        event = AttestationRevoked.new(
            actor=rctx.actor,
            workspace_id=workspace_id,
            correlation_id=rctx.request_id,
            attestation_id=attestation_id,
            reason=reason,
        )
        await wait_applied(ctx, (await ctx.bus.append(event, msg_id=f"revoke:{attestation_id}")).seq)
        row = await _own(ctx, workspace_id, attestation_id)
    return {
        "attestation_id": attestation_id,
        "revoked": True,
        "revoked_at": row.revoked_at,
        "reason": row.revoked_reason,
        "already_revoked": already,
        **_links(ctx, attestation_id),
    }


async def revocation_list(ctx: ServiceContext) -> tuple[bytes, str]:
    """The signed list of every revocation and its strong ETag.

    ``issued_at`` is the latest revocation's time (the first key's publication before any), and
    Ed25519 signatures are deterministic: the list is byte-identical until something changes.
    """
    async with ctx.pool.connection() as conn:
        items, latest = await store.revocations(conn)
        if latest is None:
            row = await (await conn.execute("SELECT min(published_at) FROM signing_keys")).fetchone()
            latest = (row[0] if row else None) or "1970-01-01T00:00:00Z"
    envelope = sign_revocation_list(items, keyring_of(ctx), issuer=ctx.settings.base_url(), issued_at=latest)
    body = encode_envelope(envelope)
    return body, '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
