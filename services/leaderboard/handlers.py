"""Leaderboard requests over NATS: the public queries (JSON, HTML, SVG), the methodology, and
``corpus.import``.

Queries read the read model through :mod:`~services.leaderboard.store`, rank and bucket with the
pure domain, and are cached until the read model moves (``deps.cache``, a
:class:`~services.leaderboard.reply_cache.ReplyCache`).

``corpus.import`` appends a batch of observations as ``calibration.observed`` events, once each.
Why the service appends (and not the CLI): the service owns the idempotency index (its read
model), so it can check it and append in one place, and an importer needs NATS request access
only, not the right to write to the run log. Importing twice adds nothing, inside and outside
JetStream's two-minute de-duplication window:

1. the handler first waits until its read model has applied the whole log as it stood when the
   request arrived, so every earlier import is visible;
2. it drops the keys the corpus already supplied (the read model is the durable index);
3. it appends the rest with ``Nats-Msg-Id = key``, so two concurrent imports of the same source
   (both past step 2) still append each snapshot once.

The projection's upsert is a last line of defence: a duplicate event would not change a row.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Hashable
from typing import TYPE_CHECKING
from urllib.parse import quote, urlencode

import msgspec
import structlog
from qlcore.corpus.methodology import METHODOLOGY_VERSION, methodology_document, metric_definition
from qlcore.corpus.model import Observation
from qlcore.corpus.protocol import IMPORT_OPERATION, ImportBatch, ImportResult
from qlcore.errors import NotFound
from qlcore.rpc import RpcReply, RpcRequest, json_reply
from qlcore.service import Operation

from services.leaderboard import store
from services.leaderboard.domain.corpus_batch import distinct_snapshots
from services.leaderboard.domain.events import event_from_observation
from services.leaderboard.domain.parameters import LeaderboardQuery, TrendQuery, parse_leaderboard, parse_trend
from services.leaderboard.domain.ranking import Leaderboard, leaderboard
from services.leaderboard.domain.render import render_leaderboard_html, render_trend_html, render_trend_svg
from services.leaderboard.domain.trend import Bucket, TrendBucket, trend

if TYPE_CHECKING:
    from services.leaderboard.bootstrap import Deps

__all__ = [
    "METHODOLOGY_HREF",
    "OPERATIONS",
    "get_leaderboard",
    "get_methodology",
    "get_trend",
    "import_corpus",
    "leaderboard_page",
    "trend_page",
    "trend_svg",
]

log = structlog.get_logger("leaderboard")

METHODOLOGY_HREF = "/api/v1/leaderboard/methodology"
HTML = "text/html; charset=utf-8"
SVG = "image/svg+xml"


async def _position(deps: Deps) -> int:
    """The read model's position: in memory on the projection leader, the stored checkpoint on a
    stand-by instance."""
    runner = deps.rt.runner
    if runner is None:
        raise RuntimeError("the leaderboard service runs without its projection")
    return runner.position if runner.leader else await runner.stored_position()


async def _cached(deps: Deps, key: Hashable, compute: Callable[[], Awaitable[RpcReply]]) -> RpcReply:
    return await deps.cache.get(await _position(deps), key, compute)


# ---- the leaderboard ------------------------------------------------------------------------
async def _board(deps: Deps, query: LeaderboardQuery) -> Leaderboard:
    q, as_of = parse_leaderboard(query)
    observations = await store.latest_observations(deps.rt.statements, as_of)
    return leaderboard(observations, q.metric, q.provider, q.min_qubits, as_of)


async def get_leaderboard(deps: Deps, req: RpcRequest) -> RpcReply:
    query: LeaderboardQuery = req.json(LeaderboardQuery)

    async def compute() -> RpcReply:
        return json_reply(await _board(deps, query))

    return await _cached(deps, ("leaderboard.get", query), compute)


async def leaderboard_page(deps: Deps, req: RpcRequest) -> RpcReply:
    query: LeaderboardQuery = req.json(LeaderboardQuery)

    async def compute() -> RpcReply:
        html = render_leaderboard_html(await _board(deps, query), methodology_href=METHODOLOGY_HREF)
        return RpcReply(200, html.encode(), HTML)

    return await _cached(deps, ("leaderboard.page", query), compute)


# ---- a device's trend -----------------------------------------------------------------------
async def _buckets(deps: Deps, query: TrendQuery) -> tuple[TrendQuery, list[TrendBucket]]:
    q, lower, upper = parse_trend(query)
    observations = await store.device_observations(deps.rt.statements, q.provider, q.backend)
    if not observations:
        raise NotFound(f"no calibration snapshots of {q.provider}/{q.backend}; see GET /api/v1/leaderboard")
    bucket: Bucket = "week" if q.bucket == "week" else "day"
    return q, trend(observations, q.metric, lower, upper, bucket)


async def get_trend(deps: Deps, req: RpcRequest) -> RpcReply:
    query: TrendQuery = req.json(TrendQuery)

    async def compute() -> RpcReply:
        q, found = await _buckets(deps, query)
        definition = metric_definition(q.metric)
        return json_reply(
            {
                "methodology_version": METHODOLOGY_VERSION,
                "provider": q.provider,
                "backend": q.backend,
                "metric": q.metric,
                "label": definition.label,
                "unit": definition.unit,
                "direction": definition.direction,
                "bucket": q.bucket,
                "from": q.from_,
                "to": q.to,
                "buckets": found,
            }
        )

    return await _cached(deps, ("trend.get", query), compute)


async def trend_page(deps: Deps, req: RpcRequest) -> RpcReply:
    query: TrendQuery = req.json(TrendQuery)

    async def compute() -> RpcReply:
        q, found = await _buckets(deps, query)
        device = f"{quote(q.provider, safe='')}/{quote(q.backend, safe='')}"
        svg_href = f"/backends/{device}/trend.svg?{urlencode({'metric': q.metric, 'bucket': q.bucket})}"
        html = render_trend_html(q.provider, q.backend, q.metric, found, bucket=q.bucket, svg_href=svg_href)
        return RpcReply(200, html.encode(), HTML)

    return await _cached(deps, ("trend.page", query), compute)


async def trend_svg(deps: Deps, req: RpcRequest) -> RpcReply:
    query: TrendQuery = req.json(TrendQuery)

    async def compute() -> RpcReply:
        q, found = await _buckets(deps, query)
        title = f"{q.provider}/{q.backend} — {metric_definition(q.metric).label} per {q.bucket}"
        return RpcReply(200, render_trend_svg(found, q.metric, title=title).encode(), SVG)

    return await _cached(deps, ("trend.svg", query), compute)


async def get_methodology(deps: Deps, req: RpcRequest) -> RpcReply:
    return json_reply(methodology_document(), headers={"Cache-Control": "public, max-age=3600"})


# ---- corpus.import --------------------------------------------------------------------------
async def import_corpus(deps: Deps, req: RpcRequest) -> RpcReply:
    batch: ImportBatch = req.json(ImportBatch)
    unique = distinct_snapshots(batch)
    timeout = deps.config.import_wait_s
    await deps.rt.caught_up(timeout)
    known = await store.corpus_keys(deps.rt.statements, list(unique))
    fresh = [obs for key, obs in unique.items() if key not in known]
    actor = f"operator:{batch.operator}"
    slots = asyncio.Semaphore(deps.config.append_concurrency)

    async def append(obs: Observation) -> tuple[int, bool]:
        async with slots:
            event = event_from_observation(obs, actor=actor, correlation_id=req.ctx.request_id)
            appended = await deps.rt.bus.append(event, msg_id=obs.key)
            return appended.seq, appended.duplicate

    results = await asyncio.gather(*(append(obs) for obs in fresh))
    last_seq = max((seq for seq, _ in results), default=0)
    if batch.wait:
        await deps.rt.applied(last_seq, timeout)
    duplicates = sum(1 for _, dup in results if dup)
    result = ImportResult(
        received=len(batch.observations),
        appended=len(fresh) - duplicates,
        already_imported=len(batch.observations) - len(fresh),
        deduplicated_by_log=duplicates,
        last_seq=last_seq,
    )
    log.info("corpus.imported", **msgspec.structs.asdict(result), operator=batch.operator)
    return json_reply(result)


OPERATIONS: tuple[Operation[Deps], ...] = (
    Operation("leaderboard.get", get_leaderboard),
    Operation("leaderboard.page", leaderboard_page),
    Operation("trend.get", get_trend),
    Operation("trend.page", trend_page),
    Operation("trend.svg", trend_svg),
    Operation("leaderboard.methodology", get_methodology),
    Operation(IMPORT_OPERATION, import_corpus),
)
