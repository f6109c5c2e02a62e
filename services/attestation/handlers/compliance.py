"""Compliance: evaluate a workspace's enabled frameworks, its status, its gaps.

An evaluation reads the workspace's facts once the read model has caught up with the log as
it was when the request arrived (a run ingested just before is counted), under a per-workspace
advisory lock, and appends ``compliance.evaluated`` only when the result digest differs from
the last recorded one: re-evaluating unchanged state appends nothing. The message id names the
previous evaluation, so two racing instances computing the same change append it once.

The event carries the result's record of constant size; the failing subjects (which grow with
the workspace) are an object in the Object Store that the event names, and ``gaps`` pages them.
Evaluating is CPU work (about 40 ms a thousand runs): it runs in a thread, so the service keeps
answering and projecting meanwhile.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING, Any

from psycopg import AsyncConnection
from qlcore.errors import NotFound
from qlcore.events import new_event_id, utcnow
from qlcore.events.attestation import ComplianceEvaluated
from qlcore.objects import ObjectMissing
from qlcore.rpc import RpcContext, RpcReply, RpcRequest, json_reply

from services.attestation import store
from services.attestation.domain import (
    AttestationError,
    Evaluation,
    FailingSubject,
    Framework,
    FrameworkCatalog,
    FrameworkResult,
    decode_gaps,
    evaluate_with_evidence,
    gaps_record,
    result_record,
)
from services.attestation.handlers.requests import GapsQuery, WorkspaceQuery, own

if TYPE_CHECKING:
    from services.attestation.bootstrap import Deps

__all__ = ["evaluate", "framework_for", "gaps", "record_evaluation", "status", "workspace_lock"]


@asynccontextmanager
async def workspace_lock(deps: Deps, workspace_id: str) -> AsyncIterator[AsyncConnection]:
    """A connection holding the workspace's advisory lock (across every instance) until exit.

    A locked section waits for its own projection while holding a pooled connection, so the
    sections are capped below the pool size (``deps.locked_sections``): the projection always
    gets a connection.
    """
    async with deps.locked_sections, deps.rt.pool.connection() as conn, conn.transaction():
        await conn.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", (f"attestation:{workspace_id}",))
        yield conn


def framework_for(catalog: FrameworkCatalog, framework_id: str, version: str) -> Framework:
    """The enabled version of a framework."""
    framework = catalog.get(framework_id, version)
    if framework is None:
        framework = catalog.get(framework_id)
    if framework is None:
        raise NotFound(f"framework {framework_id!r} is no longer available")
    return framework


async def record_evaluation(
    deps: Deps, rctx: RpcContext, conn: AsyncConnection, workspace_id: str, framework: Framework, now: str
) -> tuple[Evaluation, bool, int]:
    """Evaluate one framework (the caller holds the workspace lock and has caught up) and append
    the result if it changed; returns (evaluation, changed, sequence to wait for or 0)."""
    snapshot = await store.snapshot(conn, workspace_id, now)
    evaluation = await asyncio.to_thread(evaluate_with_evidence, snapshot, framework)
    result = evaluation.result
    last = (await store.latest_evaluations(conn, workspace_id)).get(framework.id)
    if last is not None and last.result_digest == result.result_digest:
        return evaluation, False, 0
    gaps = gaps_record(result)
    gaps_object = (await deps.objects.put(gaps)).name if gaps is not None else ""
    event = ComplianceEvaluated(
        event_id=new_event_id(),
        occurred_at=now,
        workspace_id=workspace_id,
        actor=rctx.actor,
        correlation_id=rctx.request_id or new_event_id(),
        framework_id=framework.id,
        framework_version=framework.version,
        result_digest=result.result_digest,
        result=result_record(result),
        gaps=gaps_object,
    )
    previous = last.event_id if last is not None else "-"
    msg_id = f"eval:{workspace_id}:{framework.id}:{previous}:{result.result_digest}"
    appended = await deps.rt.bus.append(event, msg_id=msg_id)
    return evaluation, True, appended.seq


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


async def evaluate(deps: Deps, req: RpcRequest) -> RpcReply:
    """Evaluate every enabled framework; ``changed`` says whether a new result was recorded and
    ``evaluated_at`` is when the current result was first recorded."""
    workspace_id = own(req, req.json(WorkspaceQuery).workspace_id)
    await deps.rt.caught_up(deps.config.caught_up_timeout_s)
    now = utcnow()
    out: list[dict[str, Any]] = []
    last_seq = 0
    async with workspace_lock(deps, workspace_id) as conn:
        enabled = await store.enabled_frameworks(conn, workspace_id)
        previous = await store.latest_evaluations(conn, workspace_id)
        for row in enabled:
            framework = framework_for(deps.catalog, row.framework_id, row.framework_version)
            evaluation, changed, seq = await record_evaluation(deps, req.ctx, conn, workspace_id, framework, now)
            last_seq = max(last_seq, seq)
            recorded = now if changed else previous[framework.id].evaluated_at
            out.append(_framework_summary(evaluation.result, changed, recorded))
        if last_seq:
            await deps.rt.applied(last_seq)  # still locked: the next evaluation sees this one
    return json_reply({"workspace_id": workspace_id, "checked_at": now, "frameworks": out})


def _control_summary(control: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": control["id"],
        "title": control["title"],
        "status": control["status"],
        "evidence_count": control["evidence_count"],
        "failing_count": control["failing_count"],
    }


async def status(deps: Deps, req: RpcRequest) -> RpcReply:
    """Per enabled framework and control: the last recorded evaluation (``not_evaluated`` before one)."""
    workspace_id = own(req, req.json(WorkspaceQuery).workspace_id)
    async with deps.rt.pool.connection() as conn:
        enabled = await store.enabled_frameworks(conn, workspace_id)
        latest = await store.latest_evaluations(conn, workspace_id)
    frameworks = []
    for row in enabled:
        framework = deps.catalog.get(row.framework_id, row.framework_version) or deps.catalog.get(row.framework_id)
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
    return json_reply({"workspace_id": workspace_id, "frameworks": frameworks})


async def _failing_subjects(deps: Deps, last: store.EvaluationRow) -> dict[str, list[FailingSubject]]:
    """The failing subjects of each control of a recorded evaluation (its gaps object)."""
    if not last.gaps_object:
        return {}
    try:
        record = decode_gaps(await deps.objects.get(last.gaps_object))
    except AttestationError as exc:
        raise ObjectMissing(f"{last.gaps_object}: {exc}") from exc
    if record.result_digest != last.result_digest:
        raise ObjectMissing(f"{last.gaps_object} holds the gaps of another evaluation")
    return {c.id: c.failing for c in record.controls}


async def gaps(deps: Deps, req: RpcRequest) -> RpcReply:
    """Each failing control of the last evaluations, with the subjects failing it (a page of them:
    ``offset`` and ``limit``, more of them when one ``control_id`` is asked for) and the fix."""
    q: GapsQuery = req.json(GapsQuery)
    workspace_id = own(req, q.workspace_id)
    cap = deps.config.gaps_max_page if q.control_id else deps.config.gaps_page
    limit = min(q.limit or deps.config.gaps_page, cap)
    async with deps.rt.pool.connection() as conn:
        enabled = {e.framework_id for e in await store.enabled_frameworks(conn, workspace_id)}
        latest = await store.latest_evaluations(conn, workspace_id)
    out = []
    for framework_id in sorted(enabled & set(latest)):
        if q.framework_id is not None and framework_id != q.framework_id:
            continue
        last = latest[framework_id]
        framework = deps.catalog.get(framework_id, last.framework_version)
        descriptions = {c.id: c.description for c in framework.controls} if framework else {}
        controls = [
            c
            for c in last.result["controls"]
            if c["status"] == "failing" and (q.control_id is None or c["id"] == q.control_id)
        ]
        subjects = await _failing_subjects(deps, last) if controls else {}
        for control in controls:
            failing = subjects.get(control["id"], [])
            end = q.offset + limit
            out.append(
                {
                    "framework_id": framework_id,
                    "framework_version": last.framework_version,
                    "control_id": control["id"],
                    "title": control["title"],
                    "description": descriptions.get(control["id"]),
                    "remediation": control["remediation"],
                    "failing": failing[q.offset : end],
                    "failing_count": len(failing),
                    "failing_offset": q.offset,
                    "failing_next_offset": end if end < len(failing) else None,
                    "evaluated_at": last.evaluated_at,
                }
            )
    body = {
        "workspace_id": workspace_id,
        "gaps": out,
        "limit": limit,
        "evaluated": sorted(enabled & set(latest)),
        "not_evaluated": sorted(enabled - set(latest)),
    }
    return json_reply(body)
