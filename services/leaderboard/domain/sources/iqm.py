"""IQM: Garnet and Deneb error profiles, from the checked-in data file.

The file (``services/leaderboard/data/iqm_fake_backends.json``) holds iqm-client's fake-backend
literals unchanged and names the package version they came from; ``tools/extract_iqm.py``
regenerates it. IQM gives *depolarizing parameters*: the parameter of a depolarizing channel
that, followed by thermal relaxation over the gate's duration, reproduces the benchmarked
average fidelity. They are converted to average gate infidelity with that same model
(:func:`~services.leaderboard.domain.conversions.depolarizing_to_average_infidelity`).
The profiles are undated: the wheel's build time stands in for ``taken_at`` (flagged).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from services.leaderboard.domain.conversions import (
    depolarizing_to_average_infidelity,
    thermal_process_fidelity,
)
from services.leaderboard.domain.model import Conversion, Observation, SourceRef
from services.leaderboard.domain.sources._common import observation_from_calibration

__all__ = ["DATA_FILE", "load_iqm", "observation_from_profile"]

DATA_FILE = Path(__file__).resolve().parents[2] / "data" / "iqm_fake_backends.json"

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


def load_iqm(data_file: Path = DATA_FILE) -> Iterator[Observation]:
    meta = json.loads(data_file.read_text(encoding="utf-8"))
    for backend, profile in sorted(meta["backends"].items()):
        yield observation_from_profile(backend, profile, meta)
