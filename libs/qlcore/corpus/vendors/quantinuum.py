"""Quantinuum: the machines of pytket-quantinuum's ``OFFLINE_MACHINE_LIST`` (H1-1, H2-1, H2-2) as
observations (pure; :mod:`qlcore.corpus.adapters.quantinuum` reads the module's source).

Quantinuum publishes device-level numbers only: ``p1``/``p2`` (average 1q/2q gate infidelity
from RB, with uncertainties), SPAM errors ``p_meas_0``/``p_meas_1``, memory and crosstalk
errors, and quantum volume. The device average stands in for the per-element median; trapped
ions have no meaningful T1/T2, so those metrics are left empty.
"""

from __future__ import annotations

import ast
from collections.abc import Mapping
from typing import Any

from qlcore.corpus.model import Conversion, Observation, SourceRef, format_rfc3339, parse_rfc3339
from qlcore.corpus.observations import device_level_observation

__all__ = ["PACKAGE", "PATH", "machine_list_literal", "observation_from_machine"]

PACKAGE = "pytket-quantinuum"
PATH = "pytket/extensions/quantinuum/backends/api_wrappers.py"

_CONVERSIONS = [
    Conversion(
        metric="median_2q_error",
        source_definition="noise_specs.2q_gate_error.p2: device-level average 2q gate infidelity",
        method="device average used as the median (no per-coupler data)",
    ),
    Conversion(
        metric="median_1q_error",
        source_definition="noise_specs.1q_gate_error.p1: device-level average 1q gate infidelity",
        method="device average used as the median (no per-qubit data)",
    ),
    Conversion(
        metric="median_readout_error",
        source_definition="noise_specs.spam_error.p_meas_0 / p_meas_1: device-level SPAM errors",
        method="(p_meas_0 + p_meas_1) / 2; includes state preparation",
    ),
]


def observation_from_machine(machine: Mapping[str, Any], source: SourceRef) -> Observation:
    specs = machine["noise_specs"]
    spam = specs["spam_error"]
    qv = (machine.get("benchmarks") or {}).get("qv") or {}
    return device_level_observation(
        provider="quantinuum",
        backend=str(machine["name"]),
        num_qubits=int(machine["n_qubits"]),
        taken_at=format_rfc3339(parse_rfc3339(f"{specs['date']}T00:00:00Z")),
        source=source,
        metrics={
            "median_2q_error": float(specs["2q_gate_error"]["p2"]),
            "median_1q_error": float(specs["1q_gate_error"]["p1"]),
            "median_readout_error": (float(spam["p_meas_0"]) + float(spam["p_meas_1"])) / 2,
        },
        conversions=list(_CONVERSIONS),
        notes=["noise_specs date has day precision: taken as 00:00 UTC", "trapped ions: no T1/T2 ranked"],
        source_values={
            "p1": specs["1q_gate_error"]["p1"],
            "p1_unc": specs["1q_gate_error"].get("p1_unc"),
            "p2": specs["2q_gate_error"]["p2"],
            "p2_unc": specs["2q_gate_error"].get("p2_unc"),
            "p_meas_0": spam["p_meas_0"],
            "p_meas_1": spam["p_meas_1"],
            "memory_error": (specs.get("memory_error") or {}).get("memory_error"),
            "p_crosstalk_meas": (specs.get("crosstalk_error") or {}).get("p_crosstalk_meas"),
            "quantum_volume": qv.get("value"),
            "quantum_volume_date": qv.get("date"),
            "connectivity": machine.get("connectivity"),
        },
    )


def machine_list_literal(source: str) -> list[dict[str, Any]] | None:
    """``OFFLINE_MACHINE_LIST`` read as a literal from the module's source text; ``None`` when the
    module does not assign it a literal (a release could build the list with code)."""
    for node in ast.parse(source).body:
        if isinstance(node, ast.Assign):
            targets, value = node.targets, node.value
        elif isinstance(node, ast.AnnAssign) and node.value is not None:
            targets, value = [node.target], node.value
        else:
            continue
        if any(isinstance(t, ast.Name) and t.id == "OFFLINE_MACHINE_LIST" for t in targets):
            try:
                return list(ast.literal_eval(value))
            except ValueError:  # not a literal: the caller imports the module instead
                return None
    return None
