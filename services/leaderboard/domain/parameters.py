"""The public operations' parameters: decoding and validation into 422 problems (pure).

Everything a caller can get wrong is named in the problem: an unknown metric lists the valid
ones (``valid_metrics``), an unknown bucket the valid buckets, a bad time says which formats
are accepted. An empty string (an HTML form's empty field) means "not given".
"""

from __future__ import annotations

from datetime import datetime

import msgspec
from qlcore.corpus.methodology import DEFAULT_METRIC, METRICS
from qlcore.errors import Unprocessable

from services.leaderboard.domain.bounds import parse_bound

__all__ = ["BUCKETS", "LeaderboardQuery", "TrendQuery", "parse_leaderboard", "parse_trend"]

BUCKETS = ("day", "week")


class LeaderboardQuery(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    metric: str = DEFAULT_METRIC
    provider: str | None = None
    min_qubits: int | None = None
    as_of: str | None = None


class TrendQuery(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    provider: str
    backend: str
    metric: str = DEFAULT_METRIC
    from_: str | None = msgspec.field(default=None, name="from")
    to: str | None = None
    bucket: str = "day"


def _blank(value: str | None) -> str | None:
    return value.strip() or None if value is not None else None


def _metric(name: str) -> str:
    if name not in METRICS:
        raise Unprocessable(
            f"unknown metric {name!r}; valid metrics: {', '.join(METRICS)}", valid_metrics=list(METRICS)
        )
    return name


def _time(name: str, value: str | None, *, end: bool) -> datetime | None:
    try:
        return parse_bound(value, end=end)
    except ValueError:
        raise Unprocessable(f"{name} must be a date (YYYY-MM-DD) or an RFC 3339 time, got {value!r}") from None


def parse_leaderboard(q: LeaderboardQuery) -> tuple[LeaderboardQuery, datetime | None]:
    """The normalized query (blank fields dropped) and its ``as_of`` bound (end of day for a date)."""
    q = LeaderboardQuery(
        metric=_metric(_blank(q.metric) or DEFAULT_METRIC),
        provider=_blank(q.provider),
        min_qubits=q.min_qubits,
        as_of=_blank(q.as_of),
    )
    if q.min_qubits is not None and q.min_qubits < 0:
        raise Unprocessable(f"min_qubits must be 0 or more, got {q.min_qubits}")
    return q, _time("as_of", q.as_of, end=True)


def parse_trend(q: TrendQuery) -> tuple[TrendQuery, datetime | None, datetime | None]:
    q = TrendQuery(
        provider=q.provider,
        backend=q.backend,
        metric=_metric(_blank(q.metric) or DEFAULT_METRIC),
        from_=_blank(q.from_),
        to=_blank(q.to),
        bucket=_blank(q.bucket) or "day",
    )
    if q.bucket not in BUCKETS:
        raise Unprocessable(f"unknown bucket {q.bucket!r}; use day or week", valid_buckets=list(BUCKETS))
    lower, upper = _time("from", q.from_, end=False), _time("to", q.to, end=True)
    if lower is not None and upper is not None and lower > upper:
        raise Unprocessable(f"from ({q.from_}) is after to ({q.to})")
    return q, lower, upper
