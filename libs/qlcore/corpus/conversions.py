"""Conversions from vendors' error definitions to average gate infidelity.

Conventions, for a channel on n qubits (d = 2**n):

* process (entanglement) infidelity ``e_F = 1 - F_pro``; for a Pauli channel it equals the
  *Pauli error* ``e_P`` that Google reports;
* average gate infidelity ``r = 1 - F_avg = d / (d + 1) * e_F`` (what RB reports: IBM's
  ``gate_error``, Rigetti's and OQC's fidelities);
* a depolarizing channel ``rho -> (1 - p) rho + p I/d`` has ``F_pro = 1 - p + p / d**2``.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

__all__ = [
    "average_from_process_fidelity",
    "depolarizing_to_average_infidelity",
    "fidelity_to_error",
    "pauli_to_average_infidelity",
    "thermal_process_fidelity",
    "xeb_cycle_to_gate_pauli_error",
]


def pauli_to_average_infidelity(pauli_error: float, num_qubits: int) -> float:
    """Average gate infidelity of a gate whose Pauli (process) error is ``pauli_error``."""
    d = 2**num_qubits
    return pauli_error * d / (d + 1)


def xeb_cycle_to_gate_pauli_error(cycle_error: float, single_qubit_errors: Iterable[float]) -> float:
    """Pauli error of the 2q gate alone: Google's XEB cycle error minus its 1q gates' errors.

    A cycle is the 2q gate plus one 1q gate on each qubit; errors of a Pauli channel add to
    first order. Clamped at 0 (an XEB cycle can measure below its RB parts' sum within noise).
    """
    return max(0.0, cycle_error - sum(single_qubit_errors))


def fidelity_to_error(fidelity: float) -> float:
    """Error of an average fidelity (RB / readout fidelity): ``1 - f``."""
    return 1.0 - fidelity


def thermal_process_fidelity(duration_ns: float, t1_ns: float | None, t2_ns: float | None) -> float:
    """Process fidelity of amplitude + phase damping on one qubit over ``duration_ns``.

    ``F_pro = (1 + exp(-t/T1) + 2 exp(-t/T2)) / 4``; an unknown T1/T2 counts as no decay.
    """
    a = math.exp(-duration_ns / t1_ns) if t1_ns else 1.0
    b = math.exp(-duration_ns / t2_ns) if t2_ns else 1.0
    return (1.0 + a + 2.0 * b) / 4.0


def average_from_process_fidelity(process_fidelity: float, num_qubits: int) -> float:
    """Average gate infidelity ``1 - (d F_pro + 1) / (d + 1)``."""
    d = 2**num_qubits
    return 1.0 - (d * process_fidelity + 1.0) / (d + 1.0)


def depolarizing_to_average_infidelity(p: float, num_qubits: int, thermal_fidelities: Iterable[float] = ()) -> float:
    """Average gate infidelity of IQM's error model: a depolarizing channel with parameter ``p``
    composed with thermal relaxation on each qubit (process fidelities ``thermal_fidelities``).

    The fully depolarizing part composed with any trace-preserving channel has process fidelity
    ``1/d**2``, so ``F_pro = (1 - p) * prod(F_thermal) + p / d**2`` whatever the order.
    """
    d = 2**num_qubits
    thermal = math.prod(thermal_fidelities)
    process = (1.0 - p) * thermal + p / d**2
    return average_from_process_fidelity(process, num_qubits)
