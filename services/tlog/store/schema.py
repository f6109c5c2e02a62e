"""The tlog service's PostgreSQL schema: the tree (derived, replayed) and its signatures (kept).

Derived from the run log, and so emptied and rebuilt by ``ops.replay`` and covered by
``ops.digest`` (``TABLES``):

* ``tree``: the number of leaves;
* ``hashes``: every stored hash of the RFC 6962 tree, keyed ``(level, n)`` (the head of the
  complete subtree over leaves ``[n << level, (n + 1) << level)``, as in ``qlprov.tlog.merkle``);
  a C2SP tile of level ``L`` is the rows ``level = 8L`` and ``n`` in one 256-wide range, and a
  proof is one indexed read of ~log2(size) rows;
* ``entries``: each leaf's entry bytes by index, with its kind, subject and ``ref`` (what makes
  the fact unique, so a fact is logged once);
* ``opt_ins``: the workspaces whose runs are committed (``workspace.log_opted_in``);
* ``card_owners``: each card's workspace, to tell an independent reproduction from the owner's.

Not derived, so kept across a replay (and not in the digest): ``checkpoints`` and
``cosignatures``, the log's signatures over tree heads and the witnesses' over those. Roots are
deterministic, so a replayed tree must give each kept checkpoint's root again; the checkpoint
task checks it before it signs anything new (``services.tlog.checkpointing``).
"""

from __future__ import annotations

from collections.abc import Sequence

__all__ = ["DDL", "TABLES"]

DDL = """
CREATE TABLE IF NOT EXISTS tree (
    id smallint PRIMARY KEY DEFAULT 1 CHECK (id = 1),
    size bigint NOT NULL
);
INSERT INTO tree (id, size) VALUES (1, 0) ON CONFLICT DO NOTHING;
CREATE TABLE IF NOT EXISTS hashes (
    level smallint NOT NULL,
    n bigint NOT NULL,
    hash bytea NOT NULL,
    PRIMARY KEY (level, n)
);
CREATE TABLE IF NOT EXISTS entries (
    idx bigint PRIMARY KEY,
    kind text NOT NULL,
    subject text NOT NULL,
    ref text NOT NULL,
    data bytea NOT NULL,
    seq bigint NOT NULL,
    UNIQUE (kind, ref)
);
CREATE INDEX IF NOT EXISTS entries_by_subject ON entries (kind, subject, idx DESC);
CREATE TABLE IF NOT EXISTS opt_ins (
    workspace_id text PRIMARY KEY,
    opted_in boolean NOT NULL,
    changed_at text NOT NULL,
    seq bigint NOT NULL
);
CREATE TABLE IF NOT EXISTS card_owners (
    concept_id text PRIMARY KEY,
    workspace_id text NOT NULL
);
CREATE TABLE IF NOT EXISTS checkpoints (
    origin text NOT NULL,
    size bigint NOT NULL,
    root bytea NOT NULL,
    note bytea NOT NULL,
    signed_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (origin, size)
);
CREATE TABLE IF NOT EXISTS cosignatures (
    origin text NOT NULL,
    size bigint NOT NULL,
    witness text NOT NULL,
    key_id bigint NOT NULL,
    signed_at bigint NOT NULL,
    line text NOT NULL,
    PRIMARY KEY (origin, size, witness, key_id),
    FOREIGN KEY (origin, size) REFERENCES checkpoints (origin, size)
);
"""

TABLES: Sequence[tuple[str, str]] = (
    ("tree", "id"),
    ("hashes", "level, n"),
    ("entries", "idx"),
    ("opt_ins", "workspace_id"),
    ("card_owners", "concept_id"),
)
