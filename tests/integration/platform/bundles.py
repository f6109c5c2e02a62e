"""Small valid bundles for platform tests (real-data bundles come from quantumledger.examples)."""

from __future__ import annotations

import copy
from typing import Any

_BASE: dict[str, Any] = {
    "schema": "qlprov/run/1.0",
    "created_at": "2025-02-26T10:00:00Z",
    "program": {
        "name": "bell",
        "format": "openqasm3",
        "source": 'OPENQASM 3.0;\ninclude "stdgates.inc";\nqubit[2] q;\nbit[2] c;\nh q[0];\ncx q[0], q[1];\n'
        "c = measure q;\n",
    },
    "backend": {"provider": "ibm", "name": "ibm_kyiv", "num_qubits": 127},
    "calibration": {
        "taken_at": "2025-02-26T08:00:00Z",
        "qubits": [
            {"qubit": 0, "t1_us": 250.5, "t2_us": None, "readout_error": 0.012},
            {"qubit": 1, "t1_us": 180.25, "t2_us": 95.0, "readout_error": 0.0205},
        ],
        "gates": [{"gate": "ecr", "qubits": [0, 1], "error": 0.0071, "duration_ns": 660.0}],
    },
    "execution": {
        "shots": 4096,
        "status": "completed",
        "job_id": "job-1",
        "submitted_at": "2025-02-26T10:00:00Z",
        "completed_at": "2025-02-26T10:01:00Z",
    },
    "results": {"counts": {"00": 2000, "11": 2096}},
    "environment": {
        "sdk": {"name": "quantumledger-sdk", "version": "0.1.0"},
        "packages": {"qiskit": "2.6.1"},
        "python": "3.11.7",
    },
}


def bundle(
    i: int | str = 0,
    *,
    created_at: str | None = None,
    backend: str = "ibm_kyiv",
    status: str = "completed",
    **extra: Any,
) -> dict[str, Any]:
    b = copy.deepcopy(_BASE)
    b["execution"]["job_id"] = f"job-{i}"
    b["execution"]["status"] = status
    b["backend"]["name"] = backend
    if created_at:
        b["created_at"] = created_at
    b.update(extra)
    return b
