"""Compliance commands and queries: enable a framework, evaluate, status, gaps.

An evaluation reads the workspace's facts once the read model has caught up with the log as
it was when the request arrived (a run ingested just before is counted), under a per-workspace
advisory lock, and appends ``compliance.evaluated`` only when the result digest differs from
the last recorded one: re-evaluating unchanged state appends nothing. The message id names the
previous evaluation, so two racing instances computing the same change append it once.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import msgspec
from psycopg import AsyncConnection
from qlcore.errors import NotFound
from qlcore.events import new_event_id, utcnow
from qlcore.events.attestation import ComplianceEvaluated, FrameworkEnabled
from qlcore.rpc import RpcContext
from qlcore.service import ServiceContext

from services.attestation import store
from services.attestation.domain import Framework, FrameworkCatalog, FrameworkResult, evaluate_framework

__all__ = [
    "catalog_of",
    "caught_up",
    "enable",
    "evaluate",
    "framework_for",
    "gaps",
    "record_evaluation",
    "status",
    "wait_applied",
    "workspace_lock",
]


def catalog_of(ctx: ServiceContext) -> FrameworkCatalog:
    catalog = ctx.state.get("catalog")
    if not isinstance(catalog, FrameworkCatalog):
        raise RuntimeError("the attestation service started without its framework catalog")
    return catalog


async def wait_applied(ctx: ServiceContext, seq: int, timeout: float = 10.0) -> None:
    """Wait until this service's read model has applied ``seq`` (503 when it does not in time)."""
    await ctx.applied(seq, timeout)


async def caught_up(ctx: ServiceContext) -> None:
    """Wait until every event logged before now is in the read model."""
    await wait_applied(ctx, await ctx.bus.last_event_seq(), timeout=30.0)


LOCKED_SECTIONS = 6  # of the pool's connections; the projection must always find one free


@asynccontextmanager
async def workspace_lock(ctx: ServiceContext, workspace_id: str) -> AsyncIterator[AsyncConnection]:
    """A connection holding the workspace's advisory lock (across every instance) until exit.

    A locked section waits for its own projection while holding a pooled connection, so the
    sections are capped below the pool size: the projection always gets a connection.
    """
    slots = ctx.state.setdefault("locked_sections", asyncio.Semaphore(LOCKED_SECTIONS))
    assert isinstance(slots, asyncio.Semaphore)
    async with slots, ctx.pool.connection() as conn, conn.transaction():
        await conn.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", (f"attestation:{workspace_id}",))
        yield conn


def framework_for(catalog: FrameworkCatalog, framework_id: str, version: str) -> Framework:
    """The enabled version of a framework."""
    framework = catalog.get(framework_id, version)
    if framework is None:  # a version removed from disk: evaluate the latest instead of failing
        framework = catalog.get(framework_id)
    if framework is None:
        raise NotFound(f"framework {framework_id!r} is no longer available")
    return framework


def _logged_result(result: FrameworkResult) -> dict[str, Any]:
    """The result as ``compliance.evaluated`` carries it: without the evidence items."""
    body: dict[str, Any] = msgspec.to_builtins(result)
    body["evidence_count"] = len(body.pop("evidence"))
    return body


async def record_evaluation(
    ctx: ServiceContext, rctx: RpcContext, conn: AsyncConnection, workspace_id: str, framework: Framework, now: str
) -> tuple[FrameworkResult, bool, int]:
    """Evaluate one framework (the caller holds the workspace lock and has caught up) and append
    the result if it changed; returns (result, changed, sequence to wait for or 0)."""
    snapshot = await store.snapshot(conn, workspace_id, now)
    result = evaluate_framework(snapshot, framework)
    last = (await store.latest_evaluations(conn, workspace_id)).get(framework.id)
    if last is not None and last.result_digest == result.result_digest:
        return result, False, 0
    event = ComplianceEvaluated(
        event_id=new_event_id(),
        occurred_at=now,
        workspace_id=workspace_id,
        actor=rctx.actor,
        correlation_id=rctx.request_id or new_event_id(),
        framework_id=framework.id,
        framework_version=framework.version,
        result_digest=result.result_digest,
        result=_logged_result(result),
    )
    previous = last.event_id if last is not None else "-"
    appended = await ctx.bus.append(
        event, msg_id=f"eval:{workspace_id}:{framework.id}:{previous}:{result.result_digest}"
    )
    return result, True, appended.seq


async def enable(
    ctx: ServiceContext, rctx: RpcContext, workspace_id: str, framework_id: str, version: str | None
) -> tuple[int, dict[str, Any]]:
    """Enable a framework (its latest version unless one is named); enabling again is a no-op."""
    framework = catalog_of(ctx).get(framework_id, version)
    if framework is None:
        raise NotFound(f"no framework {framework_id!r}" + (f" version {version!r}" if version else ""))
    async with ctx.pool.connection() as conn:
        current = {e.framework_id: e for e in await store.enabled_frameworks(conn, workspace_id)}.get(framework_id)
    created = current is None or current.framework_version != framework.version
    if created:
        event = FrameworkEnabled.new(
            actor=rctx.actor,
            workspace_id=workspace_id,
            correlation_id=rctx.request_id,
            framework_id=framework.id,
            framework_version=framework.version,
        )
        appended = await ctx.bus.append(event, msg_id=f"enable:{workspace_id}:{framework.id}:{framework.version}")
        await wait_applied(ctx, appended.seq)
        async with ctx.pool.connection() as conn:
            current = {e.framework_id: e for e in await store.enabled_frameworks(conn, workspace_id)}[framework_id]
    assert current is not None
    return (201 if created else 200), {
        "workspace_id": workspace_id,
        "framework_id": framework.id,
        "framework_version": current.framework_version,
        "title": framework.title,
        "enabled": True,
        "enabled_at": current.enabled_at,
        "changed": created,
    }


def _framework_summary(result: FrameworkResult, changed: bool, evaluated_at: str) -> dict[str, Any]:
    return {
        "framework_id": result.framework_id,
        "framework_version": result.framework_version,
        "status": result.status,
        "counts": result.counts,
        "result_digest": result.result_digest,
        "evidence_root": result.evidence_root,
        "evidence_count": len(result.evidence),
        "changed": changed,
        "evaluated_at": evaluated_at,
    }


async def evaluate(ctx: ServiceContext, rctx: RpcContext, workspace_id: str) -> dict[str, Any]:
    """Evaluate every enabled framework; ``changed`` says whether a new result was recorded and
    ``evaluated_at`` is when the current result was first recorded."""
    catalog = catalog_of(ctx)
    await caught_up(ctx)
    now = utcnow()
    out: list[dict[str, Any]] = []
    last_seq = 0
    async with workspace_lock(ctx, workspace_id) as conn:
        enabled = await store.enabled_frameworks(conn, workspace_id)
        previous = await store.latest_evaluations(conn, workspace_id)
        for row in enabled:
            framework = framework_for(catalog, row.framework_id, row.framework_version)
            result, changed, seq = await record_evaluation(ctx, rctx, conn, workspace_id, framework, now)
            last_seq = max(last_seq, seq)
            recorded = now if changed else previous[framework.id].evaluated_at
            out.append(_framework_summary(result, changed, recorded))
        if last_seq:
            await wait_applied(ctx, last_seq)  # still locked: the next evaluation sees this one
    return {"workspace_id": workspace_id, "checked_at": now, "frameworks": out}


def _control_summary(control: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": control["id"],
        "title": control["title"],
        "status": control["status"],
        "evidence_count": control["evidence_count"],
        "failing_count": len(control["failing"]),
    }


async def status(ctx: ServiceContext, workspace_id: str) -> dict[str, Any]:
    """Per enabled framework and control: the last recorded evaluation (``not_evaluated`` before one)."""
    catalog = catalog_of(ctx)
    async with ctx.pool.connection() as conn:
        enabled = await store.enabled_frameworks(conn, workspace_id)
        latest = await store.latest_evaluations(conn, workspace_id)
    frameworks = []
    for row in enabled:
        framework = catalog.get(row.framework_id, row.framework_version) or catalog.get(row.framework_id)
        item: dict[str, Any] = {
            "framework_id": row.framework_id,
            "framework_version": row.framework_version,
            "title": framework.title if framework else row.framework_id,
            "enabled_at": row.enabled_at,
            "status": "not_evaluated",
            "evaluated_at": None,
            "result_digest": None,
            "evidence_root": None,
            "counts": None,
            "controls": [],
        }
        last = latest.get(row.framework_id)
        if last is not None:
            r = last.result
            item |= {
                "framework_version": last.framework_version,
                "status": r["status"],
                "evaluated_at": last.evaluated_at,
                "result_digest": last.result_digest,
                "evidence_root": r["evidence_root"],
                "counts": r["counts"],
                "controls": [_control_summary(c) for c in r["controls"]],
            }
        frameworks.append(item)
    return {"workspace_id": workspace_id, "frameworks": frameworks}


async def gaps(ctx: ServiceContext, workspace_id: str) -> dict[str, Any]:
    """Each failing control of the last evaluations, with the subjects failing it and the fix."""
    catalog = catalog_of(ctx)
    async with ctx.pool.connection() as conn:
        enabled = {e.framework_id for e in await store.enabled_frameworks(conn, workspace_id)}
        latest = await store.latest_evaluations(conn, workspace_id)
    out = []
    for framework_id in sorted(enabled & set(latest)):
        last = latest[framework_id]
        framework = catalog.get(framework_id, last.framework_version)
        descriptions = {c.id: c.description for c in framework.controls} if framework else {}
        for control in last.result["controls"]:
            if control["status"] != "failing":
                continue
            out.append(
                {
                    "framework_id": framework_id,
                    "framework_version": last.framework_version,
                    "control_id": control["id"],
                    "title": control["title"],
                    "description": descriptions.get(control["id"]),
                    "remediation": control["remediation"],
                    "failing": control["failing"],
                    "evaluated_at": last.evaluated_at,
                }
            )
    return {
        "workspace_id": workspace_id,
        "gaps": out,
        "evaluated": sorted(enabled & set(latest)),
        "not_evaluated": sorted(enabled - set(latest)),
    }
