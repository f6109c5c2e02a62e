from __future__ import annotations

import pytest
from qiskit import QuantumCircuit, qasm3, transpile
from qiskit.circuit.library import ECRGate

from services.reproduce.domain.circuit import CircuitNotRunnable, compact_circuit, load_transpiled


def test_compacts_to_used_physical_qubits_and_restores_device_gates(kyiv):
    qc = QuantumCircuit(3, 3)
    qc.h(0)
    qc.cx(0, 1)
    qc.cx(1, 2)
    qc.measure(range(3), range(3))
    transpiled = transpile(qc, kyiv, initial_layout=[62, 72, 81], optimization_level=1, seed_transpiler=1)
    physical = load_transpiled(qasm3.dumps(transpiled))
    assert physical.physical_qubits == (62, 72, 81)
    assert physical.circuit.num_qubits == 3 and physical.measured_bits == 3
    ecrs = [i.operation for i in physical.circuit.data if i.operation.name == "ecr"]
    assert ecrs and all(isinstance(op, ECRGate) for op in ecrs)  # Aer attaches noise by gate name


def test_delays_and_barriers_on_idle_qubits_do_not_widen_the_circuit():
    qc = QuantumCircuit(6, 1)
    qc.x(4)
    qc.delay(100, 1, unit="ns")
    qc.barrier()
    qc.measure(4, 0)
    physical = compact_circuit(qc)
    assert physical.physical_qubits == (4,)
    assert [i.operation.name for i in physical.circuit.data] == ["x", "barrier", "measure"]


@pytest.mark.parametrize(("source", "fmt"), [("OPENQASM 3.0; qubit[2] q; nonsense q[0];", "openqasm3"), ("x", "cirq")])
def test_an_unreadable_circuit_cannot_run(source, fmt):
    with pytest.raises(CircuitNotRunnable):
        load_transpiled(source, fmt)
