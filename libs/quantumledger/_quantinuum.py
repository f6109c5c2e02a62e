"""Quantinuum's machine data (a pytket ``BackendInfo``'s ``noise_specs``) as a ``calibration``.

Quantinuum publishes device-level numbers, not per-qubit or per-pair ones: ``p1`` and ``p2``
(average 1q/2q gate infidelity, with uncertainties), SPAM errors ``p_meas_0``/``p_meas_1``,
memory and crosstalk errors, dated to the day. The document's tables are per element, so each
qubit and each pair of the fully connected device gets the device's number (every consumer
reads the tables); the vendor's values themselves, by their own names and with their
uncertainties, sit once in ``calibration.source.device``. Trapped ions have no meaningful
T1/T2: null. ``docs/capture.md`` has the table.

* ``gates[u3].error`` <- ``1q_gate_error.p1`` (copied; pytket's ``PhasedX`` is written as
  OpenQASM ``u3``);
* ``gates[rzz].error`` <- ``2q_gate_error.p2`` (copied; ``ZZPhase``, written as ``rzz``);
* ``prob_meas1_prep0`` <- ``spam_error.p_meas_0``, ``prob_meas0_prep1`` <- ``spam_error.p_meas_1``
  (SPAM: they include state preparation), ``readout_error`` their mean;
* ``taken_at`` <- ``noise_specs.date`` at 00:00 UTC (the data is dated to the day).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from itertools import combinations
from typing import Any

__all__ = ["quantinuum_calibration"]

_CONVERSIONS = [
    (
        "gates[u3].error",
        "noise_specs.1q_gate_error.p1 (device-level average 1q gate infidelity)",
        "copied to every qubit",
    ),
    (
        "gates[rzz].error",
        "noise_specs.2q_gate_error.p2 (device-level average 2q gate infidelity)",
        "copied to every pair",
    ),
    ("qubits[].prob_meas1_prep0", "noise_specs.spam_error.p_meas_0 (device-level SPAM error of |0>)", "copied"),
    ("qubits[].prob_meas0_prep1", "noise_specs.spam_error.p_meas_1 (device-level SPAM error of |1>)", "copied"),
    (
        "qubits[].readout_error",
        "noise_specs.spam_error.p_meas_0, p_meas_1",
        "(p_meas_0 + p_meas_1) / 2; includes preparation",
    ),
    ("qubits[].t1_us, t2_us", "not published (trapped ions)", "null"),
    ("taken_at", "noise_specs.date (a day)", "00:00 UTC of that day"),
]


def quantinuum_calibration(
    machine: Mapping[str, Any],
    labels: Sequence[str],
    *,
    device_name: str,
    version: str | None,
) -> dict[str, Any]:
    """The ``calibration`` member of a Quantinuum device (document qubit i is ``labels[i]``).

    ``machine`` is the backend info's ``misc`` (the machine list's entry).
    """
    specs = machine["noise_specs"]
    p1 = _number(specs.get("1q_gate_error", {}).get("p1"))
    p2 = _number(specs.get("2q_gate_error", {}).get("p2"))
    spam = specs.get("spam_error", {})
    p_meas_0, p_meas_1 = _number(spam.get("p_meas_0")), _number(spam.get("p_meas_1"))
    readout = (p_meas_0 + p_meas_1) / 2 if p_meas_0 is not None and p_meas_1 is not None else None
    qubits = []
    for i, label in enumerate(labels):
        row: dict[str, Any] = {"qubit": i, "t1_us": None, "t2_us": None, "readout_error": readout}
        if p_meas_0 is not None:
            row["prob_meas1_prep0"] = p_meas_0
        if p_meas_1 is not None:
            row["prob_meas0_prep1"] = p_meas_1
        row["label"] = label
        qubits.append(row)
    gates = [{"gate": "u3", "qubits": [i], "error": p1, "duration_ns": None} for i in range(len(labels))]
    gates += [
        {"gate": "rzz", "qubits": [a, b], "error": p2, "duration_ns": None}
        for a, b in combinations(range(len(labels)), 2)
    ]
    device = _flatten(specs)
    qv = (machine.get("benchmarks") or {}).get("qv") or {}
    for key, value in (("benchmarks.qv.value", qv.get("value")), ("benchmarks.qv.date", qv.get("date"))):
        if value is not None:
            device[key] = value
    for key in ("connectivity", "n_qubits", "n_gate_zones", "system_type"):
        if isinstance(machine.get(key), str | int | float | bool):
            device[key] = machine[key]
    source: dict[str, Any] = {
        "vendor": "quantinuum",
        "origin": f"pytket-quantinuum machine data (BackendInfo.misc.noise_specs) of {device_name}",
        "package": "pytket-quantinuum",
        "gates": {"u3": "pytket OpType.PhasedX", "rzz": "pytket OpType.ZZPhase (ZZMax = ZZPhase(1/2))"},
        "device": device,
        "conversions": [{"member": m, "source": s, "method": how} for m, s, how in _CONVERSIONS],
    }
    if version is not None:
        source["version"] = version
    return {"taken_at": f"{specs['date']}T00:00:00Z", "qubits": qubits, "gates": gates, "source": source}


def _flatten(specs: Mapping[str, Any], prefix: str = "noise_specs") -> dict[str, Any]:
    """``noise_specs`` as ``{"noise_specs.spam_error.p_meas_0": 0.0006, ...}``: the vendor's names."""
    out: dict[str, Any] = {}
    for key, value in sorted(specs.items()):
        name = f"{prefix}.{key}"
        if isinstance(value, Mapping):
            out.update(_flatten(value, name))
        elif isinstance(value, str | bool) or _number(value) is not None:
            out[name] = value
    return out


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        return None
    return float(value)
