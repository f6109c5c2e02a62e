"""Enabled frameworks and recorded evaluations (the last one per framework is its status)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import msgspec
import psycopg
from psycopg import AsyncConnection

__all__ = [
    "EnabledRow",
    "EvaluationRow",
    "enabled_frameworks",
    "insert_evaluation",
    "latest_evaluations",
    "upsert_enabled",
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
    result: dict[str, Any]  # the record of constant size (domain.result_record)
    evaluated_at: str
    gaps_object: str  # the failing subjects' object, "" when none fails


_dict = msgspec.json.Decoder(dict[str, Any])


async def upsert_enabled(
    cur: psycopg.AsyncCursor, workspace_id: str, framework_id: str, version: str, at: str, by: str, seq: int
) -> None:
    """Enable a framework, or move it to another version."""
    await cur.execute(
        "INSERT INTO enabled_frameworks (workspace_id, framework_id, framework_version, enabled_at, enabled_by, seq)"
        " VALUES (%s,%s,%s,%s,%s,%s) ON CONFLICT (workspace_id, framework_id) DO UPDATE"
        " SET framework_version = EXCLUDED.framework_version, enabled_at = EXCLUDED.enabled_at,"
        " enabled_by = EXCLUDED.enabled_by, seq = EXCLUDED.seq",
        (workspace_id, framework_id, version, at, by, seq),
    )


async def insert_evaluation(
    cur: psycopg.AsyncCursor,
    event_id: str,
    workspace_id: str,
    framework_id: str,
    framework_version: str,
    result_digest: str,
    result_json: str,
    gaps_object: str,
    evaluated_at: str,
    evaluated_by: str,
    seq: int,
) -> None:
    await cur.execute(
        "INSERT INTO evaluations (event_id, workspace_id, framework_id, framework_version, result_digest, result,"
        " gaps_object, evaluated_at, evaluated_by, seq) VALUES (%s,%s,%s,%s,%s,%s,%s,%s,%s,%s)"
        " ON CONFLICT (event_id) DO NOTHING",
        (
            event_id,
            workspace_id,
            framework_id,
            framework_version,
            result_digest,
            result_json,
            gaps_object,
            evaluated_at,
            evaluated_by,
            seq,
        ),
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
            " evaluated_at, gaps_object FROM evaluations WHERE workspace_id = %s ORDER BY framework_id, seq DESC",
            (workspace_id,),
        )
    ).fetchall()
    return {r[1]: EvaluationRow(r[0], r[1], r[2], r[3], _dict.decode(r[4]), r[5], r[6]) for r in rows}
