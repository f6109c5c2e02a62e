"""Helpers shared by the source loaders: package lookup, units, building observations."""

from __future__ import annotations

import importlib.metadata
import importlib.util
from pathlib import Path
from typing import Any

from services.leaderboard.domain.methodology import METHODOLOGY_VERSION
from services.leaderboard.domain.metrics import summarize_calibration
from services.leaderboard.domain.model import Conversion, MetricValue, Observation, SourceRef

__all__ = [
    "SourceUnavailableError",
    "device_level_observation",
    "observation_from_calibration",
    "package_dir",
    "package_version",
    "to_microseconds",
]


class SourceUnavailableError(RuntimeError):
    """The package (or file) a source reads is not installed/available."""


def package_version(distribution: str) -> str:
    try:
        return importlib.metadata.version(distribution)
    except importlib.metadata.PackageNotFoundError as exc:
        raise SourceUnavailableError(f"{distribution} is not installed") from exc


def package_dir(module: str) -> Path:
    """Directory of an installed package, found without importing the package itself."""
    try:
        spec = importlib.util.find_spec(module)
    except ModuleNotFoundError:
        spec = None
    if spec is None or not spec.submodule_search_locations:
        raise SourceUnavailableError(f"package {module} is not installed")
    return Path(next(iter(spec.submodule_search_locations)))


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
