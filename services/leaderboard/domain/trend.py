"""A device's metric over time: per-bucket median and spread of every snapshot seen."""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Literal

import msgspec
from qlcore.corpus.methodology import metric_definition
from qlcore.corpus.model import Observation, format_rfc3339
from qlcore.corpus.stats import median, percentile

from services.leaderboard.domain.bounds import parse_bound

__all__ = ["Bucket", "TrendBucket", "bucket_start", "trend"]

Bucket = Literal["day", "week"]


class TrendBucket(msgspec.Struct, frozen=True, kw_only=True):
    start: str
    median: float
    p10: float
    p90: float
    n: int


def bucket_start(moment: datetime, bucket: Bucket) -> datetime:
    """Start of the UTC day, or of the ISO week (Monday 00:00 UTC), holding ``moment``."""
    day = moment.replace(hour=0, minute=0, second=0, microsecond=0)
    if bucket == "day":
        return day
    if bucket == "week":
        return day - timedelta(days=day.weekday())
    raise ValueError(f"unknown bucket {bucket!r}: use 'day' or 'week'")


def trend(
    observations: Iterable[Observation],
    metric: str,
    from_: datetime | str | None = None,
    to: datetime | str | None = None,
    bucket: Bucket = "day",
    *,
    provider: str | None = None,
    backend: str | None = None,
) -> list[TrendBucket]:
    """Buckets (oldest first) of the snapshots taken in ``[from_, to]`` that have ``metric``.

    Pass one device's observations, or filter with ``provider``/``backend``. Empty buckets are
    omitted; p10/p90 interpolate linearly (a one-snapshot bucket has p10 = p90 = median).
    """
    metric_definition(metric)
    lower, upper = parse_bound(from_, end=False), parse_bound(to, end=True)
    groups: dict[datetime, list[float]] = defaultdict(list)
    for obs in observations:
        if provider is not None and obs.provider != provider:
            continue
        if backend is not None and obs.backend != backend:
            continue
        value = obs.metrics.get(metric)
        if not isinstance(value, int | float) or isinstance(value, bool) or not math.isfinite(value):
            continue
        taken = obs.taken_at_dt
        if (lower is not None and taken < lower) or (upper is not None and taken > upper):
            continue
        groups[bucket_start(taken, bucket)].append(float(value))
    return [
        TrendBucket(
            start=format_rfc3339(start),
            median=median(values),
            p10=percentile(values, 10.0),
            p90=percentile(values, 90.0),
            n=len(values),
        )
        for start, values in sorted(groups.items())
    ]
