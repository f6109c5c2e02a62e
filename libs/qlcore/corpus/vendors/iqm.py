"""IQM: Garnet and Deneb error profiles as observations (pure), and the profiles' literals read
from iqm-client's source text.

The data file (``qlcore/corpus/data/iqm_fake_backends.json``, read by
:mod:`qlcore.corpus.adapters.iqm`) holds iqm-client's fake-backend literals unchanged and names
the package version they came from; ``qlcore/corpus/tools/extract_iqm.py`` regenerates it with
:func:`profile_from_source`. IQM gives *depolarizing parameters*: the parameter of a depolarizing channel
that, followed by thermal relaxation over the gate's duration, reproduces the benchmarked
average fidelity. They are converted to average gate infidelity with that same model
(:func:`~qlcore.corpus.conversions.depolarizing_to_average_infidelity`).
The profiles are undated: the wheel's build time stands in for ``taken_at`` (flagged).
"""

from __future__ import annotations

import ast
import re
from typing import Any

from qlcore.corpus.conversions import (
    depolarizing_to_average_infidelity,
    thermal_process_fidelity,
)
from qlcore.corpus.model import Conversion, Observation, SourceRef
from qlcore.corpus.observations import observation_from_calibration

__all__ = ["PROFILE_FIELDS", "observation_from_profile", "profile_from_source"]

#: The members of ``IQMErrorProfile(...)`` the data file keeps.
PROFILE_FIELDS = (
    "t1s",
    "t2s",
    "single_qubit_gate_depolarizing_error_parameters",
    "two_qubit_gate_depolarizing_error_parameters",
    "single_qubit_gate_durations",
    "two_qubit_gate_durations",
    "readout_errors",
    "name",
)

_CONVERSIONS = [
    Conversion(
        metric="median_1q_error",
        source_definition="single_qubit_gate_depolarizing_error_parameters['prx'] (depolarizing p)",
        method="r = 1 - (2 F_pro + 1)/3, F_pro = (1 - p) F_thermal + p/4, "
        "F_thermal = (1 + e^(-t/T1) + 2 e^(-t/T2))/4 over the prx duration",
    ),
    Conversion(
        metric="median_2q_error",
        source_definition="two_qubit_gate_depolarizing_error_parameters['cz'] (depolarizing p)",
        method="r = 1 - (4 F_pro + 1)/5, F_pro = (1 - p) F_thermal(a) F_thermal(b) + p/16 over the cz duration",
    ),
    Conversion(
        metric="median_readout_error",
        source_definition="readout_errors {'0': P(1|0), '1': P(0|1)}",
        method="(P(1|0) + P(0|1)) / 2",
    ),
    Conversion(metric="median_t1", source_definition="t1s (ns)", method="ns / 1000"),
    Conversion(metric="median_t2", source_definition="t2s (ns)", method="ns / 1000"),
]


def observation_from_profile(backend: str, profile: dict[str, Any], meta: dict[str, Any]) -> Observation:
    qubits: list[str] = profile["qubits"]
    components = qubits + list(profile.get("computational_resonators", []))
    index = {name: i for i, name in enumerate(components)}
    t1, t2 = profile["t1s"], profile["t2s"]
    taken_at = meta["built_at"]
    gates: list[dict[str, Any]] = []
    for gate, per_qubit in profile["single_qubit_gate_depolarizing_error_parameters"].items():
        duration = float(profile["single_qubit_gate_durations"][gate])
        for name, p in per_qubit.items():
            relax = thermal_process_fidelity(duration, t1.get(name), t2.get(name))
            error = depolarizing_to_average_infidelity(float(p), 1, [relax])
            gates.append({"gate": gate, "qubits": [index[name]], "error": error, "duration_ns": duration})
    for gate, entries in profile["two_qubit_gate_depolarizing_error_parameters"].items():
        duration = float(profile["two_qubit_gate_durations"][gate])
        for a, b, p in entries:
            thermal = [thermal_process_fidelity(duration, t1.get(q), t2.get(q)) for q in (a, b)]
            error = depolarizing_to_average_infidelity(float(p), 2, thermal)
            gates.append({"gate": gate, "qubits": [index[a], index[b]], "error": error, "duration_ns": duration})
    calibration = {
        "taken_at": taken_at,
        "qubits": [
            {
                "qubit": index[name],
                "t1_us": t1[name] / 1000.0 if name in t1 else None,
                "t2_us": t2[name] / 1000.0 if name in t2 else None,
                "readout_error": (profile["readout_errors"][name]["0"] + profile["readout_errors"][name]["1"]) / 2,
            }
            for name in qubits
        ],
        "gates": gates,
    }
    notes = [f"undated error profile: the {meta['package']} {meta['version']} wheel's build time stands in"]
    if profile.get("computational_resonators"):
        notes.append(
            "star topology: cz couples each qubit with a computational resonator, numbered after the "
            "qubits and not counted as a qubit"
        )
    return observation_from_calibration(
        provider="iqm",
        backend=backend,
        calibration=calibration,
        source=SourceRef(package=meta["package"], version=meta["version"], path=profile["path"]),
        num_qubits=len(qubits),
        stand_in=True,
        conversions=list(_CONVERSIONS),
        notes=notes,
        source_values={"qubit_labels": components, "profile_name": profile.get("name")},
    )


def _call_keywords(tree: ast.AST, callee: str) -> dict[str, Any] | None:
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and getattr(node.func, "id", None) == callee:
            return {kw.arg: ast.literal_eval(kw.value) for kw in node.keywords if kw.arg}
    return None


def _qubit_number(name: str) -> int:
    match = re.fullmatch(r"[A-Z]+(\d+)", name)
    return int(match.group(1)) if match else 0


def profile_from_source(source: str) -> dict[str, Any]:
    """The literals of the ``IQMErrorProfile(...)`` call in a ``fake_<name>.py`` module's source,
    unchanged (units: ns), with the qubits in order and the computational resonators named."""
    tree = ast.parse(source)
    profile = _call_keywords(tree, "IQMErrorProfile")
    if profile is None:
        raise ValueError("no IQMErrorProfile(...) literal found")
    architecture = _call_keywords(tree, "StaticQuantumArchitecture") or {}
    qubits = sorted(profile["readout_errors"], key=_qubit_number)
    out: dict[str, Any] = {field: profile[field] for field in PROFILE_FIELDS if field in profile}
    out["two_qubit_gate_depolarizing_error_parameters"] = {
        gate: [[a, b, value] for (a, b), value in pairs.items()]
        for gate, pairs in profile["two_qubit_gate_depolarizing_error_parameters"].items()
    }
    out["qubits"] = qubits
    out["computational_resonators"] = list(architecture.get("computational_resonators", []))
    return out
