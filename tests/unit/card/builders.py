"""Builders of realistic test data: a GHZ-3 run document as the SDK would send it."""

from __future__ import annotations

from typing import Any

from qlprov.hashing import run_hash

__all__ = ["BASE_URL", "GHZ3", "ghz_document"]

BASE_URL = "https://ql.example.org"

GHZ3 = """OPENQASM 3.0;
include "stdgates.inc";
qubit[3] q;
bit[3] c;
h q[0];
cx q[0], q[1];
cx q[1], q[2];
c = measure q;
"""


def ghz_document(*, counts: dict[str, int] | None = None, backend: str = "ibm_kyiv") -> dict[str, Any]:
    """A qlprov/run/1.0 document of a GHZ-3 run (counts in the shape IBM returns them)."""
    document: dict[str, Any] = {
        "schema": "qlprov/run/1.0",
        "created_at": "2026-11-20T09:30:00Z",
        "program": {"name": "ghz_3", "format": "openqasm3", "source": GHZ3},
        "backend": {"provider": "ibm", "name": backend, "num_qubits": 127},
        "calibration": {
            "taken_at": "2026-11-20T08:00:00Z",
            "qubits": [{"qubit": q, "t1_us": 250.0 + q, "t2_us": 120.0, "readout_error": 0.012} for q in range(3)],
            "gates": [{"gate": "ecr", "qubits": [0, 1], "error": 0.0071, "duration_ns": 660.0}],
        },
        "execution": {
            "shots": 4096,
            "status": "completed",
            "job_id": "d1abc",
            "submitted_at": "2026-11-20T09:00:00Z",
            "completed_at": "2026-11-20T09:29:00Z",
        },
        "results": {"counts": counts or {"000": 1980, "111": 1902, "001": 61, "110": 58, "011": 50, "100": 45}},
        "environment": {
            "sdk": {"name": "quantumledger", "version": "0.1.0"},
            "packages": {"qiskit": "2.6.1"},
            "python": "3.11.9",
        },
    }
    document["run_hash"] = run_hash(document)
    return document
