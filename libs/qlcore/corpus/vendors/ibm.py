"""IBM: a ``props_*.json`` of qiskit-ibm-runtime's fake provider (BackendProperties as JSON) as an
observation (pure; :mod:`qlcore.corpus.adapters.ibm` reads the files).

The files are plain JSON: neither qiskit nor qiskit-ibm-runtime is imported. IBM's
numbers already follow the methodology (RB ``gate_error`` = average gate infidelity, ``T1``/``T2``
in us, ``readout_error`` = mean assignment error), so no conversion applies except ``u2``
standing in for ``sx`` on devices older than the ``sx`` basis gate.
"""

from __future__ import annotations

import re
from typing import Any

from qlcore.corpus.model import Conversion, Observation, SourceRef, format_rfc3339, parse_rfc3339
from qlcore.corpus.observations import observation_from_calibration, to_microseconds

__all__ = [
    "EXCLUDED_BACKENDS",
    "PACKAGE",
    "PROPS_PATH_RE",
    "canonical_backend_name",
    "observation_from_props",
]

PACKAGE = "qiskit-ibm-runtime"
#: ``.../backends/<dir>/props_<dir>.json``; ``props_cambridge_alt.json`` repeats cambridge's data.
PROPS_PATH_RE = re.compile(r"qiskit_ibm_runtime/fake_provider/backends/(?P<dir>[^/]+)/props_(?P=dir)\.json$")

#: Devices in the fake provider whose numbers are not a real device's calibration.
EXCLUDED_BACKENDS: dict[str, str] = {
    "fake_fractional": "synthetic 5-qubit test backend modelled on ibmq_lima (fractional-gate demo)",
    "fake_nighthawk": "its docstring says the properties are not intended to represent Nighthawk's errors",
}

#: Virtual or non-unitary instructions, left out of the calibration detail.
_SKIPPED_GATES = frozenset({"id", "rz", "delay"})
_SKIPPED_PREFIXES = ("reset", "measure")


def canonical_backend_name(name: str) -> tuple[str, str | None]:
    """IBM's name for the device, and a note when the package spells it differently.

    Later package versions rename some retired devices ``alt_<city>`` (same device and data
    lineage as ``ibm_<city>``); the ledger keeps ``ibm_<city>`` so history joins up.
    """
    if name.startswith("alt_"):
        canonical = "ibm_" + name.removeprefix("alt_")
        return canonical, f"package names it {name}; kept as {canonical} (same device)"
    return name, None


def _param(params: list[dict[str, Any]], name: str) -> tuple[float | None, str]:
    for p in params:
        if p.get("name") == name:
            value = p.get("value")
            return (None if value is None else float(value)), str(p.get("unit") or "")
    return None, ""


def _calibration(props: dict[str, Any], taken_at: str) -> dict[str, Any]:
    qubits = []
    for index, params in enumerate(props.get("qubits") or []):
        t1, t1_unit = _param(params, "T1")
        t2, t2_unit = _param(params, "T2")
        readout, _ = _param(params, "readout_error")
        qubits.append(
            {
                "qubit": index,
                "t1_us": to_microseconds(t1, t1_unit) if t1 is not None else None,
                "t2_us": to_microseconds(t2, t2_unit) if t2 is not None else None,
                "readout_error": readout,
            }
        )
    gates = []
    for gate in props.get("gates") or []:
        name = str(gate.get("gate", ""))
        if name in _SKIPPED_GATES or name.startswith(_SKIPPED_PREFIXES):
            continue
        error, _ = _param(gate.get("parameters") or [], "gate_error")
        length, unit = _param(gate.get("parameters") or [], "gate_length")
        duration = None if length is None else (to_microseconds(length, unit or "ns") or 0.0) * 1e3
        gates.append({"gate": name, "qubits": list(gate.get("qubits") or []), "error": error, "duration_ns": duration})
    return {"taken_at": taken_at, "qubits": qubits, "gates": gates}


def observation_from_props(props: dict[str, Any], source: SourceRef) -> Observation | None:
    """The observation of one props file; ``None`` for a backend in :data:`EXCLUDED_BACKENDS`."""
    raw_name = str(props.get("backend_name", ""))
    if raw_name in EXCLUDED_BACKENDS:
        return None
    backend, note = canonical_backend_name(raw_name)
    taken_at = format_rfc3339(parse_rfc3339(str(props["last_update_date"])))
    calibration = _calibration(props, taken_at)
    names = {g["gate"] for g in calibration["gates"]}
    conversions = []
    if "sx" not in names and "u2" in names:
        conversions.append(
            Conversion(
                metric="median_1q_error",
                source_definition="gate_error of u2 (a single X90 pulse; the device predates sx)",
                method="u2 error used as the sx error",
            )
        )
    return observation_from_calibration(
        provider="ibm",
        backend=backend,
        calibration=calibration,
        source=source,
        num_qubits=len(calibration["qubits"]),
        conversions=conversions,
        notes=[note] if note else [],
    )
