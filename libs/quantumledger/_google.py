"""A ``cirq_google.Calibration`` as the document's ``calibration`` member.

Google reports metrics by name for qubits (``GridQubit``) and qubit pairs; this maps them
into the document's definitions and keeps every metric beside them, under its own name, in
each element's ``vendor`` member (``docs/capture.md`` has the table):

* ``t1_us`` <- ``single_qubit_idle_t1_micros`` (copied); no T2 is published (Cirq derives a
  Tphi from ``single_qubit_rb_incoherent_error_per_gate``, kept in ``vendor``);
* ``prob_meas1_prep0`` <- ``single_qubit_p00_error``, ``prob_meas0_prep1`` <-
  ``single_qubit_p11_error`` (the isolated readout, as Cirq's own noise model reads it);
  ``readout_error`` is their mean;
* 1q gate error (``u3``: Cirq writes its ``PhasedXZGate`` as OpenQASM ``u3``) <-
  ``single_qubit_rb_pauli_error_per_gate`` x 2/3;
* 2q gate error <- ``two_qubit_parallel_<gate>_gate_xeb_pauli_error_per_cycle`` minus the
  two qubits' 1q RB Pauli errors (a cycle includes a 1q gate on each), x 4/5;
* gate durations from the device specification (``extract_gate_times_ns_from_device``),
  when a device is given: they are the device's, not calibration data.

Document qubit ``i`` is the ``i``-th qubit of the device in Cirq's order (sorted); its
``label`` is Cirq's name of it, e.g. ``q(0, 6)``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from quantumledger._conversions import pauli_to_average_infidelity, xeb_cycle_to_gate_pauli_error

__all__ = ["GATES", "google_calibration"]

#: document gate name -> (metric family in Google's names, Cirq's gate type name)
GATES: dict[str, tuple[str, str]] = {
    "cz": ("cz", "CZPowGate"),
    "syc": ("sycamore", "SycamoreGate"),
    "sqrt_iswap": ("sqrt_iswap", "ISwapPowGate"),
}
_ONE_QUBIT = ("u3", "PhasedXZGate")
T1 = "single_qubit_idle_t1_micros"
P00, P11 = "single_qubit_p00_error", "single_qubit_p11_error"
RB_PAULI = "single_qubit_rb_pauli_error_per_gate"

_CONVERSIONS = [
    ("qubits[].t1_us", T1 + " (T1 of an idle qubit, us)", "copied"),
    (
        "qubits[].t2_us",
        "not published",
        "null; Cirq's Tphi estimate rests on single_qubit_rb_incoherent_error_per_gate",
    ),
    ("qubits[].prob_meas1_prep0", P00 + " (P(1|0), isolated readout)", "copied"),
    ("qubits[].prob_meas0_prep1", P11 + " (P(0|1), isolated readout)", "copied"),
    ("qubits[].readout_error", f"{P00}, {P11}", "(p00 + p11) / 2"),
    ("gates[u3].error", RB_PAULI + " (1q RB Pauli error)", "average infidelity = 2/3 x Pauli error"),
    (
        "gates[2q].error",
        "two_qubit_parallel_<gate>_gate_xeb_pauli_error_per_cycle (cycle = 2q gate + a 1q gate on each qubit)",
        f"gate Pauli error = cycle error - {RB_PAULI} of both qubits (>= 0); average infidelity = 4/5 x that",
    ),
]


def google_calibration(
    calibration: Any,
    qubits: Sequence[Any],
    *,
    processor_id: str,
    gate_times_ns: Mapping[str, float] | None,
    version: str | None,
) -> dict[str, Any]:
    """The ``calibration`` member for ``qubits`` (document qubit i = ``qubits[i]``).

    ``gate_times_ns`` maps Cirq gate type names (``CZPowGate``) to durations in ns.
    """
    metrics = _metrics(calibration)
    index = {q: i for i, q in enumerate(qubits)}
    one_qubit: dict[str, dict[Any, float]] = {name: {} for name in metrics}
    for name, values in metrics.items():
        for key, value in values.items():
            if len(key) == 1:
                one_qubit[name][key[0]] = value
    rows = []
    for q in qubits:
        vendor = {name: values[q] for name, values in sorted(one_qubit.items()) if q in values}
        p00, p11 = vendor.get(P00), vendor.get(P11)
        row: dict[str, Any] = {
            "qubit": index[q],
            "t1_us": vendor.get(T1),
            "t2_us": None,
            "readout_error": (p00 + p11) / 2 if p00 is not None and p11 is not None else None,
        }
        if p00 is not None:
            row["prob_meas1_prep0"] = p00
        if p11 is not None:
            row["prob_meas0_prep1"] = p11
        row["label"] = str(q)
        if vendor:
            row["vendor"] = vendor
        rows.append(row)
    times = gate_times_ns or {}
    rb = one_qubit.get(RB_PAULI, {})
    gates = [
        {
            "gate": _ONE_QUBIT[0],
            "qubits": [index[q]],
            "error": pauli_to_average_infidelity(rb[q], 1),
            "duration_ns": times.get(_ONE_QUBIT[1]),
            "vendor": {RB_PAULI: rb[q]},
        }
        for q in qubits
        if q in rb
    ]
    names = {_ONE_QUBIT[0]: "cirq." + _ONE_QUBIT[1]}
    for gate, (family, cirq_name) in GATES.items():
        cycle = metrics.get(f"two_qubit_parallel_{family}_gate_xeb_pauli_error_per_cycle", {})
        if cycle:
            names[gate] = "cirq." + cirq_name
        for pair, value in sorted(cycle.items(), key=lambda kv: [index.get(q, -1) for q in kv[0]]):
            if any(q not in index for q in pair):
                continue
            vendor = {
                name: values[pair]
                for name, values in sorted(metrics.items())
                if f"_{family}_gate_" in name and pair in values
            }
            parts = [rb.get(q) for q in pair]
            error = None
            if all(p is not None for p in parts):
                error = pauli_to_average_infidelity(xeb_cycle_to_gate_pauli_error(value, parts), 2)  # type: ignore[arg-type]
            gates.append(
                {
                    "gate": gate,
                    "qubits": [index[q] for q in pair],
                    "error": error,
                    "duration_ns": times.get(cirq_name),
                    "vendor": vendor,
                }
            )
    conversions = [{"member": m, "source": s, "method": how} for m, s, how in _CONVERSIONS]
    if times:
        conversions.append(
            {
                "member": "gates[].duration_ns",
                "source": "the device specification's gate durations (not calibration data)",
                "method": "copied (ns)",
            }
        )
    source: dict[str, Any] = {
        "vendor": "google",
        "origin": f"cirq_google.Calibration of processor {processor_id}",
        "package": "cirq-google",
        "gates": names,
        "conversions": conversions,
    }
    if version is not None:
        source["version"] = version
    return {"taken_at": taken_at(calibration), "qubits": rows, "gates": gates, "source": source}


def taken_at(calibration: Any) -> str:
    """The calibration's timestamp (ms since the epoch) in RFC 3339, UTC, to the millisecond."""
    moment = datetime.fromtimestamp(int(calibration.timestamp) / 1000, tz=UTC)
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _metrics(calibration: Any) -> dict[str, dict[tuple[Any, ...], float]]:
    """``{metric name: {(qubits...): value}}`` with each value as the float Google reports."""
    out: dict[str, dict[tuple[Any, ...], float]] = {}
    for name in calibration.keys():
        values: dict[tuple[Any, ...], float] = {}
        for key, value in calibration[name].items():
            number = float(calibration.value_to_float(value))
            if math.isfinite(number):  # JSON has no NaN: a missing value is left out
                values[tuple(key)] = number
        out[str(name)] = values
    return out
