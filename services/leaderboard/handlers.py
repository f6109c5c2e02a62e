"""Leaderboard requests over NATS: the public queries (JSON, HTML, SVG) and ``corpus.import``.

Queries read the read model through :mod:`store`, rank and bucket with the pure domain, and
cache each reply until the read model moves (:class:`~services.leaderboard.cache.ReplyCache`).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TypeVar
from urllib.parse import quote, urlencode

from qlcore.corpus.methodology import METHODOLOGY_VERSION, metric_definition
from qlcore.errors import NotFound
from qlcore.rpc import RpcReply, RpcRequest, RpcServer, json_reply
from qlcore.service import ServiceContext

from services.leaderboard import store
from services.leaderboard.cache import ReplyCache
from services.leaderboard.commands import import_batch
from services.leaderboard.domain.ranking import Leaderboard, leaderboard
from services.leaderboard.domain.render import render_leaderboard_html, render_trend_html, render_trend_svg
from services.leaderboard.domain.trend import Bucket, TrendBucket, trend
from services.leaderboard.queries import (
    LeaderboardQuery,
    TrendQuery,
    methodology_document,
    parse_leaderboard,
    parse_trend,
)

__all__ = ["METHODOLOGY_HREF", "register"]

METHODOLOGY_HREF = "/api/v1/leaderboard/methodology"
HTML = "text/html; charset=utf-8"
SVG = "image/svg+xml"
Q = TypeVar("Q", LeaderboardQuery, TrendQuery)


def register(rpc: RpcServer, ctx: ServiceContext) -> None:
    cache = ReplyCache()
    ctx.state["reply_cache"] = cache

    async def position() -> int:
        runner = ctx.runner
        if runner is not None and runner.leader:
            return runner.position
        async with ctx.pool.connection() as conn:
            return await store.checkpoint(conn)

    def cached(op: str, decode: type[Q], compute: Callable[[Q], Awaitable[RpcReply]]) -> None:
        async def handler(req: RpcRequest) -> RpcReply:
            query: Q = req.json(decode)
            return await cache.get(await position(), (op, query), lambda: compute(query))

        rpc.add(op, handler)

    async def board(query: LeaderboardQuery) -> Leaderboard:
        q, as_of = parse_leaderboard(query)
        async with ctx.pool.connection() as conn:
            observations = await store.latest_observations(conn, as_of)
        return leaderboard(observations, q.metric, q.provider, q.min_qubits, as_of)

    async def leaderboard_json(query: LeaderboardQuery) -> RpcReply:
        return json_reply(await board(query))

    async def leaderboard_page(query: LeaderboardQuery) -> RpcReply:
        html = render_leaderboard_html(await board(query), methodology_href=METHODOLOGY_HREF)
        return RpcReply(200, html.encode(), HTML)

    async def buckets(query: TrendQuery) -> tuple[TrendQuery, list[TrendBucket]]:
        q, lower, upper = parse_trend(query)
        async with ctx.pool.connection() as conn:
            observations = await store.device_observations(conn, q.provider, q.backend)
        if not observations:
            raise NotFound(f"no calibration snapshots of {q.provider}/{q.backend}; see GET /api/v1/leaderboard")
        bucket: Bucket = "week" if q.bucket == "week" else "day"
        return q, trend(observations, q.metric, lower, upper, bucket)

    async def trend_json(query: TrendQuery) -> RpcReply:
        q, found = await buckets(query)
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

    async def trend_page(query: TrendQuery) -> RpcReply:
        q, found = await buckets(query)
        device = f"{quote(q.provider, safe='')}/{quote(q.backend, safe='')}"
        svg_href = f"/backends/{device}/trend.svg?{urlencode({'metric': q.metric, 'bucket': q.bucket})}"
        html = render_trend_html(q.provider, q.backend, q.metric, found, bucket=q.bucket, svg_href=svg_href)
        return RpcReply(200, html.encode(), HTML)

    async def trend_svg(query: TrendQuery) -> RpcReply:
        q, found = await buckets(query)
        title = f"{q.provider}/{q.backend} — {metric_definition(q.metric).label} per {q.bucket}"
        return RpcReply(200, render_trend_svg(found, q.metric, title=title).encode(), SVG)

    async def methodology(_: RpcRequest) -> RpcReply:
        return json_reply(methodology_document(), headers={"Cache-Control": "public, max-age=3600"})

    async def corpus_import(req: RpcRequest) -> RpcReply:
        return await import_batch(ctx, req)

    cached("leaderboard.get", LeaderboardQuery, leaderboard_json)
    cached("leaderboard.page", LeaderboardQuery, leaderboard_page)
    cached("trend.get", TrendQuery, trend_json)
    cached("trend.page", TrendQuery, trend_page)
    cached("trend.svg", TrendQuery, trend_svg)
    rpc.add("leaderboard.methodology", methodology)
    rpc.add("corpus.import", corpus_import)
