"""Ingested runs: their calibration becomes a public observation of the device, and only that."""

from __future__ import annotations

import copy
import json
import statistics
from typing import Any

import pytest

from tests.fixtures import Stack
from tests.integration.leaderboard.conftest import Imported

pytestmark = pytest.mark.integration

_QUBITS = [(0, 61.5, 40.25, 0.021), (1, 55.0, 38.0, 0.034), (2, 70.75, 51.5, 0.018)]
_GATES = [
    ("prx", [0], 0.0009),
    ("prx", [1], 0.0012),
    ("prx", [2], 0.0007),
    ("cz", [0, 1], 0.0081),
    ("cz", [1, 2], 0.0123),
    ("move", [1, 2], 0.02),
]


def _run(provider: str, backend: str, taken_at: str, **extra: Any) -> dict[str, Any]:
    doc = {
        "schema": "qlprov/run/1.0",
        "created_at": "2025-06-02T09:00:00Z",
        "program": {"name": "bell", "format": "openqasm3", "source": f"// {provider}/{backend}\nOPENQASM 3.0;"},
        "backend": {"provider": provider, "name": backend, "num_qubits": 3},
        "calibration": {
            "taken_at": taken_at,
            "qubits": [{"qubit": q, "t1_us": t1, "t2_us": t2, "readout_error": ro} for q, t1, t2, ro in _QUBITS],
            "gates": [{"gate": g, "qubits": qs, "error": e, "duration_ns": 40.0} for g, qs, e in _GATES],
        },
        "execution": {"shots": 100, "status": "completed", "job_id": None, "submitted_at": None, "completed_at": None},
        "results": {"counts": {"00": 50, "11": 50}},
        "environment": {"sdk": {"name": "quantumledger", "version": "0.1.0"}, "packages": {}, "python": "3.11"},
    }
    doc.update(copy.deepcopy(extra))
    return doc


async def test_a_runs_calibration_is_an_observation_of_its_device(lb_stack: Stack, imported: Imported) -> None:
    tenant = await lb_stack.tenant()
    async with lb_stack.client(tenant) as c:
        first = await c.post("/api/v1/ingest/runs", json=_run("iqm", "sirius", "2025-06-01T07:30:00Z"))
        later = await c.post("/api/v1/ingest/runs", json=_run("iqm", "sirius", "2025-06-09T07:30:00+00:00"))
        assert first.status_code == later.status_code == 201, first.text
    await lb_stack.wait_caught_up("leaderboard")
    async with lb_stack.client() as anonymous:
        board = (await anonymous.get("/api/v1/leaderboard", params={"metric": "median_2q_error"})).json()
        trend = await anonymous.get(
            "/api/v1/backends/iqm/sirius/trend", params={"metric": "median_t1", "bucket": "week"}
        )
    row = next(r for r in board["rows"] if r["backend"] == "sirius")
    assert row["value"] == pytest.approx(statistics.median([0.0081, 0.0123]))  # cz only: move is not a gate
    assert row["snapshot_time"] == "2025-06-09T07:30:00Z" and row["qubits"] == 3  # the latest of the two
    assert row["source"] == {"package": "quantumledger", "version": "0.1.0", "path": "run"}
    assert trend.status_code == 200
    weeks = trend.json()["buckets"]
    assert [b["start"] for b in weeks] == ["2025-05-26T00:00:00Z", "2025-06-09T00:00:00Z"]  # ISO weeks (Mondays)
    assert weeks[0]["median"] == pytest.approx(61.5) and weeks[0]["n"] == 1
    public = json.dumps(board) + trend.text
    for reply in (first.json(), later.json()):  # nothing of the tenant leaks into the public answers
        assert reply["run_hash"] not in public and reply["run_id"] not in public
    assert tenant.workspace_id not in public and tenant.org_id not in public


async def test_private_devices_simulators_future_dates_and_reproductions_stay_out(
    lb_stack: Stack, imported: Imported
) -> None:
    tenant = await lb_stack.tenant()
    runs = {
        "acme/fridge_2": _run("acme", "fridge_2", "2025-06-01T00:00:00Z"),
        "aer/aer_simulator": _run("aer", "aer_simulator", "2025-06-01T00:00:00Z"),
        "ibm/ibm_nazca": _run("ibm", "ibm_nazca", "2031-01-01T00:00:00Z"),  # dated after it was received
        "ibm/ibm_osaka": _run(
            "ibm",
            "ibm_osaka",
            "2031-01-01T00:00:00Z",  # a drifted, synthetic calibration
            lineage={"reproduction_of": "01JREPRODUCED0000000000000"},
        ),
    }
    async with lb_stack.client(tenant) as c:
        for doc in runs.values():
            assert (await c.post("/api/v1/ingest/runs", json=doc)).status_code == 201
    await lb_stack.wait_caught_up("leaderboard")
    async with lb_stack.client() as anonymous:
        board = (await anonymous.get("/api/v1/leaderboard", params={"metric": "num_qubits"})).json()
        kept_out = ("acme/fridge_2", "aer/aer_simulator", "ibm/ibm_nazca")
        gone = [await anonymous.get(f"/api/v1/backends/{d}/trend") for d in kept_out]
        osaka = (await anonymous.get("/api/v1/backends/ibm/ibm_osaka/trend")).json()
    devices = {f"{r['provider']}/{r['backend']}" for r in board["rows"]} | set(board["left_out"])
    assert devices.isdisjoint(kept_out)
    assert all(r.status_code == 404 for r in gone)
    assert gone[0].headers["content-type"].startswith("application/problem+json")
    assert all(b["start"] < "2031" for b in osaka["buckets"])  # the corpus' osaka only
