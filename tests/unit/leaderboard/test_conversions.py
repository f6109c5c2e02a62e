"""Conversions checked against the vendors' own numbers and an independent channel calculation."""

from __future__ import annotations

import pytest
from cirq_google.engine.virtual_engine_factory import load_median_device_calibration
from qiskit.quantum_info import average_gate_fidelity
from qiskit_aer.noise import depolarizing_error, thermal_relaxation_error
from qlcore.corpus.conversions import (
    depolarizing_to_average_infidelity,
    fidelity_to_error,
    pauli_to_average_infidelity,
    thermal_process_fidelity,
    xeb_cycle_to_gate_pauli_error,
)


def test_pauli_to_average_reproduces_googles_own_average_errors() -> None:
    cal = load_median_device_calibration("rainbow")
    pauli_1q = cal["single_qubit_rb_pauli_error_per_gate"]
    avg_1q = cal["single_qubit_rb_average_error_per_gate"]
    for key, value in pauli_1q.items():
        assert pauli_to_average_infidelity(value[0], 1) == pytest.approx(avg_1q[key][0], rel=1e-6)
    pauli_2q = cal["two_qubit_parallel_sycamore_gate_xeb_pauli_error_per_cycle"]
    avg_2q = cal["two_qubit_parallel_sycamore_gate_xeb_average_error_per_cycle"]
    for key, value in pauli_2q.items():
        assert pauli_to_average_infidelity(value[0], 2) == pytest.approx(avg_2q[key][0], rel=1e-6)


def test_cycle_error_minus_single_qubit_errors() -> None:
    assert xeb_cycle_to_gate_pauli_error(0.01, [0.002, 0.003]) == pytest.approx(0.005)
    assert xeb_cycle_to_gate_pauli_error(0.001, [0.002, 0.003]) == 0.0


@pytest.mark.parametrize(("p", "t", "t1", "t2"), [(0.00085, 20.0, 37741.0, 9180.0), (0.0128, 120.0, 35000.0, 33000.0)])
def test_iqm_model_matches_qiskit_channel_fidelity_one_qubit(p: float, t: float, t1: float, t2: float) -> None:
    channel = depolarizing_error(p, 1).compose(thermal_relaxation_error(t1, t2, t))
    expected = 1 - average_gate_fidelity(channel)
    ours = depolarizing_to_average_infidelity(p, 1, [thermal_process_fidelity(t, t1, t2)])
    assert ours == pytest.approx(expected, rel=1e-9)


def test_iqm_model_matches_qiskit_channel_fidelity_two_qubits() -> None:
    p, t = 0.00578, 40.0
    (t1a, t2a), (t1b, t2b) = (37741.0, 9180.0), (32584.0, 10040.0)
    relax = thermal_relaxation_error(t1a, t2a, t).expand(thermal_relaxation_error(t1b, t2b, t))
    channel = depolarizing_error(p, 2).compose(relax)
    expected = 1 - average_gate_fidelity(channel)
    thermal = [thermal_process_fidelity(t, t1a, t2a), thermal_process_fidelity(t, t1b, t2b)]
    assert depolarizing_to_average_infidelity(p, 2, thermal) == pytest.approx(expected, rel=1e-9)


def test_limits() -> None:
    assert depolarizing_to_average_infidelity(0.0, 1) == pytest.approx(0.0)
    assert depolarizing_to_average_infidelity(1.0, 1) == pytest.approx(0.5)
    assert depolarizing_to_average_infidelity(1.0, 2) == pytest.approx(0.75)
    assert thermal_process_fidelity(50.0, None, None) == 1.0
    assert fidelity_to_error(0.99) == pytest.approx(0.01)
