"""Public verification: a stored attestation, or an envelope someone holds, checked against the
JWKS, its stored evidence (every page, ``handlers.evidence``) and the revocations.

Checking the evidence of a workspace of 20,000 runs reads 38 MB of pages and recomputes 100,000
item digests (about a second of CPU, in a thread so the service keeps answering meanwhile).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import msgspec
from qlcore.errors import NotFound
from qlcore.rpc import RpcReply, RpcRequest, json_reply
from qlprov.attest import (
    AttestationVerification,
    Envelope,
    Revocation,
    verify_keys,
    verify_signed,
    with_evidence_errors,
)

from services.attestation import store
from services.attestation.handlers.attestations import links
from services.attestation.handlers.evidence import evidence_errors
from services.attestation.handlers.keys import merged_jwks
from services.attestation.handlers.requests import AttestationRef, VerifyEnvelope

if TYPE_CHECKING:
    from services.attestation.bootstrap import Deps

__all__ = ["envelope", "verify", "verify_envelope"]


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
        out |= {"issued_at": row.issued_at, "framework_status": row.status, **links(deps, row.attestation_id)}
    return out


async def _checked(deps: Deps, envelope: Envelope, row: store.AttestationRow, keys: Any) -> AttestationVerification:
    """Signature, statement, revocation and the stored evidence of ``row``."""
    v, statement = verify_signed(envelope, keys, revocations=_revocations(row))
    if statement is None:
        return v
    return with_evidence_errors(v, await evidence_errors(deps, statement, row.evidence_set))


async def verify(deps: Deps, req: RpcRequest) -> RpcReply:
    """The stored attestation checked against the JWKS, its stored evidence and revocations."""
    attestation_id = req.json(AttestationRef).attestation_id
    async with deps.rt.pool.connection() as conn:
        row = await store.attestation(conn, attestation_id)
    if row is None:
        raise NotFound(f"no attestation {attestation_id!r}")
    v = await _checked(deps, row.envelope, row, verify_keys(await merged_jwks(deps)))
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
    first, _ = verify_signed(envelope, keys)
    if not first.signature_valid or first.attestation_id is None:
        return json_reply(_answer(deps, first, None))
    async with deps.rt.pool.connection() as conn:
        row = await store.attestation(conn, first.attestation_id)
    if row is None:
        return json_reply(_answer(deps, first, None))
    return json_reply(_answer(deps, await _checked(deps, envelope, row, keys), row))


async def envelope(deps: Deps, req: RpcRequest) -> RpcReply:
    """The stored DSSE envelope of an attestation, as signed (public, like ``verify``): what a
    reader's browser checks on a card page with the JWKS alone. Immutable once issued (a
    revocation is a separate, signed list), so it may be cached."""
    attestation_id = req.json(AttestationRef).attestation_id
    async with deps.rt.pool.connection() as conn:
        row = await store.attestation(conn, attestation_id)
    if row is None:
        raise NotFound(f"no attestation {attestation_id!r}")
    return json_reply(row.envelope, headers={"Cache-Control": "public, max-age=3600"})
