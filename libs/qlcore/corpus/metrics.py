"""Metrics of a calibration in the qlprov/run/1.0 shape, by the methodology's definitions.

The same function summarizes a corpus snapshot (whose loader first converted the vendor's numbers
into the calibration shape) and the ``calibration`` of any ingested run document, so a device is
measured the same way whichever way its calibration reached the ledger.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from qlcore.corpus.methodology import (
    FAILED_ERROR,
    STANDARD_1Q_GATES,
    STANDARD_2Q_GATES,
)
from qlcore.corpus.model import MetricValue
from qlcore.corpus.stats import median

__all__ = ["CalibrationSummary", "metrics_from_calibration", "summarize_calibration"]


@dataclass(frozen=True)
class CalibrationSummary:
    metrics: dict[str, MetricValue]
    counts: dict[str, int] = field(default_factory=dict)
    gates_2q: tuple[str, ...] = ()
    gate_1q: str | None = None


def _positive(values: Iterable[Any]) -> list[float]:
    return [float(v) for v in values if v is not None and float(v) > 0.0]


def _median_or_none(values: list[float]) -> float | None:
    return median(values) if values else None


def _reduce(errors: list[float]) -> float | None:
    """Mean of the usable (non-failed) entries of one coupler/qubit; None when all failed."""
    usable = [e for e in errors if e < FAILED_ERROR]
    return sum(usable) / len(usable) if usable else None


def _two_qubit(gates: list[Mapping[str, Any]]) -> tuple[dict[str, MetricValue], dict[str, int], tuple[str, ...]]:
    per_coupler: dict[frozenset[int], list[float]] = defaultdict(list)
    names: set[str] = set()
    for gate in gates:
        name = str(gate.get("gate", "")).lower()
        qubits = gate.get("qubits") or []
        if name not in STANDARD_2Q_GATES or len(qubits) != 2 or qubits[0] == qubits[1]:
            continue
        names.add(name)
        error = gate.get("error")
        pair = frozenset(int(q) for q in qubits)
        if error is None:
            per_coupler.setdefault(pair, [])
        else:
            per_coupler[pair].append(float(error))
    measured = {pair: errs for pair, errs in per_coupler.items() if errs}
    if not measured:
        return {"median_2q_error": None, "failed_2q_couplers": None, "failed_2q_fraction": None}, {}, ()
    values = [v for v in (_reduce(errs) for errs in measured.values()) if v is not None]
    failed = len(measured) - len(values)
    failed_entries = sum(1 for errs in measured.values() for e in errs if e >= FAILED_ERROR)
    metrics: dict[str, MetricValue] = {
        "median_2q_error": _median_or_none(values),
        "failed_2q_couplers": failed,
        "failed_2q_fraction": failed / len(measured),
    }
    counts = {
        "couplers_2q": len(measured),
        "entries_2q": sum(len(errs) for errs in measured.values()),
        "failed_2q_entries": failed_entries,
    }
    return metrics, counts, tuple(sorted(names))


def _one_qubit(gates: list[Mapping[str, Any]]) -> tuple[float | None, dict[str, int], str | None]:
    by_name: dict[str, dict[int, list[float]]] = defaultdict(lambda: defaultdict(list))
    for gate in gates:
        qubits = gate.get("qubits") or []
        error = gate.get("error")
        if len(qubits) == 1 and error is not None:
            by_name[str(gate.get("gate", "")).lower()][int(qubits[0])].append(float(error))
    chosen = next((name for name in STANDARD_1Q_GATES if name in by_name), None)
    if chosen is None:
        return None, {}, None
    per_qubit = by_name[chosen]
    values = [v for v in (_reduce(errs) for errs in per_qubit.values()) if v is not None]
    counts = {"qubits_1q": len(per_qubit), "failed_1q_qubits": len(per_qubit) - len(values)}
    return _median_or_none(values), counts, chosen


def summarize_calibration(calibration: Mapping[str, Any], *, num_qubits: int | None = None) -> CalibrationSummary:
    """Metrics, counts and the gates used, for a calibration ``{taken_at, qubits, gates}``."""
    qubits = list(calibration.get("qubits") or [])
    gates = list(calibration.get("gates") or [])
    metrics2, counts2, names2 = _two_qubit(gates)
    median_1q, counts1, name1 = _one_qubit(gates)
    readout = [float(q["readout_error"]) for q in qubits if q.get("readout_error") is not None]
    if num_qubits is None:
        num_qubits = len({int(q["qubit"]) for q in qubits})
    metrics: dict[str, MetricValue] = {
        "median_2q_error": metrics2["median_2q_error"],
        "median_1q_error": median_1q,
        "median_readout_error": _median_or_none(readout),
        "median_t1": _median_or_none(_positive(q.get("t1_us") for q in qubits)),
        "median_t2": _median_or_none(_positive(q.get("t2_us") for q in qubits)),
        "num_qubits": num_qubits or None,
        "failed_2q_couplers": metrics2["failed_2q_couplers"],
        "failed_2q_fraction": metrics2["failed_2q_fraction"],
    }
    return CalibrationSummary(metrics, {**counts2, **counts1}, names2, name1)


def metrics_from_calibration(
    calibration: Mapping[str, Any], *, num_qubits: int | None = None
) -> dict[str, MetricValue]:
    """The methodology's metrics for one calibration (qlprov/run/1.0 ``calibration`` member).

    ``num_qubits`` is the device's size when known (a run document's ``backend.num_qubits``);
    otherwise the number of qubits the calibration lists.
    """
    return summarize_calibration(calibration, num_qubits=num_qubits).metrics
