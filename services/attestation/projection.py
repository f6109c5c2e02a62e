"""The attestation read model, projected from the run log only (never from another service's
tables): the facts frameworks are evaluated over, and what was evaluated and attested.

Every write is a :mod:`services.attestation.store` function (tables in ``store.schema``).
"""

from __future__ import annotations

from collections.abc import Sequence

import msgspec
import psycopg
import structlog
from qlcore.events import ApiKeyCreated, ApiKeyRevoked, Event, OrgCreated, RunIngested, WorkspaceCreated
from qlcore.events.attestation import (
    AttestationIssued,
    AttestationRevoked,
    ComplianceEvaluated,
    FrameworkEnabled,
    SigningKeyPublished,
)
from qlcore.events.cards import CardPublished, CardUnpublished, ReproductionSubmitted
from qlcore.events.reproduce import ReproductionCompleted
from qlcore.projection import apply_grouped

from services.attestation import store
from services.attestation.domain import RunFacts, run_facts_from_document
from services.attestation.domain.snapshot import decode_facts_document

__all__ = ["AttestationProjection", "facts_of"]

log = structlog.get_logger("attestation.projection")


def facts_of(event: RunIngested) -> RunFacts:
    """The facts of an ingested document. A document this code cannot read as ``qlprov/run/1.0``
    still becomes a run (with only its schema), so it fails the rules instead of vanishing."""
    body = bytes(event.head)
    try:
        return run_facts_from_document(event.run_id, event.run_hash, decode_facts_document(body))
    except (msgspec.ValidationError, msgspec.DecodeError):
        raw = msgspec.json.decode(body)
        schema = raw.get("schema") if isinstance(raw, dict) else None
        return RunFacts(run_id=event.run_id, run_hash=event.run_hash, schema=str(schema or "unknown"))


def _json(value: object) -> str:
    return msgspec.json.encode(value).decode()


def _run_row(event: RunIngested, workspace_id: str, seq: int) -> store.RunRow:
    return (event.run_id, workspace_id, event.run_hash, _json(facts_of(event)), seq)


class AttestationProjection:
    service: str = "attestation"
    ddl: str = store.DDL
    tables: Sequence[tuple[str, str]] = store.TABLES
    handles: frozenset[str] | None = frozenset(
        {
            "org.created",
            "workspace.created",
            "api_key.created",
            "api_key.revoked",
            "run.ingested",
            "card.published",
            "card.unpublished",
            "card.reproduction_submitted",
            "reproduction.completed",
            "framework.enabled",
            "compliance.evaluated",
            "attestation.issued",
            "attestation.revoked",
            "signing_key.published",
        }
    )

    async def apply_batch(self, cur: psycopg.AsyncCursor, items: list[tuple[Event, int]]) -> None:
        await apply_grouped(cur, items, RunIngested, self._ingested, self.apply)

    async def _ingested(self, cur: psycopg.AsyncCursor, group: list[tuple[Event, int]]) -> None:
        """Runs are most of the log: one pipelined statement for a run of them."""
        rows = []
        for e, seq in group:
            if isinstance(e, RunIngested) and e.workspace_id:
                rows.append(_run_row(e, e.workspace_id, seq))
            else:
                _skipped(e, seq)
        await store.insert_runs(cur, rows)

    async def apply(self, cur: psycopg.AsyncCursor, event: Event, seq: int) -> None:
        match event:
            case RunIngested(workspace_id=str(ws)):
                await store.insert_runs(cur, [_run_row(event, ws, seq)])
            case OrgCreated():
                await store.insert_org(cur, event.org_id, event.slug, event.name, event.occurred_at)
            case WorkspaceCreated(workspace_id=str(ws)):
                await store.insert_workspace(cur, ws, event.org_id, event.slug, event.name)
            case ApiKeyCreated(workspace_id=str(ws)):
                scopes = _json(sorted(event.scopes))
                await store.insert_api_key(
                    cur, event.key_id, ws, event.org_id, event.prefix, scopes, event.expires_at, event.occurred_at
                )
            case ApiKeyRevoked():
                await store.revoke_api_key(cur, event.key_id)
            case CardPublished(workspace_id=str(ws)):
                await store.upsert_card(cur, _card(event, ws, seq))
            case CardUnpublished():
                await store.withdraw_card(cur, event.concept_id)
            case ReproductionSubmitted(workspace_id=str(ws)):
                await store.insert_reproduction(
                    cur,
                    f"card:{event.reproduction_id}",
                    event.concept_id,
                    event.run_id,
                    ws,
                    event.verdict,
                    None,
                    seq,
                    event.kind,
                )
            case ReproductionCompleted(workspace_id=str(ws)):
                await store.insert_reproduction(
                    cur,
                    f"job:{event.job_id}",
                    None,
                    event.run_id,
                    ws,
                    event.verdict,
                    event.reproduced_run_id,
                    seq,
                    event.kind,
                )
            case FrameworkEnabled(workspace_id=str(ws)):
                await store.upsert_enabled(
                    cur, ws, event.framework_id, event.framework_version, event.occurred_at, event.actor, seq
                )
            case ComplianceEvaluated(workspace_id=str(ws)):
                await store.insert_evaluation(
                    cur,
                    event.event_id,
                    ws,
                    event.framework_id,
                    event.framework_version,
                    event.result_digest,
                    _json(event.result),
                    event.gaps,
                    event.occurred_at,
                    event.actor,
                    seq,
                )
            case AttestationIssued(workspace_id=str(ws)):
                await store.insert_attestation(cur, _attestation(event, ws, seq))
            case AttestationRevoked():
                await store.revoke_attestation(cur, event.attestation_id, event.occurred_at, event.reason, event.actor)
            case SigningKeyPublished():
                await store.upsert_signing_key(
                    cur, event.kid, _json(event.jwk), event.occurred_at, event.retired_at, seq
                )
            case _:
                _skipped(event, seq)


def _skipped(event: Event, seq: int) -> None:
    """An event of a handled type without the workspace it needs changes nothing: said in the log,
    never dropped silently (the edge refuses such commands, so this is an operator's clue)."""
    log.warning("projection.event_without_workspace", type=event.type, event_id=event.event_id, seq=seq)


def _card(e: CardPublished, ws: str, seq: int) -> store.CardRow:
    return store.CardRow(
        concept_id=e.concept_id,
        workspace_id=ws,
        slug=e.slug,
        version=e.card_version,
        run_id=e.run_id,
        run_hash=e.run_hash,
        title=e.title,
        authors_json=_json(e.authors),
        license=e.license,
        published_at=e.published_at or e.occurred_at,
        seq=seq,
    )


def _attestation(e: AttestationIssued, ws: str, seq: int) -> store.NewAttestation:
    return store.NewAttestation(
        attestation_id=e.attestation_id,
        workspace_id=ws,
        framework_id=e.framework_id,
        framework_version=e.framework_version,
        status=e.status,
        result_digest=e.result_digest,
        evidence_root=e.evidence_root,
        keyid=e.keyid,
        envelope_json=_json(e.envelope),
        evidence_set=e.evidence_set,
        evidence_count=e.evidence_count,
        evidence_bytes=e.evidence_bytes,
        issued_at=e.occurred_at,
        issued_by=e.actor,
        seq=seq,
    )
