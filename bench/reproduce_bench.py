"""Reproduce latency vs the plain full-device Aer path, on a 127-qubit calibration (ibm_kyiv).

For the SDK's example runs (``quantumledger.examples``: Bell, GHZ-3, GHZ-5, GHZ-10 transpiled
for FakeKyiv, a real calibration snapshot), it times

* ``reproduce`` end to end (drift, restricted noise models, drifted + baseline re-runs, score,
  the new run document and its hash), cold (empty caches: both noise models built, both
  re-runs simulated) and warm (the undrifted baseline cached, as for repeated reproductions of
  one run: one model built, one re-run), with a new seed, hence a new drifted calibration,
  every time;
* the plain path: ``NoiseModel.from_backend`` of the whole device + ``AerSimulator.run`` of the
  127-qubit transpiled circuit (the model build and the run timed apart too);

and reports medians, the speed-up, and the Hellinger fidelity between the two paths' counts on
the undrifted device (they must agree to shot noise). ``run(results_dir)`` prints a table and
writes ``reproduce.json`` there.
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from qiskit import qasm3, transpile
from qiskit.providers import BackendV2
from qiskit.quantum_info import hellinger_fidelity
from qiskit_aer import AerSimulator
from qiskit_aer.noise import NoiseModel
from quantumledger.examples import DEFAULT_SEED, bell_bundle, bell_circuit, ghz_bundle, ghz_circuit, load_backend

from bench.common import write_results
from services.reproduce.domain import BaselineCache, NoiseModelCache, load_transpiled, reproduce, simulate_counts

__all__ = ["run"]

SHOTS = 4096
CIRCUITS = {"bell": 2, "ghz-3": 3, "ghz-5": 5, "ghz-10": 10}
REPRODUCE_REPEATS = 7
PLAIN_REPEATS = 3


def _median_seconds(fn: Callable[[int], Any], repeats: int) -> tuple[float, list[float]]:
    times = []
    for i in range(repeats):
        start = time.perf_counter()
        fn(i)
        times.append(time.perf_counter() - start)
    return statistics.median(times), times


def _bench_circuit(backend: BackendV2, name: str, n: int) -> dict[str, Any]:
    """One circuit: the SDK's example run on kyiv, reproduced; the plain path on the same circuit."""
    document = bell_bundle("kyiv", SHOTS) if n == 2 else ghz_bundle(n, "kyiv", SHOTS)
    circuit = bell_circuit() if n == 2 else ghz_circuit(n)
    # the same transpilation as the bundle's (optimization level 1, the bundle's seed)
    transpiled = transpile(circuit, backend, optimization_level=1, seed_transpiler=DEFAULT_SEED)
    physical = load_transpiled(document["transpiled"]["source"])  # parsed once, outside the timings
    if load_transpiled(qasm3.dumps(transpiled)).physical_qubits != physical.physical_qubits:
        raise RuntimeError("the plain path's transpiled circuit differs from the bundle's")
    counts: list[dict[str, int]] = []
    build_s: list[float] = []

    def plain(i: int) -> None:
        start = time.perf_counter()
        model = NoiseModel.from_backend(backend)
        build_s.append(time.perf_counter() - start)
        result = AerSimulator(noise_model=model, seed_simulator=i).run(transpiled, shots=SHOTS).result()
        counts.append(dict(result.get_counts()))

    plain_s, plain_all = _median_seconds(plain, PLAIN_REPEATS)
    restricted = simulate_counts(physical, document["calibration"], shots=SHOTS, seed=99)

    def cold(i: int) -> None:
        reproduce(
            document, days=30, profile="typical", seed=1000 + i, cache=NoiseModelCache(), baselines=BaselineCache(8)
        )

    warm_cache, warm_baselines = NoiseModelCache(), BaselineCache(8)
    reproduce(document, days=30, profile="typical", seed=1, cache=warm_cache, baselines=warm_baselines)

    def warm(i: int) -> None:
        reproduce(document, days=30, profile="typical", seed=2000 + i, cache=warm_cache, baselines=warm_baselines)

    cold_s, cold_all = _median_seconds(cold, REPRODUCE_REPEATS)
    warm_s, warm_all = _median_seconds(warm, REPRODUCE_REPEATS)
    outcome = reproduce(document, days=30, profile="typical", seed=7, cache=warm_cache, baselines=warm_baselines)
    from_backend_s = statistics.median(build_s)
    return {
        "circuit": name,
        "qubits": n,
        "physical_qubits": list(physical.physical_qubits),
        "reproduce_cold_s": cold_s,
        "reproduce_warm_s": warm_s,
        "plain_s": plain_s,
        "plain_from_backend_s": from_backend_s,
        "plain_run_s": plain_s - from_backend_s,
        "speedup_cold": plain_s / cold_s,
        "hellinger_plain_vs_restricted": hellinger_fidelity(counts[-1], restricted),
        "example_30d_typical": {
            "verdict": outcome.verdict,
            "hellinger_fidelity": outcome.hellinger_fidelity,
            "floor": outcome.floor,
            "baseline_fidelity": outcome.baseline_fidelity,
        },
        "samples_s": {"reproduce_cold": cold_all, "reproduce_warm": warm_all, "plain": plain_all},
    }


def run(results_dir: Path | str = Path(__file__).parent / "results") -> dict[str, Any]:
    """Run the benchmark, print a table, write ``reproduce.json`` to ``results_dir``."""
    backend = load_backend("kyiv")
    load_before = os.getloadavg()
    rows = [_bench_circuit(backend, name, n) for name, n in CIRCUITS.items()]
    _print_table(rows)
    report = {
        # the machine may be shared: timings of a loaded machine are not the code's
        "load_average_1m": {"before": load_before[0], "after": os.getloadavg()[0]},
        "device": "ibm_kyiv (FakeKyiv, 127 qubits, calibration 2025-02-26)",
        "shots": SHOTS,
        "repeats": {"reproduce": REPRODUCE_REPEATS, "plain": PLAIN_REPEATS},
        "results": rows,
    }
    write_results(Path(results_dir), "reproduce", report)
    return report


def _print_table(rows: list[dict[str, Any]]) -> None:
    header = (
        f"{'circuit':8} {'reproduce cold':>15} {'warm':>8} {'plain':>8} {'from_backend':>13} "
        f"{'aer run':>8} {'speed-up':>9} {'HF plain/restr.':>16}"
    )
    print(header)
    print("-" * len(header))
    for r in rows:
        print(
            f"{r['circuit']:8} {r['reproduce_cold_s'] * 1000:12.0f} ms {r['reproduce_warm_s'] * 1000:5.0f} ms "
            f"{r['plain_s']:6.2f} s {r['plain_from_backend_s']:11.2f} s {r['plain_run_s']:6.2f} s "
            f"{r['speedup_cold']:8.1f}x {r['hellinger_plain_vs_restricted']:16.4f}"
        )


if __name__ == "__main__":
    run(sys.argv[1] if len(sys.argv) > 1 else Path(__file__).parent / "results")
