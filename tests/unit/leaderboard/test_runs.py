"""A run document's calibration becomes an observation measured like the corpus."""

from __future__ import annotations

from typing import Any

from qlcore.corpus.model import Observation
from qlprov.document import validate_document

from services.leaderboard.domain.runs import observation_from_run
from tests.unit.leaderboard.raw import ibm_backends_dir, load_json


def _kyiv_calibration() -> dict[str, Any]:
    """kyiv's props as the SDK captures them: every gate, IBM's units, the props' own date."""
    props = load_json(ibm_backends_dir() / "kyiv" / "props_kyiv.json")

    def value(params: list[dict[str, Any]], name: str) -> Any:
        return next((p["value"] for p in params if p["name"] == name), None)

    return {
        "taken_at": props["last_update_date"],
        "qubits": [
            {"qubit": i, "t1_us": value(q, "T1"), "t2_us": value(q, "T2"), "readout_error": value(q, "readout_error")}
            for i, q in enumerate(props["qubits"])
        ],
        "gates": [
            {
                "gate": g["gate"],
                "qubits": g["qubits"],
                "error": value(g["parameters"], "gate_error"),
                "duration_ns": value(g["parameters"], "gate_length"),
            }
            for g in props["gates"]
        ],
    }


def _document(calibration: dict[str, Any]) -> dict[str, Any]:
    return {
        "schema": "qlprov/run/1.0",
        "created_at": "2025-03-01T10:00:00Z",
        "program": {"name": "ghz-3", "format": "openqasm3", "source": "OPENQASM 3.0;"},
        "backend": {"provider": "ibm", "name": "ibm_kyiv", "num_qubits": 127},
        "calibration": calibration,
        "execution": {
            "shots": 1024, "status": "completed", "job_id": None, "submitted_at": None, "completed_at": None,
        },
        "results": {"counts": {"000": 512, "111": 512}},
        "environment": {"sdk": {"name": "quantumledger", "version": "0.1.0"}, "packages": {}, "python": "3.11"},
    }  # fmt: skip


def test_run_calibration_measures_like_the_corpus(ibm_latest: list[Observation]) -> None:
    document = _document(_kyiv_calibration())
    validate_document(document)
    obs = observation_from_run(document, run_hash="ab" * 32)
    corpus_kyiv = next(o for o in ibm_latest if o.backend == "ibm_kyiv")
    assert obs.key == corpus_kyiv.key  # same device, same snapshot time
    assert obs.metrics == corpus_kyiv.metrics
    assert obs.metrics["failed_2q_couplers"] == 5
    assert obs.source.package == "quantumledger" and obs.source.path == "run:" + "ab" * 32


def test_run_on_a_renamed_ibm_device_joins_its_history() -> None:
    calibration = {"taken_at": "2024-03-25T12:22:31-03:00", "qubits": [], "gates": []}
    document = _document(calibration)
    document["backend"]["name"] = "alt_cairo"
    obs = observation_from_run(document)
    assert obs.device == "ibm/ibm_cairo" and obs.taken_at == "2024-03-25T15:22:31Z"
    assert obs.num_qubits == 127 and obs.metrics["median_2q_error"] is None
