"""The reproduce service's pure domain: drift, restricted noise model, re-run, score.

No I/O here: the service's entrypoints (NATS work queue, request handlers) call
:func:`reproduce` and append the document it returns to the run log.

The names below are loaded on first use (PEP 562): validating a request (``drift``,
``errors``, ``calibration``) must not pay for importing qiskit and Aer, which only the
re-run itself needs.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .circuit import CircuitNotRunnable, PhysicalCircuit, load_transpiled
    from .drift import (
        DRIFT_MODEL_VERSION,
        PROFILES,
        DriftProfile,
        drift_calibration,
        scale_calibration,
    )
    from .drift_stats import CalibrationDrift, MetricDrift, measure_drift
    from .errors import (
        InvalidAlpha,
        InvalidDays,
        InvalidSeed,
        MissingCalibration,
        MissingCircuit,
        MissingCounts,
        ReproduceInputError,
        UnknownProfile,
    )
    from .noise import NoiseModelCache, build_noise_model
    from .reproduce import ReproductionOutcome, check_inputs, reproduce
    from .rerun import BaselineCache, baseline_counts, normalize_counts, simulate_counts
    from .score import NullTest, Score, Verdict, null_floor, null_test, score_counts, shot_noise_floor, verdict_for

_MODULES: dict[str, tuple[str, ...]] = {
    "circuit": ("CircuitNotRunnable", "PhysicalCircuit", "load_transpiled"),
    "drift": ("DRIFT_MODEL_VERSION", "PROFILES", "DriftProfile", "drift_calibration", "scale_calibration"),
    "drift_stats": ("CalibrationDrift", "MetricDrift", "measure_drift"),
    "errors": (
        "InvalidAlpha",
        "InvalidDays",
        "InvalidSeed",
        "MissingCalibration",
        "MissingCircuit",
        "MissingCounts",
        "ReproduceInputError",
        "UnknownProfile",
    ),
    "noise": ("NoiseModelCache", "build_noise_model"),
    "reproduce": ("ReproductionOutcome", "check_inputs", "reproduce"),
    "rerun": ("BaselineCache", "baseline_counts", "normalize_counts", "simulate_counts"),
    "score": (
        "NullTest",
        "Score",
        "Verdict",
        "null_floor",
        "null_test",
        "score_counts",
        "shot_noise_floor",
        "verdict_for",
    ),
}
_WHERE = {name: module for module, names in _MODULES.items() for name in names}

__all__ = [
    "DRIFT_MODEL_VERSION",
    "PROFILES",
    "BaselineCache",
    "CalibrationDrift",
    "CircuitNotRunnable",
    "DriftProfile",
    "InvalidAlpha",
    "InvalidDays",
    "InvalidSeed",
    "MetricDrift",
    "MissingCalibration",
    "MissingCircuit",
    "MissingCounts",
    "NoiseModelCache",
    "NullTest",
    "PhysicalCircuit",
    "ReproduceInputError",
    "ReproductionOutcome",
    "Score",
    "UnknownProfile",
    "Verdict",
    "baseline_counts",
    "build_noise_model",
    "check_inputs",
    "drift_calibration",
    "load_transpiled",
    "measure_drift",
    "normalize_counts",
    "null_floor",
    "null_test",
    "reproduce",
    "scale_calibration",
    "score_counts",
    "shot_noise_floor",
    "simulate_counts",
    "verdict_for",
]


def __getattr__(name: str) -> Any:
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{module}", __name__), name)
    globals()[name] = value  # later lookups skip this function
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
