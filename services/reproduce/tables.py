"""The reproduce read model's tables (see :mod:`services.reproduce.projection` for what each holds)."""

__all__ = ["DDL", "TABLES"]

DDL = """
CREATE TABLE IF NOT EXISTS runs (
    run_id text PRIMARY KEY,
    workspace_id text NOT NULL,
    run_hash text NOT NULL,
    reproduction_of text,
    program_name text NOT NULL,
    provider text NOT NULL,
    backend_name text NOT NULL,
    shots integer NOT NULL,
    status text NOT NULL,
    created_at text NOT NULL,
    seq bigint NOT NULL
);
ALTER TABLE runs DROP COLUMN IF EXISTS document;  -- read models before decision 0007 kept a copy
CREATE INDEX IF NOT EXISTS runs_ws_hash ON runs (workspace_id, run_hash);
CREATE TABLE IF NOT EXISTS reproductions (
    job_id text PRIMARY KEY,
    workspace_id text NOT NULL,
    run_id text NOT NULL,
    days double precision NOT NULL,
    profile text NOT NULL,
    seed bigint NOT NULL,
    actor text NOT NULL,
    correlation_id text NOT NULL,
    requested_at text NOT NULL,
    requested_seq bigint NOT NULL,
    status text NOT NULL,
    reproduced_run_id text,
    reproduced_run_hash text,
    verdict text,
    hellinger_fidelity double precision,
    noise_floor double precision,
    baseline_fidelity double precision,
    detectable boolean,
    drift_effect double precision,
    drift_model text,
    error text,
    error_status integer,
    worker text,
    attempts integer,
    finished_at text,
    finished_seq bigint
);
-- the verdict as a test (ql-drift/2.0): its level, p-values, thresholds, the model_mismatch sentence
ALTER TABLE reproductions ADD COLUMN IF NOT EXISTS alpha double precision;
ALTER TABLE reproductions ADD COLUMN IF NOT EXISTS p_value double precision;
ALTER TABLE reproductions ADD COLUMN IF NOT EXISTS threshold double precision;
ALTER TABLE reproductions ADD COLUMN IF NOT EXISTS baseline_p_value double precision;
ALTER TABLE reproductions ADD COLUMN IF NOT EXISTS baseline_threshold double precision;
ALTER TABLE reproductions ADD COLUMN IF NOT EXISTS explanation text;
CREATE INDEX IF NOT EXISTS reproductions_run ON reproductions (run_id, requested_seq);
CREATE INDEX IF NOT EXISTS reproductions_pending ON reproductions (requested_seq) WHERE status = 'pending';
CREATE TABLE IF NOT EXISTS cards (
    concept_id text PRIMARY KEY,
    run_id text NOT NULL,
    slug text NOT NULL,
    withdrawn boolean NOT NULL,
    seq bigint NOT NULL
);
CREATE INDEX IF NOT EXISTS cards_run ON cards (run_id);
"""

TABLES: tuple[tuple[str, str], ...] = (
    ("runs", "run_id"),
    ("reproductions", "job_id"),
    ("cards", "concept_id"),
)
