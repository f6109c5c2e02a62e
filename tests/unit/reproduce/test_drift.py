from __future__ import annotations

import copy
import math
import statistics
from typing import Any

import pytest
from qlcore.errors import Unprocessable

from services.reproduce.domain.calibration import max_gate_error
from services.reproduce.domain.drift import (
    ELEMENT_SPREAD,
    FAILED_GATE_ERROR,
    PROFILES,
    drift_calibration,
    scale_calibration,
)
from services.reproduce.domain.drift_stats import measure_drift
from services.reproduce.domain.errors import (
    InvalidDays,
    InvalidSeed,
    MissingCalibration,
    UnknownProfile,
)


def _errors(cal: dict[str, Any], kind: str) -> dict[tuple[str, tuple[int, ...]], float]:
    n = 1 if kind == "1q" else 2
    return {
        (g["gate"], tuple(g["qubits"])): g["error"]
        for g in cal["gates"]
        if len(g["qubits"]) == n and g["gate"] not in ("reset", "rz") and g["error"]
    }


def test_days_zero_is_the_recorded_calibration_exactly(kyiv_calibration):
    for profile in PROFILES:
        out = drift_calibration(kyiv_calibration, days=0, profile=profile, seed=3)
        assert out == kyiv_calibration
        assert out is not kyiv_calibration and out["qubits"] is not kyiv_calibration["qubits"]


def test_deterministic_for_a_seed_and_input_left_alone(kyiv_calibration):
    before = copy.deepcopy(kyiv_calibration)
    a = drift_calibration(kyiv_calibration, days=30, profile="typical", seed=11)
    b = drift_calibration(kyiv_calibration, days=30, profile="typical", seed=11)
    c = drift_calibration(kyiv_calibration, days=30, profile="typical", seed=12)
    assert a == b
    assert a != c
    assert kyiv_calibration == before


def test_taken_at_advances_by_days_and_shape_is_kept(kyiv_calibration):
    out = drift_calibration(kyiv_calibration, days=90, profile="stable", seed=1)
    assert kyiv_calibration["taken_at"].startswith("2025-02-26")
    assert out["taken_at"].startswith("2025-05-27") and out["taken_at"].endswith("Z")
    assert [q["qubit"] for q in out["qubits"]] == [q["qubit"] for q in kyiv_calibration["qubits"]]
    assert [(g["gate"], g["qubits"], g["duration_ns"]) for g in out["gates"]] == [
        (g["gate"], g["qubits"], g["duration_ns"]) for g in kyiv_calibration["gates"]
    ]
    # virtual gates (rz: error 0) do not drift
    assert all(g["error"] == 0 for g in out["gates"] if g["gate"] == "rz")


def test_measured_spreads_are_what_the_model_claims(kyiv_calibration):
    """Measuring a saturated typical drift with the same tool used on real snapshots gives sigma."""
    out = drift_calibration(kyiv_calibration, days=365, profile="typical", seed=2024)
    stats = measure_drift(kyiv_calibration, out)
    assert stats.days == pytest.approx(365)
    for metric, sigma in ELEMENT_SPREAD.items():
        measured = stats.metrics[metric]
        assert measured.n >= 120
        # 127-144 elements: the MAD estimate has ~10 % standard error; T2 is trimmed by T2 <= 2 T1
        assert measured.sigma_mad == pytest.approx(sigma, rel=0.25), metric


def test_spread_grows_with_days_and_saturates(kyiv_calibration):
    def sigma(days: float) -> float:
        out = drift_calibration(kyiv_calibration, days=days, profile="typical", seed=5)
        return measure_drift(kyiv_calibration, out).metrics["2q"].sigma_mad

    s = {d: sigma(d) for d in (0.05, 0.5, 3, 30, 3000)}
    assert s[0.05] < s[0.5] < s[3]
    assert s[0.05] == pytest.approx(ELEMENT_SPREAD["2q"] * math.sqrt(1 - math.exp(-0.05)), rel=0.25)
    assert s[30] == pytest.approx(s[3000], rel=0.05)  # mean-reverting: no random walk


def test_stable_is_typical_at_half_the_size(kyiv_calibration):
    stable = drift_calibration(kyiv_calibration, days=60, profile="stable", seed=9)
    typical = drift_calibration(kyiv_calibration, days=60, profile="typical", seed=9)
    for q0, qs, qt in zip(kyiv_calibration["qubits"], stable["qubits"], typical["qubits"], strict=True):
        log_s = math.log(qs["t1_us"] / q0["t1_us"])
        log_t = math.log(qt["t1_us"] / q0["t1_us"])
        assert log_t == pytest.approx(2 * log_s, abs=2e-5)


def test_bad_day_biases_errors_up_coherence_down_and_fails_couplers(kyiv_calibration):
    typical = drift_calibration(kyiv_calibration, days=90, profile="typical", seed=4)
    bad = drift_calibration(kyiv_calibration, days=90, profile="bad_day", seed=4)
    before_2q, typical_2q, bad_2q = (_errors(c, "2q") for c in (kyiv_calibration, typical, bad))
    newly_failed = [k for k, e in bad_2q.items() if e == FAILED_GATE_ERROR and before_2q[k] < FAILED_GATE_ERROR]
    assert 0.01 * 144 - 1 <= len(newly_failed) <= 0.07 * 144 + 1
    ratios = [bad_2q[k] / typical_2q[k] for k in bad_2q if bad_2q[k] < 0.5 and typical_2q[k] < 0.5]
    factor = statistics.median(ratios)
    assert 1.5 <= factor <= 2.0
    t1_ratio = [b["t1_us"] / t["t1_us"] for b, t in zip(bad["qubits"], typical["qubits"], strict=True)]
    assert statistics.median(t1_ratio) == pytest.approx(1 / 1.5, rel=1e-3)


def test_physical_limits_hold_under_extreme_drift(kyiv_calibration):
    for seed in range(3):
        out = drift_calibration(kyiv_calibration, days=400, profile="bad_day", seed=seed)
        for q in out["qubits"]:
            assert 0 < q["t1_us"] and 0 < q["t2_us"] <= 2 * q["t1_us"] * (1 + 1e-6)
            assert 0 <= q["readout_error"] <= 0.5
        for g in out["gates"]:
            if g["error"] is not None and g["error"] != FAILED_GATE_ERROR:
                assert 0 <= g["error"] <= max_gate_error(len(g["qubits"]))
    huge = scale_calibration(kyiv_calibration, 1e6)
    assert max(q["readout_error"] for q in huge["qubits"]) == 0.5
    assert max(e for e in _errors(huge, "1q").values()) == pytest.approx(2 / 3)


def test_devices_without_coherence_times_keep_none():
    """Ion traps report no T1/T2: the drift moves gate and readout errors only."""
    trap = {
        "taken_at": "2025-04-30T00:00:00Z",
        "qubits": [{"qubit": i, "t1_us": None, "t2_us": None, "readout_error": 0.003} for i in range(4)],
        "gates": [{"gate": "rz", "qubits": [i], "error": 0.0, "duration_ns": 0} for i in range(4)]
        + [{"gate": "zz", "qubits": [i, j], "error": 0.002, "duration_ns": None} for i in range(4) for j in range(i)],
    }
    out = drift_calibration(trap, days=10, profile="typical", seed=1)
    assert all(q["t1_us"] is None and q["t2_us"] is None for q in out["qubits"])
    assert all(q["readout_error"] != 0.003 for q in out["qubits"])
    assert all(g["error"] != 0.002 for g in out["gates"] if g["gate"] == "zz")


@pytest.mark.parametrize(
    ("kwargs", "error"),
    [
        ({"days": -1}, InvalidDays),
        ({"days": float("nan")}, InvalidDays),
        ({"days": True}, InvalidDays),
        ({"days": "90"}, InvalidDays),
        ({"days": 10**6}, InvalidDays),
        ({"profile": "awful"}, UnknownProfile),
        ({"seed": -5}, InvalidSeed),
        ({"seed": 1.5}, InvalidSeed),
        ({"seed": 2**53}, InvalidSeed),  # beyond what RFC 8785 JSON can hash
    ],
)
def test_bad_input_raises_typed_422_errors(kyiv_calibration, kwargs, error):
    args = {"days": 30, "profile": "typical", "seed": 1, **kwargs}
    with pytest.raises(error) as info:
        drift_calibration(kyiv_calibration, **args)
    assert isinstance(info.value, Unprocessable) and info.value.status == 422


@pytest.mark.parametrize(
    "calibration",
    [None, {}, {"taken_at": "2025-01-01T00:00:00Z", "qubits": [], "gates": []}, {"qubits": [{}], "gates": []}],
)
def test_missing_calibration_is_a_typed_error(calibration):
    with pytest.raises(MissingCalibration):
        drift_calibration(calibration, days=1, profile="typical", seed=1)
