"""The attestation read model: the facts frameworks are evaluated over, and what was attested.

Projected from the run log only (never from another service's tables):

* tenancy: ``orgs``, ``workspaces`` (the trust center is addressed by org slug);
* facts: ``runs`` (the :class:`RunFacts` of each ``run.ingested`` document, not the document),
  ``cards`` (latest version per concept), ``reproductions`` (submitted to a card or completed by
  the reproduce service), ``api_keys`` (prefix, scopes, expiry; never a hash);
* compliance: ``enabled_frameworks``, ``evaluations`` (every ``compliance.evaluated``, the last
  per framework is the current status), ``attestations`` (envelope, evidence, revocation) and
  ``signing_keys`` (public JWKs).

Facts and envelopes are stored as the JSON text msgspec encodes (deterministic), so a replay
gives byte-identical rows and the digest proves it. Times are the events' RFC 3339 strings.
"""

from __future__ import annotations

from collections.abc import Sequence

import msgspec
import psycopg
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

from services.attestation.domain import RunFacts, run_facts_from_document
from services.attestation.domain.snapshot import decode_facts_document

__all__ = ["DDL", "AttestationProjection", "facts_of"]

DDL = """
CREATE TABLE IF NOT EXISTS orgs (
    org_id text PRIMARY KEY, slug text NOT NULL, name text NOT NULL, created_at text NOT NULL);
CREATE UNIQUE INDEX IF NOT EXISTS orgs_slug ON orgs (slug);
CREATE TABLE IF NOT EXISTS workspaces (
    workspace_id text PRIMARY KEY, org_id text NOT NULL, slug text NOT NULL, name text NOT NULL);
CREATE INDEX IF NOT EXISTS workspaces_org ON workspaces (org_id);
CREATE TABLE IF NOT EXISTS runs (
    run_id text PRIMARY KEY, workspace_id text NOT NULL, run_hash text NOT NULL, facts text NOT NULL,
    seq bigint NOT NULL);
CREATE INDEX IF NOT EXISTS runs_ws ON runs (workspace_id, run_id);
CREATE TABLE IF NOT EXISTS cards (
    concept_id text PRIMARY KEY, workspace_id text NOT NULL, slug text NOT NULL, version integer NOT NULL,
    run_id text NOT NULL, run_hash text NOT NULL, title text NOT NULL, authors text NOT NULL,
    license text NOT NULL, published_at text NOT NULL, withdrawn boolean NOT NULL, seq bigint NOT NULL);
CREATE INDEX IF NOT EXISTS cards_ws ON cards (workspace_id);
CREATE TABLE IF NOT EXISTS reproductions (
    reproduction_id text PRIMARY KEY, concept_id text, run_id text NOT NULL, workspace_id text NOT NULL,
    verdict text NOT NULL, reproducing_run_id text, seq bigint NOT NULL);
CREATE INDEX IF NOT EXISTS reproductions_run ON reproductions (run_id);
CREATE INDEX IF NOT EXISTS reproductions_concept ON reproductions (concept_id);
CREATE TABLE IF NOT EXISTS api_keys (
    key_id text PRIMARY KEY, workspace_id text NOT NULL, org_id text NOT NULL, prefix text NOT NULL,
    scopes text NOT NULL, expires_at text, created_at text NOT NULL, revoked boolean NOT NULL);
CREATE INDEX IF NOT EXISTS api_keys_ws ON api_keys (workspace_id);
CREATE TABLE IF NOT EXISTS enabled_frameworks (
    workspace_id text NOT NULL, framework_id text NOT NULL, framework_version text NOT NULL,
    enabled_at text NOT NULL, enabled_by text NOT NULL, seq bigint NOT NULL,
    PRIMARY KEY (workspace_id, framework_id));
CREATE TABLE IF NOT EXISTS evaluations (
    event_id text PRIMARY KEY, workspace_id text NOT NULL, framework_id text NOT NULL,
    framework_version text NOT NULL, result_digest text NOT NULL, result text NOT NULL,
    evaluated_at text NOT NULL, evaluated_by text NOT NULL, seq bigint NOT NULL);
CREATE INDEX IF NOT EXISTS evaluations_latest ON evaluations (workspace_id, framework_id, seq DESC);
CREATE TABLE IF NOT EXISTS attestations (
    attestation_id text PRIMARY KEY, workspace_id text NOT NULL, framework_id text NOT NULL,
    framework_version text NOT NULL, status text NOT NULL, result_digest text NOT NULL,
    evidence_root text NOT NULL, keyid text NOT NULL, envelope text NOT NULL, evidence text NOT NULL,
    issued_at text NOT NULL, issued_by text NOT NULL, revoked_at text, revoked_reason text, revoked_by text,
    seq bigint NOT NULL);
CREATE INDEX IF NOT EXISTS attestations_ws ON attestations (workspace_id, seq DESC);
CREATE TABLE IF NOT EXISTS signing_keys (
    kid text PRIMARY KEY, jwk text NOT NULL, published_at text NOT NULL, retired_at text, seq bigint NOT NULL);
"""


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


_INSERT_RUN = (
    "INSERT INTO runs (run_id, workspace_id, run_hash, facts, seq) VALUES (%s,%s,%s,%s,%s)"
    " ON CONFLICT (run_id) DO NOTHING"
)


def _json(value: object) -> str:
    return msgspec.json.encode(value).decode()


class AttestationProjection:
    service: str = "attestation"
    ddl: str = DDL
    tables: Sequence[tuple[str, str]] = (
        ("orgs", "org_id"),
        ("workspaces", "workspace_id"),
        ("runs", "run_id"),
        ("cards", "concept_id"),
        ("reproductions", "reproduction_id"),
        ("api_keys", "key_id"),
        ("enabled_frameworks", "workspace_id, framework_id"),
        ("evaluations", "event_id"),
        ("attestations", "attestation_id"),
        ("signing_keys", "kid"),
    )
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
        rows = [
            (e.run_id, e.workspace_id, e.run_hash, _json(facts_of(e)), seq)
            for e, seq in group
            if isinstance(e, RunIngested) and e.workspace_id
        ]
        if rows:
            await cur.executemany(_INSERT_RUN, rows)

    async def apply(self, cur: psycopg.AsyncCursor, event: Event, seq: int) -> None:
        match event:
            case RunIngested(workspace_id=str(ws)):
                await cur.execute(_INSERT_RUN, (event.run_id, ws, event.run_hash, _json(facts_of(event)), seq))
            case OrgCreated():
                await cur.execute(
                    "INSERT INTO orgs (org_id, slug, name, created_at) VALUES (%s,%s,%s,%s)"
                    " ON CONFLICT (org_id) DO NOTHING",
                    (event.org_id, event.slug, event.name, event.occurred_at),
                )
            case WorkspaceCreated(workspace_id=str(ws)):
                await cur.execute(
                    "INSERT INTO workspaces (workspace_id, org_id, slug, name) VALUES (%s,%s,%s,%s)"
                    " ON CONFLICT (workspace_id) DO NOTHING",
                    (ws, event.org_id, event.slug, event.name),
                )
            case ApiKeyCreated(workspace_id=str(ws)):
                await cur.execute(
                    "INSERT INTO api_keys (key_id, workspace_id, org_id, prefix, scopes, expires_at, created_at,"
                    " revoked) VALUES (%s,%s,%s,%s,%s,%s,%s,false) ON CONFLICT (key_id) DO NOTHING",
                    (
                        event.key_id,
                        ws,
                        event.org_id,
                        event.prefix,
                        _json(sorted(event.scopes)),
                        event.expires_at,
                        event.occurred_at,
                    ),
                )
            case ApiKeyRevoked():
                await cur.execute("UPDATE api_keys SET revoked = true WHERE key_id = %s", (event.key_id,))
            case CardPublished(workspace_id=str(ws)):
                await self._card(cur, event, ws, seq)
            case CardUnpublished():
                await cur.execute("UPDATE cards SET withdrawn = true WHERE concept_id = %s", (event.concept_id,))
            case ReproductionSubmitted(workspace_id=str(ws)):
                await self._reproduction(
                    cur, f"card:{event.reproduction_id}", event.concept_id, event.run_id, ws, event.verdict, None, seq
                )
            case ReproductionCompleted(workspace_id=str(ws)):
                await self._reproduction(
                    cur, f"job:{event.job_id}", None, event.run_id, ws, event.verdict, event.reproduced_run_id, seq
                )
            case FrameworkEnabled(workspace_id=str(ws)):
                await cur.execute(
                    "INSERT INTO enabled_frameworks (workspace_id, framework_id, framework_version, enabled_at,"
                    " enabled_by, seq) VALUES (%s,%s,%s,%s,%s,%s) ON CONFLICT (workspace_id, framework_id) DO UPDATE"
                    " SET framework_version = EXCLUDED.framework_version, enabled_at = EXCLUDED.enabled_at,"
                    " enabled_by = EXCLUDED.enabled_by, seq = EXCLUDED.seq",
                    (ws, event.framework_id, event.framework_version, event.occurred_at, event.actor, seq),
                )
            case ComplianceEvaluated(workspace_id=str(ws)):
                await cur.execute(
                    "INSERT INTO evaluations (event_id, workspace_id, framework_id, framework_version, result_digest,"
                    " result, evaluated_at, evaluated_by, seq) VALUES (%s,%s,%s,%s,%s,%s,%s,%s,%s)"
                    " ON CONFLICT (event_id) DO NOTHING",
                    (
                        event.event_id,
                        ws,
                        event.framework_id,
                        event.framework_version,
                        event.result_digest,
                        _json(event.result),
                        event.occurred_at,
                        event.actor,
                        seq,
                    ),
                )
            case AttestationIssued(workspace_id=str(ws)):
                await cur.execute(
                    "INSERT INTO attestations (attestation_id, workspace_id, framework_id, framework_version, status,"
                    " result_digest, evidence_root, keyid, envelope, evidence, issued_at, issued_by, seq)"
                    " VALUES (%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s) ON CONFLICT (attestation_id) DO NOTHING",
                    (
                        event.attestation_id,
                        ws,
                        event.framework_id,
                        event.framework_version,
                        event.status,
                        event.result_digest,
                        event.evidence_root,
                        event.keyid,
                        _json(event.envelope),
                        _json(event.evidence),
                        event.occurred_at,
                        event.actor,
                        seq,
                    ),
                )
            case AttestationRevoked():
                # the first revocation stands: its reason and time are what the signed list says
                await cur.execute(
                    "UPDATE attestations SET revoked_at = %s, revoked_reason = %s, revoked_by = %s"
                    " WHERE attestation_id = %s AND revoked_at IS NULL",
                    (event.occurred_at, event.reason, event.actor, event.attestation_id),
                )
            case SigningKeyPublished():
                await cur.execute(
                    "INSERT INTO signing_keys (kid, jwk, published_at, retired_at, seq) VALUES (%s,%s,%s,%s,%s)"
                    " ON CONFLICT (kid) DO UPDATE SET retired_at = COALESCE(signing_keys.retired_at,"
                    " EXCLUDED.retired_at)",
                    (event.kid, _json(event.jwk), event.occurred_at, event.retired_at, seq),
                )
            case _:
                return  # an event without a workspace where one is needed changes nothing

    async def _card(self, cur: psycopg.AsyncCursor, e: CardPublished, ws: str, seq: int) -> None:
        """A new version replaces the concept's row; publishing again lifts a withdrawal."""
        await cur.execute(
            "INSERT INTO cards (concept_id, workspace_id, slug, version, run_id, run_hash, title, authors, license,"
            " published_at, withdrawn, seq) VALUES (%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,false,%s)"
            " ON CONFLICT (concept_id) DO UPDATE SET slug = EXCLUDED.slug, version = EXCLUDED.version,"
            " run_id = EXCLUDED.run_id, run_hash = EXCLUDED.run_hash, title = EXCLUDED.title,"
            " authors = EXCLUDED.authors, license = EXCLUDED.license, published_at = EXCLUDED.published_at,"
            " withdrawn = false, seq = EXCLUDED.seq WHERE cards.version <= EXCLUDED.version",
            (
                e.concept_id,
                ws,
                e.slug,
                e.card_version,
                e.run_id,
                e.run_hash,
                e.title,
                _json(e.authors),
                e.license,
                e.published_at or e.occurred_at,
                seq,
            ),
        )

    async def _reproduction(
        self,
        cur: psycopg.AsyncCursor,
        rid: str,
        concept_id: str | None,
        run_id: str,
        ws: str,
        verdict: str,
        reproducing_run_id: str | None,
        seq: int,
    ) -> None:
        await cur.execute(
            "INSERT INTO reproductions (reproduction_id, concept_id, run_id, workspace_id, verdict, reproducing_run_id,"
            " seq) VALUES (%s,%s,%s,%s,%s,%s,%s) ON CONFLICT (reproduction_id) DO NOTHING",
            (rid, concept_id, run_id, ws, verdict, reproducing_run_id, seq),
        )
