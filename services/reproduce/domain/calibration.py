"""Reading the ``calibration`` member of a run document (``qlprov/run/1.0``).

A calibration is plain JSON: ``taken_at`` (RFC 3339), ``qubits`` ``[{qubit, t1_us, t2_us,
readout_error}]`` and ``gates`` ``[{gate, qubits, error, duration_ns}]``; any value may be
``None`` (an ion trap has no T1). The helpers here check that shape once, classify gates by the
metric that drives them, and give a stable digest for caches.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any, Literal

from qlprov.canonical import canonicalize
from qlprov.hashing import digest_hex

from .errors import MissingCalibration

__all__ = [
    "NON_GATES",
    "GateKind",
    "advance_taken_at",
    "calibration_digest",
    "check_calibration",
    "gate_kind",
    "max_gate_error",
    "restrict_calibration",
]

GateKind = Literal["1q", "2q", "readout", "none"]

#: instructions a calibration may list that carry no gate error of their own
NON_GATES = frozenset({"reset", "delay", "barrier"})


def check_calibration(calibration: Any) -> dict[str, Any]:
    """Return the calibration if it has the expected shape, else raise :class:`MissingCalibration`."""
    if not isinstance(calibration, Mapping):
        raise MissingCalibration("the run document has no calibration member")
    qubits, gates = calibration.get("qubits"), calibration.get("gates")
    if not isinstance(qubits, list) or not isinstance(gates, list) or not qubits:
        raise MissingCalibration("the calibration must list qubits and gates")
    if not isinstance(calibration.get("taken_at"), str):
        raise MissingCalibration("the calibration has no taken_at time")
    for q in qubits:
        if not isinstance(q, Mapping) or not isinstance(q.get("qubit"), int):
            raise MissingCalibration("every calibrated qubit needs an integer 'qubit' index")
    for g in gates:
        if (
            not isinstance(g, Mapping)
            or not isinstance(g.get("gate"), str)
            or not isinstance(g.get("qubits"), list)
            or not all(isinstance(i, int) for i in g["qubits"])
        ):
            raise MissingCalibration("every calibrated gate needs a name and a list of qubits")
    return dict(calibration)


def gate_kind(name: str, n_qubits: int) -> GateKind:
    """Which drift metric moves a gate's error: a measurement follows its qubit's readout."""
    if name == "measure":
        return "readout"
    if name in NON_GATES or n_qubits == 0:
        return "none"
    return "1q" if n_qubits == 1 else "2q"


def max_gate_error(n_qubits: int) -> float:
    """Largest physical average gate infidelity of an n-qubit channel: d/(d+1), d = 2**n.

    The same bound Aer applies when it turns a reported error into a depolarizing channel.
    """
    d = 2**n_qubits
    return d / (d + 1)


def advance_taken_at(taken_at: str, days: float) -> str:
    """``taken_at`` moved forward by ``days``, in UTC with a ``Z`` suffix."""
    t = dt.datetime.fromisoformat(taken_at.replace("Z", "+00:00").replace("z", "+00:00"))
    if t.tzinfo is None:
        t = t.replace(tzinfo=dt.UTC)
    moved = (t + dt.timedelta(days=days)).astimezone(dt.UTC)
    return moved.isoformat().replace("+00:00", "Z")


def restrict_calibration(calibration: Mapping[str, Any], qubits: Iterable[int]) -> dict[str, Any]:
    """The part of a calibration that concerns ``qubits``: their rows and gates among them only."""
    keep = set(qubits)
    return {
        "qubits": sorted((q for q in calibration["qubits"] if q["qubit"] in keep), key=lambda q: q["qubit"]),
        "gates": sorted(
            (g for g in calibration["gates"] if g["qubits"] and set(g["qubits"]) <= keep),
            key=lambda g: (g["gate"], g["qubits"]),
        ),
    }


def calibration_digest(calibration: Mapping[str, Any]) -> str:
    """BLAKE3 of the canonical JSON of a calibration (or of a slice of one): a cache key."""
    return digest_hex(canonicalize(dict(calibration)))
