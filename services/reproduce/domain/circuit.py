"""The stored transpiled circuit, loaded and compacted to the physical qubits it uses.

A transpiled OpenQASM 3 program addresses physical qubits (``$0 ... $126``); loading it gives a
circuit as wide as the highest index. Aer would simulate idle qubits too (or rely on its own
truncation), and a noise model would have to cover the whole device. Compacting maps the used
physical qubits, in ascending order, to 0...k-1, so both the noise model and the simulation
are k qubits wide; ``physical_qubits[i]`` says which device qubit compact qubit ``i`` is.

OpenQASM export defines some device gates by their decomposition (``gate ecr ... {...}``); loaded
back they are anonymous ``Gate`` objects that Aer would unroll, losing the noise attached to
the gate's name. Gates whose name and shape match Qiskit's standard library are put back as the
standard gates.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from qiskit import QuantumCircuit, qasm2, qasm3
from qiskit.circuit import Gate, Instruction, QuantumRegister
from qiskit.circuit.library import get_standard_gate_name_mapping

__all__ = ["CircuitNotRunnable", "PhysicalCircuit", "compact_circuit", "load_transpiled"]

#: instructions that do not make a qubit "used" on their own
_PASSIVE = frozenset({"barrier", "delay"})


class CircuitNotRunnable(Exception):
    """The stored circuit cannot be parsed or simulated: the reproduction's verdict is ``failed``."""


@dataclass(frozen=True, slots=True)
class PhysicalCircuit:
    """A compact circuit and the device qubits behind its qubits. Do not mutate ``circuit``."""

    circuit: QuantumCircuit
    physical_qubits: tuple[int, ...]
    measured_bits: int


def _standard(op: Instruction) -> Instruction:
    if not isinstance(op, Gate):
        return op
    std = get_standard_gate_name_mapping().get(op.name)
    if std is None or isinstance(op, std.base_class):
        return op
    if std.num_qubits != op.num_qubits or len(std.params) != len(op.params):
        return op
    return std.base_class(*op.params) if op.params else std


def compact_circuit(circuit: QuantumCircuit) -> PhysicalCircuit:
    """``circuit`` narrowed to the qubits that carry an operation other than barrier/delay."""
    index = {q: i for i, q in enumerate(circuit.qubits)}
    used = sorted({index[q] for inst in circuit.data if inst.operation.name not in _PASSIVE for q in inst.qubits})
    new = QuantumCircuit(QuantumRegister(len(used), "q"), *circuit.cregs, name=circuit.name)
    loose = [c for c in circuit.clbits if not circuit.find_bit(c).registers]
    if loose:
        new.add_bits(loose)
    new.global_phase = circuit.global_phase
    remap = {circuit.qubits[p]: new.qubits[i] for i, p in enumerate(used)}
    measured = set()
    for inst in circuit.data:
        qargs = tuple(remap[q] for q in inst.qubits if q in remap)
        if len(qargs) != len(inst.qubits):
            if inst.operation.name in _PASSIVE:
                if inst.operation.name == "barrier" and qargs:
                    new.barrier(*qargs)
                continue  # a delay or barrier on an idle qubit only
            raise CircuitNotRunnable(f"instruction {inst.operation.name} on an unmapped qubit")
        if inst.operation.name == "measure":
            measured.update(inst.clbits)
        new.append(_standard(inst.operation), qargs, inst.clbits, copy=False)
    return PhysicalCircuit(new, tuple(used), len(measured))


@lru_cache(maxsize=256)
def load_transpiled(source: str, fmt: str = "openqasm3") -> PhysicalCircuit:
    """Parse a stored transpiled program and compact it (cached: the result is shared)."""
    try:
        if fmt == "openqasm3":
            circuit = qasm3.loads(source)
        elif fmt == "openqasm2":
            circuit = qasm2.loads(source, custom_instructions=qasm2.LEGACY_CUSTOM_INSTRUCTIONS)
        else:
            raise CircuitNotRunnable(f"unsupported circuit format {fmt!r}")
    except CircuitNotRunnable:
        raise
    except Exception as exc:  # the parsers raise several unrelated types
        raise CircuitNotRunnable(f"cannot parse the transpiled circuit: {exc}") from exc
    if circuit.num_qubits == 0:
        raise CircuitNotRunnable("the transpiled circuit has no qubits")
    return compact_circuit(circuit)
