"""Drift model: the calibration a device would show ``days`` after the recorded one.

Per element (qubit or coupler) and metric, a log-normal perturbation whose spread grows with
the days and saturates, because device fluctuations are mean-reverting (TLS defects wander,
the device is recalibrated daily), not a random walk::

    log x(N) = log x(0) + w(N)·b + c + ε,   w(N) = 1 - exp(-N/τ)
    c ~ N(0, w(N)·(k·sigma_c)²)   one device-wide shift per metric
    ε ~ N(0, w(N)·(k·sigma)²)     per element

with τ = 1 day, k the profile's spread scale and b the profile's bias (bad day: errors x1.5-2,
T1/T2 ÷ 1.5, and a fraction of couplers failed). sigma and sigma_c were measured from successive real
IBM snapshots; ``docs/drift-model.md`` gives the data, the method and the numbers.

Determinism: all random numbers come from one PCG64 stream seeded by ``seed``, drawn as
standard normals in a fixed order (device shifts, then qubits by index, then couplers by sorted
qubit pair) and scaled afterwards, so one seed gives the same pattern under every profile
(``typical`` is ``stable``'s drift at twice the size). Values are rounded to 6 significant
digits so the output does not depend on the last bit of a platform's ``exp``.
"""

from __future__ import annotations

import copy
import math
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

import numpy as np

from .calibration import advance_taken_at, check_calibration, gate_kind, max_gate_error
from .errors import InvalidDays, InvalidSeed, UnknownProfile

__all__ = [
    "COMMON_SPREAD",
    "DRIFT_MODEL_VERSION",
    "ELEMENT_SPREAD",
    "FAILED_GATE_ERROR",
    "MAX_DAYS",
    "MAX_SEED",
    "PROFILES",
    "TAU_DAYS",
    "DriftProfile",
    "drift_calibration",
    "get_profile",
    "scale_calibration",
    "validate_days",
    "validate_seed",
]

DRIFT_MODEL_VERSION = "ql-drift/1.0"
TAU_DAYS = 1.0
MAX_DAYS = 36500.0
MAX_READOUT_ERROR = 0.5
#: how IBM snapshots mark a coupler whose calibration failed; the noise model caps it at d/(d+1)
FAILED_GATE_ERROR = 1.0

#: per-element log-spread sigma at saturation: 1.4826 x MAD of 14-35-day changes (fez, hanoi,
#: marrakesh), rounded to 0.05; see docs/drift-model.md
ELEMENT_SPREAD: Mapping[str, float] = MappingProxyType(
    {"2q": 0.35, "1q": 0.50, "readout": 0.45, "t1": 0.35, "t2": 0.30}
)
#: device-wide common log-shift spread sigma_c: RMS of the per-pair median shifts over all 15
#: snapshot pairs of >= 20-qubit devices, rounded to 0.05
COMMON_SPREAD: Mapping[str, float] = MappingProxyType({"2q": 0.15, "1q": 0.10, "readout": 0.30, "t1": 0.10, "t2": 0.10})
_METRICS = ("2q", "1q", "readout", "t1", "t2")
_QUBIT_METRICS = ("t1", "t2", "readout", "1q")


@dataclass(frozen=True, slots=True)
class DriftProfile:
    """How hard the device drifts: spread scale and the systematic part of a bad day."""

    name: str
    spread_scale: float
    error_factor: tuple[float, float] = (1.0, 1.0)  # device-wide xU(lo, hi) on every error
    coherence_divisor: float = 1.0  # T1 and T2 ÷ this
    failed_couplers: tuple[float, float] = (0.0, 0.0)  # fraction ~ U(lo, hi) of couplers failed


PROFILES: Mapping[str, DriftProfile] = MappingProxyType(
    {
        "stable": DriftProfile("stable", 0.5),
        "typical": DriftProfile("typical", 1.0),
        "bad_day": DriftProfile("bad_day", 1.0, (1.5, 2.0), 1.5, (0.01, 0.07)),
    }
)


def get_profile(profile: str) -> DriftProfile:
    if not isinstance(profile, str) or profile not in PROFILES:
        raise UnknownProfile(f"unknown profile {profile!r}; expected one of {sorted(PROFILES)}")
    return PROFILES[profile]


def validate_days(days: Any) -> float:
    if isinstance(days, bool) or not isinstance(days, int | float):
        raise InvalidDays(f"days must be a number, got {type(days).__name__}")
    if not math.isfinite(days) or not 0 <= days <= MAX_DAYS:
        raise InvalidDays(f"days must be between 0 and {MAX_DAYS:g}, got {days}")
    return float(days)


#: seeds are recorded in hashed JSON: RFC 8785 allows integers up to 2**53 - 1 only
MAX_SEED = 2**53 - 1


def validate_seed(seed: Any) -> int:
    if isinstance(seed, bool) or not isinstance(seed, int) or not 0 <= seed <= MAX_SEED:
        raise InvalidSeed(f"seed must be an integer in [0, 2**53 - 1], got {seed!r}")
    return seed


def _sig(x: float) -> float:
    return float(f"{x:.6g}")


def _coupler(qubits: list[int]) -> tuple[int, ...]:
    return tuple(sorted(qubits))


def drift_calibration(calibration: Mapping[str, Any], *, days: float, profile: str, seed: int) -> dict[str, Any]:
    """A new calibration ``days`` after ``calibration`` under ``profile``; deterministic in ``seed``.

    ``days == 0`` returns the calibration exactly as recorded (a deep copy).
    """
    days = validate_days(days)
    prof = get_profile(profile)
    seed = validate_seed(seed)
    cal = check_calibration(calibration)
    if days == 0:
        return copy.deepcopy(cal)

    w = 1.0 - math.exp(-days / TAU_DAYS)
    sw = math.sqrt(w) * prof.spread_scale
    qubit_ids = sorted({q["qubit"] for q in cal["qubits"]})
    couplers = sorted({_coupler(g["qubits"]) for g in cal["gates"] if len(g["qubits"]) >= 2})

    rng = np.random.Generator(np.random.PCG64(seed))
    z_common = rng.standard_normal(len(_METRICS))
    z_qubit = rng.standard_normal((len(qubit_ids), len(_QUBIT_METRICS)))
    z_coupler = rng.standard_normal(len(couplers))
    u_factor, u_failed = rng.uniform(size=2)
    order = rng.permutation(len(couplers))

    common = {m: sw * COMMON_SPREAD[m] * z for m, z in zip(_METRICS, z_common, strict=True)}
    lo, hi = prof.error_factor
    error_bias = w * math.log(lo + (hi - lo) * u_factor)
    coherence_bias = -w * math.log(prof.coherence_divisor)
    shift: dict[tuple[str, Any], float] = {}
    for row, q in enumerate(qubit_ids):
        for col, m in enumerate(_QUBIT_METRICS):
            shift[m, q] = common[m] + sw * ELEMENT_SPREAD[m] * z_qubit[row, col]
    for c, z in zip(couplers, z_coupler, strict=True):
        shift["2q", c] = common["2q"] + sw * ELEMENT_SPREAD["2q"] * z
    lo, hi = prof.failed_couplers
    n_failed = round(len(couplers) * w * (lo + (hi - lo) * u_failed))
    failed = {couplers[i] for i in order[:n_failed]}

    def moved(x: float | None, log_shift: float, cap: float = math.inf) -> float | None:
        if x is None or x <= 0:
            return x
        return _sig(min(x * math.exp(log_shift), cap))

    qubits_out = []
    for q in cal["qubits"]:
        i = q["qubit"]
        t1 = moved(q.get("t1_us"), shift["t1", i] + coherence_bias)
        t2 = moved(q.get("t2_us"), shift["t2", i] + coherence_bias)
        if t1 is not None and t2 is not None and t2 > 2 * t1:
            t2 = _sig(2 * t1)
        readout = moved(q.get("readout_error"), shift["readout", i] + error_bias, MAX_READOUT_ERROR)
        qubits_out.append({**q, "t1_us": t1, "t2_us": t2, "readout_error": readout})

    gates_out = []
    for g in cal["gates"]:
        kind, error = gate_kind(g["gate"], len(g["qubits"])), g.get("error")
        if kind == "2q" and _coupler(g["qubits"]) in failed:
            error = FAILED_GATE_ERROR
        elif kind == "2q" and error is not None and error >= FAILED_GATE_ERROR:
            pass  # failed in the recorded snapshot: stays failed
        elif kind == "2q":
            s = shift["2q", _coupler(g["qubits"])] + error_bias
            error = moved(error, s, max_gate_error(len(g["qubits"])))
        elif kind == "1q":
            error = moved(error, shift["1q", g["qubits"][0]] + error_bias, max_gate_error(1))
        elif kind == "readout":
            error = moved(error, shift["readout", g["qubits"][0]] + error_bias, MAX_READOUT_ERROR)
        gates_out.append({**g, "error": error})

    return {
        **cal,
        "taken_at": advance_taken_at(cal["taken_at"], days),
        "qubits": qubits_out,
        "gates": gates_out,
    }


def scale_calibration(calibration: Mapping[str, Any], factor: float) -> dict[str, Any]:
    """Every error x``factor`` (capped), T1 and T2 ÷ ``factor``: the issue's reference what-if."""
    if not math.isfinite(factor) or factor <= 0:
        raise ValueError("factor must be a positive number")
    cal = check_calibration(calibration)

    def div(x: float | None) -> float | None:
        return None if x is None else x / factor

    def mul(x: float | None, cap: float) -> float | None:
        return None if x is None else min(x * factor, cap)

    qubits = [
        {
            **q,
            "t1_us": div(q.get("t1_us")),
            "t2_us": div(q.get("t2_us")),
            "readout_error": mul(q.get("readout_error"), MAX_READOUT_ERROR),
        }
        for q in cal["qubits"]
    ]
    gates = []
    for g in cal["gates"]:
        kind, n = gate_kind(g["gate"], len(g["qubits"])), len(g["qubits"])
        cap = MAX_READOUT_ERROR if kind == "readout" else max_gate_error(n)
        failed = g.get("error") is not None and g["error"] >= FAILED_GATE_ERROR
        error = g.get("error") if kind == "none" or failed else mul(g.get("error"), cap)
        gates.append({**g, "error": error})
    return {**cal, "qubits": qubits, "gates": gates}
