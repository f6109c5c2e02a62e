"""Which run calibrations reach the public leaderboard, and what of the run they reveal."""

from __future__ import annotations

import copy
from typing import Any

import msgspec
import pytest

from services.leaderboard.domain.publication import (
    PUBLIC_RUN_PATH,
    is_public_device,
    public_observation_from_run,
    public_run_key,
)
from services.leaderboard.domain.runs import RunHead, RunView, observation_from_run, run_snapshot_key

_DOC: dict[str, Any] = {
    "schema": "qlprov/run/1.0",
    "created_at": "2025-03-01T10:00:00Z",
    "program": {"name": "bell", "format": "openqasm3", "source": "OPENQASM 3.0;"},
    "backend": {"provider": "ibm", "name": "alt_cairo", "num_qubits": 27},
    "calibration": {
        "taken_at": "2024-03-25T17:22:31+02:00",
        "qubits": [{"qubit": 0, "t1_us": 100.0, "t2_us": 80.0, "readout_error": 0.02},
                   {"qubit": 1, "t1_us": 120.0, "t2_us": 90.0, "readout_error": 0.03}],
        "gates": [{"gate": "cx", "qubits": [0, 1], "error": 0.01, "duration_ns": 300.0},
                  {"gate": "cx", "qubits": [1, 0], "error": 0.012, "duration_ns": 300.0},
                  {"gate": "sx", "qubits": [0], "error": 0.0003, "duration_ns": 35.0}],
    },
    "execution": {"shots": 10, "status": "completed", "job_id": None, "submitted_at": None, "completed_at": None},
    "results": {"counts": {"00": 10}},
    "environment": {"sdk": {"name": "quantumledger", "version": "0.1.0"}, "packages": {}, "python": "3.11"},
    "run_hash": "ab" * 32,
}  # fmt: skip


def _doc(**changes: Any) -> dict[str, Any]:
    doc = copy.deepcopy(_DOC)
    doc.update(changes)
    return doc


@pytest.mark.parametrize(
    ("provider", "backend", "public"),
    [
        ("ibm", "ibm_kyiv", True),
        ("IBM", "ibm_kyiv", True),
        ("quantinuum", "H2-1", True),
        ("iqm", "garnet", True),
        ("acme", "fridge_2", False),  # a lab's own device: not public data
        ("aer", "aer_simulator", False),
        ("ibm", "aer_simulator_statevector", False),
        ("quantinuum", "H1-1E", True),
        ("quantinuum", "H1-1-emulator", False),
        ("ibm", "fake_kyiv", False),
    ],
)
def test_public_devices(provider: str, backend: str, public: bool) -> None:
    assert is_public_device(provider, backend) is public


def test_a_public_run_is_published_anonymously() -> None:
    obs = public_observation_from_run(_doc())
    assert obs is not None
    assert obs.source.path == PUBLIC_RUN_PATH and obs.source.package == "quantumledger"
    assert "ab" * 32 not in msgspec.json.encode(obs).decode()  # the run's hash stays private
    assert obs.backend == "ibm_cairo" and obs.taken_at == "2024-03-25T15:22:31Z"
    assert obs.metrics["median_2q_error"] == pytest.approx(0.011)  # both directions of the coupler, averaged


def test_reproductions_and_private_devices_are_not_published() -> None:
    reproduction = _doc(lineage={"reproduction_of": "01JORIGINAL"})
    marked = _doc(reproduction={"days": 90, "profile": "bad_day"})
    private = _doc(backend={"provider": "acme", "name": "fridge_2", "num_qubits": 2})
    for doc in (reproduction, marked, private):
        assert public_observation_from_run(doc) is None and public_run_key(doc) is None
    derived = _doc(lineage={"derived_from": "01JPARENT", "reproduction_of": None})
    assert public_observation_from_run(derived) is not None


def test_the_cheap_key_is_the_observations_key() -> None:
    for doc in (_doc(), _doc(backend={"provider": "IBM", "name": "ibm_kyiv", "num_qubits": 127})):
        assert public_run_key(doc) == observation_from_run(doc).key
    assert run_snapshot_key("IBM", "alt_cairo", "2024-03-25T15:22:31.000Z") == "ibm/ibm_cairo@2024-03-25T15:22:31Z"


def test_the_projections_partial_decodes_see_what_the_rules_need() -> None:
    for doc in (_doc(), _doc(reproduction={"days": 1}), _doc(lineage={"reproduction_of": "01J"})):
        raw = msgspec.json.encode(doc)
        head = msgspec.json.decode(raw, type=RunHead).as_document()
        assert public_run_key(head) == public_run_key(doc)
    view = msgspec.json.decode(msgspec.json.encode(_doc()), type=RunView).as_document()
    assert public_observation_from_run(view) == public_observation_from_run(_doc())


def test_a_calibration_from_after_the_run_was_received_is_not_a_snapshot() -> None:
    doc = _doc()  # taken 2024-03-25T15:22:31Z
    assert public_run_key(doc, "2024-03-25T15:20:00Z") is not None  # within the clock skew
    assert public_observation_from_run(doc, "2025-01-01T00:00:00Z") is not None
    assert public_run_key(doc, "2024-03-25T15:10:00Z") is None
    assert public_observation_from_run(doc, "2024-03-01T00:00:00Z") is None
