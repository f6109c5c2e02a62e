"""pytket's side of :func:`quantumledger.capture.capture` (imports pytket, never Qiskit or Cirq).

* Circuits: OpenQASM 2 written by pytket (it writes no OpenQASM 3), with pytket JSON beside it
  (``native``: ``Circuit.from_dict`` gives the circuit back). A compiled circuit in a
  device's native gates (Quantinuum's ``PhasedX``, ``ZZPhase``, ``ZZMax``, ``TK2``) has no
  ``qelib1`` spelling: a copy is rebased by pytket (``AutoRebase`` to ``U3``, ``Rz``,
  ``ZZPhase``: ``PhasedX`` becomes one ``u3``, ``ZZPhase`` is ``rzz``) and implicit wire swaps
  made explicit before writing; the JSON keeps the circuit as compiled.
* Backend: a pytket ``Backend`` or its ``BackendInfo``; the document's qubit ``i`` is the
  ``i``-th node of its architecture (``q[i]`` on Quantinuum's fully connected devices).
* Calibration: the machine data of a Quantinuum backend (:mod:`quantumledger._quantinuum`).
* Results: a ``BackendResult``; counts are spelled as Qiskit counts the OpenQASM program (the
  last register first, its highest bit first).
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Mapping
from importlib import metadata
from typing import Any

from pytket import Circuit, OpType
from pytket.passes import AutoRebase
from pytket.qasm import circuit_to_qasm_str
from pytket.qasm.qasm import QASMUnsupportedError

from quantumledger._document import Timestamp, assemble, clbit_registers, environment, native_text, qiskit_count_key
from quantumledger._document import rfc3339 as _rfc3339
from quantumledger._quantinuum import quantinuum_calibration

__all__ = ["PACKAGES", "capture_pytket", "count_outcomes", "qasm_of"]

PACKAGES = ("pytket", "pytket-quantinuum")
_ZZ_FAMILY = frozenset({OpType.ZZPhase, OpType.ZZMax, OpType.TK2})


def capture_pytket(
    circuit: Circuit,
    *,
    backend: Any,
    calibration_taken_at: Timestamp,
    counts: Mapping[str, int] | None,
    shots: int | None,
    result: Any,
    transpiled: Circuit | None,
    name: str | None,
    created_at: Timestamp,
    execution: dict[str, Any],
    extra: Mapping[str, Any] | None,
) -> dict[str, Any]:
    """The document of a pytket run (see :func:`quantumledger.capture.capture`)."""
    info = getattr(backend, "backend_info", backend)
    if info is None or not hasattr(info, "device_name"):
        raise ValueError("a pytket capture needs the backend (or its BackendInfo) the circuit ran on")
    machine = dict(info.misc or {})
    if "noise_specs" not in machine:
        raise ValueError(f"{info.device_name} carries no calibration data (noise_specs) that capture can read")
    nodes = sorted(info.architecture.nodes)
    calibration = quantinuum_calibration(
        machine, [str(n) for n in nodes], device_name=str(info.device_name), version=_version("pytket-quantinuum")
    )
    if calibration_taken_at is not None:
        calibration["taken_at"] = _rfc3339(calibration_taken_at)
    program_qasm = qasm_of(circuit)
    program = {
        "name": name or circuit.name or f"pytket_circuit_{circuit.n_qubits}q",
        "format": "openqasm2",
        "source": program_qasm,
        "native": native_text("pytket-json", json.dumps(circuit.to_dict(), sort_keys=True)),
    }
    transpiled_member = None
    counted_qasm = program_qasm
    if transpiled is not None:
        unknown = set(transpiled.qubits) - set(nodes)
        if unknown:
            raise ValueError(
                f"the transpiled circuit acts on qubits the device does not have: {sorted(map(str, unknown))}"
            )
        counted_qasm = qasm_of(transpiled)
        transpiled_member = {
            "format": "openqasm2",
            "source": counted_qasm,
            "native": native_text("pytket-json", json.dumps(transpiled.to_dict(), sort_keys=True)),
        }
    if counts is None and result is not None:
        counts = count_outcomes(result, counted_qasm)
    if shots is None and counts is not None:
        shots = sum(counts.values())
    if counts is None or shots is None:
        raise ValueError("pass counts and shots, or the BackendResult they come from")
    return assemble(
        created_at=created_at,
        program=program,
        transpiled=transpiled_member,
        backend={"provider": _provider(str(info.name)), "name": str(info.device_name), "num_qubits": len(nodes)},
        calibration=calibration,
        execution={**execution, "shots": shots},
        counts=counts,
        environment=environment(PACKAGES),
        extra=extra,
    )


def qasm_of(circuit: Circuit) -> str:
    """OpenQASM 2 (``qelib1``) of ``circuit``, rebased first if pytket cannot write it as it is."""
    copy = circuit.copy()
    copy.replace_implicit_wire_swaps()
    try:
        return str(circuit_to_qasm_str(copy, header="qelib1"))
    except QASMUnsupportedError:  # native device gates: rebase the copy (the JSON keeps the original)
        two_qubit = OpType.ZZPhase if {cmd.op.type for cmd in copy.get_commands()} & _ZZ_FAMILY else OpType.CX
        AutoRebase({OpType.U3, OpType.Rz, two_qubit}).apply(copy)
        return str(circuit_to_qasm_str(copy, header="qelib1"))


def count_outcomes(result: Any, qasm: str) -> dict[str, int]:
    """Counts of a ``BackendResult`` keyed as Qiskit keys counts of the OpenQASM program."""
    registers = clbit_registers(qasm)
    bits = list(result.c_bits)  # the order of each outcome tuple
    counts: Counter[str] = Counter()
    for outcome, n in result.get_counts().items():
        by_register: dict[str, list[int]] = {reg: [0] * size for reg, size in registers}
        for bit, value in zip(bits, outcome, strict=True):
            by_register[bit.reg_name][bit.index[0]] = int(value)
        counts[qiskit_count_key(by_register, registers)] += int(n)
    return dict(counts)


def _provider(backend_class: str) -> str:
    """``QuantinuumBackend`` -> ``quantinuum``: the vendor a pytket backend class is named for."""
    return backend_class.removesuffix("Backend").lower() or "pytket"


def _version(package: str) -> str | None:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return None
