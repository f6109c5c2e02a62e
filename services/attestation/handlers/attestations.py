"""Attestations: issue over fresh evidence, read, revoke, the revocation list (verifying is
``handlers.verification``, the evidence itself ``handlers.evidence``).

Issuing evaluates the framework again on the current state (recording the evaluation when it
changed), stores the evidence items in the Object Store, signs an in-toto Statement over the
result in a DSSE envelope with the active key, and logs the envelope with the name of the
evidence: verify recomputes the evidence root from what was stored, never from the current state.
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
from qlprov.attest import JWKS_PATH, REVOCATIONS_PATH, Statement, encode_envelope, read_statement, sign_revocation_list
from ulid import ULID

from services.attestation import store
from services.attestation.domain import issue_attestation
from services.attestation.handlers.compliance import framework_for, record_evaluation, workspace_lock
from services.attestation.handlers.evidence import owned_attestation, prove, store_evidence
from services.attestation.handlers.requests import (
    PUBLIC_CACHE,
    AttestationRef,
    AttestCommand,
    ListQuery,
    RevokeCommand,
    own,
)

if TYPE_CHECKING:
    from services.attestation.bootstrap import Deps

__all__ = ["get", "issue", "links", "list_attestations", "revocation_list", "revoke"]

MAX_REASON = 500


def links(deps: Deps, attestation_id: str) -> dict[str, str]:
    base = deps.rt.settings.base_url()
    path = f"{base}/api/v1/attestations/{quote(attestation_id, safe='')}"
    return {
        "verify_url": f"{path}/verify",
        "evidence_url": f"{path}/evidence",
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
        evaluation, _, seq = await record_evaluation(deps, req.ctx, conn, workspace_id, framework, now)
        result = evaluation.result
        evidence, manifest = await store_evidence(deps, evaluation)
        bundle = evidence.manifest.bundle
        attestation_id = str(ULID())
        signed = issue_attestation(
            result,
            deps.keyring,
            attestation_id=attestation_id,
            evaluated_at=now,
            issuer=deps.rt.settings.base_url(),
            subject_digest={"sha256": bundle.sha256, "blake3": bundle.blake3},
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
            evidence_set=manifest.name,
            evidence_count=len(result.evidence),
            evidence_bytes=bundle.bytes,
            status=result.status,
            result_digest=result.result_digest,
        )
        seq = max(seq, (await deps.rt.bus.append(event, msg_id=f"attestation:{attestation_id}")).seq)
        await deps.rt.applied(seq)
    links_ = links(deps, attestation_id)
    body: dict[str, Any] = {
        "attestation_id": attestation_id,
        "workspace_id": workspace_id,
        "framework_id": framework.id,
        "framework_version": framework.version,
        "status": result.status,
        "counts": result.counts,
        "evidence_root": result.evidence_root,
        "evidence_count": len(result.evidence),
        "evidence": _evidence_summary(signed.statement, len(result.evidence), bundle.bytes, links_),
        "result_digest": result.result_digest,
        "keyid": signed.keyid,
        "issued_at": now,
        "envelope": signed.envelope,
        "statement": signed.statement,
        **links_,
    }
    return json_reply(body, status=201, headers={"Location": links_["verify_url"]})


def _evidence_summary(statement: Statement, count: int, size: int, urls: dict[str, str]) -> dict[str, Any]:
    """How much evidence there is, its digests (the statement's subject) and where to fetch it."""
    return {"count": count, "bytes": size, "digest": statement.subject[0].digest, "url": urls["evidence_url"]}


async def get(deps: Deps, req: RpcRequest) -> RpcReply:
    """The owner's view: envelope and where the evidence is (its items are streamed from
    ``/evidence``); with ``evidence_id``, that one item and its RFC 9162 inclusion proof under the
    signed root (to disclose one item, not all)."""
    ref: AttestationRef = req.json(AttestationRef)
    workspace_id = own(req, req.ctx.workspace_id)
    row = await owned_attestation(deps, workspace_id, ref.attestation_id)
    urls = links(deps, ref.attestation_id)
    if ref.evidence_id is None:
        statement = read_statement(row.envelope)
        summary = _evidence_summary(statement, row.evidence_count, row.evidence_bytes, urls)
        return json_reply({**row.summary(), "envelope": row.envelope, "evidence": summary, **urls})
    item, proof = await prove(deps, row, ref.evidence_id)
    body = {"attestation_id": ref.attestation_id, "evidence_root": row.evidence_root, "item": item, "proof": proof}
    return json_reply({**body, **urls})


async def list_attestations(deps: Deps, req: RpcRequest) -> RpcReply:
    """A page of the workspace's attestations, newest first; ``X-Next-Cursor`` when more follow."""
    q: ListQuery = req.json(ListQuery)
    workspace_id = own(req, q.workspace_id)
    before = int(q.cursor) if q.cursor is not None else None
    async with deps.rt.pool.connection() as conn:
        rows = await store.attestations_of(conn, [workspace_id], limit=q.limit + 1, before_seq=before)
    headers = {"X-Next-Cursor": str(rows[q.limit - 1].seq)} if len(rows) > q.limit else {}
    return json_reply([{**r.summary(), **links(deps, r.attestation_id)} for r in rows[: q.limit]], headers=headers)


async def revoke(deps: Deps, req: RpcRequest) -> RpcReply:
    """Revoke once; revoking again answers the standing revocation (its reason and time)."""
    cmd: RevokeCommand = req.json(RevokeCommand)
    workspace_id, attestation_id = own(req, cmd.workspace_id), cmd.attestation_id
    reason = cmd.reason.strip()
    if not reason or len(reason) > MAX_REASON:
        raise Unprocessable(f"reason must be 1 to {MAX_REASON} characters", field="reason")
    row = await owned_attestation(deps, workspace_id, attestation_id)
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
        row = await owned_attestation(deps, workspace_id, attestation_id)
    body = {
        "attestation_id": attestation_id,
        "revoked": True,
        "revoked_at": row.revoked_at,
        "reason": row.revoked_reason,
        "already_revoked": already,
        **links(deps, attestation_id),
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
