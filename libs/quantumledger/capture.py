"""Capture a run from Qiskit, Cirq or pytket as a ``qlprov/run/1.0`` bundle.

:func:`capture` turns a circuit, the form it ran in, the backend it ran on and its counts (or
the job or result that holds them) into one JSON-ready dict with its ``run_hash`` set. The SDK
is told by the circuit's type, and only that SDK is imported (each is an extra of this
package): capturing a Cirq run never imports Qiskit or pytket. ``docs/capture.md`` describes,
per SDK, what is read from where and how vendors' calibration data map into the document.

:func:`run_on_simulator` transpiles for a Qiskit backend, runs on qiskit-aer with that
device's noise, and captures the result. The noise model is the one
``AerSimulator.from_backend`` builds, restricted to the qubits the transpiled circuit touches:
the same counts for the same seed, in tens of milliseconds instead of seconds on a 127-qubit
device.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from quantumledger._document import SDK_NAME, Status, Timestamp, now
from quantumledger._document import environment as _environment

if TYPE_CHECKING:
    from qiskit import QuantumCircuit
    from qiskit.providers import BackendV2

__all__ = ["SDK_NAME", "Simulation", "capture", "environment", "run_on_simulator", "simulate", "simulator_member"]


def capture(
    circuit: Any,
    *,
    backend: Any = None,
    counts: Mapping[str, int] | None = None,
    shots: int | None = None,
    result: Any = None,
    transpiled: Any = None,
    device: Any = None,
    calibration: Any = None,
    calibration_taken_at: Timestamp = None,
    name: str | None = None,
    job_id: str | None = None,
    submitted_at: Timestamp = None,
    completed_at: Timestamp = None,
    seed_simulator: int | None = None,
    seed_transpiler: int | None = None,
    optimization_level: int | None = None,
    created_at: Timestamp = None,
    status: Status = "completed",
    extra: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """Build a valid ``qlprov/run/1.0`` document (``run_hash`` set) for one run.

    ``circuit`` is the program as written: a Qiskit ``QuantumCircuit``, a ``cirq.Circuit`` or
    a pytket ``Circuit``; ``transpiled`` the form that ran on the device's qubits.

    * Qiskit: ``backend`` is a ``BackendV2`` (an IBM backend, a fake twin, or
      ``AerSimulator.from_backend(device)``, recorded as that device); ``device`` names the
      device a simulator was made from when it cannot be found by name;
      ``calibration_taken_at`` dates a calibration the backend does not date.
    * Cirq: ``backend`` is a ``cirq_google`` processor (``get_device()``,
      ``get_current_calibration()``) or a processor id; ``device`` and ``calibration``
      (a ``cirq_google.Calibration``) complete or override what the processor gives.
    * pytket: ``backend`` is a pytket ``Backend`` or its ``BackendInfo``.

    ``result`` may be the run's job or result: counts, shots, job id, times and seeds the
    caller does not pass are read from it. Times are timezone-aware ``datetime``\\ s or RFC 3339
    strings; ``created_at`` defaults to now. ``extra`` adds top-level members (kept and
    hashed like the others). Raises ``ValueError`` when the result would not be a valid
    document, e.g. when the counts of a completed run do not add up to ``shots``.
    """
    execution: dict[str, Any] = {
        "status": status,
        "job_id": job_id,
        "submitted_at": submitted_at,
        "completed_at": completed_at,
        "seed_simulator": seed_simulator,
    }
    common: dict[str, Any] = {
        "backend": backend,
        "counts": counts,
        "shots": shots,
        "result": result,
        "transpiled": transpiled,
        "name": name,
        "created_at": created_at,
        "execution": execution,
        "extra": extra,
    }
    sdk = sdk_of(circuit)
    if sdk == "qiskit":
        if calibration is not None:
            raise TypeError("calibration= is for Cirq; a Qiskit backend carries its own")
        from quantumledger._qiskit import capture_qiskit

        return capture_qiskit(
            circuit,
            device=device,
            calibration_taken_at=calibration_taken_at,
            optimization_level=optimization_level,
            seed_transpiler=seed_transpiler,
            **common,
        )
    if seed_transpiler is not None or optimization_level is not None:
        raise TypeError("seed_transpiler and optimization_level describe Qiskit's transpiler")
    if sdk == "cirq":
        from quantumledger._cirq import capture_cirq

        return capture_cirq(
            circuit, device=device, calibration=calibration, calibration_taken_at=calibration_taken_at, **common
        )
    if device is not None or calibration is not None:
        raise TypeError("device= and calibration= are not used with pytket: pass the backend")
    from quantumledger._pytket import capture_pytket

    return capture_pytket(circuit, calibration_taken_at=calibration_taken_at, **common)


def sdk_of(circuit: Any) -> str:
    """``"qiskit"``, ``"cirq"`` or ``"pytket"``: whose circuit this is, without importing any."""
    for cls in type(circuit).__mro__:
        root = cls.__module__.partition(".")[0]
        if root in ("qiskit", "cirq", "pytket") and cls.__name__ in ("QuantumCircuit", "AbstractCircuit", "Circuit"):
            return root
    raise TypeError(f"cannot capture a {type(circuit).__name__}: pass a Qiskit, Cirq or pytket circuit")


def environment() -> dict[str, Any]:
    """The software a Qiskit run was captured with: this SDK, the Qiskit packages, Python."""
    return _environment(("qiskit", "qiskit-aer", "qiskit-ibm-runtime"))


@dataclass(frozen=True)
class Simulation:
    """What one noisy simulation produced: the transpiled circuit, counts and job timing."""

    transpiled: QuantumCircuit
    counts: dict[str, int]
    job_id: str
    submitted_at: str
    completed_at: str


def simulate(
    circuit: QuantumCircuit,
    backend: BackendV2,
    *,
    shots: int,
    seed_simulator: int,
    seed_transpiler: int,
    optimization_level: int = 1,
) -> Simulation:
    """Transpile for ``backend`` and run on qiskit-aer with the device's noise."""
    from qiskit import transpile
    from qiskit_aer import AerSimulator  # the SDK's capture path does not need aer

    from quantumledger._calibration import device_noise_model

    transpiled = transpile(
        circuit, backend=backend, optimization_level=optimization_level, seed_transpiler=seed_transpiler
    )
    simulator = AerSimulator(noise_model=device_noise_model(backend, transpiled))
    submitted = now()
    result = simulator.run(transpiled, shots=shots, seed_simulator=seed_simulator).result()
    counts = {str(k): int(v) for k, v in result.get_counts(0).items()}
    return Simulation(transpiled, counts, str(result.job_id), submitted, now())


def run_on_simulator(
    circuit: QuantumCircuit,
    backend: BackendV2,
    *,
    shots: int,
    seed_simulator: int,
    seed_transpiler: int,
    optimization_level: int = 1,
    **capture_options: Any,
) -> dict[str, Any]:
    """Simulate ``circuit`` on ``backend``'s noise (:func:`simulate`) and capture the run.

    ``capture_options`` go to :func:`capture` (``name``, ``job_id``, ``created_at``,
    ``extra``...). The bundle says it was simulated in a top-level ``simulator`` member.
    """
    sim = simulate(
        circuit,
        backend,
        shots=shots,
        seed_simulator=seed_simulator,
        seed_transpiler=seed_transpiler,
        optimization_level=optimization_level,
    )
    options: dict[str, Any] = {
        "job_id": sim.job_id,
        "submitted_at": sim.submitted_at,
        "completed_at": sim.completed_at,
        **capture_options,
    }
    options["extra"] = {"simulator": simulator_member(), **(options.get("extra") or {})}
    return capture(
        circuit,
        backend=backend,
        counts=sim.counts,
        shots=shots,
        transpiled=sim.transpiled,
        seed_simulator=seed_simulator,
        seed_transpiler=seed_transpiler,
        optimization_level=optimization_level,
        **options,
    )


def simulator_member() -> dict[str, str]:
    """The ``simulator`` member of a simulated run: counts from a noise model, not a device."""
    return {
        "engine": "qiskit-aer",
        "noise_model": "device calibration (NoiseModel.from_backend) on the circuit's qubits",
    }
