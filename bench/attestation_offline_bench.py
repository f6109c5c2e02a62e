"""Verifying an attestation's evidence offline at 20,000 runs: time and memory, no server.

The evidence of a workspace of 20,000 runs (100,002 items, 38 MB) is built by the attestation
service's own domain code (evaluate, paginate, sign), written to a file, then verified as the
SDK does it (``quantumledger.verify_attestation(..., evidence=Path)``: the bundle read in blocks
of 256 KiB, each item re-hashed, the root and the bundle's digests recomputed), medians of
``ROUNDS``; the same evidence checked as the ledger's verify endpoint checks its stored pages
(``qlprov.attest.PagesCheck``, without the Object Store reads); and the peak of Python
allocations of each (tracemalloc, one separate run each: it slows what it measures), beside the
naive way (the whole file parsed, then checked: ``evidence=`` the items). Writes
``attestation_offline.json``.
"""

from __future__ import annotations

import json
import os
import statistics
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any

import msgspec
from qlprov import attest as q
from quantumledger import verify_attestation

from bench.common import write_results
from services.attestation.adapters.framework_files import load_catalog
from services.attestation.domain import (
    EnvironmentFacts,
    Keyring,
    RunFacts,
    WorkspaceSnapshot,
    evaluate_with_evidence,
    issue_attestation,
    paginate_evaluation,
)

__all__ = ["run"]

RUNS = 20_000
ROUNDS = 5


def _run(i: int) -> RunFacts:
    return RunFacts(
        run_id=f"01B{i:023d}",
        run_hash=f"{i:064x}",
        backend="ibm/ibm_kyiv",
        status="completed",
        program_format="openqasm3",
        environment=EnvironmentFacts(
            sdk_name="qiskit", sdk_version="2.6.1", python="3.11.9", packages={"qiskit": "2.6.1"}
        ),
        calibration_taken_at="2025-02-27T06:00:00Z",
        submitted_at="2025-02-27T14:00:00Z",
        completed_at="2025-02-27T14:03:10Z",
        transpiled=True,
        transpiled_format="openqasm3",
        seeds={} if i % 10 == 0 else {"seed_transpiler": 1234},
    )


def _cpu(fn: Callable[[], Any]) -> tuple[float, Any]:
    start = time.process_time()
    out = fn()
    return time.process_time() - start, out


def _peak(fn: Callable[[], Any]) -> int:
    tracemalloc.start()
    try:
        fn()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def run(results_dir: Path) -> dict[str, Any]:
    framework = load_catalog().get("reproducibility-baseline")
    assert framework is not None
    snapshot = WorkspaceSnapshot(
        workspace_id="ws_bench", as_of="2025-03-01T00:00:00Z", runs=[_run(i) for i in range(RUNS)]
    )
    evaluation = evaluate_with_evidence(snapshot, framework)
    stored = paginate_evaluation(evaluation)
    digest = {"sha256": stored.manifest.bundle.sha256, "blake3": stored.manifest.bundle.blake3}
    keyring = Keyring.from_private_key(bytes(range(32)))
    signed = issue_attestation(
        evaluation.result, keyring, attestation_id="01JBENCH", evaluated_at="t", issuer="x", subject_digest=digest
    )
    jwks = msgspec.json.encode(keyring.jwks())
    with tempfile.TemporaryDirectory(prefix="ql-offline-bench-") as tmp:
        bundle = Path(tmp) / "evidence.json"
        with bundle.open("wb") as f:
            for part in q.bundle_parts(stored.pages):
                f.write(part)
        envelope = msgspec.to_builtins(signed.envelope)

        def sdk() -> None:
            v = verify_attestation(envelope, jwks, evidence=bundle)
            if not v.valid:
                raise RuntimeError(f"the evidence does not verify: {v.errors}")

        def ledger() -> None:
            check = q.PagesCheck(signed.statement)
            for i, page in enumerate(stored.pages):
                check.add_page(i, page)
            if check.finish():
                raise RuntimeError("the stored pages do not verify")

        def whole() -> None:
            v = verify_attestation(envelope, jwks, evidence=json.loads(bundle.read_bytes()))
            if not v.valid:
                raise RuntimeError(f"the evidence does not verify: {v.errors}")

        sdk_s = [_cpu(sdk)[0] for _ in range(ROUNDS)]
        ledger_s = [_cpu(ledger)[0] for _ in range(ROUNDS)]
        whole_s = [_cpu(whole)[0] for _ in range(ROUNDS)]
        peaks = {"sdk_file_bytes": _peak(sdk), "whole_file_parsed_bytes": _peak(whole)}
        size = bundle.stat().st_size
    data = {
        "load_average_after": [round(x, 2) for x in os.getloadavg()],  # other work on the machine skews figures
        "runs": RUNS,
        "evidence_items": len(evaluation.result.evidence),
        "evidence_bytes": size,
        "rounds": ROUNDS,
        "figures": {
            "sdk_offline_verify_cpu_median_s": round(statistics.median(sdk_s), 2),
            "ledger_pages_check_cpu_median_s": round(statistics.median(ledger_s), 2),
            "whole_file_parsed_then_checked_cpu_median_s": round(statistics.median(whole_s), 2),
            "peak_python_allocations": peaks,
        },
    }
    write_results(results_dir, "attestation_offline", data)
    return data
