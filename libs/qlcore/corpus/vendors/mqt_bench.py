"""IonQ, Rigetti and OQC: calibration files shipped by mqt.bench 1.1.9 (the last release with them)
as observations (pure; :mod:`qlcore.corpus.adapters.mqt_bench` reads the files).

The files are undated: the 1.1.9 wheel's build time stands in for ``taken_at`` (flagged).
Fidelities become errors as ``1 - f``. Files for devices that a first-hand source already
covers, or that are sample chips, are skipped (:data:`SKIPPED_FILES`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from qlcore.corpus.conversions import fidelity_to_error
from qlcore.corpus.model import Conversion, Observation, SourceRef
from qlcore.corpus.observations import device_level_observation, observation_from_calibration

__all__ = ["PACKAGE", "SKIPPED_FILES", "STAND_IN_TAKEN_AT", "observation_from_file"]

PACKAGE = "mqt.bench"
#: Build time of mqt.bench-1.1.9-py3-none-any.whl (its ``RECORD`` entry's zip timestamp).
STAND_IN_TAKEN_AT = "2024-12-01T16:55:20Z"
SKIPPED_FILES: dict[str, str] = {
    "ibm_washington_calibration.json": "undated copy of an IBM device the ibm sources carry with dates",
    "ibm_montreal_calibration.json": "undated copy of an IBM device the ibm sources carry with dates",
    "iqm_adonis_calibration.json": "same numbers as iqm-client's fake Adonis ('sample-chip')",
    "iqm_apollo_calibration.json": "same numbers as iqm-client's fake Apollo ('sample-chip')",
    "quantinuum_h2_calibration.json": "undated; the quantinuum source has dated H2 data",
}
_NOTE = "undated calibration file: the mqt.bench 1.1.9 wheel's build time stands in"


def _fidelity(metric: str, field: str, what: str) -> Conversion:
    return Conversion(metric=metric, source_definition=f"{field}: {what}", method="1 - fidelity")


def _rigetti(data: dict[str, Any], source: SourceRef) -> Observation:
    props = data["properties"]
    qubits = sorted(props["1Q"], key=int)
    gates: list[dict[str, Any]] = [
        {"gate": "rx", "qubits": [int(q)], "error": fidelity_to_error(props["1Q"][q]["f1QRB"]), "duration_ns": None}
        for q in qubits
        if props["1Q"][q].get("f1QRB") is not None
    ]
    for edge, values in sorted(props["2Q"].items()):
        pair = [int(q) for q in edge.split("-")]
        for gate, field in (("cz", "fCZ"), ("xy", "fXY"), ("cphase", "fCPHASE")):
            if values.get(field) is not None:
                error = fidelity_to_error(values[field])
                gates.append({"gate": gate, "qubits": pair, "error": error, "duration_ns": None})
    calibration = {
        "taken_at": STAND_IN_TAKEN_AT,
        "qubits": [
            {
                "qubit": int(q),
                "t1_us": props["1Q"][q]["T1"] * 1e6 if props["1Q"][q].get("T1") else None,
                "t2_us": props["1Q"][q]["T2"] * 1e6 if props["1Q"][q].get("T2") else None,
                "readout_error": fidelity_to_error(props["1Q"][q]["fRO"]) if props["1Q"][q].get("fRO") else None,
            }
            for q in qubits
        ],
        "gates": gates,
    }
    conversions = [
        _fidelity("median_2q_error", "fCZ", "CZ fidelity per edge (fXY, fCPHASE are parametric: not ranked)"),
        _fidelity("median_1q_error", "f1QRB", "isolated single-qubit RB fidelity"),
        _fidelity("median_readout_error", "fRO", "readout assignment fidelity"),
        Conversion(metric="median_t1", source_definition="T1 (s)", method="s x 1e6"),
        Conversion(metric="median_t2", source_definition="T2 (s)", method="s x 1e6"),
    ]
    return observation_from_calibration(
        provider="rigetti", backend="aspen-m-3", calibration=calibration, source=source,
        num_qubits=int(data["num_qubits"]), stand_in=True, conversions=conversions,
        notes=[_NOTE, "qubit numbers are Rigetti's physical ids"],
    )  # fmt: skip


def _oqc(data: dict[str, Any], source: SourceRef) -> Observation:
    one, two = data["properties"]["one_qubit"], data["properties"]["two_qubit"]
    qubits = sorted(one, key=int)
    gates: list[dict[str, Any]] = [
        {"gate": "sx", "qubits": [int(q)], "error": fidelity_to_error(one[q]["fRB"]), "duration_ns": None}
        for q in qubits
    ]
    for values in two.values():
        pair = [int(values["coupling"]["control_qubit"]), int(values["coupling"]["target_qubit"])]
        gates.append({"gate": "ecr", "qubits": pair, "error": fidelity_to_error(values["fECR"]), "duration_ns": None})
    calibration = {
        "taken_at": STAND_IN_TAKEN_AT,
        "qubits": [
            {"qubit": int(q), "t1_us": one[q].get("T1"), "t2_us": one[q].get("T2"),
             "readout_error": fidelity_to_error(one[q]["fRO"])}
            for q in qubits
        ],
        "gates": gates,
    }  # fmt: skip
    conversions = [
        _fidelity("median_2q_error", "fECR", "ECR fidelity per coupler"),
        _fidelity("median_1q_error", "fRB", "single-qubit RB fidelity"),
        _fidelity("median_readout_error", "fRO", "readout assignment fidelity"),
    ]
    return observation_from_calibration(
        provider="oqc", backend=data["name"].removeprefix("oqc_"), calibration=calibration, source=source,
        num_qubits=int(data["num_qubits"]), stand_in=True, conversions=conversions, notes=[_NOTE],
    )  # fmt: skip


def _ionq(data: dict[str, Any], source: SourceRef) -> Observation:
    fid = data["fidelity"]
    f1, f2, spam = fid["1q"]["mean"], fid["2q"]["mean"], fid["spam"]["mean"]
    metrics: dict[str, float | int | None] = {"median_readout_error": fidelity_to_error(spam)}
    notes = [_NOTE, "trapped ions: nominal T1/T2 of the file are not ranked"]
    conversions = [_fidelity("median_readout_error", "spam.mean", "device-level SPAM fidelity")]
    if f1 >= f2:
        metrics["median_1q_error"] = fidelity_to_error(f1)
        metrics["median_2q_error"] = fidelity_to_error(f2)
        conversions += [
            _fidelity("median_1q_error", "1q.mean", "device-level mean 1q fidelity (device average as median)"),
            _fidelity("median_2q_error", "2q.mean", "device-level mean 2q fidelity (device average as median)"),
        ]
    else:
        notes.append(
            f"1q fidelity {f1} below 2q fidelity {f2}: the pair looks swapped or mislabelled in the "
            "source, so neither gate error is used"
        )
    backend = {"ionq_aria1": "aria-1", "ionq_harmony": "harmony"}.get(data["name"], data["name"])
    return device_level_observation(
        provider="ionq", backend=backend, num_qubits=int(data["num_qubits"]), taken_at=STAND_IN_TAKEN_AT,
        source=source, metrics=metrics, stand_in=True, conversions=conversions, notes=notes,
        source_values={"fidelity": fid, "timing": data.get("timing")},
    )  # fmt: skip


_LOADERS: dict[str, Callable[[dict[str, Any], SourceRef], Observation]] = {
    "ionq_": _ionq,
    "rigetti_": _rigetti,
    "oqc_": _oqc,
}


def observation_from_file(file_name: str, data: dict[str, Any], source: SourceRef) -> Observation:
    """The observation of one ``<vendor>_<device>_calibration.json`` file's content."""
    loader = next((fn for prefix, fn in _LOADERS.items() if file_name.startswith(prefix)), None)
    if loader is None:
        raise ValueError(f"no loader for mqt.bench calibration file {file_name}")
    return loader(data, source)
