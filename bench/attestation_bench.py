"""Attestations of a large workspace: issue, verify and evidence download latency at 20,000 runs.

A stack started as `make run` starts it (separate processes, every service), 20,000 small valid
runs appended to the run log in bulk (a document entry, then its ``run.ingested``: decision
0008), the reproducibility baseline enabled and evaluated once. Then, over HTTP, medians of several rounds:

* ``issue``: ``POST /workspaces/{ws}/attestations`` (evaluate the 100,000 evidence items again,
  store them as pages in the Object Store, sign, log; the state is unchanged, so no new evaluation
  is recorded);
* ``verify``: ``GET /attestations/{id}/verify`` (signature, and every page checked against the
  signed statement);
* ``evidence``: ``GET /attestations/{id}/evidence`` (the 38 MB bundle streamed by the gateway);

with the CPU the attestation service spent on each issue. Writes ``attestation.json``.
"""

from __future__ import annotations

import asyncio
import os
import statistics
import time
from pathlib import Path
from typing import Any

import httpx
import msgspec
from qlcore import rpc
from qlcore.bus import connect
from qlcore.events import RunIngested
from qlprov.hashing import canonical_body, digest_hex

from bench.common import RunningStack, running_stack, write_results

__all__ = ["run"]

RUNS = 20_000
ROUNDS = 5
FRAMEWORK = "reproducibility-baseline"


def _document(i: int) -> dict[str, Any]:
    """A small valid qlprov/run/1.0 document that passes the baseline's run controls."""
    return {
        "schema": "qlprov/run/1.0",
        "created_at": "2025-02-26T10:00:00Z",
        "program": {"name": "bell", "format": "openqasm3", "source": f"// {i}\nOPENQASM 3.0;\nqubit[2] q;\n"},
        "backend": {"provider": "ibm", "name": "ibm_kyiv", "num_qubits": 127},
        "calibration": {
            "taken_at": "2025-02-26T08:00:00Z",
            "qubits": [{"qubit": 0, "t1_us": 250.5, "t2_us": 120.0, "readout_error": 0.012}],
            "gates": [{"gate": "ecr", "qubits": [0, 1], "error": 0.0071, "duration_ns": 660.0}],
        },
        "execution": {
            "shots": 4096,
            "status": "completed",
            "job_id": f"job-{i:08d}",
            "submitted_at": "2025-02-26T10:00:00Z",
            "completed_at": "2025-02-26T10:01:00Z",
        },
        "results": {"counts": {"00": 2000, "11": 2096}},
        "environment": {"sdk": {"name": "quantumledger-sdk", "version": "0.1.0"}, "python": "3.11.7"}
        | {"packages": {"qiskit": "2.6.1", "qiskit-aer": "0.18.2"}},
        "transpiled": {"format": "openqasm3", "source": "OPENQASM 3.0;\n", "seed_transpiler": 1234},
    }


async def _append_runs(s: RunningStack, workspace_id: str) -> None:
    bus = await connect(s.settings, "bench-bulk")
    try:
        for start in range(0, RUNS, 1000):
            bodies = [canonical_body(_document(i)) for i in range(start, min(RUNS, start + 1000))]
            acks = await asyncio.gather(
                *(bus.js.publish(s.settings.document_subject, b, stream=s.settings.stream) for b in bodies)
            )
            await asyncio.gather(
                *(
                    bus.append(
                        RunIngested.new(
                            actor="bench",
                            workspace_id=workspace_id,
                            run_id=f"01B{start + j:023d}",
                            run_hash=digest_hex(body),
                            head=msgspec.Raw(body),
                            received_at="2025-02-26T10:02:00Z",
                            document_seq=ack.seq,
                        )
                    )
                    for j, (body, ack) in enumerate(zip(bodies, acks, strict=True))
                )
            )
        deadline = time.monotonic() + 600
        while time.monotonic() < deadline:
            st = (await rpc.call(bus.nc, s.settings, "attestation", "ops.status", timeout=10)).json()
            if st["lag"] == 0:
                return
            await asyncio.sleep(0.5)
        raise TimeoutError("the attestation read model did not catch up")
    finally:
        await bus.close()


def _timed(fn: Any) -> tuple[float, Any]:
    start = time.perf_counter()
    out = fn()
    return time.perf_counter() - start, out


def run(results_dir: Path) -> dict[str, Any]:
    with running_stack() as s, httpx.Client(base_url=s.base_url, headers=s.headers, timeout=300) as c:
        workspace_id = c.get("/api/v1/me").json()["workspace"]["id"]
        ws = f"/api/v1/workspaces/{workspace_id}"
        load_s, _ = _timed(lambda: asyncio.run(_append_runs(s, workspace_id)))
        c.post(f"{ws}/frameworks/{FRAMEWORK}/enable").raise_for_status()
        evaluate_s, r = _timed(lambda: c.post(f"{ws}/compliance/evaluate"))
        r.raise_for_status()
        evidence_count = r.json()["frameworks"][0]["evidence_count"]
        issue, verify, download, cpu = [], [], [], []
        for _ in range(ROUNDS):
            before = s.cpu_seconds()["attestation"]
            seconds, r = _timed(lambda: c.post(f"{ws}/attestations", json={"framework_id": FRAMEWORK}))
            r.raise_for_status()
            cpu.append(s.cpu_seconds()["attestation"] - before)
            issue.append(seconds)
            att = r.json()
            verify_url = f"/api/v1/attestations/{att['attestation_id']}/verify"
            seconds, v = _timed(lambda url=verify_url: c.get(url).json())
            if not v["valid"]:
                raise RuntimeError(f"the attestation does not verify: {v['errors']}")
            verify.append(seconds)
            seconds, bundle = _timed(lambda url=att["evidence"]["url"]: c.get(url))
            if len(bundle.content) != att["evidence"]["bytes"]:
                raise RuntimeError("the evidence download is incomplete")
            download.append(seconds)
    data = {
        "load_average_after": [round(x, 2) for x in os.getloadavg()],  # other work on the machine skews figures
        "runs": RUNS,
        "evidence_items": evidence_count,
        "evidence_bytes": att["evidence"]["bytes"],
        "rounds": ROUNDS,
        "figures": {
            "bulk_append_and_project_s": round(load_s, 1),
            "first_evaluate_s": round(evaluate_s, 2),
            "issue_median_s": round(statistics.median(issue), 2),
            "issue_attestation_cpu_median_s": round(statistics.median(cpu), 2),
            "verify_median_s": round(statistics.median(verify), 2),
            "evidence_download_median_s": round(statistics.median(download), 2),
            "issue_s": [round(x, 2) for x in issue],
        },
    }
    write_results(results_dir, "attestation", data)
    return data
