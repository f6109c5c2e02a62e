"""Reproduce end to end: ``POST /api/v1/runs/{id}/reproduce`` through the gateway of a stack
started as `make run` starts it (separate processes: gateway → NATS → reproduce worker via the
JetStream work queue → ingest → run log → answer), for GHZ-3 on a 127-qubit calibration
(ibm_kyiv, 4096 shots), next to the plain path on the same circuit: ``NoiseModel.from_backend``
of the whole device + ``AerSimulator.run`` of the 127-qubit transpiled circuit.

Targets (issue 5): the end-to-end median < 0.5 s, and >= 10x faster than the plain path.

Each request uses a new seed, hence a new drifted device and a new restricted noise model; the
undrifted baseline is cached after the first request (``e2e_first_request_s``: that first one,
right after start-up, with nothing cached). ``run(results_dir)`` prints a table and writes ``reproduce_e2e.json``.
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from pathlib import Path
from typing import Any

import httpx

from bench.common import percentile, running_stack, write_results

__all__ = ["run"]

TARGETS = {"e2e_median_s": 0.5, "speedup": 10.0}
SHOTS = 4096
REQUESTS = 15
PLAIN_REPEATS = 3


def _plain(document: dict[str, Any]) -> tuple[float, float]:
    """Median seconds of the plain path (model build + run) and of the model build alone."""
    from qiskit import transpile
    from qiskit_aer import AerSimulator
    from qiskit_aer.noise import NoiseModel
    from quantumledger.examples import DEFAULT_SEED, ghz_circuit, load_backend

    backend = load_backend("kyiv")
    transpiled = transpile(ghz_circuit(3), backend, optimization_level=1, seed_transpiler=DEFAULT_SEED)
    total, build = [], []
    for i in range(PLAIN_REPEATS):
        start = time.perf_counter()
        model = NoiseModel.from_backend(backend)
        build.append(time.perf_counter() - start)
        AerSimulator(noise_model=model, seed_simulator=i).run(transpiled, shots=SHOTS).result()
        total.append(time.perf_counter() - start)
    if document["backend"]["num_qubits"] != backend.num_qubits:
        raise RuntimeError("the plain path must run on the bundle's device")
    return statistics.median(total), statistics.median(build)


def _post(c: httpx.Client, run_id: str, seed: int) -> tuple[float, dict[str, Any]]:
    start = time.perf_counter()
    r = c.post(f"/api/v1/runs/{run_id}/reproduce", json={"days": 30, "profile": "typical", "seed": seed})
    elapsed = time.perf_counter() - start
    if r.status_code != 200:
        raise RuntimeError(f"reproduce answered {r.status_code}: {r.text[:300]}")
    return elapsed, r.json()


def _end_to_end(document: dict[str, Any]) -> dict[str, Any]:
    with running_stack() as s, httpx.Client(base_url=s.base_url, headers=s.headers, timeout=120) as c:
        r = c.post("/api/v1/ingest/runs", json=document)
        r.raise_for_status()
        run_id = r.json()["run_id"]
        # the first job after start-up: nothing cached (noise models, the undrifted baseline), and the
        # worker's warm-up (importing qiskit and Aer) may still be running when the stack reports healthy
        first_s, _ = _post(c, run_id, 0)
        samples, verdicts = [], {}
        for i in range(REQUESTS):
            elapsed, out = _post(c, run_id, 100 + i)
            samples.append(elapsed)
            verdicts[out["verdict"]] = verdicts.get(out["verdict"], 0) + 1
    return {"first_request_s": first_s, "samples_s": samples, "verdicts": verdicts}


def run(results_dir: Path | str = Path(__file__).parent / "results") -> dict[str, Any]:
    from quantumledger.examples import ghz_bundle

    document = ghz_bundle(3, backend="kyiv", shots=SHOTS)
    document.pop("run_hash", None)
    load_before = os.getloadavg()[0]
    e2e = _end_to_end(document)
    plain_s, from_backend_s = _plain(document)
    median = statistics.median(e2e["samples_s"])
    report = {
        "load_average_1m": {"before": load_before, "after": os.getloadavg()[0]},
        "device": "ibm_kyiv (FakeKyiv, 127 qubits, calibration 2025-02-26)",
        "circuit": "ghz-3",
        "shots": SHOTS,
        "request": {"days": 30, "profile": "typical", "seed": "new each time"},
        "e2e_median_s": median,
        "e2e_p90_s": percentile(e2e["samples_s"], 0.9),
        "e2e_first_request_s": e2e["first_request_s"],
        "plain_s": plain_s,
        "plain_from_backend_s": from_backend_s,
        "speedup": plain_s / median,
        "targets": TARGETS,
        "meets_targets": median < TARGETS["e2e_median_s"] and plain_s / median >= TARGETS["speedup"],
        "verdicts": e2e["verdicts"],
        "samples_s": e2e["samples_s"],
    }
    print(
        f"POST /reproduce GHZ-3 on kyiv, end to end: median {median * 1000:.0f} ms, "
        f"p90 {report['e2e_p90_s'] * 1000:.0f} ms, first request {e2e['first_request_s'] * 1000:.0f} ms"
    )
    print(
        f"plain NoiseModel.from_backend + AerSimulator: {plain_s:.2f} s (model {from_backend_s:.2f} s); "
        f"speed-up {report['speedup']:.1f}x"
    )
    write_results(Path(results_dir), "reproduce_e2e", report)
    return report


if __name__ == "__main__":
    run(sys.argv[1] if len(sys.argv) > 1 else Path(__file__).parent / "results")
