"""The cross-vendor leaderboard and device trends (public, from real calibration data)."""

from __future__ import annotations

from typing import Any

import msgspec

from quantumledger.models._base import Model

__all__ = ["Leaderboard", "LeaderboardRow", "Trend", "TrendBucket"]


class LeaderboardRow(Model, frozen=True, kw_only=True):
    rank: int
    provider: str
    backend: str
    value: float | None = None
    qubits: int | None = None
    snapshot_time: str | None = None
    snapshot_time_is_stand_in: bool = False
    source: dict[str, Any] | None = None
    conversion: Any = None


class Leaderboard(Model, frozen=True, kw_only=True):
    """Devices ranked best first on each one's latest snapshot (``direction`` says which way)."""

    metric: str
    rows: list[LeaderboardRow] = []
    methodology_version: str | None = None
    label: str | None = None
    unit: str | None = None
    direction: str | None = None
    definition: str | None = None
    as_of: str | None = None
    provider: str | None = None
    min_qubits: int | None = None
    left_out: Any = None


class TrendBucket(Model, frozen=True, kw_only=True):
    start: str
    median: float | None = None
    p10: float | None = None
    p90: float | None = None
    n: int = 0


class Trend(Model, frozen=True, kw_only=True):
    provider: str
    backend: str
    metric: str
    bucket: str = "day"
    buckets: list[TrendBucket] = []
    methodology_version: str | None = None
    label: str | None = None
    unit: str | None = None
    direction: str | None = None
    from_: str | None = msgspec.field(default=None, name="from")
    to: str | None = None
