"""Re-running a compact physical circuit on Aer under a calibration's noise.

The baseline of a reproduction (the undrifted device re-run) depends only on what is simulated
(the used slice of the recorded calibration, the transpiled source, the shots), so its seed is
derived from those and its counts are cached: reproductions of one run at several horizons and
profiles simulate the baseline once.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from typing import Any

from qiskit.circuit import Delay
from qiskit.transpiler import PassManager
from qiskit_aer import AerSimulator
from qlprov.hashing import digest_hex

from .calibration import calibration_digest, restrict_calibration
from .circuit import CircuitNotRunnable, PhysicalCircuit
from .lru import LRUCache
from .noise import NoiseModelCache, build_noise_model, delay_relaxation_pass

__all__ = ["BaselineCache", "baseline_counts", "default_baselines", "normalize_counts", "simulate_counts"]

#: (calibration slice digest, transpiled source digest, shots) -> counts
BaselineCache = LRUCache[tuple[str, str, int], dict[str, int]]
_default_baselines: BaselineCache | None = None
_default_lock = threading.Lock()


def default_baselines() -> BaselineCache:
    """The process-wide baseline cache (made on first use)."""
    global _default_baselines
    with _default_lock:
        if _default_baselines is None:
            _default_baselines = LRUCache(256)
        return _default_baselines


def simulate_counts(
    physical: PhysicalCircuit,
    calibration: Mapping[str, Any],
    *,
    shots: int,
    seed: int,
    cache: NoiseModelCache | None = None,
) -> dict[str, int]:
    """Counts of ``shots`` noisy runs of ``physical`` under ``calibration``, seeded by ``seed``."""
    qubits = physical.physical_qubits
    if cache is not None:
        model = cache.get(calibration, qubits)
    else:
        model = build_noise_model(calibration, qubits)
    circuit = physical.circuit
    delays = [i.operation for i in circuit.data if isinstance(i.operation, Delay)]
    if delays and all(d.unit != "dt" for d in delays):
        relax = delay_relaxation_pass(calibration, qubits)
        if relax is not None:
            circuit = PassManager([relax]).run(circuit)
    simulator = AerSimulator(noise_model=model, seed_simulator=seed)
    try:
        result = simulator.run(circuit, shots=shots).result()
        counts = result.get_counts()
    except Exception as exc:  # Aer raises AerError, QiskitError, or returns a failed result
        raise CircuitNotRunnable(f"the simulator could not run the circuit: {exc}") from exc
    return {str(k): int(v) for k, v in counts.items()}


def normalize_counts(counts: Mapping[str, int], width: int | None = None) -> dict[str, int]:
    """Bitstring keys without register spaces (hex ``0x...`` keys expanded), equal keys merged.

    Qiskit writes ``"01 010"`` for two classical registers and some tools write hex; both sides
    of a comparison must spell outcomes the same way.
    """
    out: dict[str, int] = {}
    for key, value in counts.items():
        k = key.replace(" ", "")
        if k.startswith(("0x", "0X")):
            k = format(int(k, 16), "b").zfill(width or 1)
        elif width is not None:
            k = k.zfill(width)
        out[k] = out.get(k, 0) + int(value)
    return out


def baseline_counts(
    physical: PhysicalCircuit,
    calibration: Mapping[str, Any],
    *,
    source: str,
    shots: int,
    cache: NoiseModelCache | None = None,
    baselines: BaselineCache | None = None,
) -> tuple[dict[str, int], int]:
    """Counts of the undrifted re-run and their seed, both functions of what is simulated."""
    slice_digest = calibration_digest(restrict_calibration(calibration, physical.physical_qubits))
    key = (slice_digest, digest_hex(source.encode()), shots)
    seed = int(digest_hex(repr(key).encode())[:8], 16)

    def run() -> dict[str, int]:
        return simulate_counts(physical, calibration, shots=shots, seed=seed, cache=cache)

    if baselines is None:
        return run(), seed
    return baselines.get_or_make(key, run), seed
