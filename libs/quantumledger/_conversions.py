"""Vendors' error definitions into the document's: average gate infidelity ``r = 1 - F_avg``.

For a channel on n qubits (d = 2**n): process infidelity ``e_F = 1 - F_pro`` equals, for a
Pauli channel, the *Pauli error* ``e_P`` that Google reports; ``r = d / (d + 1) * e_F`` is what
randomized benchmarking reports (IBM's ``gate_error``) and what the document's
``gates[].error`` means. The same conventions as the leaderboard's conversions
(``docs/leaderboard-methodology.md``), restated here because the SDK imports no server code.
"""

from __future__ import annotations

from collections.abc import Iterable

__all__ = ["pauli_to_average_infidelity", "xeb_cycle_to_gate_pauli_error"]


def pauli_to_average_infidelity(pauli_error: float, num_qubits: int) -> float:
    """Average gate infidelity of a gate whose Pauli (process) error is ``pauli_error``."""
    d = 2**num_qubits
    return pauli_error * d / (d + 1)


def xeb_cycle_to_gate_pauli_error(cycle_error: float, single_qubit_errors: Iterable[float]) -> float:
    """Pauli error of a 2q gate alone: Google's XEB error per cycle minus its 1q gates' errors.

    An XEB cycle is the 2q gate and a 1q gate on each of its qubits; Pauli errors add to first
    order. Clamped at 0: within noise, a cycle can measure below the sum of its RB parts.
    """
    return max(0.0, cycle_error - sum(single_qubit_errors))
