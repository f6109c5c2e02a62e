"""The drift fit (services/reproduce/tools/fit_drift.py) recovers what synthetic snapshot pairs were made with."""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

import numpy as np
import pytest

from services.reproduce.tools.fit_drift import fit, pairs_of

N_QUBITS = 121  # a chain: 120 couplers (the failed-coupler shares need >= 100)
A, B, MU = 0.15, 0.06, 0.12  # sigma(d) = A + B log(1 + d) for every metric; errors shift by +MU


def _calibration(taken_at: dt.datetime, values: dict[str, np.ndarray], failed: set[int]) -> dict[str, Any]:
    qubits = [
        {
            "qubit": i,
            "t1_us": float(values["t1"][i]),
            "t2_us": float(values["t2"][i]),
            "readout_error": float(values["readout"][i]),
        }
        for i in range(N_QUBITS)
    ]
    gates = [
        {"gate": "sx", "qubits": [i], "error": float(values["1q"][i]), "duration_ns": 35.0} for i in range(N_QUBITS)
    ]
    gates += [
        {
            "gate": "ecr",
            "qubits": [i, i + 1],
            "error": 1.0 if i in failed else float(values["2q"][i]),
            "duration_ns": 600.0,
        }
        for i in range(N_QUBITS - 1)
    ]
    return {"taken_at": taken_at.isoformat(), "qubits": qubits, "gates": gates}


def _snapshots() -> dict[str, dict[str, dict[str, Any]]]:
    rng = np.random.default_rng(2024)
    start = dt.datetime(2023, 1, 1, tzinfo=dt.UTC)
    base = {
        "2q": rng.uniform(0.005, 0.02, N_QUBITS - 1),
        "1q": rng.uniform(2e-4, 6e-4, N_QUBITS),
        "readout": rng.uniform(0.01, 0.04, N_QUBITS),
        "t1": rng.uniform(100, 300, N_QUBITS),
        "t2": rng.uniform(50, 150, N_QUBITS),
    }
    snaps: dict[str, dict[str, dict[str, Any]]] = {}
    for device, days in {"d1": 20, "d2": 35, "d3": 180, "d4": 365, "d5": 700, "d6": 1000, "d7": 365}.items():
        later = {}
        for m, x in base.items():
            sigma = A + B * math.log1p(days)
            shift = MU if m in ("2q", "1q", "readout") else 0.0
            later[m] = x * np.exp(shift + sigma * rng.standard_normal(len(x)))
        snaps[device] = {}
        for when, values, failed in ((start, base, {3}), (start + dt.timedelta(days=days), later, {3, 50, 90})):
            cal = _calibration(when, values, failed)
            snaps[device][cal["taken_at"]] = {"calibration": cal, "release": "synthetic", "path": device}
    return snaps


@pytest.fixture(scope="module")
def fitted() -> dict[str, Any]:
    return fit(_snapshots(), held_out=("d7",))


def test_pairs_carry_their_horizon():
    pairs = pairs_of(_snapshots())
    assert sorted(round(p["days"]) for p in pairs) == [20, 35, 180, 365, 365, 700, 1000]


def _sigma(spread: dict[str, Any], days: float) -> float:
    if spread["form"] == "log":
        return float(spread["a"] + spread["b"] * math.log1p(days))
    return float(spread["sigma30"] * (days / 30) ** spread["p"])


def test_the_fit_recovers_the_spread_growth_and_the_shift(fitted):
    for m in fitted["metrics"]:
        s = fitted["spread"][m]
        for d in (30, 365, 1000):
            assert _sigma(s, d) == pytest.approx(A + B * math.log1p(d), rel=0.15), (m, d)
        expected_shift = MU if m in ("2q", "1q", "readout") else 0.0
        assert fitted["shift"][m]["mu30"] == pytest.approx(expected_shift, abs=0.05), m
        # Gaussian residuals: no heavy tail is fitted
        assert fitted["tails"][m]["nu"] > 10, m


def test_held_out_devices_are_left_out(fitted):
    used = {p["device"] for p in fitted["provenance"]["pairs"] if p["used_for_fit"]}
    assert used == {"d1", "d2", "d3", "d4", "d5", "d6"}
    assert fitted["provenance"]["held_out_devices"] == ["d7"]
    assert fitted["max_days"] == pytest.approx(1000, abs=1)


def test_independent_metrics_fit_no_correlation_and_failures_are_measured(fitted):
    corr = np.array(fitted["qubit_correlation"])
    assert np.abs(corr - np.eye(4)).max() < 0.15
    f = fitted["failed_couplers"]
    assert f["snapshots"] == 12  # two snapshots of six fitted devices
    assert f["q10"] == pytest.approx(1 / 120) and f["q95"] == pytest.approx(3 / 120)
