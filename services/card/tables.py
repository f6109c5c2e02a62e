"""The card read model's tables (see :mod:`services.card.projection` for what each holds)."""

__all__ = ["DDL"]

DDL = """
CREATE TABLE IF NOT EXISTS runs (
    run_id text PRIMARY KEY,
    workspace_id text NOT NULL,
    run_hash text NOT NULL,
    hash_verified boolean NOT NULL,
    program_name text NOT NULL,
    program_hash text NOT NULL,
    backend_provider text NOT NULL,
    backend_name text NOT NULL,
    num_qubits integer NOT NULL,
    shots integer NOT NULL,
    calibration_taken_at text NOT NULL,
    created_at text NOT NULL,
    status text NOT NULL,
    counts jsonb NOT NULL,
    seq bigint NOT NULL
);
ALTER TABLE runs DROP COLUMN IF EXISTS document;  -- read models before decision 0007 kept a copy
CREATE TABLE IF NOT EXISTS cards (
    concept_id text PRIMARY KEY,
    slug text NOT NULL UNIQUE,
    run_id text NOT NULL UNIQUE,
    workspace_id text NOT NULL,
    version_id text NOT NULL,
    version integer NOT NULL,
    title text NOT NULL,
    authors jsonb NOT NULL,
    abstract text,
    license text NOT NULL,
    keywords jsonb NOT NULL,
    published_at text NOT NULL,
    first_published_at text NOT NULL,
    state text NOT NULL,
    withdrawn_at text,
    withdrawn_reason text,
    seq bigint NOT NULL
);
CREATE TABLE IF NOT EXISTS card_versions (
    version_id text PRIMARY KEY,
    concept_id text NOT NULL,
    version integer NOT NULL,
    slug text NOT NULL,
    run_id text NOT NULL,
    run_hash text NOT NULL,
    title text NOT NULL,
    authors jsonb NOT NULL,
    abstract text,
    license text NOT NULL,
    keywords jsonb NOT NULL,
    published_at text NOT NULL,
    seq bigint NOT NULL,
    UNIQUE (concept_id, version)
);
CREATE TABLE IF NOT EXISTS reproductions (
    reproduction_id text PRIMARY KEY,
    target_run_id text NOT NULL,
    source text NOT NULL,
    run_id text NOT NULL,
    run_hash text NOT NULL,
    workspace_id text NOT NULL,
    backend_provider text NOT NULL,
    backend_name text NOT NULL,
    shots integer NOT NULL,
    hellinger_fidelity double precision NOT NULL,
    noise_floor double precision NOT NULL,
    verdict text NOT NULL,
    submitted_at text NOT NULL,
    seq bigint NOT NULL,
    UNIQUE (target_run_id, run_hash)
);
CREATE TABLE IF NOT EXISTS attestations (
    attestation_id text PRIMARY KEY,
    workspace_id text NOT NULL,
    framework_id text NOT NULL,
    revoked boolean NOT NULL,
    seq bigint NOT NULL
);
CREATE INDEX IF NOT EXISTS attestations_ws ON attestations (workspace_id) WHERE NOT revoked;
"""
