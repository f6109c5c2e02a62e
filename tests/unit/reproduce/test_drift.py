from __future__ import annotations

import copy
import math
import statistics
from typing import Any

import pytest
from qlcore.errors import Unprocessable

from services.reproduce.domain.calibration import max_gate_error
from services.reproduce.domain.drift import (
    DRIFT_MODEL_VERSION,
    FAILED_GATE_ERROR,
    METRICS,
    PROFILES,
    drift_calibration,
    drift_params,
    horizon,
    sample_drift,
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


def _measured(calibration: dict[str, Any], days: float, profile: str, seeds: range) -> dict[str, list[Any]]:
    """Per metric, the drift statistics of several seeds, measured as real snapshot pairs are."""
    out: dict[str, list[Any]] = {m: [] for m in METRICS}
    for seed in seeds:
        stats = measure_drift(calibration, drift_calibration(calibration, days=days, profile=profile, seed=seed))
        for m in METRICS:
            out[m].append(stats.metrics[m])
    return out


def test_the_fitted_parameters_are_ql_drift_2_with_their_provenance():
    params = drift_params()
    assert DRIFT_MODEL_VERSION == "ql-drift/2.0"
    import json
    from importlib import resources

    raw = json.loads(resources.files("services.reproduce.domain").joinpath("drift_params.json").read_text())
    held_out = set(raw["provenance"]["held_out_devices"])
    assert held_out and all(not p["used_for_fit"] for p in raw["provenance"]["pairs"] if p["device"] in held_out)
    assert sum(p["used_for_fit"] for p in raw["provenance"]["pairs"]) >= 8
    # heavy tails fitted, not assumed Gaussian; errors trend upward over the fitted pairs
    assert all(1.5 <= params.nu[m] < 30 for m in METRICS)
    assert params.shift["2q"]["mu30"] > 0
    # T1 and T2 residuals of one qubit move together, measured on the real pairs
    assert raw["qubit_correlation"][2][3] > 0.2


def test_measured_spreads_follow_the_fitted_horizon(kyiv_calibration):
    """Measuring the model's drift with the tool used on real snapshot pairs gives back its sigma(d)
    (the t draw's MAD is its scale x 0.67449·t-quantile; checked against the fitted scale)."""
    from scipy.stats import t as student_t

    params = drift_params()
    for days in (30, 365):
        h = horizon(days)
        measured = _measured(kyiv_calibration, days, "typical", range(4))
        for m in METRICS:
            mad_of_t = student_t.ppf(0.75, params.nu[m]) / 0.67449  # 1.4826 x MAD of a unit t
            expected = h[m]["sigma"] * params.t_scale[m] * mad_of_t
            got = statistics.median(x.sigma_mad for x in measured[m])
            # 127-144 elements x 4 seeds; T2 is trimmed by T2 <= 2 T1, readout by its 0.5 cap
            assert got == pytest.approx(expected, rel=0.25), (days, m)


def test_days_matter_30_90_365_give_different_distributions(kyiv_calibration):
    """The 2q spread grows with the horizon (fitted on real pairs), from one month to one year."""
    h = {d: horizon(d) for d in (30, 90, 365, 36500)}
    assert h[30]["2q"]["sigma"] < h[90]["2q"]["sigma"] < h[365]["2q"]["sigma"]
    assert h[365]["2q"]["sigma"] > 1.2 * h[30]["2q"]["sigma"]
    assert h[36500] == horizon(drift_params().max_days)  # no extrapolation past the data
    spreads = {
        d: statistics.median(x.sigma_mad for x in _measured(kyiv_calibration, d, "typical", range(3))["2q"])
        for d in (30, 90, 365)
    }
    assert spreads[30] < spreads[90] < spreads[365]
    # the same seed at 30 and 365 days gives different calibrations
    a = drift_calibration(kyiv_calibration, days=30, profile="typical", seed=5)
    b = drift_calibration(kyiv_calibration, days=365, profile="typical", seed=5)
    assert a["gates"] != b["gates"]


def test_spread_shrinks_to_nothing_below_a_day(kyiv_calibration):
    s = {d: horizon(d)["2q"]["sigma"] for d in (0.01, 0.25, 1.0)}
    assert s[0.01] < s[0.25] < s[1.0]
    assert s[0.01] <= 0.1 * s[1.0] + 1e-12  # √d ramp: x0.1 at 0.01 day


def test_profiles_are_quantiles_of_the_fitted_shift(kyiv_calibration):
    """typical / bad_day put every metric's device-wide shift at its 50th / 95th percentile in the
    direction that hurts, stable at its 10th percentile there or no shift where that is an
    improvement; the element pattern of one seed is the same under every profile."""
    from statistics import NormalDist

    days = 90
    h = horizon(days)
    z95 = NormalDist().inv_cdf(0.95)
    outs = {p: drift_calibration(kyiv_calibration, days=days, profile=p, seed=9) for p in PROFILES}

    z10 = NormalDist().inv_cdf(0.10)

    def stable_shift(m: str) -> float:
        if m.startswith("t"):  # coherence: down hurts
            return min(h[m]["mu"] - z10 * h[m]["tau"], 0.0)
        return max(h[m]["mu"] + z10 * h[m]["tau"], 0.0)

    expected = {
        "typical": {m: h[m]["mu"] for m in METRICS},
        "bad_day": {m: h[m]["mu"] + (-z95 if m.startswith("t") else z95) * h[m]["tau"] for m in METRICS},
        "stable": {m: stable_shift(m) for m in METRICS},
    }
    for m in METRICS:  # stable moves no metric further than typical does
        assert abs(expected["stable"][m]) <= abs(expected["typical"][m]) + 1e-12, m
    for m, key in (("t1", "t1_us"), ("readout", "readout_error")):
        for p in ("stable", "bad_day"):
            diffs = [
                math.log(a[key] / b[key])
                for a, b in zip(outs[p]["qubits"], outs["typical"]["qubits"], strict=True)
                if a[key] and b[key] and (m == "t1" or max(a[key], b[key]) < 0.5)
            ]
            want = expected[p][m] - expected["typical"][m]
            # T2 <= 2 T1 and the readout cap touch a few qubits: the median difference is the shift's
            assert statistics.median(diffs) == pytest.approx(want, abs=2e-3), (m, p)
    # averaged over seeds, the measured device-wide shift is the named quantile
    for p in PROFILES:
        shifts = [x.common_shift for x in _measured(kyiv_calibration, days, p, range(8))["2q"]]
        assert statistics.mean(shifts) == pytest.approx(expected[p]["2q"], abs=0.06), p


def test_failed_couplers_are_a_level_not_added_on_top(kyiv_calibration):
    params = drift_params()
    before = {k for k, e in _errors(kyiv_calibration, "2q").items() if e >= FAILED_GATE_ERROR}
    couplers = {tuple(sorted(k[1])) for k in _errors(kyiv_calibration, "2q")}
    already = {tuple(sorted(k[1])) for k in before}
    assert len(already) == 5 and len(couplers) == 144
    for profile, key in (("stable", "q10"), ("typical", "q50"), ("bad_day", "q95")):
        out = drift_calibration(kyiv_calibration, days=90, profile=profile, seed=4)
        failed = {tuple(sorted(k[1])) for k, e in _errors(out, "2q").items() if e >= FAILED_GATE_ERROR}
        assert already <= failed  # a recorded failure stays failed
        assert len(failed) == max(len(already), round(params.failed[key] * 144)), profile
    # a device already past the level gets no new failures
    many = copy.deepcopy(kyiv_calibration)
    for g in many["gates"]:
        if len(g["qubits"]) == 2 and g["qubits"][0] < 40:
            g["error"] = FAILED_GATE_ERROR
    n_before = len({tuple(sorted(k[1])) for k, e in _errors(many, "2q").items() if e >= FAILED_GATE_ERROR})
    assert n_before > 0.1 * 144
    out = drift_calibration(many, days=90, profile="bad_day", seed=4)
    assert len({tuple(sorted(k[1])) for k, e in _errors(out, "2q").items() if e >= FAILED_GATE_ERROR}) == n_before


def test_bad_day_is_worse_than_typical_worse_than_stable(kyiv_calibration):
    outs = {p: drift_calibration(kyiv_calibration, days=90, profile=p, seed=4) for p in PROFILES}
    med_2q = {p: statistics.median(e for e in _errors(o, "2q").values() if e < 0.5) for p, o in outs.items()}
    med_t1 = {p: statistics.median(q["t1_us"] for q in o["qubits"]) for p, o in outs.items()}
    assert med_2q["stable"] < med_2q["typical"] < med_2q["bad_day"]  # the fitted 2q trend is upward
    assert med_t1["typical"] > med_t1["bad_day"] and med_t1["stable"] > med_t1["bad_day"]


def test_element_draws_are_heavy_tailed_and_joint(kyiv_calibration):
    """Shares beyond 3 sigma_MAD as in the real pairs (a Gaussian gives 0.27 %); T1 and T2 correlated."""
    from scipy.stats import spearmanr

    beyond, rho = [], []
    for seed in range(4):
        out = drift_calibration(kyiv_calibration, days=365, profile="typical", seed=seed)
        pairs = [
            (math.log(a["t1_us"] / b["t1_us"]), math.log(a["t2_us"] / b["t2_us"]))
            for a, b in zip(out["qubits"], kyiv_calibration["qubits"], strict=True)
            if a["t2_us"] < 2 * a["t1_us"] * 0.999
        ]
        rho.append(spearmanr([x for x, _ in pairs], [y for _, y in pairs]).statistic)
        d = [
            math.log(out_e / e)
            for (k, e), out_e in zip(_errors(kyiv_calibration, "1q").items(), _errors(out, "1q").values(), strict=True)
        ]
        med = statistics.median(d)
        mad = 1.4826 * statistics.median(abs(x - med) for x in d)
        beyond.append(sum(abs(x - med) > 3 * mad for x in d) / len(d))
    assert statistics.mean(beyond) > 0.02
    assert statistics.mean(rho) > 0.15


def test_sample_drift_draws_the_shift_and_the_failed_level(kyiv_calibration):
    shifts = [
        measure_drift(kyiv_calibration, sample_drift(kyiv_calibration, days=90, seed=s)).metrics["readout"].common_shift
        for s in range(12)
    ]
    assert statistics.stdev(shifts) > 0.5 * horizon(90)["readout"]["tau"]
    assert sample_drift(kyiv_calibration, days=0, seed=1) == kyiv_calibration


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
