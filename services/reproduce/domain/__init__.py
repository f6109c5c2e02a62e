"""The reproduce service's pure domain: drift, restricted noise model, re-run, score.

No I/O here: the service's entrypoints (NATS work queue, request handlers) call
:func:`reproduce` and append the document it returns to the run log.
"""

from __future__ import annotations

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
    InvalidDays,
    InvalidSeed,
    MissingCalibration,
    MissingCircuit,
    MissingCounts,
    ReproduceInputError,
    UnknownProfile,
)
from .noise import NoiseModelCache, build_noise_model
from .reproduce import ReproductionOutcome, reproduce
from .rerun import BaselineCache, baseline_counts, normalize_counts, simulate_counts
from .score import Score, Verdict, null_floor, score_counts, shot_noise_floor, verdict_for

__all__ = [
    "DRIFT_MODEL_VERSION",
    "PROFILES",
    "BaselineCache",
    "CalibrationDrift",
    "CircuitNotRunnable",
    "DriftProfile",
    "InvalidDays",
    "InvalidSeed",
    "MetricDrift",
    "MissingCalibration",
    "MissingCircuit",
    "MissingCounts",
    "NoiseModelCache",
    "PhysicalCircuit",
    "ReproduceInputError",
    "ReproductionOutcome",
    "Score",
    "UnknownProfile",
    "Verdict",
    "baseline_counts",
    "build_noise_model",
    "drift_calibration",
    "load_transpiled",
    "measure_drift",
    "normalize_counts",
    "null_floor",
    "reproduce",
    "scale_calibration",
    "score_counts",
    "shot_noise_floor",
    "simulate_counts",
    "verdict_for",
]
