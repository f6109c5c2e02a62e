"""Building observations from vendor numbers (pure): units and the two shapes a vendor publishes.

A vendor that publishes per-element numbers (qubits, gates) becomes a ``calibration`` in the
qlprov/run/1.0 shape measured by :func:`~qlcore.corpus.metrics.summarize_calibration`, the same
function the leaderboard applies to every ingested run; one that publishes device averages only
becomes the metrics themselves (:func:`device_level_observation`).
"""

from __future__ import annotations

from typing import Any

from qlcore.corpus.methodology import METHODOLOGY_VERSION
from qlcore.corpus.metrics import summarize_calibration
from qlcore.corpus.model import Conversion, MetricValue, Observation, SourceRef

__all__ = ["device_level_observation", "observation_from_calibration", "to_microseconds"]


_US_PER_UNIT = {"us": 1.0, "µs": 1.0, "μs": 1.0, "ns": 1e-3, "ms": 1e3, "s": 1e6}


def to_microseconds(value: float | None, unit: str) -> float | None:
    if value is None:
        return None
    try:
        return float(value) * _US_PER_UNIT[unit]
    except KeyError:
        raise ValueError(f"unknown time unit {unit!r}") from None


def observation_from_calibration(
    *,
    provider: str,
    backend: str,
    calibration: dict[str, Any],
    source: SourceRef,
    num_qubits: int | None = None,
    stand_in: bool = False,
    conversions: list[Conversion] | None = None,
    notes: list[str] | None = None,
    source_values: dict[str, Any] | None = None,
) -> Observation:
    """An observation whose metrics are computed from a per-element calibration."""
    summary = summarize_calibration(calibration, num_qubits=num_qubits)
    return Observation(
        provider=provider,
        backend=backend,
        num_qubits=int(summary.metrics["num_qubits"] or 0),
        taken_at=calibration["taken_at"],
        taken_at_is_stand_in=stand_in,
        source=source,
        metrics=summary.metrics,
        calibration=calibration,
        conversions=conversions or [],
        counts=summary.counts,
        source_values=source_values or {},
        notes=notes or [],
        methodology=METHODOLOGY_VERSION,
    )


def device_level_observation(
    *,
    provider: str,
    backend: str,
    num_qubits: int,
    taken_at: str,
    source: SourceRef,
    metrics: dict[str, MetricValue],
    stand_in: bool = False,
    conversions: list[Conversion] | None = None,
    notes: list[str] | None = None,
    source_values: dict[str, Any] | None = None,
) -> Observation:
    """An observation of a device that publishes only device-level averages (no per-element data)."""
    full: dict[str, MetricValue] = {
        "median_2q_error": None,
        "median_1q_error": None,
        "median_readout_error": None,
        "median_t1": None,
        "median_t2": None,
        "num_qubits": num_qubits,
        "failed_2q_couplers": None,
        "failed_2q_fraction": None,
    }
    full.update(metrics)
    return Observation(
        provider=provider,
        backend=backend,
        num_qubits=num_qubits,
        taken_at=taken_at,
        taken_at_is_stand_in=stand_in,
        source=source,
        metrics=full,
        conversions=conversions or [],
        source_values=source_values or {},
        notes=notes or [],
        methodology=METHODOLOGY_VERSION,
    )
