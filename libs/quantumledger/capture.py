"""Capture a Qiskit run as a ``qlprov/run/1.0`` bundle.

:func:`capture` turns a circuit, its transpiled form, the backend it ran on and the counts
into one JSON-ready dict with its ``run_hash`` set. The calibration comes from the backend
at capture time (see :mod:`quantumledger._calibration`): every qubit and every gate the
device calibrates, with the numbers exactly as the device reports them.

:func:`run_on_simulator` transpiles for a backend, runs on qiskit-aer with that device's
noise, and captures the result. The noise model is the one ``AerSimulator.from_backend``
builds, restricted to the qubits the transpiled circuit touches: the same counts for the
same seed, in tens of milliseconds instead of seconds on a 127-qubit device.
"""

from __future__ import annotations

import platform
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import metadata
from typing import Any, Literal

import msgspec
from qiskit import QuantumCircuit, qasm3, transpile
from qiskit.providers import BackendV2
from qlprov.document import SCHEMA_ID, validate_document
from qlprov.hashing import HASH_MEMBER, run_hash

from quantumledger._calibration import backend_identity, device_calibration, device_noise_model

__all__ = ["SDK_NAME", "Simulation", "capture", "environment", "run_on_simulator", "simulate", "simulator_member"]

SDK_NAME = "quantumledger-sdk"
_PACKAGES = ("qiskit", "qiskit-aer", "qiskit-ibm-runtime")
# members capture writes itself; `extra` may add any other (e.g. "lineage")
_OWN_MEMBERS = frozenset(
    {
        "schema",
        "created_at",
        "program",
        "transpiled",
        "backend",
        "calibration",
        "execution",
        "results",
        "environment",
        HASH_MEMBER,
    }
)
Timestamp = datetime | str | None
Status = Literal["completed", "failed", "cancelled"]


def capture(
    circuit: QuantumCircuit,
    *,
    backend: BackendV2,
    counts: Mapping[str, int],
    shots: int,
    transpiled: QuantumCircuit | None = None,
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

    Times are timezone-aware ``datetime``\\ s or RFC 3339 strings; ``created_at`` defaults to
    now. ``extra`` adds top-level members (kept and hashed like the others). Raises
    ``ValueError`` when the result would not be a valid document, e.g. when the counts of a
    completed run do not add up to ``shots``.
    """
    created = _rfc3339(created_at) or _now()
    if transpiled is None and (seed_transpiler is not None or optimization_level is not None):
        raise ValueError("seed_transpiler and optimization_level describe a transpiled circuit: pass it")
    counts_out = {str(k): int(v) for k, v in sorted(counts.items())}
    if status == "completed" and sum(counts_out.values()) != shots:
        raise ValueError(f"counts add up to {sum(counts_out.values())}, not to shots={shots}")
    provider, backend_name = backend_identity(backend)
    doc: dict[str, Any] = {
        "schema": SCHEMA_ID,
        "created_at": created,
        "program": {
            "name": name or circuit.name,
            "format": "openqasm3",
            "source": qasm3.dumps(circuit),
        },
    }
    if transpiled is not None:
        doc["transpiled"] = _drop_none(
            {
                "format": "openqasm3",
                "source": qasm3.dumps(transpiled),
                "optimization_level": optimization_level,
                "seed_transpiler": seed_transpiler,
            }
        )
    doc["backend"] = {"provider": provider, "name": backend_name, "num_qubits": backend.num_qubits}
    doc["calibration"] = device_calibration(backend, default_taken_at=created)
    execution: dict[str, Any] = {
        "shots": shots,
        "status": status,
        "job_id": job_id,
        "submitted_at": _rfc3339(submitted_at),
        "completed_at": _rfc3339(completed_at),
    }
    if seed_simulator is not None:
        execution["seed_simulator"] = seed_simulator
    doc["execution"] = execution
    doc["results"] = {"counts": counts_out}
    doc["environment"] = environment()
    for key, value in (extra or {}).items():
        if key in _OWN_MEMBERS:
            raise ValueError(f"extra member {key!r} would replace one that capture writes")
        doc[key] = value
    try:
        validate_document(doc)
    except msgspec.ValidationError as exc:
        raise ValueError(f"the captured document is not valid {SCHEMA_ID}: {exc}") from exc
    return {HASH_MEMBER: run_hash(doc), **doc}


def environment() -> dict[str, Any]:
    """The software a run was captured with: this SDK, the Qiskit packages present, Python."""
    packages: dict[str, str] = {}
    for package in _PACKAGES:
        try:
            packages[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            continue
    return {
        "sdk": {"name": SDK_NAME, "version": _sdk_version()},
        "packages": packages,
        "python": platform.python_version(),
    }


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
    from qiskit_aer import AerSimulator  # the SDK's capture path does not need aer

    transpiled = transpile(
        circuit, backend=backend, optimization_level=optimization_level, seed_transpiler=seed_transpiler
    )
    simulator = AerSimulator(noise_model=device_noise_model(backend, transpiled))
    submitted = _now()
    result = simulator.run(transpiled, shots=shots, seed_simulator=seed_simulator).result()
    counts = {str(k): int(v) for k, v in result.get_counts(0).items()}
    return Simulation(transpiled, counts, str(result.job_id), submitted, _now())


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


def _rfc3339(value: Timestamp) -> str | None:
    if value is None or isinstance(value, str):
        return value
    if value.tzinfo is None:
        raise ValueError(f"{value!r} has no timezone; give an aware datetime")
    text = value.isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _drop_none(mapping: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in mapping.items() if v is not None}


def _sdk_version() -> str:
    try:
        return metadata.version("quantumledger")
    except metadata.PackageNotFoundError:
        return "0+unknown"
