"""metrics_from_calibration on hand-made calibrations (the shape a run document carries)."""

from __future__ import annotations

from typing import Any

import pytest
from qlcore.corpus import metrics_from_calibration, summarize_calibration


def cal(qubits: list[dict[str, Any]] | None = None, gates: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    return {"taken_at": "2025-01-01T00:00:00Z", "qubits": qubits or [], "gates": gates or []}


def g(name: str, qubits: list[int], error: float | None) -> dict[str, Any]:
    return {"gate": name, "qubits": qubits, "error": error, "duration_ns": 60.0}


def q(i: int, t1: float | None, t2: float | None, ro: float | None) -> dict[str, Any]:
    return {"qubit": i, "t1_us": t1, "t2_us": t2, "readout_error": ro}


def test_failed_entries_are_excluded_and_counted() -> None:
    gates = [g("ecr", [0, 1], 0.01), g("ecr", [1, 2], 1.0), g("ecr", [2, 3], 0.03), g("ecr", [3, 4], 0.02)]
    summary = summarize_calibration(cal(gates=gates))
    assert summary.metrics["median_2q_error"] == pytest.approx(0.02)
    assert summary.metrics["failed_2q_couplers"] == 1
    assert summary.metrics["failed_2q_fraction"] == pytest.approx(0.25)
    assert summary.counts == {"couplers_2q": 4, "entries_2q": 4, "failed_2q_entries": 1}


def test_fractional_gates_are_never_the_standard_gate() -> None:
    gates = [g("cz", [0, 1], 0.002), g("rzz", [0, 1], 0.5), g("cz", [1, 2], 0.004), g("rzz", [1, 2], 0.5)]
    metrics = metrics_from_calibration(cal(gates=gates))
    assert metrics["median_2q_error"] == pytest.approx(0.003)
    only_fractional = metrics_from_calibration(cal(gates=[g("rzz", [0, 1], 0.01)]))
    assert only_fractional["median_2q_error"] is None and only_fractional["failed_2q_couplers"] is None


def test_a_coupler_is_the_mean_of_its_directions_and_partly_failed_keeps_the_good_one() -> None:
    gates = [g("CX", [0, 1], 0.01), g("cx", [1, 0], 0.03), g("cx", [1, 2], 1.0), g("cx", [2, 1], 0.05)]
    summary = summarize_calibration(cal(gates=gates))
    assert summary.metrics["median_2q_error"] == pytest.approx((0.02 + 0.05) / 2)
    assert summary.metrics["failed_2q_couplers"] == 0
    assert summary.counts["failed_2q_entries"] == 1 and summary.counts["couplers_2q"] == 2


def test_one_qubit_gate_preference_and_failures() -> None:
    gates = [g("rx", [0], 0.5), g("sx", [0], 0.001), g("sx", [1], 0.003), g("sx", [2], 1.0), g("x", [0], 0.9)]
    summary = summarize_calibration(cal(gates=gates))
    assert summary.gate_1q == "sx"
    assert summary.metrics["median_1q_error"] == pytest.approx(0.002)
    assert summary.counts["failed_1q_qubits"] == 1


def test_qubit_medians_skip_missing_and_nonpositive() -> None:
    qubits = [q(0, 100.0, 50.0, 0.01), q(1, None, 70.0, 0.03), q(2, 0.0, None, None), q(3, 200.0, 90.0, 0.02)]
    metrics = metrics_from_calibration(cal(qubits=qubits))
    assert metrics["median_t1"] == pytest.approx(150.0)
    assert metrics["median_t2"] == pytest.approx(70.0)
    assert metrics["median_readout_error"] == pytest.approx(0.02)
    assert metrics["num_qubits"] == 4
    assert metrics_from_calibration(cal(qubits=qubits), num_qubits=127)["num_qubits"] == 127


def test_empty_calibration_has_no_values() -> None:
    metrics = metrics_from_calibration(cal())
    assert all(v is None for v in metrics.values())
