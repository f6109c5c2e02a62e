"""The attestation read model's tables (schema ``{namespace}_attestation``).

* tenancy: ``orgs``, ``workspaces`` (the trust center is addressed by org slug);
* facts: ``runs`` (the :class:`RunFacts` of each ``run.ingested`` document, not the document),
  ``cards`` (latest version per concept), ``reproductions`` (submitted to a card or completed by
  the reproduce service), ``api_keys`` (prefix, scopes, expiry; never a hash);
* compliance: ``enabled_frameworks``, ``evaluations`` (every ``compliance.evaluated``, the last
  per framework is the current status), ``attestations`` (envelope, evidence, revocation) and
  ``signing_keys`` (public JWKs).

Nothing here grows with a workspace beyond one row per fact: an evaluation's failing subjects
and an attestation's evidence items are objects in the Object Store (``qlcore.objects``), and
the rows keep their names (``gaps_object``, ``evidence_set``).

Facts and envelopes are stored as the JSON text msgspec encodes (deterministic), so a replay
gives byte-identical rows and the digest proves it. Times are the events' RFC 3339 strings.
"""

from __future__ import annotations

from collections.abc import Sequence

__all__ = ["DDL", "TABLES"]

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
-- independent | simulated (events before the member existed: empty, judged by workspace)
ALTER TABLE reproductions ADD COLUMN IF NOT EXISTS kind text NOT NULL DEFAULT '';
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
    gaps_object text NOT NULL DEFAULT '', evaluated_at text NOT NULL, evaluated_by text NOT NULL,
    seq bigint NOT NULL);
CREATE INDEX IF NOT EXISTS evaluations_latest ON evaluations (workspace_id, framework_id, seq DESC);
CREATE TABLE IF NOT EXISTS attestations (
    attestation_id text PRIMARY KEY, workspace_id text NOT NULL, framework_id text NOT NULL,
    framework_version text NOT NULL, status text NOT NULL, result_digest text NOT NULL,
    evidence_root text NOT NULL, keyid text NOT NULL, envelope text NOT NULL, evidence_set text NOT NULL,
    evidence_count bigint NOT NULL, evidence_bytes bigint NOT NULL, issued_at text NOT NULL,
    issued_by text NOT NULL, revoked_at text, revoked_reason text, revoked_by text, seq bigint NOT NULL);
CREATE INDEX IF NOT EXISTS attestations_ws ON attestations (workspace_id, seq DESC);
CREATE TABLE IF NOT EXISTS signing_keys (
    kid text PRIMARY KEY, jwk text NOT NULL, published_at text NOT NULL, retired_at text, seq bigint NOT NULL);
-- read models made before the evidence moved to the Object Store (ops.replay refills them)
ALTER TABLE evaluations ADD COLUMN IF NOT EXISTS gaps_object text NOT NULL DEFAULT '';
ALTER TABLE attestations DROP COLUMN IF EXISTS evidence;
ALTER TABLE attestations ADD COLUMN IF NOT EXISTS evidence_set text NOT NULL DEFAULT '';
ALTER TABLE attestations ADD COLUMN IF NOT EXISTS evidence_count bigint NOT NULL DEFAULT 0;
ALTER TABLE attestations ADD COLUMN IF NOT EXISTS evidence_bytes bigint NOT NULL DEFAULT 0;
"""

TABLES: Sequence[tuple[str, str]] = (
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
