"""Disk per run: the run log in JetStream, and each service's schema in PostgreSQL.

JetStream: the stream's own count of stored bytes (``stream_info().state.bytes``: messages with
their subjects and headers) and the store directory on disk (``du``: message blocks, indexes and
the per-subject state), each over the number of runs. PostgreSQL: ``pg_total_relation_size``
(heap, TOAST, every index) summed over each service schema's tables, and for the provenance
read model each relation apart, and the depth of its B-trees.
"""

from __future__ import annotations

import os
import struct
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg
from nats.js import JetStreamContext

__all__ = ["Sizes", "btree_levels", "jetstream_bytes", "postgres_bytes", "sizes"]


def _du(path: Path) -> int:
    total = 0
    for root, _, files in os.walk(path):
        for f in files:
            try:
                total += os.stat(os.path.join(root, f)).st_blocks * 512
            except FileNotFoundError:
                continue  # a block compacted away meanwhile
    return total


async def jetstream_bytes(js: JetStreamContext, stream: str, store_dir: Path | None, runs: int) -> dict[str, Any]:
    info = await js.stream_info(stream)
    out: dict[str, Any] = {
        "messages": info.state.messages,
        "stream_bytes": info.state.bytes,
        "stream_bytes_per_run": round(info.state.bytes / runs, 1),
    }
    on_disk = _du(store_dir) if store_dir is not None else 0
    if on_disk:
        out |= {"store_dir_bytes": on_disk, "store_dir_bytes_per_run": round(on_disk / runs, 1)}
    return out


_SCHEMA_SIZES = """
SELECT n.nspname, c.relname, c.relkind, pg_total_relation_size(c.oid), pg_relation_size(c.oid)
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = ANY(%s) AND c.relkind IN ('r', 'i', 'm')
ORDER BY 1, 2
"""


@dataclass(frozen=True)
class Sizes:
    """The run log's stored bytes and each service schema's bytes at one moment."""

    jetstream: int
    postgres: dict[str, int]

    def per_run_since(self, before: Sizes, runs: int) -> dict[str, Any]:
        """Bytes each run added between ``before`` and now (``runs`` runs were added)."""
        pg = {k: round((v - before.postgres.get(k, 0)) / runs, 1) for k, v in self.postgres.items()}
        return {
            "runs": runs,
            "jetstream_bytes_per_run": round((self.jetstream - before.jetstream) / runs, 1),
            "postgres_bytes_per_run": pg,
            "postgres_total_bytes_per_run": round(sum(pg.values()), 1),
        }


async def sizes(js: JetStreamContext, stream: str, conn: psycopg.Connection[Any], schemas: dict[str, str]) -> Sizes:
    info = await js.stream_info(stream)
    by_schema = {v: k for k, v in schemas.items()}
    rows = conn.execute(
        "SELECT n.nspname, sum(pg_total_relation_size(c.oid)) FROM pg_class c"
        " JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = ANY(%s) AND c.relkind = 'r' GROUP BY 1",
        (list(schemas.values()),),
    ).fetchall()
    return Sizes(info.state.bytes, {by_schema[nsp]: int(b) for nsp, b in rows})


def postgres_bytes(conn: psycopg.Connection[Any], schemas: dict[str, str], runs: int) -> dict[str, Any]:
    """Bytes per run of each service's schema (tables with TOAST and indexes), and the provenance
    schema's relations one by one."""
    rows = conn.execute(_SCHEMA_SIZES, (list(schemas.values()),)).fetchall()
    by_schema = {v: k for k, v in schemas.items()}
    services: dict[str, int] = {}
    relations: dict[str, dict[str, Any]] = {}
    for nsp, rel, kind, total, own in rows:
        service = by_schema[nsp]
        if kind == "r":  # a table's total size includes its TOAST and its indexes
            services[service] = services.get(service, 0) + int(total)
        if service == "provenance":
            relations[rel] = {"kind": "table" if kind == "r" else "index", "bytes": int(own)}
    total_all = sum(services.values())
    return {
        "bytes_per_run": {k: round(v / runs, 1) for k, v in sorted(services.items())},
        "bytes": dict(sorted(services.items())),
        "total_bytes_per_run": round(total_all / runs, 1),
        "provenance_relations": relations,
    }


_BTREE_MAGIC = 0x053162  # nbtree.h: BTMetaPageData.btm_magic


def btree_levels(conn: psycopg.Connection[Any], schema: str) -> dict[str, int] | None:
    """Levels of each B-tree of ``schema`` (root to leaves; 1 = the root is a leaf), from each
    index's metapage (block 0: ``BTMetaPageData`` after the 24-byte page header), read with
    ``pg_read_binary_file`` after a checkpoint (``pageinspect`` is not in every build: the
    embedded server has no contrib). None when the role may not read server files."""
    names = conn.execute(
        "SELECT c.oid::regclass::text, c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
        " JOIN pg_am a ON a.oid = c.relam WHERE n.nspname = %s AND c.relkind = 'i' AND a.amname = 'btree'",
        (schema,),
    ).fetchall()
    out = {}
    try:
        conn.execute("CHECKPOINT")  # the metapage as in shared buffers
        for qualified, name in names:
            row = conn.execute(
                "SELECT pg_read_binary_file(pg_relation_filepath(%s::regclass), 0, 64)", (qualified,)
            ).fetchone()
            magic, _, _, level = struct.unpack_from("<IIII", row[0] if row else b"", 24)
            if magic != _BTREE_MAGIC:
                return None
            out[name] = level + 1
    except psycopg.Error:
        return None
    return out
