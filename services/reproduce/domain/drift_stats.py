"""Drift statistics between two calibrations of one device: how the drift model was measured.

For each metric, the per-element log-ratio ``d = log x_after - log x_before`` is split into a
device-wide shift (the median of ``d``) and per-element residuals, whose spread is reported
both robustly (1.4826 x median absolute deviation: the Gaussian core) and as a plain standard
deviation (inflated by the heavy tails real devices show). Elements are qubits (T1, T2,
readout, single-qubit gate error: the median over a qubit's 1q gates, which IBM reports equal
for ``x``/``sx``/``id``) and (two-qubit gate, coupler) pairs (median over both directions);
failed gates (error >= 1) are left out of the spread, and couplers without any working
two-qubit gate are counted apart.
"""

from __future__ import annotations

import datetime as dt
import math
import statistics
from collections import defaultdict
from collections.abc import Mapping
from typing import Any

import msgspec

from .calibration import check_calibration, gate_kind
from .drift import FAILED_GATE_ERROR

__all__ = [
    "CalibrationDrift",
    "MetricDrift",
    "element_values",
    "failed_couplers",
    "log_ratios",
    "measure_drift",
    "spread",
]

_MAD_TO_SIGMA = 1.4826


class MetricDrift(msgspec.Struct, frozen=True):
    """One metric's drift between two snapshots: ``n`` elements, shift and spreads (log units)."""

    n: int
    common_shift: float
    sigma_mad: float
    sigma_sd: float


class CalibrationDrift(msgspec.Struct, frozen=True):
    days: float
    metrics: dict[str, MetricDrift]
    failed_before: int
    failed_after: int
    couplers: int


def element_values(calibration: Mapping[str, Any]) -> dict[str, dict[Any, float]]:
    """Per metric, element -> value (positive, finite, not failed) of a calibration."""
    cal = check_calibration(calibration)
    out: dict[str, dict[Any, float]] = {m: {} for m in ("2q", "1q", "readout", "t1", "t2")}
    for q in cal["qubits"]:
        for metric, key in (("t1", "t1_us"), ("t2", "t2_us"), ("readout", "readout_error")):
            v = q.get(key)
            if v is not None and 0 < v < (1.0 if metric == "readout" else math.inf):
                out[metric][q["qubit"]] = float(v)
    grouped: dict[tuple[str, Any], list[float]] = defaultdict(list)
    for g in cal["gates"]:
        kind, e = gate_kind(g["gate"], len(g["qubits"])), g.get("error")
        if kind in ("1q", "2q") and e is not None and 0 < e < FAILED_GATE_ERROR:
            element: Any = g["qubits"][0] if kind == "1q" else (g["gate"], *sorted(g["qubits"]))
            grouped[kind, element].append(float(e))
    for (metric, element), values in grouped.items():
        out[metric][element] = statistics.median(values)
    return out


def failed_couplers(calibration: Mapping[str, Any]) -> tuple[int, int]:
    """(couplers with no working 2q gate, couplers): IBM marks a failed calibration with 1.0."""
    working: dict[tuple[int, ...], bool] = {}
    for g in calibration["gates"]:
        e = g.get("error")
        if gate_kind(g["gate"], len(g["qubits"])) == "2q" and e is not None:
            c = tuple(sorted(g["qubits"]))
            working[c] = working.get(c, False) or e < FAILED_GATE_ERROR
    return sum(not ok for ok in working.values()), len(working)


def log_ratios(before: Mapping[str, Any], after: Mapping[str, Any]) -> dict[str, list[float]]:
    """Per metric, ``log(after/before)`` of every element present (and valid) in both."""
    a, b = element_values(before), element_values(after)
    return {m: [math.log(b[m][k] / a[m][k]) for k in sorted(a[m].keys() & b[m].keys(), key=str)] for m in a}


def spread(values: list[float]) -> tuple[float, float, float]:
    """(median, 1.4826 x MAD, standard deviation) of ``values`` around their median."""
    shift = statistics.median(values)
    resid = [x - shift for x in values]
    return shift, _MAD_TO_SIGMA * statistics.median(abs(r) for r in resid), statistics.stdev(resid)


def measure_drift(before: Mapping[str, Any], after: Mapping[str, Any], *, min_elements: int = 3) -> CalibrationDrift:
    """Drift statistics from ``before`` to ``after`` (metrics with < ``min_elements`` are left out)."""
    metrics: dict[str, MetricDrift] = {}
    for metric, d in log_ratios(before, after).items():
        if len(d) < max(min_elements, 2):
            continue
        shift, mad, sd = spread(d)
        metrics[metric] = MetricDrift(n=len(d), common_shift=shift, sigma_mad=mad, sigma_sd=sd)
    failed_before, _ = failed_couplers(before)
    failed_after, couplers = failed_couplers(after)
    return CalibrationDrift(
        days=(_parse(after["taken_at"]) - _parse(before["taken_at"])) / 86400.0,
        metrics=metrics,
        failed_before=failed_before,
        failed_after=failed_after,
        couplers=couplers,
    )


def _parse(taken_at: str) -> float:
    t = dt.datetime.fromisoformat(taken_at.replace("Z", "+00:00"))
    if t.tzinfo is None:
        t = t.replace(tzinfo=dt.UTC)
    return t.timestamp()
