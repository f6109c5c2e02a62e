"""Issued attestations (envelope, where the evidence is, revocation) and the published signing keys."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import msgspec
import psycopg
from psycopg import AsyncConnection
from qlprov.attest import Envelope, Jwk, Revocation

__all__ = [
    "AttestationRow",
    "NewAttestation",
    "attestation",
    "attestation_count",
    "attestations_of",
    "first_key_published_at",
    "insert_attestation",
    "key_published",
    "published_keys",
    "revocations",
    "revoke_attestation",
    "upsert_signing_key",
]


@dataclass(frozen=True)
class NewAttestation:
    """An ``attestation.issued`` as the table keeps it."""

    attestation_id: str
    workspace_id: str
    framework_id: str
    framework_version: str
    status: str
    result_digest: str
    evidence_root: str
    keyid: str
    envelope_json: str
    evidence_set: str
    evidence_count: int
    evidence_bytes: int
    issued_at: str
    issued_by: str
    seq: int


@dataclass(frozen=True)
class AttestationRow:
    attestation_id: str
    workspace_id: str
    framework_id: str
    framework_version: str
    status: str
    result_digest: str
    evidence_root: str
    keyid: str
    envelope: Envelope
    evidence_set: str  # the manifest's object (domain.evidence_set)
    evidence_count: int
    evidence_bytes: int
    issued_at: str
    revoked_at: str | None
    revoked_reason: str | None
    seq: int

    def summary(self) -> dict[str, Any]:
        """What lists show: never the evidence, which may name runs and keys."""
        return {
            "attestation_id": self.attestation_id,
            "workspace_id": self.workspace_id,
            "framework_id": self.framework_id,
            "framework_version": self.framework_version,
            "status": self.status,
            "result_digest": self.result_digest,
            "evidence_root": self.evidence_root,
            "keyid": self.keyid,
            "issued_at": self.issued_at,
            "revoked": self.revoked_at is not None,
            "revoked_at": self.revoked_at,
            "revocation_reason": self.revoked_reason,
        }


_envelope = msgspec.json.Decoder(Envelope)
_jwk = msgspec.json.Decoder(Jwk)


async def insert_attestation(cur: psycopg.AsyncCursor, a: NewAttestation) -> None:
    await cur.execute(
        "INSERT INTO attestations (attestation_id, workspace_id, framework_id, framework_version, status,"
        " result_digest, evidence_root, keyid, envelope, evidence_set, evidence_count, evidence_bytes, issued_at,"
        " issued_by, seq) VALUES (%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s)"
        " ON CONFLICT (attestation_id) DO NOTHING",
        (
            a.attestation_id,
            a.workspace_id,
            a.framework_id,
            a.framework_version,
            a.status,
            a.result_digest,
            a.evidence_root,
            a.keyid,
            a.envelope_json,
            a.evidence_set,
            a.evidence_count,
            a.evidence_bytes,
            a.issued_at,
            a.issued_by,
            a.seq,
        ),
    )


async def revoke_attestation(cur: psycopg.AsyncCursor, attestation_id: str, at: str, reason: str, by: str) -> None:
    """The first revocation stands: its reason and time are what the signed list says."""
    await cur.execute(
        "UPDATE attestations SET revoked_at = %s, revoked_reason = %s, revoked_by = %s"
        " WHERE attestation_id = %s AND revoked_at IS NULL",
        (at, reason, by, attestation_id),
    )


_ATTESTATION = (
    "SELECT attestation_id, workspace_id, framework_id, framework_version, status, result_digest, evidence_root,"
    " keyid, envelope, evidence_set, evidence_count, evidence_bytes, issued_at, revoked_at, revoked_reason, seq"
    " FROM attestations"
)


def _attestation(r: tuple[Any, ...]) -> AttestationRow:
    return AttestationRow(
        attestation_id=r[0],
        workspace_id=r[1],
        framework_id=r[2],
        framework_version=r[3],
        status=r[4],
        result_digest=r[5],
        evidence_root=r[6],
        keyid=r[7],
        envelope=_envelope.decode(r[8]),
        evidence_set=r[9],
        evidence_count=r[10],
        evidence_bytes=r[11],
        issued_at=r[12],
        revoked_at=r[13],
        revoked_reason=r[14],
        seq=r[15],
    )


async def attestation(conn: AsyncConnection, attestation_id: str) -> AttestationRow | None:
    row = await (await conn.execute(_ATTESTATION + " WHERE attestation_id = %s", (attestation_id,))).fetchone()
    return _attestation(row) if row else None


async def attestations_of(
    conn: AsyncConnection, workspace_ids: list[str], *, limit: int, offset: int = 0, before_seq: int | None = None
) -> list[AttestationRow]:
    """A page of the attestations of the given workspaces, newest first (before ``before_seq``)."""
    where = "workspace_id = ANY(%s)"
    args: list[object] = [workspace_ids]
    if before_seq is not None:
        where += " AND seq < %s"
        args.append(before_seq)
    rows = await (
        await conn.execute(
            _ATTESTATION + f" WHERE {where} ORDER BY seq DESC LIMIT %s OFFSET %s", (*args, limit, offset)
        )
    ).fetchall()
    return [_attestation(r) for r in rows]


async def attestation_count(conn: AsyncConnection, workspace_ids: list[str]) -> int:
    row = await (
        await conn.execute("SELECT count(*) FROM attestations WHERE workspace_id = ANY(%s)", (workspace_ids,))
    ).fetchone()
    return int(row[0]) if row else 0


async def revocations(conn: AsyncConnection) -> tuple[list[Revocation], str | None]:
    """Every revocation, and the time of the latest (the revocation list's ``issued_at``)."""
    rows = await (
        await conn.execute(
            "SELECT attestation_id, revoked_reason, revoked_at FROM attestations WHERE revoked_at IS NOT NULL"
            " ORDER BY attestation_id"
        )
    ).fetchall()
    items = [Revocation(att_id=r[0], reason=r[1] or "", revoked_at=r[2]) for r in rows]
    return items, max((r.revoked_at for r in items), default=None)


async def upsert_signing_key(
    cur: psycopg.AsyncCursor, kid: str, jwk_json: str, published_at: str, retired_at: str | None, seq: int
) -> None:
    """A key is published once; a later ``retired_at`` marks it retired (the first one stands)."""
    await cur.execute(
        "INSERT INTO signing_keys (kid, jwk, published_at, retired_at, seq) VALUES (%s,%s,%s,%s,%s)"
        " ON CONFLICT (kid) DO UPDATE SET retired_at = COALESCE(signing_keys.retired_at, EXCLUDED.retired_at)",
        (kid, jwk_json, published_at, retired_at, seq),
    )


async def published_keys(conn: AsyncConnection) -> list[Jwk]:
    """Every public key ever published, newest first (retired keys included: old attestations
    must still verify)."""
    rows = await (await conn.execute("SELECT jwk FROM signing_keys ORDER BY seq DESC")).fetchall()
    return [_jwk.decode(r[0]) for r in rows]


async def key_published(conn: AsyncConnection, kid: str) -> bool:
    row = await (await conn.execute("SELECT 1 FROM signing_keys WHERE kid = %s", (kid,))).fetchone()
    return row is not None


async def first_key_published_at(conn: AsyncConnection) -> str | None:
    """When the first signing key was published (the revocation list's time before any revocation)."""
    row = await (await conn.execute("SELECT min(published_at) FROM signing_keys")).fetchone()
    return row[0] if row else None
