"""Attestations: issue over fresh evidence, read, verify (public), revoke, the revocation list.

Issuing evaluates the framework again on the current state (recording the evaluation when it
changed), signs an in-toto Statement over the result in a DSSE envelope with the active key,
and logs the envelope together with its evidence items: verify recomputes the evidence root
from what was logged, never from the current state.
"""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

import msgspec
from qlcore.errors import Conflict, NotFound, Unprocessable
from qlcore.events import new_event_id, utcnow
from qlcore.events.attestation import AttestationIssued, AttestationRevoked
from qlcore.rpc import RpcReply, RpcRequest, json_reply
from ulid import ULID

from services.attestation import store
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
from services.attestation.handlers.compliance import framework_for, record_evaluation, workspace_lock
from services.attestation.handlers.keys import merged_jwks
from services.attestation.handlers.requests import (
    PUBLIC_CACHE,
    AttestationRef,
    AttestCommand,
    RevokeCommand,
    VerifyEnvelope,
    WorkspaceQuery,
    own,
)

if TYPE_CHECKING:
    from services.attestation.bootstrap import Deps

__all__ = [
    "JWKS_PATH",
    "REVOCATIONS_PATH",
    "get",
    "issue",
    "list_attestations",
    "revocation_list",
    "revoke",
    "verify",
    "verify_envelope",
]

JWKS_PATH = "/.well-known/quantumledger-jwks.json"
REVOCATIONS_PATH = "/.well-known/quantumledger-revocations.json"
MAX_REASON = 500


def _links(deps: Deps, attestation_id: str) -> dict[str, str]:
    base = deps.rt.settings.base_url()
    return {
        "verify_url": f"{base}/api/v1/attestations/{quote(attestation_id, safe='')}/verify",
        "jwks_url": base + JWKS_PATH,
        "revocations_url": base + REVOCATIONS_PATH,
    }


async def issue(deps: Deps, req: RpcRequest) -> RpcReply:
    """Sign an attestation over the enabled framework's evaluation of the current state."""
    cmd: AttestCommand = req.json(AttestCommand)
    workspace_id, framework_id = own(req, cmd.workspace_id), cmd.framework_id
    await deps.rt.caught_up(deps.config.caught_up_timeout_s)
    async with workspace_lock(deps, workspace_id) as conn:
        enabled = {e.framework_id: e for e in await store.enabled_frameworks(conn, workspace_id)}.get(framework_id)
        if enabled is None:
            if deps.catalog.get(framework_id) is None:
                raise NotFound(f"no framework {framework_id!r}")
            raise Conflict(
                f"enable {framework_id!r} for this workspace before attesting to it", framework_id=framework_id
            )
        framework = framework_for(deps.catalog, framework_id, enabled.framework_version)
        now = utcnow()
        result, _, seq = await record_evaluation(deps, req.ctx, conn, workspace_id, framework, now)
        attestation_id = str(ULID())
        signed = issue_attestation(
            result, deps.keyring, attestation_id=attestation_id, evaluated_at=now, issuer=deps.rt.settings.base_url()
        )
        event = AttestationIssued(
            event_id=new_event_id(),
            occurred_at=now,
            workspace_id=workspace_id,
            actor=req.ctx.actor,
            correlation_id=req.ctx.request_id or attestation_id,
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
        seq = max(seq, (await deps.rt.bus.append(event, msg_id=f"attestation:{attestation_id}")).seq)
        await deps.rt.applied(seq)
    links = _links(deps, attestation_id)
    body: dict[str, Any] = {
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
        **links,
    }
    return json_reply(body, status=201, headers={"Location": links["verify_url"]})


async def _own_attestation(deps: Deps, workspace_id: str, attestation_id: str) -> store.AttestationRow:
    async with deps.rt.pool.connection() as conn:
        row = await store.attestation(conn, attestation_id)
    if row is None or row.workspace_id != workspace_id:  # another workspace's is not found either
        raise NotFound(f"no attestation {attestation_id!r} in this workspace")
    return row


async def get(deps: Deps, req: RpcRequest) -> RpcReply:
    """The owner's full view: envelope and evidence items; with ``evidence_id``, that one item
    and its RFC 9162 inclusion proof under the signed root (to disclose one item, not all)."""
    ref: AttestationRef = req.json(AttestationRef)
    workspace_id = own(req, req.ctx.workspace_id)
    row = await _own_attestation(deps, workspace_id, ref.attestation_id)
    links = _links(deps, ref.attestation_id)
    evidence = sorted(row.evidence(), key=lambda item: item.id.encode())
    if ref.evidence_id is None:
        return json_reply({**row.summary(), "envelope": row.envelope, "evidence": evidence, **links})
    index = next((i for i, item in enumerate(evidence) if item.id == ref.evidence_id), None)
    if index is None:
        raise NotFound(f"no evidence item {ref.evidence_id!r} in attestation {ref.attestation_id!r}")
    proof = inclusion_proof([bytes.fromhex(item.digest) for item in evidence], index)
    body = {
        "attestation_id": ref.attestation_id,
        "evidence_root": row.evidence_root,
        "item": evidence[index],
        "proof": proof,
        **links,
    }
    return json_reply(body)


async def list_attestations(deps: Deps, req: RpcRequest) -> RpcReply:
    workspace_id = own(req, req.json(WorkspaceQuery).workspace_id)
    async with deps.rt.pool.connection() as conn:
        rows = await store.attestations_of(conn, [workspace_id])
    return json_reply([{**r.summary(), **_links(deps, r.attestation_id)} for r in rows])


def _revocations(row: store.AttestationRow) -> dict[str, Revocation]:
    if row.revoked_at is None:
        return {}
    return {
        row.attestation_id: Revocation(
            att_id=row.attestation_id, reason=row.revoked_reason or "", revoked_at=row.revoked_at
        )
    }


def _answer(deps: Deps, v: AttestationVerification, row: store.AttestationRow | None) -> dict[str, Any]:
    out: dict[str, Any] = msgspec.to_builtins(v)
    out["known"] = row is not None
    if row is not None:
        out |= {"issued_at": row.issued_at, "framework_status": row.status, **_links(deps, row.attestation_id)}
    return out


async def verify(deps: Deps, req: RpcRequest) -> RpcReply:
    """The stored attestation checked against the JWKS, its logged evidence and revocations."""
    attestation_id = req.json(AttestationRef).attestation_id
    async with deps.rt.pool.connection() as conn:
        row = await store.attestation(conn, attestation_id)
    if row is None:
        raise NotFound(f"no attestation {attestation_id!r}")
    keys = verify_keys(await merged_jwks(deps))
    v = verify_attestation(row.envelope, keys, evidence=row.evidence(), revocations=_revocations(row))
    errors = list(v.errors)
    if v.signature_valid and v.attestation_id != row.attestation_id:
        errors.append(f"the signed statement is attestation {v.attestation_id!r}, not {row.attestation_id!r}")
    if v.signature_valid and v.workspace_id != row.workspace_id:
        errors.append("the signed statement names another workspace")
    if errors != v.errors:
        v = msgspec.structs.replace(v, valid=False, errors=errors)
    return json_reply(_answer(deps, v, row), headers={"Cache-Control": "no-store"})


async def verify_envelope(deps: Deps, req: RpcRequest) -> RpcReply:
    """A DSSE envelope supplied by the caller, checked like a stored one; the evidence and the
    revocation come from the ledger when the signed statement names an attestation it issued."""
    envelope: Envelope = req.json(VerifyEnvelope).envelope
    keys = verify_keys(await merged_jwks(deps))
    first = verify_attestation(envelope, keys)
    if not first.signature_valid or first.attestation_id is None:
        return json_reply(_answer(deps, first, None))
    async with deps.rt.pool.connection() as conn:
        row = await store.attestation(conn, first.attestation_id)
    if row is None:
        return json_reply(_answer(deps, first, None))
    v = verify_attestation(envelope, keys, evidence=row.evidence(), revocations=_revocations(row))
    return json_reply(_answer(deps, v, row))


async def revoke(deps: Deps, req: RpcRequest) -> RpcReply:
    """Revoke once; revoking again answers the standing revocation (its reason and time)."""
    cmd: RevokeCommand = req.json(RevokeCommand)
    workspace_id, attestation_id = own(req, cmd.workspace_id), cmd.attestation_id
    reason = cmd.reason.strip()
    if not reason or len(reason) > MAX_REASON:
        raise Unprocessable(f"reason must be 1 to {MAX_REASON} characters", field="reason")
    row = await _own_attestation(deps, workspace_id, attestation_id)
    already = row.revoked_at is not None
    if not already:
        event = AttestationRevoked.new(
            actor=req.ctx.actor,
            workspace_id=workspace_id,
            correlation_id=req.ctx.request_id,
            attestation_id=attestation_id,
            reason=reason,
        )
        await deps.rt.applied((await deps.rt.bus.append(event, msg_id=f"revoke:{attestation_id}")).seq)
        row = await _own_attestation(deps, workspace_id, attestation_id)
    body = {
        "attestation_id": attestation_id,
        "revoked": True,
        "revoked_at": row.revoked_at,
        "reason": row.revoked_reason,
        "already_revoked": already,
        **_links(deps, attestation_id),
    }
    return json_reply(body)


async def revocation_list(deps: Deps, _: RpcRequest) -> RpcReply:
    """The signed list of every revocation, with a strong ETag.

    ``issued_at`` is the latest revocation's time (the first key's publication before any), and
    Ed25519 signatures are deterministic: the list is byte-identical until something changes.
    """
    async with deps.rt.pool.connection() as conn:
        items, latest = await store.revocations(conn)
        if latest is None:
            latest = await store.first_key_published_at(conn) or "1970-01-01T00:00:00Z"
    envelope = sign_revocation_list(items, deps.keyring, issuer=deps.rt.settings.base_url(), issued_at=latest)
    body = encode_envelope(envelope)
    etag = '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
    return json_reply(body, headers={"ETag": etag, "Cache-Control": PUBLIC_CACHE})
