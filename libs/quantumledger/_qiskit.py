"""Qiskit's side of :func:`quantumledger.capture.capture`.

Circuits are written as OpenQASM 3 with QPY beside it (``native``): OpenQASM is what any tool
reads, QPY is Qiskit's lossless form (parameters, layout, metadata, exact floats). The
calibration is the device's (:mod:`quantumledger._calibration`); a simulator made by
``AerSimulator.from_backend(device)`` is recorded against that device.

A job or a result may stand in for counts, shots, job id, times and seeds (see
:mod:`quantumledger._qiskit_results`); what the caller passes explicitly wins.
"""

from __future__ import annotations

import io
from collections.abc import Mapping
from typing import Any

from qiskit import QuantumCircuit, qasm3, qpy
from qiskit.providers import BackendV2

from quantumledger._aer_source import simulated_device_name, source_device
from quantumledger._calibration import backend_identity, device_calibration
from quantumledger._document import Timestamp, assemble, environment, native_binary, now, rfc3339
from quantumledger._qiskit_results import RunInfo, run_info

__all__ = ["PACKAGES", "capture_qiskit", "circuit_members"]

PACKAGES = ("qiskit", "qiskit-aer", "qiskit-ibm-runtime")


def capture_qiskit(
    circuit: QuantumCircuit,
    *,
    backend: BackendV2,
    counts: Mapping[str, int] | None,
    shots: int | None,
    result: Any,
    transpiled: QuantumCircuit | None,
    device: BackendV2 | None,
    calibration_taken_at: Timestamp,
    name: str | None,
    optimization_level: int | None,
    seed_transpiler: int | None,
    created_at: Timestamp,
    execution: dict[str, Any],
    extra: Mapping[str, Any] | None,
) -> dict[str, Any]:
    """The document of a Qiskit run (see :func:`quantumledger.capture.capture`)."""
    if backend is None:
        raise ValueError("a Qiskit capture needs the backend the circuit ran on")
    info = run_info(result) if result is not None else RunInfo()
    transpiled = transpiled if transpiled is not None else info.transpiled
    if transpiled is None and (seed_transpiler is not None or optimization_level is not None):
        raise ValueError("seed_transpiler and optimization_level describe a transpiled circuit: pass it")
    counts, shots = _counts_and_shots(counts, shots, info)
    created = rfc3339(created_at) or now()
    source = device if device is not None else source_device(backend)
    calibrated = source if source is not None else backend
    calibration = device_calibration(
        calibrated, default_taken_at=_undated(backend, source, calibration_taken_at, created)
    )
    if calibration_taken_at is not None:
        calibration["taken_at"] = rfc3339(calibration_taken_at)
    provider, backend_name = backend_identity(calibrated)
    program = {**circuit_members(circuit), "name": name or circuit.name}
    transpiled_member = None
    if transpiled is not None:
        transpiled_member = circuit_members(transpiled)
        transpiled_member.pop("name")
        if optimization_level is not None:
            transpiled_member["optimization_level"] = optimization_level
        if seed_transpiler is not None:
            transpiled_member["seed_transpiler"] = seed_transpiler
    for key in ("job_id", "submitted_at", "completed_at", "seed_simulator"):
        if execution.get(key) is None:
            execution[key] = getattr(info, key)
    return assemble(
        created_at=created,
        program=program,
        transpiled=transpiled_member,
        backend={"provider": provider, "name": backend_name, "num_qubits": calibrated.num_qubits},
        calibration=calibration,
        execution={**execution, "shots": shots},
        counts=counts,
        environment=environment(PACKAGES),
        extra=extra,
    )


def circuit_members(circuit: QuantumCircuit) -> dict[str, Any]:
    """``name``, ``format``, ``source`` (OpenQASM 3) and ``native`` (QPY) of a circuit."""
    buffer = io.BytesIO()
    qpy.dump(circuit, buffer)
    return {
        "name": circuit.name,
        "format": "openqasm3",
        "source": qasm3.dumps(circuit),
        "native": native_binary("qpy", buffer.getvalue()),
    }


def _counts_and_shots(
    counts: Mapping[str, int] | None, shots: int | None, info: RunInfo
) -> tuple[Mapping[str, int], int]:
    counts = counts if counts is not None else info.counts
    shots = shots if shots is not None else info.shots
    if counts is None:
        raise ValueError("pass the counts, or the job or result they come from")
    if shots is None:
        raise ValueError("pass shots, or the job or result they come from")
    return counts, shots


def _undated(backend: BackendV2, source: BackendV2 | None, taken_at: Timestamp, created: str) -> str:
    """The calibration time for a backend that does not date its calibration.

    A simulator made from a device that could not be identified keeps no date of that
    device's calibration: recording the capture time would claim a calibration that never
    took place then, so the caller must say when it was taken.
    """
    if taken_at is not None:
        return str(rfc3339(taken_at))
    device = simulated_device_name(backend)
    if device is not None and source is None:
        raise ValueError(
            f"{backend.name} keeps no date of {device}'s calibration: pass device=<the backend it "
            "was made from> or calibration_taken_at="
        )
    return created
