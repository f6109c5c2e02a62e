"""Cirq's side of :func:`quantumledger.capture.capture` (imports Cirq, never Qiskit or pytket).

* Circuits: OpenQASM 3 written by Cirq (OpenQASM 2 if Cirq cannot write 3 for a circuit), with
  Cirq JSON beside it (``native``: ``cirq.read_json`` gives the circuit back). The transpiled
  circuit (the one that ran on the device's ``GridQubit``\\ s) is written over every qubit of
  the device in Cirq's order, so OpenQASM's ``q[i]`` is the document's qubit ``i`` and any
  OpenQASM reader (reproduce uses Qiskit's) runs it on the right qubits.
* Backend: a ``cirq_google`` processor (``processor_id``, ``get_device()``,
  ``get_current_calibration()``) or a processor id with ``device=`` and ``calibration=``; an
  engine job's own calibration (the one at run time) is preferred to the processor's current.
* Calibration: :mod:`quantumledger._google`.
* Results: a ``cirq.Result`` or an engine job (``results()``, ``id()``, ``create_time()``,
  ``update_time()``, ``get_circuit()``). Counts are spelled as Qiskit would count the
  OpenQASM program: a measurement key is a classical register, the last one first, its
  highest bit first. Cirq's simulators report no seed: pass ``seed_simulator``.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from importlib import metadata
from typing import Any

import cirq

from quantumledger._document import Timestamp, as_aware, assemble, environment, native_text, qiskit_count_key, rfc3339
from quantumledger._google import google_calibration

__all__ = ["PACKAGES", "capture_cirq", "count_outcomes", "qasm_of"]

PACKAGES = ("cirq-core", "cirq-google")


def capture_cirq(
    circuit: cirq.AbstractCircuit,
    *,
    backend: Any,
    device: Any,
    calibration: Any,
    calibration_taken_at: Timestamp,
    counts: Mapping[str, int] | None,
    shots: int | None,
    result: Any,
    transpiled: cirq.AbstractCircuit | None,
    name: str | None,
    created_at: Timestamp,
    execution: dict[str, Any],
    extra: Mapping[str, Any] | None,
) -> dict[str, Any]:
    """The document of a Cirq run (see :func:`quantumledger.capture.capture`)."""
    job = result if callable(getattr(result, "results", None)) else None
    run_result = _one_result(job.results() if job is not None else result)
    processor_id = backend if isinstance(backend, str) else getattr(backend, "processor_id", None)
    if processor_id is None and job is not None:
        processor_id = next(iter(job.processor_ids()), None)
    if not processor_id:
        raise ValueError("a Cirq capture needs the processor: pass backend=<processor> or its id")
    if device is None and hasattr(backend, "get_device"):
        device = backend.get_device()
    if calibration is None and job is not None:
        calibration = job.get_calibration()
    if calibration is None and hasattr(backend, "get_current_calibration"):
        calibration = backend.get_current_calibration()
    if calibration is None:
        raise ValueError(f"no calibration of {processor_id}: pass calibration=<cirq_google.Calibration>")
    if transpiled is None and job is not None:
        transpiled = job.get_circuit()
    qubits = _device_qubits(device, calibration)
    calibration_member = google_calibration(
        calibration,
        qubits,
        processor_id=str(processor_id),
        gate_times_ns=_gate_times(device),
        version=_version("cirq-google"),
    )
    if calibration_taken_at is not None:
        calibration_member["taken_at"] = rfc3339(calibration_taken_at)
    program_qasm, program_format, _ = qasm_of(circuit)
    program = {
        "name": name or _circuit_name(circuit),
        "format": program_format,
        "source": program_qasm,
        "native": native_text("cirq-json", cirq.to_json(circuit)),
    }
    transpiled_member = None
    registers_of = circuit
    if transpiled is not None:
        missing = set(transpiled.all_qubits()) - set(qubits)
        if missing:
            raise ValueError(f"the transpiled circuit acts on qubits the device does not have: {sorted(missing)}")
        source, fmt, _ = qasm_of(transpiled, qubits)
        transpiled_member = {
            "format": fmt,
            "source": source,
            "native": native_text("cirq-json", cirq.to_json(transpiled)),
        }
        registers_of = transpiled
    if counts is None and run_result is not None:
        counts = count_outcomes(run_result, registers_of)
    if shots is None and run_result is not None:
        shots = int(run_result.repetitions)
    if counts is None or shots is None:
        raise ValueError("pass counts and shots, or the cirq.Result or job they come from")
    if job is not None:
        _job_execution(job, execution)
    result_job_id = getattr(run_result, "job_id", None)  # an EngineResult knows its job
    if execution.get("job_id") is None and result_job_id:
        execution["job_id"] = str(result_job_id)
    return assemble(
        created_at=created_at,
        program=program,
        transpiled=transpiled_member,
        backend={"provider": "google", "name": str(processor_id), "num_qubits": len(qubits)},
        calibration=calibration_member,
        execution={**execution, "shots": shots},
        counts=counts,
        environment=environment(PACKAGES),
        extra=extra,
    )


def qasm_of(circuit: cirq.AbstractCircuit, qubits: Sequence[cirq.Qid] | None = None) -> tuple[str, str, dict[str, str]]:
    """``(OpenQASM text, format, {measurement key: register})``: version 3 where Cirq can write it.

    ``qubits`` fixes the register's order (default: the circuit's qubits in Cirq's order).
    """
    order = tuple(qubits) if qubits is not None else tuple(cirq.QubitOrder.DEFAULT.order_for(circuit.all_qubits()))
    failures = []
    for version, fmt in (("3.0", "openqasm3"), ("2.0", "openqasm2")):
        try:
            output = cirq.QasmOutput(tuple(circuit.all_operations()), order, version=version)
            text = str(output)
        except ValueError as exc:  # an operation OpenQASM cannot express
            failures.append(f"OpenQASM {version}: {exc}")
            continue
        return text, fmt, dict(output.args.meas_key_id_map)
    raise ValueError("Cirq cannot write this circuit as OpenQASM: " + "; ".join(failures))


def count_outcomes(result: cirq.Result, circuit: cirq.AbstractCircuit) -> dict[str, int]:
    """Counts of ``result`` keyed as Qiskit keys counts of ``circuit``'s OpenQASM program."""
    output = cirq.QasmOutput(
        tuple(circuit.all_operations()), tuple(cirq.QubitOrder.DEFAULT.order_for(circuit.all_qubits()))
    )
    key_of = {register: key for key, register in output.args.meas_key_id_map.items()}
    registers = [(name, size) for name, (size, _) in output.cregs.items()]
    columns = {name: result.measurements[key_of[name]] for name, _ in registers}
    outcomes = Counter(
        qiskit_count_key({name: columns[name][shot] for name, _ in registers}, registers)
        for shot in range(int(result.repetitions))
    )
    return dict(outcomes)


def _one_result(results: Any) -> cirq.Result | None:
    if results is None or isinstance(results, cirq.Result):
        return results
    results = list(results)
    if len(results) != 1:
        raise ValueError(f"the job holds {len(results)} results: capture one run at a time")
    return _one_result(results[0])


def _device_qubits(device: Any, calibration: Any) -> list[cirq.Qid]:
    qubit_set = getattr(getattr(device, "metadata", None), "qubit_set", None)
    if qubit_set:
        return sorted(qubit_set)
    found = {q for name in calibration.keys() for key in calibration[name] for q in key}
    return sorted(found)


def _gate_times(device: Any) -> dict[str, float] | None:
    if device is None:
        return None
    from cirq_google.engine.virtual_engine_factory import extract_gate_times_ns_from_device

    return {gate.__name__: float(ns) for gate, ns in extract_gate_times_ns_from_device(device).items()}


def _job_execution(job: Any, execution: dict[str, Any]) -> None:
    """Fill the job's id and times where the caller did not give them."""
    if execution.get("job_id") is None:
        execution["job_id"] = str(job.id())
    if execution.get("submitted_at") is None:
        execution["submitted_at"] = rfc3339(as_aware(job.create_time()))
    if execution.get("completed_at") is None and getattr(job.execution_status(), "name", None) == "SUCCESS":
        execution["completed_at"] = rfc3339(as_aware(job.update_time()))


def _circuit_name(circuit: cirq.AbstractCircuit) -> str:
    return f"cirq_circuit_{len(circuit.all_qubits())}q"


def _version(package: str) -> str | None:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return None
