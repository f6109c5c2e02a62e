"""Smoke: HTTP → ingest → JetStream → provenance read model → HTTP."""

from __future__ import annotations

import pytest

from tests.fixtures import Stack

pytestmark = pytest.mark.integration


def tiny_bundle(tag: str) -> dict:
    return {
        "schema": "qlprov/run/1.0",
        "created_at": "2025-02-26T10:00:00Z",
        "program": {"name": "bell", "format": "openqasm3", "source": f"// {tag}\nOPENQASM 3.0;"},
        "backend": {"provider": "ibm", "name": "ibm_kyiv", "num_qubits": 127},
        "calibration": {
            "taken_at": "2025-02-26T08:00:00Z",
            "qubits": [{"qubit": 0, "t1_us": 250.5, "t2_us": None, "readout_error": 0.012}],
            "gates": [{"gate": "ecr", "qubits": [0, 1], "error": 0.0071, "duration_ns": 660.0}],
        },
        "execution": {
            "shots": 4096,
            "status": "completed",
            "job_id": "j1",
            "submitted_at": "2025-02-26T10:00:00Z",
            "completed_at": "2025-02-26T10:01:00Z",
        },
        "results": {"counts": {"00": 2000, "11": 2096}},
        "environment": {"sdk": {"name": "quantumledger-sdk", "version": "0.1.0"}, "packages": {}, "python": "3.11.7"},
    }


async def test_ingest_list_get(stack: Stack) -> None:
    t = await stack.tenant()
    async with stack.client(t) as c:
        r = await c.post("/api/v1/ingest/runs", json=tiny_bundle("a"))
        assert r.status_code == 201, r.text
        out = r.json()
        assert out["deduplicated"] is False
        r2 = await c.post("/api/v1/ingest/runs", json=tiny_bundle("a"))
        assert r2.json() == {**out, "deduplicated": True}
        await stack.wait_caught_up("provenance")
        runs = (await c.get("/api/v1/runs")).json()
        assert [x["run_id"] for x in runs] == [out["run_id"]]
        assert runs[0]["backend"] == "ibm/ibm_kyiv"
        doc = (await c.get(f"/api/v1/runs/{out['run_id']}")).json()
        from qlcore.hashing import run_hash

        assert doc["run_hash"] == out["run_hash"] == run_hash(doc)
