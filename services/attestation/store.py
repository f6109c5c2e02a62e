"""Reading the attestation read model (tables of :mod:`services.attestation.projection`).

Handlers read through these functions and never write: every change is an event first.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import msgspec
from psycopg import AsyncConnection

from services.attestation.domain import (
    ApiKeyFacts,
    Author,
    CardFacts,
    EvidenceItem,
    Jwk,
    ReproductionFacts,
    Revocation,
    RunFacts,
    WorkspaceSnapshot,
)
from services.attestation.domain.dsse import Envelope

__all__ = [
    "AttestationRow",
    "EnabledRow",
    "EvaluationRow",
    "OrgRow",
    "attestation",
    "attestations_of",
    "enabled_frameworks",
    "latest_evaluations",
    "org_by_slug",
    "public_cards_of",
    "published_keys",
    "revocations",
    "snapshot",
    "workspace_ids_of",
]


@dataclass(frozen=True)
class EnabledRow:
    framework_id: str
    framework_version: str
    enabled_at: str


@dataclass(frozen=True)
class EvaluationRow:
    event_id: str
    framework_id: str
    framework_version: str
    result_digest: str
    result: dict[str, Any]
    evaluated_at: str


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
    evidence_json: str
    issued_at: str
    revoked_at: str | None
    revoked_reason: str | None

    def evidence(self) -> list[EvidenceItem]:
        return msgspec.json.decode(self.evidence_json, type=list[EvidenceItem])

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


@dataclass(frozen=True)
class OrgRow:
    org_id: str
    slug: str
    name: str


_runs = msgspec.json.Decoder(RunFacts)
_authors = msgspec.json.Decoder(list[Author])
_scopes = msgspec.json.Decoder(list[str])
_envelope = msgspec.json.Decoder(Envelope)
_dict = msgspec.json.Decoder(dict[str, Any])


async def snapshot(conn: AsyncConnection, workspace_id: str, as_of: str) -> WorkspaceSnapshot:
    """Every fact of one workspace the checks read, in a stable order."""
    runs = await (
        await conn.execute("SELECT facts FROM runs WHERE workspace_id = %s ORDER BY run_id", (workspace_id,))
    ).fetchall()
    cards = await (
        await conn.execute(
            "SELECT concept_id, slug, run_id, title, authors, license, published_at, withdrawn FROM cards"
            " WHERE workspace_id = %s ORDER BY slug, concept_id",
            (workspace_id,),
        )
    ).fetchall()
    repros = await (
        await conn.execute(
            "SELECT c.concept_id, r.verdict, r.workspace_id, COALESCE(r.reproducing_run_id, r.reproduction_id)"
            " FROM cards c JOIN reproductions r ON r.concept_id = c.concept_id"
            "   OR (r.concept_id IS NULL AND r.run_id = c.run_id)"
            " WHERE c.workspace_id = %s ORDER BY r.reproduction_id",
            (workspace_id,),
        )
    ).fetchall()
    keys = await (
        await conn.execute(
            "SELECT prefix, scopes, expires_at, revoked, created_at FROM api_keys WHERE workspace_id = %s"
            " ORDER BY key_id",
            (workspace_id,),
        )
    ).fetchall()
    by_card: dict[str, list[ReproductionFacts]] = {}
    for concept_id, verdict, ws, run_id in repros:
        by_card.setdefault(concept_id, []).append(ReproductionFacts(verdict=verdict, workspace_id=ws, run_id=run_id))
    return WorkspaceSnapshot(
        workspace_id=workspace_id,
        as_of=as_of,
        runs=[_runs.decode(r[0]) for r in runs],
        cards=[
            CardFacts(
                slug=c[1],
                run_id=c[2],
                title=c[3],
                authors=_authors.decode(c[4]),
                license=c[5],
                published_at=c[6],
                withdrawn=c[7],
                reproductions=by_card.get(c[0], []),
            )
            for c in cards
        ],
        api_keys=[
            ApiKeyFacts(prefix=k[0], scopes=_scopes.decode(k[1]), expires_at=k[2], revoked=k[3], created_at=k[4])
            for k in keys
        ],
    )


async def enabled_frameworks(conn: AsyncConnection, workspace_id: str) -> list[EnabledRow]:
    rows = await (
        await conn.execute(
            "SELECT framework_id, framework_version, enabled_at FROM enabled_frameworks WHERE workspace_id = %s"
            " ORDER BY framework_id",
            (workspace_id,),
        )
    ).fetchall()
    return [EnabledRow(*r) for r in rows]


async def latest_evaluations(conn: AsyncConnection, workspace_id: str) -> dict[str, EvaluationRow]:
    """The last evaluation of each framework of the workspace, by framework id."""
    rows = await (
        await conn.execute(
            "SELECT DISTINCT ON (framework_id) event_id, framework_id, framework_version, result_digest, result,"
            " evaluated_at FROM evaluations WHERE workspace_id = %s ORDER BY framework_id, seq DESC",
            (workspace_id,),
        )
    ).fetchall()
    return {r[1]: EvaluationRow(r[0], r[1], r[2], r[3], _dict.decode(r[4]), r[5]) for r in rows}


_ATTESTATION = (
    "SELECT attestation_id, workspace_id, framework_id, framework_version, status, result_digest, evidence_root,"
    " keyid, envelope, evidence, issued_at, revoked_at, revoked_reason FROM attestations"
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
        evidence_json=r[9],
        issued_at=r[10],
        revoked_at=r[11],
        revoked_reason=r[12],
    )


async def attestation(conn: AsyncConnection, attestation_id: str) -> AttestationRow | None:
    row = await (await conn.execute(_ATTESTATION + " WHERE attestation_id = %s", (attestation_id,))).fetchone()
    return _attestation(row) if row else None


async def attestations_of(conn: AsyncConnection, workspace_ids: list[str]) -> list[AttestationRow]:
    """The attestations of the given workspaces, newest first."""
    rows = await (
        await conn.execute(_ATTESTATION + " WHERE workspace_id = ANY(%s) ORDER BY seq DESC", (workspace_ids,))
    ).fetchall()
    return [_attestation(r) for r in rows]


async def published_keys(conn: AsyncConnection) -> list[Jwk]:
    """Every public key ever published, newest first (retired keys included: old attestations
    must still verify)."""
    rows = await (await conn.execute("SELECT jwk FROM signing_keys ORDER BY seq DESC")).fetchall()
    return [msgspec.json.decode(r[0], type=Jwk) for r in rows]


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


async def org_by_slug(conn: AsyncConnection, slug: str) -> OrgRow | None:
    row = await (await conn.execute("SELECT org_id, slug, name FROM orgs WHERE slug = %s", (slug,))).fetchone()
    return OrgRow(*row) if row else None


async def workspace_ids_of(conn: AsyncConnection, org_id: str) -> list[tuple[str, str]]:
    """``(workspace_id, slug)`` of every workspace of the org."""
    rows = await (
        await conn.execute(
            "SELECT workspace_id, slug FROM workspaces WHERE org_id = %s ORDER BY slug, workspace_id", (org_id,)
        )
    ).fetchall()
    return [(r[0], r[1]) for r in rows]


async def public_cards_of(conn: AsyncConnection, workspace_ids: list[str]) -> list[tuple[str, str]]:
    """``(slug, title)`` of the published, not withdrawn cards of the given workspaces."""
    rows = await (
        await conn.execute(
            "SELECT slug, title FROM cards WHERE workspace_id = ANY(%s) AND NOT withdrawn ORDER BY slug",
            (workspace_ids,),
        )
    ).fetchall()
    return [(r[0], r[1]) for r in rows]
