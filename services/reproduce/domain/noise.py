"""An Aer noise model for the few physical qubits a circuit uses, from a run's calibration.

``NoiseModel.from_backend`` builds a channel for every gate of the device (2.5-5 s on 127-156
qubits). This module builds the same channels only for the used qubits, indexed as the compact
circuit indexes them (see :mod:`.circuit`), following ``from_backend``'s recipe so that both
give statistically the same counts:

* gate with a duration: thermal relaxation on each of its qubits over the duration
  (T2 truncated to 2·T1, no excited-state population: temperature 0, Aer's default);
* gate with an error: a depolarizing channel composed with that relaxation, its parameter
  solved so that the composition's average gate infidelity equals the reported error (capped
  at the physical maximum d/(d+1)); ``reset`` gets relaxation only, ``measure`` no gate noise;
* readout: the assignment matrix ``[[1 - P(1|0), P(1|0)], [P(0|1), 1 - P(0|1)]]`` from the
  qubit's ``prob_meas1_prep0``/``prob_meas0_prep1`` where the document keeps them (as Aer's
  ``from_backend_properties`` does with IBM's numbers), else a symmetric error from
  ``readout_error`` (:func:`readout_probabilities`);
* delays: relaxation via Aer's ``RelaxationNoisePass`` (:func:`delay_relaxation_pass`), as
  ``from_backend`` does.

A qubit without T1/T2 (ion traps, or a device that does not report them) gets no relaxation:
its gate errors become pure depolarizing channels.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Mapping, Sequence
from typing import Any

from qiskit.circuit import Delay
from qiskit.circuit.library import get_standard_gate_name_mapping
from qiskit_aer.noise import (
    NoiseModel,
    QuantumError,
    ReadoutError,
    RelaxationNoisePass,
    depolarizing_error,
    thermal_relaxation_error,
)

from .calibration import calibration_digest, gate_kind, max_gate_error, restrict_calibration
from .lru import LRUCache

__all__ = [
    "NoiseModelCache",
    "build_noise_model",
    "default_cache",
    "delay_relaxation_pass",
    "gate_channel",
    "readout_probabilities",
    "relaxation_fidelity",
]

_US = 1e-6
_NS = 1e-9


def _coherence(row: Mapping[str, Any] | None) -> tuple[float, float] | None:
    """(T1, T2) in seconds, T2 truncated to 2·T1; None when the qubit reports neither."""
    if row is None:
        return None
    t1_us, t2_us = row.get("t1_us"), row.get("t2_us")
    if not t1_us and not t2_us:
        return None
    t1 = t1_us * _US if t1_us else math.inf
    t2 = t2_us * _US if t2_us else 2 * t1
    return t1, min(t2, 2 * t1)


def readout_probabilities(row: Mapping[str, Any] | None) -> tuple[float, float] | None:
    """(P(1|0), P(0|1)) of a qubit's readout, or None for a perfect or unreported readout.

    ``readout_error`` is the mean of the two. A calibration that moves only ``readout_error``
    (a drift, a what-if scaling) keeps the recorded split: the pair is scaled by
    ``readout_error / mean`` (and capped at 1), so it moves with it and is unchanged when the
    two agree. Without the pair, both directions get ``readout_error``.
    """
    if row is None:
        return None
    error = row.get("readout_error")
    p10, p01 = row.get("prob_meas1_prep0"), row.get("prob_meas0_prep1")
    if p10 is None or p01 is None:
        return (error, error) if error else None
    mean = (p10 + p01) / 2
    if error is not None and not math.isclose(error, mean, rel_tol=1e-12, abs_tol=0.0):
        if mean == 0:
            return (error, error) if error else None
        scale = error / mean
        p10, p01 = min(p10 * scale, 1.0), min(p01 * scale, 1.0)
    return (p10, p01) if p10 or p01 else None


def relaxation_fidelity(duration_s: float, coherence: Sequence[tuple[float, float] | None]) -> float:
    """Average gate fidelity of the product of thermal-relaxation channels, in closed form.

    A T1/T2 channel (no excited population) has process fidelity
    ``(1 + 2·exp(-t/T2) + exp(-t/T1))/4``; process fidelities of a tensor product multiply,
    and ``F_avg = (d·F_pro + 1)/(d + 1)``. Same number as ``qi.average_gate_fidelity`` of the
    channel, without building its superoperator (the slow part of a noise model).
    """
    f_pro = 1.0
    for c in coherence:
        if c is not None:
            t1, t2 = c
            f_pro *= (1 + 2 * math.exp(-duration_s / t2) + math.exp(-duration_s / t1)) / 4
    d = 2 ** len(coherence)
    return (d * f_pro + 1) / (d + 1)


def gate_channel(
    n_qubits: int,
    error: float | None,
    duration_s: float | None,
    coherence: Sequence[tuple[float, float] | None],
) -> QuantumError | None:
    """Relaxation over ``duration_s`` composed with the depolarizing part of ``error``.

    ``coherence[i]`` is (T1, T2) in seconds of the gate's i-th qubit, or None (no relaxation).
    The depolarizing parameter is solved as in Aer's ``from_backend`` so that the composition's
    average gate infidelity equals ``error`` (capped at d/(d+1)).
    """
    relax: QuantumError | None = None
    relax_fid = 1.0
    if duration_s and any(c is not None for c in coherence):
        for c in coherence:
            t1, t2 = c if c is not None else (math.inf, math.inf)
            single = thermal_relaxation_error(t1, t2, duration_s)
            relax = single if relax is None else relax.expand(single)
        relax_fid = relaxation_fidelity(duration_s, coherence)
    depol: QuantumError | None = None
    if error is not None and error > 1.0 - relax_fid:
        dim = 2**n_qubits
        error = min(error, max_gate_error(n_qubits))
        param = dim * (error - (1.0 - relax_fid)) / (dim * relax_fid - 1)
        param = min(param, 4**n_qubits / (4**n_qubits - 1))
        depol = depolarizing_error(param, n_qubits)
    if depol is not None and relax is not None:
        return depol.compose(relax)
    return depol or relax


def build_noise_model(calibration: Mapping[str, Any], physical_qubits: Sequence[int]) -> NoiseModel:
    """Noise on compact qubits 0...k-1 standing for ``physical_qubits`` of the calibrated device."""
    index = {p: i for i, p in enumerate(physical_qubits)}
    rows = {q["qubit"]: q for q in calibration["qubits"] if q["qubit"] in index}
    coherence = {p: _coherence(rows.get(p)) for p in physical_qubits}
    standard = get_standard_gate_name_mapping()
    basis = sorted({g["gate"] for g in calibration["gates"]} & standard.keys() - {"measure", "delay"})
    model = NoiseModel(basis_gates=basis or None)
    channels: dict[tuple[Any, ...], QuantumError | None] = {}

    for p, i in index.items():
        readout = readout_probabilities(rows.get(p))
        if readout is not None:
            p10, p01 = readout
            model.add_readout_error(ReadoutError([[1 - p10, p10], [p01, 1 - p01]]), [i])

    for g in calibration["gates"]:
        qubits = g["qubits"]
        if not qubits or any(q not in index for q in qubits):
            continue
        kind = gate_kind(g["gate"], len(qubits))
        if g["gate"] in ("measure", "delay", "barrier"):
            continue
        duration = g.get("duration_ns")
        args = (
            len(qubits),
            g.get("error") if kind != "none" else None,
            duration * _NS if duration else None,
            tuple(coherence[q] for q in qubits),
        )
        if args not in channels:  # IBM's id, x and sx share error and duration: build once
            channels[args] = gate_channel(*args)
        channel = channels[args]
        if channel is not None:
            model.add_quantum_error(channel, g["gate"], [index[q] for q in qubits], warnings=False)

    return model


def delay_relaxation_pass(calibration: Mapping[str, Any], physical_qubits: Sequence[int]) -> RelaxationNoisePass | None:
    """Aer's pass that turns delays (in SI units) into relaxation on the compact qubits.

    ``from_backend`` attaches the same pass; here it is run over the circuit by the caller,
    because a noise model offers no public hook for it. Delays in ``dt`` units cannot be
    converted (the run document keeps no ``dt``) and stay ideal.
    """
    rows = {q["qubit"]: q for q in calibration["qubits"]}
    relaxing = [_coherence(rows.get(p)) for p in physical_qubits]
    if all(c is None for c in relaxing):
        return None
    return RelaxationNoisePass(
        t1s=[c[0] if c else math.inf for c in relaxing],
        t2s=[c[1] if c else math.inf for c in relaxing],
        op_types=Delay,
    )


class NoiseModelCache:
    """LRU cache of noise models keyed by (digest of the relevant calibration slice, qubits).

    The digest covers only the used qubits' rows and the gates among them, so two calibrations
    that agree there share a model. Thread-safe; a model is shared, never mutate it.
    """

    def __init__(self, maxsize: int = 64) -> None:
        self._lru: LRUCache[tuple[str, tuple[int, ...]], NoiseModel] = LRUCache(maxsize)

    def get(self, calibration: Mapping[str, Any], physical_qubits: Sequence[int]) -> NoiseModel:
        qubits = tuple(physical_qubits)
        key = (calibration_digest(restrict_calibration(calibration, qubits)), qubits)
        return self._lru.get_or_make(key, lambda: build_noise_model(calibration, qubits))

    @property
    def hits(self) -> int:
        return self._lru.hits

    @property
    def misses(self) -> int:
        return self._lru.misses

    def __len__(self) -> int:
        return len(self._lru)


_default_cache: NoiseModelCache | None = None
_default_lock = threading.Lock()


def default_cache() -> NoiseModelCache:
    """The process-wide cache :func:`~.reproduce.reproduce` uses when given none (made on first use)."""
    global _default_cache
    with _default_lock:
        if _default_cache is None:
            _default_cache = NoiseModelCache()
        return _default_cache
