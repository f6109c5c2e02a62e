"""Drift model ``ql-drift/2.0``: the calibration a device would show ``days`` after the recorded one.

Fitted from successive real IBM snapshots (``services/reproduce/tools/fit_drift.py``, parameters in
``drift_params.json`` beside this module with their provenance; ``docs/drift-model.md`` gives the
data, the fit and the held-out check). Per metric m (2q, 1q, readout error, T1, T2), in log units::

    log x(d) = log x(0) + c_m(d) + ε
    c_m(d)   device-wide shift: N(μ_m(d), τ_m(d)²), its quantile named by the profile
    ε        per element: sigma_m(d) · s_m · T_nu_m, joint across a qubit's 1q/readout/T1/T2
             (Gaussian dependence fitted on normal scores), Student-t tails (nu_m fitted)

with sigma_m(d) = a + b·log(1 + d) or sigma30·(d/30)^p, μ and τ = (μ30, τ30)·(d/30)^r, all fitted;
``d`` is clamped to the longest horizon in the data (``max_days`` of the parameters), and below one day every
spread shrinks as √d (an assumption: the data start at two weeks). A qubit's T2 ≤ 2·T1 after
drift; errors are capped at the physical maximum.

Profiles are named quantiles of the fitted device-wide shift at the requested horizon:
``typical`` its median, ``bad_day`` its 95th percentile in the direction that hurts (errors up,
coherence down), ``stable`` its 10th percentile in that direction, or no shift where that
percentile is an improvement (a device that improved a lot is as far from the original as one on
a bad day; stable means it barely moved). Failed couplers are a *level*: the share of couplers
with no working 2q gate is set to the profile's quantile of the share measured over real snapshots (10th, 50th,
95th percentile); couplers failed in the recorded snapshot count toward it (none is added when
they already reach it). :func:`sample_drift` draws the shift and the failed level from their
fitted distributions instead (the model's full predictive spread, used for its bands).

Determinism: all random numbers come from one PCG64 stream seeded by ``seed``, drawn in a fixed
order (device-shift normals, qubit normals, qubit chi-squares, coupler normals, coupler
chi-squares, a uniform for the failed level, a permutation of the couplers); the profile only
changes the shift and the failed level, so one seed gives the same element pattern under every
profile. Values are rounded to 6 significant digits so a platform's last-bit difference in
``exp`` cannot change a document's hash.
"""

from __future__ import annotations

import copy
import functools
import json
import math
import statistics
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources
from types import MappingProxyType
from typing import Any

import numpy as np

from .calibration import advance_taken_at, check_calibration, gate_kind, max_gate_error
from .errors import InvalidAlpha, InvalidDays, InvalidSeed, UnknownProfile

__all__ = [
    "DEFAULT_ALPHA",
    "DRIFT_MODEL_VERSION",
    "FAILED_GATE_ERROR",
    "MAX_ALPHA",
    "MAX_DAYS",
    "MAX_SEED",
    "METRICS",
    "MIN_ALPHA",
    "PROFILES",
    "DriftParams",
    "DriftProfile",
    "drift_calibration",
    "drift_params",
    "get_profile",
    "horizon",
    "profile_shift",
    "sample_drift",
    "scale_calibration",
    "validate_alpha",
    "validate_days",
    "validate_seed",
]

DRIFT_MODEL_VERSION = "ql-drift/2.0"
MAX_DAYS = 36500.0
MAX_READOUT_ERROR = 0.5
#: how IBM snapshots mark a coupler whose calibration failed; the noise model caps it at d/(d+1)
FAILED_GATE_ERROR = 1.0
METRICS = ("2q", "1q", "readout", "t1", "t2")
_QUBIT_METRICS = ("1q", "readout", "t1", "t2")
_COHERENCE = frozenset({"t1", "t2"})
#: a per-element Student-t draw is clipped at this many scale units (nu ≈ 2 has a very long tail)
_T_CLIP = 10.0


@dataclass(frozen=True, slots=True)
class DriftProfile:
    """A named quantile of the fitted device-wide shift and of the failed-coupler share."""

    name: str
    shift_quantile: float  # of the shift in the direction that hurts (errors up, T1/T2 down)
    failed_quantile: str  # key of the measured failed-coupler share: q10, q50, q95
    at_least_none: bool = False  # a quantile that would be an improvement is no shift instead


PROFILES: Mapping[str, DriftProfile] = MappingProxyType(
    {
        "stable": DriftProfile("stable", 0.10, "q10", at_least_none=True),
        "typical": DriftProfile("typical", 0.50, "q50"),
        "bad_day": DriftProfile("bad_day", 0.95, "q95"),
    }
)


@dataclass(frozen=True, slots=True)
class DriftParams:
    """The fitted parameters (``drift_params.json``) as the model uses them."""

    spread: Mapping[str, Mapping[str, Any]]
    shift: Mapping[str, Mapping[str, float]]
    nu: Mapping[str, float]
    t_scale: Mapping[str, float]
    qubit_chol: np.ndarray  # Cholesky factor of the 1q/readout/T1/T2 normal-score correlation
    coupler_rho: float  # a coupler's 2q draw against its two qubits' 1q draws
    shift_chol: np.ndarray  # Cholesky factor of the device-wide shifts' correlation (METRICS order)
    failed: Mapping[str, Any]
    max_days: float


@functools.cache
def drift_params() -> DriftParams:
    raw = json.loads(resources.files(__package__).joinpath("drift_params.json").read_text())
    if raw.get("model") != DRIFT_MODEL_VERSION:
        raise RuntimeError(f"drift_params.json is for {raw.get('model')!r}, not {DRIFT_MODEL_VERSION}")
    if tuple(raw["metrics"]) != METRICS or tuple(raw["qubit_metrics"]) != _QUBIT_METRICS:
        raise RuntimeError("drift_params.json lists its metrics in another order")
    return DriftParams(
        spread=MappingProxyType(raw["spread"]),
        shift=MappingProxyType(raw["shift"]),
        nu=MappingProxyType({m: float(raw["tails"][m]["nu"]) for m in METRICS}),
        t_scale=MappingProxyType({m: float(raw["tails"][m]["scale"]) for m in METRICS}),
        qubit_chol=np.linalg.cholesky(np.array(raw["qubit_correlation"], dtype=np.float64)),
        coupler_rho=float(raw["coupler_1q_correlation"]),
        shift_chol=np.linalg.cholesky(np.array(raw["shift_correlation"], dtype=np.float64)),
        failed=MappingProxyType(raw["failed_couplers"]),
        max_days=float(raw["max_days"]),
    )


def horizon(days: float) -> dict[str, dict[str, float]]:
    """Per metric, the model's element spread ``sigma`` and the shift's mean ``mu`` and SD ``tau``
    (log units) ``days`` after the recorded calibration."""
    p = drift_params()
    d = min(days, p.max_days)
    ramp = min(1.0, math.sqrt(max(days, 0.0)))  # below a day: a random walk's √d (assumed)
    out = {}
    for m in METRICS:
        s = p.spread[m]
        if s["form"] == "power":
            sigma = s["sigma30"] * (d / 30.0) ** s["p"] if d > 0 else 0.0
        else:
            sigma = s["a"] + s["b"] * math.log1p(d)
        sh = p.shift[m]
        g = (d / 30.0) ** sh["r"] if d > 0 else 0.0
        out[m] = {"sigma": max(sigma, 0.0) * ramp, "mu": sh["mu30"] * g * ramp, "tau": sh["tau30"] * g * ramp}
    return out


def profile_shift(profile: DriftProfile, metric: str, mu: float, tau: float) -> float:
    """The device-wide log shift of ``metric`` that ``profile`` names, given the fitted N(mu, tau²)."""
    sign = -1.0 if metric in _COHERENCE else 1.0  # the direction that hurts
    hurt = sign * mu + statistics.NormalDist().inv_cdf(profile.shift_quantile) * tau
    if profile.at_least_none:
        hurt = max(hurt, 0.0)
    return sign * hurt


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


#: the verdict's level (false-"drifted" rate of an unchanged device): default and allowed range
DEFAULT_ALPHA = 0.01
MIN_ALPHA = 0.001
MAX_ALPHA = 0.1


def validate_alpha(alpha: Any) -> float:
    if isinstance(alpha, bool) or not isinstance(alpha, int | float) or not math.isfinite(alpha):
        raise InvalidAlpha(f"alpha must be a number, got {alpha!r}")
    if not MIN_ALPHA <= alpha <= MAX_ALPHA:
        raise InvalidAlpha(f"alpha must be between {MIN_ALPHA:g} and {MAX_ALPHA:g}, got {alpha}")
    return float(alpha)


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
    return _drift(calibration, days=days, profile=get_profile(profile), seed=seed)


def sample_drift(calibration: Mapping[str, Any], *, days: float, seed: int) -> dict[str, Any]:
    """Like :func:`drift_calibration`, but the device-wide shift (jointly over the metrics) and the
    failed-coupler level are drawn from their fitted distributions: one draw of the full model."""
    return _drift(calibration, days=days, profile=None, seed=seed)


def _drift(calibration: Mapping[str, Any], *, days: float, profile: DriftProfile | None, seed: int) -> dict[str, Any]:
    days = validate_days(days)
    seed = validate_seed(seed)
    cal = check_calibration(calibration)
    if days == 0:
        return copy.deepcopy(cal)
    p = drift_params()
    h = horizon(days)
    qubit_ids = sorted({q["qubit"] for q in cal["qubits"]})
    couplers = sorted({_coupler(g["qubits"]) for g in cal["gates"] if len(g["qubits"]) >= 2})
    n_q, n_c = len(qubit_ids), len(couplers)

    rng = np.random.Generator(np.random.PCG64(seed))
    z_shift = rng.standard_normal(len(METRICS))
    z_qubit = rng.standard_normal((n_q, len(_QUBIT_METRICS))) @ p.qubit_chol.T
    nu_q = np.array([p.nu[m] for m in _QUBIT_METRICS])
    chi_qubit = rng.chisquare(nu_q, size=(n_q, len(_QUBIT_METRICS)))
    z_coupler = rng.standard_normal(n_c)
    chi_coupler = rng.chisquare(p.nu["2q"], size=n_c)
    u_failed = float(rng.uniform())
    order = rng.permutation(n_c)

    if profile is None:
        zs = p.shift_chol @ z_shift
        shift = {m: h[m]["mu"] + h[m]["tau"] * float(zs[i]) for i, m in enumerate(METRICS)}
        fractions = p.failed["fractions"]
        level = float(fractions[min(int(u_failed * len(fractions)), len(fractions) - 1)])
    else:
        shift = {m: profile_shift(profile, m, h[m]["mu"], h[m]["tau"]) for m in METRICS}
        level = float(p.failed[profile.failed_quantile])

    t_qubit = np.clip(z_qubit * np.sqrt(nu_q / chi_qubit), -_T_CLIP, _T_CLIP)
    row_of = {q: i for i, q in enumerate(qubit_ids)}
    element: dict[tuple[str, Any], float] = {}
    for col, m in enumerate(_QUBIT_METRICS):
        scale = h[m]["sigma"] * p.t_scale[m]
        for q, i in row_of.items():
            element[m, q] = shift[m] + scale * float(t_qubit[i, col])
    rho = p.coupler_rho
    scale_2q = h["2q"]["sigma"] * p.t_scale["2q"]
    col_1q = _QUBIT_METRICS.index("1q")
    for k, c in enumerate(couplers):
        w = sum(float(z_qubit[row_of[q], col_1q]) for q in c if q in row_of) / math.sqrt(max(len(c), 1))
        zc = rho * w + math.sqrt(1.0 - rho * rho) * float(z_coupler[k])
        tc = max(-_T_CLIP, min(_T_CLIP, zc * math.sqrt(p.nu["2q"] / float(chi_coupler[k]))))
        element["2q", c] = shift["2q"] + scale_2q * tc

    working: dict[tuple[int, ...], bool] = {}
    for g in cal["gates"]:
        e = g.get("error")
        if gate_kind(g["gate"], len(g["qubits"])) == "2q" and e is not None:
            c = _coupler(g["qubits"])
            working[c] = working.get(c, False) or e < FAILED_GATE_ERROR
    already = sum(not ok for ok in working.values())
    to_fail = max(0, round(level * n_c) - already)
    candidates = [couplers[i] for i in order if working.get(couplers[i], False)]
    failed = set(candidates[:to_fail])

    def moved(x: float | None, log_shift: float, cap: float = math.inf) -> float | None:
        if x is None or x <= 0:
            return x
        return _sig(min(x * math.exp(log_shift), cap))

    qubits_out = []
    for q in cal["qubits"]:
        i = q["qubit"]
        row = {
            **q,
            "t1_us": moved(q.get("t1_us"), element["t1", i]),
            "t2_us": moved(q.get("t2_us"), element["t2", i]),
            "readout_error": moved(q.get("readout_error"), element["readout", i], MAX_READOUT_ERROR),
        }
        t1, t2 = row["t1_us"], row["t2_us"]
        if t1 is not None and t2 is not None and t2 > 2 * t1:
            row["t2_us"] = _sig(2 * t1)
        qubits_out.append(row)

    gates_out = []
    for g in cal["gates"]:
        kind, error = gate_kind(g["gate"], len(g["qubits"])), g.get("error")
        if kind == "2q" and _coupler(g["qubits"]) in failed:
            error = FAILED_GATE_ERROR
        elif kind == "2q" and error is not None and error >= FAILED_GATE_ERROR:
            pass  # failed in the recorded snapshot: stays failed
        elif kind == "2q":
            error = moved(error, element["2q", _coupler(g["qubits"])], max_gate_error(len(g["qubits"])))
        elif kind == "1q":
            error = moved(error, element["1q", g["qubits"][0]], max_gate_error(1))
        elif kind == "readout":
            error = moved(error, element["readout", g["qubits"][0]], MAX_READOUT_ERROR)
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
