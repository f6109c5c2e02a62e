from __future__ import annotations

import math
import random

import pytest

from services.reproduce.domain.drift_stats import element_values, measure_drift


def _calibration(taken_at: str, t1: list[float], cx: dict[tuple[int, int], float]) -> dict:
    return {
        "taken_at": taken_at,
        "qubits": [{"qubit": i, "t1_us": v, "t2_us": v, "readout_error": 0.01} for i, v in enumerate(t1)],
        "gates": [{"gate": "cx", "qubits": list(k), "error": e, "duration_ns": 300} for k, e in cx.items()]
        + [{"gate": "sx", "qubits": [i], "error": 2e-4, "duration_ns": 35} for i in range(len(t1))]
        + [{"gate": "x", "qubits": [i], "error": 2e-4, "duration_ns": 35} for i in range(len(t1))],
    }


def test_recovers_a_known_shift_and_spread():
    rng = random.Random(7)
    n = 4000
    t1 = [rng.uniform(50, 400) for _ in range(n)]
    shifted = [v * math.exp(0.2 + rng.gauss(0, 0.4)) for v in t1]
    before = _calibration("2025-01-01T00:00:00Z", t1, {})
    after = _calibration("2025-01-15T12:00:00Z", shifted, {})
    d = measure_drift(before, after)
    assert d.days == pytest.approx(14.5)
    t1_stats = d.metrics["t1"]
    assert t1_stats.n == n
    assert t1_stats.common_shift == pytest.approx(0.2, abs=0.02)
    assert t1_stats.sigma_mad == pytest.approx(0.4, rel=0.05)
    assert t1_stats.sigma_sd == pytest.approx(0.4, rel=0.05)
    assert d.metrics["readout"].sigma_mad == 0 and d.metrics["1q"].common_shift == 0


def test_failed_couplers_are_counted_not_measured():
    cx_before = {(i, i + 1): 0.01 for i in range(10)} | {(i + 1, i): 0.01 for i in range(10)}
    cx_after = dict.fromkeys(cx_before, 0.02)
    cx_after[0, 1] = cx_after[1, 2] = 1.0  # couplers 0-1 and 1-2 keep one working direction
    cx_after[2, 3] = cx_after[3, 2] = 1.0  # coupler 2-3 has none left
    before = _calibration("2025-01-01T00:00:00Z", [100.0] * 11, cx_before)
    after = _calibration("2025-02-01T00:00:00Z", [100.0] * 11, cx_after)
    d = measure_drift(before, after)
    assert (d.failed_before, d.failed_after, d.couplers) == (0, 1, 10)
    two_q = d.metrics["2q"]
    assert two_q.n == 9  # the fully failed coupler has no value left
    assert two_q.common_shift == pytest.approx(math.log(2))


def test_element_values_merge_a_qubits_equal_1q_gates():
    cal = _calibration("2025-01-01T00:00:00Z", [100.0, 0.0], {(0, 1): 0.01, (1, 0): 0.03})
    values = element_values(cal)
    assert values["1q"] == {0: 2e-4, 1: 2e-4}
    assert values["2q"] == {("cx", 0, 1): pytest.approx(0.02)}
    assert values["t1"] == {0: 100.0}  # a zero T1 is no measurement
