"""The provenance read model's tables and queries: one row per run, the columns the run list
filters and sorts on, and where its document is in the run log.

Indexes: one B-tree per shape of the list (no filter, backend, status, both), each ending in the
list's order ``(created_at, run_id)``. A page is then one range of one index, read from its
keyset cursor for ``limit + 1`` entries: its cost does not depend on how many runs the workspace
has, or on how rare the filtered value is (with only the unfiltered index, at 1,000,000 runs a
page of a backend that has 0.1 % of them read ~100,000 rows, 63 ms of SQL, and a combination
with fewer matches than a page read the whole workspace, 271 ms). The keys are
ascending and read backwards (``ORDER BY ... DESC`` is a backward index scan, as fast): a B-tree
whose new keys reach its right end keeps full pages (96 bytes an entry measured, one workspace),
where a descending index takes time-ordered keys at its left end and splits pages in half (169);
with several workspaces both split in half, so ascending is never worse. docs/scale.md has the
figures (``bench/scale_bench.py``).

Every index starts ``(workspace_id, kind, ...)``: the list of one kind (``original`` by default,
the workspace's own experiments; ``simulated``, its simulated reproductions) is one range; the list
of both (``kind=all``) merges two ranges (``UNION ALL`` of two ordered, limited scans, a Merge Append),
still ``limit + 1`` rows each at most.

The projection does not copy documents: ``run.ingested`` carries the head and ``document_seq``,
where the whole document is in the run log (decision 0008). ``documents`` is a cache of those
log entries beside the read model, filled after the fact by ``services.provenance.copier`` and
never reset by a replay (a document never changes): ``GET /runs/{id}`` reads one row here instead
of a random old entry of the log, which costs nats-server an 8 MB block load (decision 0025).
A row is served only if its bytes hash to the run's ``run_hash``; otherwise, or before the copy,
the log answers.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import psycopg
import zstandard
from psycopg_pool import AsyncConnectionPool

from services.provenance.domain import RunFilter

__all__ = [
    "DDL",
    "TABLES",
    "FoundRun",
    "RunListRow",
    "ToCopy",
    "copied_position",
    "copier_behind",
    "find_run",
    "insert_documents",
    "insert_runs",
    "list_query",
    "list_runs",
    "move_copier",
    "pack_document",
    "to_copy",
    "unpack_document",
]

DDL = """
CREATE TABLE IF NOT EXISTS runs (
    run_id text PRIMARY KEY,
    workspace_id text NOT NULL,
    run_hash text NOT NULL,
    provider text NOT NULL,
    backend_name text NOT NULL,
    shots integer NOT NULL,
    status text NOT NULL,
    created_at timestamptz NOT NULL,
    created_at_text text NOT NULL,
    seq bigint NOT NULL,
    document_seq bigint NOT NULL
);
ALTER TABLE runs ADD COLUMN IF NOT EXISTS program text NOT NULL DEFAULT '';
ALTER TABLE runs ADD COLUMN IF NOT EXISTS reproduction_of text;
DROP INDEX IF EXISTS runs_ws_recent;
-- original | simulated (a simulated reproduction; listed only when asked for). A read model from
-- before this column lists every run as original until it is replayed.
ALTER TABLE runs ADD COLUMN IF NOT EXISTS kind text NOT NULL DEFAULT 'original';
DROP INDEX IF EXISTS runs_ws_created;
DROP INDEX IF EXISTS runs_ws_backend_created;
DROP INDEX IF EXISTS runs_ws_status_created;
DROP INDEX IF EXISTS runs_ws_backend_status_created;
CREATE INDEX IF NOT EXISTS runs_ws_kind_created ON runs (workspace_id, kind, created_at, run_id);
CREATE INDEX IF NOT EXISTS runs_ws_kind_backend_created
    ON runs (workspace_id, kind, provider, backend_name, created_at, run_id);
CREATE INDEX IF NOT EXISTS runs_ws_kind_status_created ON runs (workspace_id, kind, status, created_at, run_id);
CREATE INDEX IF NOT EXISTS runs_ws_kind_backend_status_created
    ON runs (workspace_id, kind, provider, backend_name, status, created_at, run_id);
-- the copier's way through the runs in log order (services.provenance.copier)
CREATE INDEX IF NOT EXISTS runs_seq ON runs (seq);
-- documents copied from the run log: zstd (pack_document), stored out of line, not compressed again
CREATE TABLE IF NOT EXISTS documents (
    run_id text PRIMARY KEY,
    run_hash text NOT NULL,
    body bytea NOT NULL
);
ALTER TABLE documents ALTER COLUMN body SET STORAGE EXTERNAL;
-- the sequence of the last run.ingested whose document the copier has copied (or found copied)
CREATE TABLE IF NOT EXISTS documents_copied (id integer PRIMARY KEY CHECK (id = 1), seq bigint NOT NULL);
INSERT INTO documents_copied VALUES (1, 0) ON CONFLICT (id) DO NOTHING;
"""

TABLES: Sequence[tuple[str, str]] = (("runs", "run_id"),)

_INSERT = (
    "INSERT INTO runs (run_id, workspace_id, run_hash, provider, backend_name, shots, status,"
    " created_at, created_at_text, seq, document_seq, program, reproduction_of, kind)"
    " VALUES (%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s)"
    " ON CONFLICT (run_id) DO NOTHING"
)


@dataclass(frozen=True)
class RunListRow:
    run_id: str
    run_hash: str
    provider: str
    backend_name: str
    shots: int
    status: str
    created_at_text: str
    created_at: datetime
    program: str = ""
    reproduction_of: str | None = None
    kind: str = "original"


_pack = zstandard.ZstdCompressor(level=1)  # 92 KB of calibration-heavy JSON: 12.5 KB in 0.08 ms (zlib-1: 15.8, 0.53)
_unpack = zstandard.ZstdDecompressor()


def pack_document(body: bytes) -> bytes:
    """A document as the ``documents`` table stores it (a zstd frame, its size in the header)."""
    return _pack.compress(body)


def unpack_document(stored: bytes) -> bytes:
    return _unpack.decompress(stored)


@dataclass(frozen=True)
class FoundRun:
    run_hash: str
    document_seq: int
    copy_hash: str | None  # the copied document's run_hash and bytes, if copied
    copy: bytes | None  # packed (pack_document)


@dataclass(frozen=True)
class ToCopy:
    run_id: str
    run_hash: str
    document_seq: int
    seq: int


async def insert_runs(cur: psycopg.AsyncCursor, rows: list[tuple[object, ...]]) -> None:
    """Insert runs (the columns of ``_INSERT``); one pipelined round trip for the batch."""
    if rows:
        await cur.executemany(_INSERT, rows)


def list_query(workspace_id: str, f: RunFilter) -> tuple[str, tuple[object, ...]]:
    """The SQL of one page of a workspace's runs and its arguments (``list_runs`` runs it; the
    scale benchmark EXPLAINs it)."""
    where: list[str] = ["workspace_id = %s", "kind = %s"]
    args: list[object] = [workspace_id]
    rest: list[object] = []
    if f.provider is not None:
        where += ["provider = %s", "backend_name = %s"]
        rest += [f.provider, f.backend_name or ""]
    if f.status is not None:
        where.append("status = %s")
        rest.append(f.status)
    if f.program is not None:
        where.append("program = %s")
        rest.append(f.program)
    if f.since is not None:
        where.append("created_at >= %s::timestamptz")
        rest.append(f.since)
    if f.until is not None:
        where.append("created_at < %s::timestamptz")
        rest.append(f.until)
    if f.lineage == "original":
        where.append("reproduction_of IS NULL")
    elif f.lineage == "reproduction":
        where.append("reproduction_of IS NOT NULL")
    if f.search is not None:  # a prefix of the run id or hash, or of the program name (any case)
        pattern = _like_prefix(f.search)
        where.append("(run_id LIKE %s OR run_hash LIKE %s OR lower(program) LIKE %s)")
        rest += [pattern, pattern.lower(), pattern.lower()]
    if f.after is not None:
        where.append("(created_at, run_id) < (%s::timestamptz, %s)")
        rest += list(f.after)
    one = (
        "SELECT run_id, run_hash, provider, backend_name, shots, status, created_at_text, created_at,"
        " program, reproduction_of, kind"
        f" FROM runs WHERE {' AND '.join(where)} ORDER BY created_at DESC, run_id DESC LIMIT %s"
    )
    if f.kind is not None:
        return one, (*args, f.kind, *rest, f.limit + 1)
    both = f"({one}) UNION ALL ({one}) ORDER BY created_at DESC, run_id DESC LIMIT %s"
    page = f.limit + 1
    return both, (*args, "original", *rest, page, *args, "simulated", *rest, page, page)


def _like_prefix(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


async def list_runs(pool: AsyncConnectionPool, workspace_id: str, f: RunFilter) -> list[RunListRow]:
    """One page of a workspace's runs, most recent first, plus one row to tell if more follow."""
    sql, args = list_query(workspace_id, f)
    async with pool.connection() as conn:
        rows = await (await conn.execute(sql, args)).fetchall()
    return [RunListRow(*r) for r in rows]


async def find_run(pool: AsyncConnectionPool, workspace_id: str | None, run_id: str) -> FoundRun | None:
    """A run of ``workspace_id`` (another workspace's: ``None``), with its copied document if any."""
    async with pool.connection() as conn:
        row = await (
            await conn.execute(
                "SELECT r.run_hash, r.document_seq, d.run_hash, d.body FROM runs r"
                " LEFT JOIN documents d ON d.run_id = r.run_id WHERE r.run_id = %s AND r.workspace_id = %s",
                (run_id, workspace_id),
            )
        ).fetchone()
    return None if row is None else FoundRun(row[0], row[1], row[2], row[3])


async def copied_position(cur: psycopg.AsyncCursor) -> tuple[int, int]:
    """The copier's position, never past the read model's end (a replay may be refilling it), and
    that end: the sequence of the last run applied."""
    await cur.execute("SELECT c.seq, coalesce((SELECT max(seq) FROM runs), 0) FROM documents_copied c WHERE c.id = 1")
    row = await cur.fetchone()
    position, end = (int(row[0]), int(row[1])) if row else (0, 0)
    return min(position, end), end


async def to_copy(cur: psycopg.AsyncCursor, after: int, limit: int) -> list[ToCopy]:
    """The next runs in log order after sequence ``after`` whose document is not copied yet."""
    await cur.execute(
        "SELECT run_id, run_hash, document_seq, seq FROM runs r WHERE seq > %s"
        " AND NOT EXISTS (SELECT 1 FROM documents d WHERE d.run_id = r.run_id) ORDER BY seq LIMIT %s",
        (after, limit),
    )
    return [ToCopy(*r) for r in await cur.fetchall()]


async def insert_documents(cur: psycopg.AsyncCursor, rows: list[tuple[str, str, bytes]]) -> None:
    """Store copied documents ``(run_id, run_hash, packed bytes)`` (a run copied already: nothing)."""
    if rows:
        await cur.executemany(
            "INSERT INTO documents (run_id, run_hash, body) VALUES (%s, %s, %s) ON CONFLICT (run_id) DO NOTHING", rows
        )


async def copier_behind(pool: AsyncConnectionPool) -> tuple[int, int]:
    """The copier's stored position, and how many runs of the read model lie after it (an index
    range of ``runs_seq``: the copier's backlog, 0 when it has caught up)."""
    async with pool.connection() as conn:
        row = await (
            await conn.execute(
                "SELECT c.seq, (SELECT count(*) FROM runs r WHERE r.seq > c.seq) FROM documents_copied c WHERE c.id = 1"
            )
        ).fetchone()
    return (int(row[0]), int(row[1])) if row else (0, 0)


async def move_copier(cur: psycopg.AsyncCursor, position: int) -> None:
    await cur.execute("UPDATE documents_copied SET seq = %s WHERE id = 1", (position,))
