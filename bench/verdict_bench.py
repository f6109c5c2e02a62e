"""The verdict's error rates: false "drifted" at days = 0 and power against ``bad_day``.

Runs of the SDK's examples on ibm_kyiv (a real calibration snapshot, 4096 shots): two 1-qubit
circuits (H, and X, measured: 2 outcomes), Bell, GHZ-3 and GHZ-5.

* **False alarms at days = 0.** The device is unchanged: the original and the re-run are two
  independent samples of the run's circuit under its own calibration (cut from one Aer run with
  per-shot memory; ``VERDICT_BENCH_SEEDS``, default 1000, pairs per circuit: a rate of 1 % is then
  measured to ±0.3 %), judged by the
  service's own ``judge`` at alpha = 0.01 (what ``reproduce`` does after simulating; the first
  ``VERDICT_BENCH_CHECKS`` seeds also go through ``reproduce`` end to end). Reported: the share
  called "drifted" (never possible at days = 0: the re-run is the baseline), the share called
  anything but "reproduced" (the test's real false-alarm rate, ``model_mismatch`` here; target
  at most alpha + 1 %), and, for comparison, how often the previous rule (1 - HF > 3 x the null's
  mean) would have said "drifted" on the same pairs.
* **Power.** The SDK's own run reproduced under ``bad_day`` at 30 and 365 days
  (``VERDICT_BENCH_POWER_SEEDS``, default 40): the share whose verdict is "drifted" or "failed";
  ``typical`` too, for scale. (The H circuit is blind to most drift: its outcome stays 50/50.)

``run(results_dir)`` prints the figures and writes ``verdict.json``; a few minutes on 2 cores.
"""

from __future__ import annotations

import copy
import os
import time
from pathlib import Path
from typing import Any

from qiskit_aer import AerSimulator
from quantumledger.examples import bell_bundle, ghz_bundle

from bench.common import write_results
from services.reproduce.domain import (
    BaselineCache,
    NoiseModelCache,
    build_noise_model,
    load_transpiled,
    normalize_counts,
    reproduce,
    simulate_counts,
)
from services.reproduce.domain.reproduce import REFERENCE_FACTOR, derived_seeds, judge

__all__ = ["run"]

SHOTS = 4096
ALPHA = 0.01


def _one_qubit(bell: dict[str, Any], gates: str) -> dict[str, Any]:
    """A 1-qubit run on the Bell run's first qubit (2 outcomes)."""
    doc = copy.deepcopy(bell)
    doc["transpiled"]["source"] = (
        f'OPENQASM 3.0;\ninclude "stdgates.inc";\nbit[1] meas;\n{gates}meas[0] = measure $0;\n'
    )
    doc["results"]["counts"] = _samples(doc, 1, seed=11)[0]  # its "original": a sample of the device
    return doc


def _documents() -> dict[str, dict[str, Any]]:
    bell = bell_bundle("kyiv", SHOTS)
    return {
        "1-qubit-h": _one_qubit(bell, "rz(pi/2) $0;\nsx $0;\nrz(pi/2) $0;\n"),
        "1-qubit-x": _one_qubit(bell, "x $0;\n"),
        "bell": bell,
        "ghz-3": ghz_bundle(3, "kyiv", SHOTS),
        "ghz-5": ghz_bundle(5, "kyiv", SHOTS),
    }


def _samples(doc: dict[str, Any], n: int, seed: int, batch: int = 100) -> list[dict[str, int]]:
    """``n`` independent samples of SHOTS shots of the run's circuit under its own calibration: Aer
    runs of ``batch`` x SHOTS shots with per-shot memory, cut in samples (Aer's shots are independent)."""
    physical = load_transpiled(doc["transpiled"]["source"])
    model = build_noise_model(doc["calibration"], physical.physical_qubits)
    width = physical.circuit.num_clbits
    out: list[dict[str, int]] = []
    for start in range(0, n, batch):
        size = min(batch, n - start)
        memory = (
            AerSimulator(noise_model=model, seed_simulator=seed + start)
            .run(physical.circuit, shots=size * SHOTS, memory=True)
            .result()
            .get_memory()
        )
        for i in range(size):
            counts: dict[str, int] = {}
            for key in memory[i * SHOTS : (i + 1) * SHOTS]:
                counts[key] = counts.get(key, 0) + 1
            out.append(normalize_counts(counts, width))
    return out


def _false_alarms(doc: dict[str, Any], seeds: int, checks: int, cache: NoiseModelCache) -> dict[str, Any]:
    """At days = 0 the verdict is ``judge`` on (original, re-run of the recorded calibration): both
    are samples of the unchanged device. ``checks`` seeds also go through ``reproduce`` end to end."""
    samples = _samples(doc, 2 * seeds + REFERENCE_FACTOR, seed=7)
    reference: dict[str, int] = {}  # as reproduce's reference: 16 x the run's shots of the same device
    for extra in samples[2 * seeds :]:
        for key, value in extra.items():
            reference[key] = reference.get(key, 0) + value
    verdicts: dict[str, int] = {}
    old_rule = 0
    for seed in range(seeds):
        first, second = samples[2 * seed], samples[2 * seed + 1]
        out = judge(first, second, None, reference=reference, alpha=ALPHA, seeds=derived_seeds(seed))
        verdicts[out["verdict"]] = verdicts.get(out["verdict"], 0) + 1
        old_rule += (1 - out["hellinger_fidelity"]) > 3 * out["floor"]
    physical = load_transpiled(doc["transpiled"]["source"])
    end_to_end: dict[str, int] = {}
    for seed in range(checks):
        original: dict[str, Any] = copy.deepcopy(doc)
        original["results"]["counts"] = simulate_counts(
            physical, doc["calibration"], shots=SHOTS, seed=1_000_000 + seed, cache=cache
        )
        verdict = reproduce(original, days=0, profile="typical", seed=seed, alpha=ALPHA, cache=cache).verdict
        end_to_end[verdict] = end_to_end.get(verdict, 0) + 1
    not_reproduced = seeds - verdicts.get("reproduced", 0)
    return {
        "seeds": seeds,
        "verdicts": verdicts,
        "false_drifted_rate": verdicts.get("drifted", 0) / seeds,
        "false_alarm_rate": not_reproduced / seeds,
        "within_target": not_reproduced / seeds <= ALPHA + 0.01,
        "old_rule_drifted_rate": old_rule / seeds,
        "end_to_end": {"seeds": checks, "verdicts": end_to_end},
    }


def _power(doc: dict[str, Any], profile: str, days: int, seeds: int, cache: NoiseModelCache) -> dict[str, Any]:
    baselines = BaselineCache(4)
    verdicts: dict[str, int] = {}
    for seed in range(seeds):
        out = reproduce(doc, days=days, profile=profile, seed=seed, alpha=ALPHA, cache=cache, baselines=baselines)
        verdicts[out.verdict] = verdicts.get(out.verdict, 0) + 1
    return {
        "seeds": seeds,
        "verdicts": verdicts,
        "power": (verdicts.get("drifted", 0) + verdicts.get("failed", 0)) / seeds,
    }


def run(results_dir: Path) -> dict[str, Any]:
    seeds = int(os.environ.get("VERDICT_BENCH_SEEDS", "1000"))
    power_seeds = int(os.environ.get("VERDICT_BENCH_POWER_SEEDS", "40"))
    checks = int(os.environ.get("VERDICT_BENCH_CHECKS", "20"))
    cache = NoiseModelCache()
    started = time.perf_counter()
    circuits: dict[str, Any] = {}
    for name, doc in _documents().items():
        t0 = time.perf_counter()
        row: dict[str, Any] = {"days_0": _false_alarms(doc, seeds, checks, cache)}
        for profile in ("bad_day", "typical"):
            for days in (30, 365):
                row[f"{profile}_{days}"] = _power(doc, profile, days, power_seeds, cache)
        row["seconds"] = round(time.perf_counter() - t0, 1)
        circuits[name] = row
        f = row["days_0"]
        print(
            f"{name:8s} days 0: false drifted {f['false_drifted_rate']:.3f}, any alarm {f['false_alarm_rate']:.3f}"
            f" (old rule {f['old_rule_drifted_rate']:.3f}); power bad_day 30 d {row['bad_day_30']['power']:.2f},"
            f" 365 d {row['bad_day_365']['power']:.2f}; typical 30 d {row['typical_30']['power']:.2f},"
            f" 365 d {row['typical_365']['power']:.2f} ({row['seconds']} s)",
            flush=True,
        )
    data = {
        "alpha": ALPHA,
        "shots": SHOTS,
        "device": "ibm_kyiv (qiskit-ibm-runtime fake_provider snapshot)",
        "drift_model": "ql-drift/2.0",
        "circuits": circuits,
        "seconds": round(time.perf_counter() - started, 1),
    }
    write_results(results_dir, "verdict", data)
    return data
