"""Cross-vendor ranking of devices by one metric, each device by its latest snapshot."""

from __future__ import annotations

import math
from collections.abc import Iterable
from datetime import datetime

import msgspec
from qlcore.corpus.methodology import DEFAULT_METRIC, METHODOLOGY_VERSION, metric_definition
from qlcore.corpus.model import Observation, SourceRef, format_rfc3339

from services.leaderboard.domain.bounds import parse_bound

__all__ = ["Leaderboard", "LeaderboardRow", "latest_per_device", "leaderboard", "rank"]


class LeaderboardRow(msgspec.Struct, frozen=True, kw_only=True):
    rank: int
    provider: str
    backend: str
    value: float | int
    qubits: int
    snapshot_time: str
    snapshot_time_is_stand_in: bool
    source: SourceRef
    conversion: str | None = None


class Leaderboard(msgspec.Struct, frozen=True, kw_only=True):
    methodology_version: str
    metric: str
    label: str
    unit: str
    direction: str
    definition: str
    as_of: str | None
    provider: str | None
    min_qubits: int | None
    rows: list[LeaderboardRow]
    left_out: list[str]


def latest_per_device(observations: Iterable[Observation], as_of: datetime | str | None = None) -> list[Observation]:
    """Each device's most recent snapshot taken at or before ``as_of`` (all, when None)."""
    bound = parse_bound(as_of, end=True)
    latest: dict[str, tuple[tuple[datetime, bool], Observation]] = {}
    for obs in observations:
        taken = obs.taken_at_dt
        if bound is not None and taken > bound:
            continue
        order = (taken, not obs.taken_at_is_stand_in)
        current = latest.get(obs.device)
        if current is None or order > current[0]:
            latest[obs.device] = (order, obs)
    return [entry[1] for entry in latest.values()]


def _usable(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _conversion(obs: Observation, metric: str) -> str | None:
    methods = [c.method for c in obs.conversions if c.metric == metric]
    return "; ".join(methods) or None


def _rank_rows(
    observations: Iterable[Observation], metric: str, provider: str | None, min_qubits: int | None,
    as_of: datetime | str | None,
) -> tuple[list[LeaderboardRow], list[str]]:  # fmt: skip
    definition = metric_definition(metric)
    candidates: list[tuple[float, Observation]] = []
    left_out: list[str] = []
    for obs in latest_per_device(observations, as_of):
        if provider is not None and obs.provider.lower() != provider.lower():
            continue
        if min_qubits is not None and obs.num_qubits < min_qubits:
            continue
        value = obs.metrics.get(metric)
        if value is not None and _usable(value):
            candidates.append((value, obs))
        else:
            left_out.append(obs.device)
    sign = 1 if definition.lower_is_better else -1
    candidates.sort(key=lambda item: (sign * item[0], item[1].provider, item[1].backend))
    rows: list[LeaderboardRow] = []
    for position, (value, obs) in enumerate(candidates, start=1):
        shared = rows and rows[-1].value == value
        rows.append(
            LeaderboardRow(
                rank=rows[-1].rank if shared else position,
                provider=obs.provider,
                backend=obs.backend,
                value=value,
                qubits=obs.num_qubits,
                snapshot_time=obs.taken_at,
                snapshot_time_is_stand_in=obs.taken_at_is_stand_in,
                source=obs.source,
                conversion=_conversion(obs, metric),
            )
        )
    return rows, sorted(left_out)


def rank(
    observations: Iterable[Observation],
    metric: str = DEFAULT_METRIC,
    provider: str | None = None,
    min_qubits: int | None = None,
    as_of: datetime | str | None = None,
) -> list[LeaderboardRow]:
    """Devices ranked best first by ``metric`` (its direction decides), on each device's latest
    snapshot at ``as_of``. Devices whose latest snapshot lacks the metric are left out, never
    ranked as zero. Equal values share a rank (1, 2, 2, 4)."""
    return _rank_rows(observations, metric, provider, min_qubits, as_of)[0]


def leaderboard(
    observations: Iterable[Observation],
    metric: str = DEFAULT_METRIC,
    provider: str | None = None,
    min_qubits: int | None = None,
    as_of: datetime | str | None = None,
) -> Leaderboard:
    """:func:`rank` with the methodology version, the metric's definition and the left-out devices."""
    definition = metric_definition(metric)
    rows, left_out = _rank_rows(observations, metric, provider, min_qubits, as_of)
    bound = parse_bound(as_of, end=True)
    return Leaderboard(
        methodology_version=METHODOLOGY_VERSION,
        metric=metric,
        label=definition.label,
        unit=definition.unit,
        direction=definition.direction,
        definition=definition.definition,
        as_of=format_rfc3339(bound) if bound else None,
        provider=provider,
        min_qubits=min_qubits,
        rows=rows,
        left_out=left_out,
    )
