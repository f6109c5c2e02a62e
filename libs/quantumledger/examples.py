"""Deterministic, real run bundles for tests, fixtures and benchmarks.

Each bundle is a real capture: a circuit transpiled for a real IBM device's calibration
snapshot (the fake twins in ``qiskit-ibm-runtime``), simulated on qiskit-aer with that
device's noise, with every qubit and gate of the device in its calibration (~75 KB on a
127-qubit device). Seeds, job ids and times are fixed, so a bundle's ``run_hash`` is the same
on every call in one environment (it changes with the versions of Qiskit and of this SDK,
which the bundle records).

Backends are named like the device (``"kyiv"``, ``"ibm_kyiv"`` or ``"fake_kyiv"``); every
single-word fake IBM device works (kyiv, brisbane, torino, marrakesh, manila, ...). The backend and
the simulation are cached in-process; each call returns a fresh dict the caller may change.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from functools import cache, lru_cache
from typing import Any

import orjson
from qiskit import QuantumCircuit
from qiskit.providers import BackendV2
from qlprov.hashing import HASH_MEMBER, canonical_body, digest_hex, with_hash

from quantumledger.capture import Simulation, capture, simulate, simulator_member

__all__ = [
    "BACKENDS",
    "bell_bundle",
    "bell_circuit",
    "bench_bundle",
    "bench_bundle_bytes",
    "ghz_bundle",
    "ghz_circuit",
    "load_backend",
]

BACKENDS = ("kyiv", "brisbane", "torino", "marrakesh")
DEFAULT_SEED = 1234
_BENCH_ID = "bench-{:012d}"
# a run "took place" one hour after its calibration snapshot; undated devices use this
_UNDATED = datetime(2025, 1, 1, tzinfo=UTC)


def load_backend(name: str) -> BackendV2:
    """The fake IBM backend for a device name (cached: loading one costs ~0.1-0.4 s)."""
    return _load_backend(_device(name))


def ghz_circuit(n_qubits: int = 3) -> QuantumCircuit:
    """An ``n_qubits`` GHZ state, measured: counts concentrate on all-0 and all-1."""
    if n_qubits < 2:
        raise ValueError("a GHZ state needs at least 2 qubits")
    circuit = QuantumCircuit(n_qubits, name=f"ghz_{n_qubits}")  # card slug: ghz-3-ibm-kyiv
    circuit.h(0)
    for q in range(n_qubits - 1):
        circuit.cx(q, q + 1)
    circuit.measure_all()
    return circuit


def bell_circuit() -> QuantumCircuit:
    """The Bell state (|00> + |11>)/sqrt(2), measured."""
    circuit = ghz_circuit(2)
    circuit.name = "bell"
    return circuit


def ghz_bundle(n_qubits: int = 3, backend: str = "kyiv", shots: int = 4096, seed: int = DEFAULT_SEED) -> dict[str, Any]:
    """A GHZ run on ``backend``'s noise: a valid, hashed ``qlprov/run/1.0`` bundle."""
    return orjson.loads(_bundle_json("ghz", n_qubits, _device(backend), shots, seed))


def bell_bundle(backend: str = "kyiv", shots: int = 4096, seed: int = DEFAULT_SEED) -> dict[str, Any]:
    """A Bell-state run on ``backend``'s noise: a valid, hashed ``qlprov/run/1.0`` bundle."""
    return orjson.loads(_bundle_json("bell", 2, _device(backend), shots, seed))


def bench_bundle_bytes(i: int) -> bytes:
    """The ``i``-th benchmark bundle as JSON bytes, in ~0.1 ms after the first.

    A GHZ-3 run on the 127-qubit ibm_kyiv (~75 KB) whose ``execution.job_id`` is
    ``bench-<i, 12 digits>``. The canonical body of a template is computed once; each bundle
    swaps its job id in place (same length, so the body stays canonical) and is hashed.
    """
    if not 0 <= i < 10**12:
        raise ValueError("i must be in [0, 10**12)")
    template, marker = _bench_template()
    body = template.replace(marker, f'"{_BENCH_ID.format(i)}"'.encode(), 1)
    return with_hash(body, digest_hex(body))


def bench_bundle(i: int) -> dict[str, Any]:
    """The ``i``-th benchmark bundle (see :func:`bench_bundle_bytes`) as a dict."""
    parsed: dict[str, Any] = orjson.loads(bench_bundle_bytes(i))
    return parsed


def _device(name: str) -> str:
    return name.lower().removeprefix("fake_").removeprefix("ibmq_").removeprefix("ibm_").removesuffix("v2")


@cache
def _load_backend(device: str) -> BackendV2:
    from qiskit_ibm_runtime import fake_provider

    class_name = "Fake" + device.capitalize()
    backend_class = getattr(fake_provider, class_name, None) or getattr(fake_provider, class_name + "V2", None)
    if backend_class is None:
        raise ValueError(f"no fake IBM backend for the device {device!r}")
    backend: BackendV2 = backend_class()
    return backend


@lru_cache(maxsize=64)
def _simulation(kind: str, n_qubits: int, device: str, shots: int, seed: int) -> Simulation:
    circuit = bell_circuit() if kind == "bell" else ghz_circuit(n_qubits)
    return simulate(circuit, _load_backend(device), shots=shots, seed_simulator=seed, seed_transpiler=seed)


@lru_cache(maxsize=64)
def _bundle_json(kind: str, n_qubits: int, device: str, shots: int, seed: int) -> bytes:
    backend = _load_backend(device)
    sim = _simulation(kind, n_qubits, device, shots, seed)
    submitted = _calibration_date(backend) + timedelta(hours=1)
    circuit = bell_circuit() if kind == "bell" else ghz_circuit(n_qubits)
    bundle = capture(
        circuit,
        backend=backend,
        counts=sim.counts,
        shots=shots,
        transpiled=sim.transpiled,
        job_id=f"sim-{device}-{circuit.name}-{seed}",
        submitted_at=submitted,
        completed_at=submitted + timedelta(seconds=5),
        created_at=submitted + timedelta(seconds=6),
        seed_simulator=seed,
        seed_transpiler=seed,
        optimization_level=1,
        extra={"simulator": simulator_member()},
    )
    return orjson.dumps(bundle)


@lru_cache(maxsize=1)
def _bench_template() -> tuple[bytes, bytes]:
    doc = ghz_bundle(3, "kyiv")
    doc.pop(HASH_MEMBER)
    marker = _BENCH_ID.format(0)
    doc["execution"]["job_id"] = marker
    body = canonical_body(doc)
    quoted = f'"{marker}"'.encode()
    if body.count(quoted) != 1:  # the swap must hit the job id and nothing else
        raise RuntimeError("the benchmark template's job id is not unique in its body")
    return body, quoted


def _calibration_date(backend: BackendV2) -> datetime:
    props = backend.properties() if hasattr(backend, "properties") else None
    updated = getattr(props, "last_update_date", None)
    if not isinstance(updated, datetime):
        return _UNDATED
    return (updated if updated.tzinfo else updated.replace(tzinfo=UTC)).astimezone(UTC)
