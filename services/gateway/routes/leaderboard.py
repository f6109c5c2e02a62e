"""Corpus & leaderboard: public, no authentication (the read model holds public data only).

``/api/v1/leaderboard`` and ``/api/v1/backends/{provider}/{backend_id}/trend`` answer JSON;
``/leaderboard`` and ``/backends/{provider}/{backend_id}/trend`` are the pages for people, with
the chart rendered server-side as inline SVG (``trend.svg`` serves it alone, for embedding).
Replies carry a strong ``ETag`` and ``Cache-Control: public``; a matching ``If-None-Match`` gets
``304 Not Modified`` (CDNs and browsers revalidate cheaply).
"""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response, get
from litestar.params import Parameter
from qlcore.errors import Unprocessable

from services.gateway.deps import forward

__all__ = ["LeaderboardController", "LeaderboardPagesController"]

SERVICE = "leaderboard"
_METRIC = Parameter(
    default="median_2q_error",
    description="median_2q_error (default), median_1q_error, median_readout_error, median_t1, median_t2, "
    "num_qubits, failed_2q_couplers, failed_2q_fraction; an unknown one is a 422 listing the valid ones",
)


def _not_modified(request: Request[Any, Any, Any], resp: Response[bytes]) -> Response[bytes]:
    etag = resp.headers.get("ETag")
    wanted = request.headers.get("if-none-match")
    if resp.status_code != 200 or not etag or not wanted:
        return resp
    if wanted.strip() == "*" or etag in {tag.strip() for tag in wanted.split(",")}:
        keep = {k: v for k, v in resp.headers.items() if k in ("ETag", "Cache-Control")}
        return Response(b"", status_code=304, headers=keep)
    return resp


async def _public(request: Request[Any, Any, Any], op: str, query: dict[str, Any]) -> Response[bytes]:
    body = {k: v for k, v in query.items() if v is not None and v != ""}
    return _not_modified(request, await forward(request, SERVICE, op, body))


def _int_or_none(name: str, value: str | None) -> int | None:
    """An HTML form sends empty fields as empty strings."""
    if value is None or not value.strip():
        return None
    try:
        return int(value)
    except ValueError:
        raise Unprocessable(f"{name} must be an integer, got {value!r}") from None


class LeaderboardController(Controller):
    path = "/api/v1"
    tags = ["corpus & leaderboard"]

    @get(
        "/leaderboard",
        operation_id="getLeaderboard",
        summary="Cross-vendor hardware ranking by a calibration metric (public)",
    )
    async def get_leaderboard(
        self,
        request: Request[Any, Any, Any],
        metric: str = _METRIC,
        provider: str | None = Parameter(default=None, description="only this provider (case-insensitive)"),
        min_qubits: int | None = Parameter(default=None, ge=0, description="only devices with at least this many"),
        as_of: str | None = Parameter(
            default=None,
            description="rank each device's latest snapshot at this date (YYYY-MM-DD: the whole day) or RFC 3339 time",
        ),
    ) -> Response[bytes]:
        """Devices ranked best first on each one's latest snapshot; rows carry rank, provider, backend,
        value, qubits, snapshot time and source; ``methodology_version`` names the definitions."""
        query = {"metric": metric, "provider": provider, "min_qubits": min_qubits, "as_of": as_of}
        return await _public(request, "leaderboard.get", query)

    @get(
        "/leaderboard/methodology",
        operation_id="getLeaderboardMethodology",
        summary="The versioned metric definitions the leaderboard ranks by",
    )
    async def get_methodology(self, request: Request[Any, Any, Any]) -> Response[bytes]:
        return await forward(request, SERVICE, "leaderboard.methodology", {})

    @get(
        "/backends/{provider:str}/{backend_id:str}/trend",
        operation_id="getDeviceTrend",
        summary="A device's metric over time: median, p10, p90 and n per day or week (public)",
    )
    async def get_trend(
        self,
        request: Request[Any, Any, Any],
        provider: str,
        backend_id: str,
        metric: str = _METRIC,
        from_: str | None = Parameter(default=None, query="from", description="date or RFC 3339 time"),
        to: str | None = Parameter(default=None, description="date (inclusive) or RFC 3339 time"),
        bucket: str = Parameter(default="day", description="day or week (ISO weeks, Monday 00:00 UTC)"),
    ) -> Response[bytes]:
        query = _trend_query(provider, backend_id, metric, from_, to, bucket)
        return await _public(request, "trend.get", query)


class LeaderboardPagesController(Controller):
    """The same data as pages for people (not part of the OpenAPI document)."""

    path = "/"
    include_in_schema = False

    @get("/leaderboard")
    async def leaderboard_page(
        self,
        request: Request[Any, Any, Any],
        metric: str = "median_2q_error",
        provider: str | None = None,
        min_qubits: str | None = None,
        as_of: str | None = None,
    ) -> Response[bytes]:
        query = {
            "metric": metric,
            "provider": provider,
            "min_qubits": _int_or_none("min_qubits", min_qubits),
            "as_of": as_of,
        }
        return await _public(request, "leaderboard.page", query)

    @get("/backends/{provider:str}/{backend_id:str}/trend")
    async def trend_page(
        self,
        request: Request[Any, Any, Any],
        provider: str,
        backend_id: str,
        metric: str = "median_2q_error",
        from_: str | None = Parameter(default=None, query="from"),
        to: str | None = None,
        bucket: str = "day",
    ) -> Response[bytes]:
        query = _trend_query(provider, backend_id, metric, from_, to, bucket)
        return await _public(request, "trend.page", query)

    @get("/backends/{provider:str}/{backend_id:str}/trend.svg")
    async def trend_svg(
        self,
        request: Request[Any, Any, Any],
        provider: str,
        backend_id: str,
        metric: str = "median_2q_error",
        from_: str | None = Parameter(default=None, query="from"),
        to: str | None = None,
        bucket: str = "day",
    ) -> Response[bytes]:
        query = _trend_query(provider, backend_id, metric, from_, to, bucket)
        return await _public(request, "trend.svg", query)


def _trend_query(
    provider: str, backend: str, metric: str, from_: str | None, to: str | None, bucket: str
) -> dict[str, Any]:
    """The trend query every trend route (JSON, page, SVG) sends to the leaderboard service."""
    return {"provider": provider, "backend": backend, "metric": metric, "from": from_, "to": to, "bucket": bucket}
