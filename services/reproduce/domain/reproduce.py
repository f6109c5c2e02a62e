"""``reproduce``: re-run a stored run against its device drifted by ``days``, and score it.

One call drifts the recorded calibration (:mod:`.drift`), re-runs the stored transpiled
circuit on Aer with a noise model of only the qubits it uses (:mod:`.noise`) and the original
number of shots, and scores the new counts against the original ones (:mod:`.score`). It also
re-runs the undrifted device (the *baseline*): how well the model reproduces the original at
all, and whether the drift's own effect (baseline vs drifted) stands out of the shot noise.

Everything is a pure function of (document, days, profile, seed, created_at): the seed drives
the drift and, through derived seeds, the drifted re-run and the null-floor draws; the
baseline's seed is derived from what it simulates (see :mod:`.rerun`). A redelivered job
therefore reproduces the same document and hash.

The verdict is two tests at level ``alpha`` (:func:`.score.null_test`), both against the null
"one distribution": the recorded calibration's, estimated by a simulation with 16 times the run's
shots (the *reference*, cached per run like the baseline):

1. the original against the baseline. If it rejects, the noise model of the run's own
   calibration does not explain the original result: the verdict is ``model_mismatch`` and no
   drift is blamed (``baseline_p_value``, ``baseline_threshold``, ``explanation``);
2. the original against the drifted re-run: ``reproduced`` unless it rejects, then ``drifted``
   (``failed`` below HF 0.90). At ``days = 0`` the re-run is the baseline, so only test 1 runs.

``detectable`` is test 2's rejection (the re-run differs from the original beyond shot noise at
``alpha``): it agrees with the verdict by construction, and is None for ``model_mismatch``.
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Mapping
from typing import Any

import msgspec
import numpy as np
from qiskit.quantum_info import hellinger_fidelity
from qlprov.hashing import run_hash

from .calibration import check_calibration
from .circuit import CircuitNotRunnable, load_transpiled
from .document import NOISE_MODEL_VERSION, build_reproduction_document
from .drift import (
    DEFAULT_ALPHA,
    DRIFT_MODEL_VERSION,
    drift_calibration,
    get_profile,
    validate_alpha,
    validate_days,
    validate_seed,
)
from .errors import MissingCircuit, MissingCounts, ReproduceInputError
from .noise import NoiseModelCache, default_cache
from .rerun import BaselineCache, baseline_counts, default_baselines, normalize_counts, simulate_counts
from .score import NullTest, Verdict, null_test, verdict_for

#: the null's reference: the recorded calibration simulated with this many times the run's shots
#: (a plug-in from the two samples themselves under-weights rare outcomes: GHZ-5 at 4096 shots gave
#: 1.2-2 % false alarms at alpha = 1 %)
REFERENCE_FACTOR = 16
MAX_REFERENCE_SHOTS = 262_144

__all__ = ["ReproductionOutcome", "check_inputs", "derived_seeds", "judge", "mismatch_sentence", "reproduce"]


class ReproductionOutcome(msgspec.Struct, frozen=True):
    """The reproduction's run document and its score against the original."""

    document: dict[str, Any]
    run_hash: str
    verdict: Verdict
    hellinger_fidelity: float
    floor: float  # expected 1 - HF from shot noise alone (see score.py)
    baseline_fidelity: float  # HF(original, re-run of the undrifted device)
    drift_effect: float  # 1 - HF(undrifted re-run, drifted re-run)
    detectable: bool | None  # the re-run differs from the original beyond shot noise at alpha
    days: float
    profile: str
    seed: int
    error: str | None = None  # why the circuit could not run (verdict "failed")
    alpha: float = DEFAULT_ALPHA
    p_value: float | None = None  # of 1 - HF(original, re-run) under the null (test 2, or 1 at days 0)
    threshold: float | None = None  # its (1 - alpha) null quantile: rejected when 1 - HF > threshold
    baseline_p_value: float | None = None  # test 1: original against the undrifted re-run
    baseline_threshold: float | None = None
    explanation: str | None = None  # one sentence for a model_mismatch verdict


def derived_seeds(seed: int) -> dict[str, int]:
    """Independent 32-bit seeds for each random step of a reproduction, derived from ``seed``."""
    state = np.random.SeedSequence(seed).generate_state(3)
    return dict(zip(("simulator", "floor", "baseline"), map(int, state), strict=True))


def _inputs(document: Any) -> tuple[dict[str, Any], dict[str, int], int, Mapping[str, Any]]:
    if not isinstance(document, Mapping):
        raise ReproduceInputError("the run document must be a JSON object")
    calibration = check_calibration(document.get("calibration"))
    results = document.get("results")
    counts = results.get("counts") if isinstance(results, Mapping) else None
    if not isinstance(counts, Mapping) or not counts:
        raise MissingCounts("the run has no counts to compare a reproduction with")
    if not all(isinstance(v, int) and not isinstance(v, bool) and v >= 0 for v in counts.values()):
        raise MissingCounts("counts must be non-negative integers")
    if sum(counts.values()) == 0:
        raise MissingCounts("the run's counts are all zero")
    execution = document.get("execution")
    shots = execution.get("shots") if isinstance(execution, Mapping) else None
    if not isinstance(shots, int) or isinstance(shots, bool) or shots < 1:
        shots = sum(counts.values())
    transpiled = document.get("transpiled")
    if not isinstance(transpiled, Mapping) or not isinstance(transpiled.get("source"), str):
        raise MissingCircuit("the run has no transpiled circuit bound to the device's qubits")
    for member in ("program", "backend"):
        if not isinstance(document.get(member), Mapping):
            raise ReproduceInputError(f"the run document has no {member} member")
    return calibration, dict(counts), shots, transpiled


def check_inputs(document: Any) -> None:
    """Raise the :class:`ReproduceInputError` (422) that :func:`reproduce` would raise for this
    run document, without re-running anything: lets a service refuse a request up front."""
    _inputs(document)


def reproduce(
    document: Mapping[str, Any],
    *,
    days: float,
    profile: str,
    seed: int | None = None,
    alpha: float = DEFAULT_ALPHA,
    reproduction_of: str | None = None,
    created_at: dt.datetime | None = None,
    cache: NoiseModelCache | None = None,
    baselines: BaselineCache | None = None,
) -> ReproductionOutcome:
    """Reproduce ``document`` ``days`` later under drift ``profile``.

    ``seed`` (drawn and recorded when None) fixes the result; ``alpha`` is the tests' level;
    ``reproduction_of`` defaults to the original's ``run_hash``; ``created_at`` (default now) is the
    new run's time. ``cache`` and ``baselines`` default to process-wide caches of noise models and undrifted re-runs.

    Raises a :class:`ReproduceInputError` (HTTP 422) for bad input; a circuit that cannot be
    parsed or simulated gives a ``failed`` outcome instead.
    """
    days = validate_days(days)
    get_profile(profile)
    alpha = validate_alpha(alpha)
    seed = validate_seed(secrets.randbits(53) if seed is None else seed)
    calibration, original_counts, shots, transpiled = _inputs(document)
    drifted = drift_calibration(calibration, days=days, profile=profile, seed=seed)
    seeds = derived_seeds(seed)
    cache = default_cache() if cache is None else cache
    reference = reproduction_of or document.get("run_hash") or run_hash(dict(document))
    recorded = {
        "days": int(days) if days.is_integer() else days,
        "profile": profile,
        "seed": seed,
        "drift_model_version": DRIFT_MODEL_VERSION,
        "noise_model_version": NOISE_MODEL_VERSION,
        "original_calibration_taken_at": calibration["taken_at"],
    }

    def outcome(counts: dict[str, int] | None, **scores: Any) -> ReproductionOutcome:
        doc = build_reproduction_document(
            document,
            calibration=drifted,
            counts=counts,
            shots=shots,
            reproduction_of=reference,
            reproduction=recorded,
            seed_simulator=seeds["simulator"] if counts is not None else None,
            created_at=created_at or dt.datetime.now(dt.UTC),
        )
        return ReproductionOutcome(
            document=doc, run_hash=doc["run_hash"], days=days, profile=profile, seed=seed, alpha=alpha, **scores
        )

    try:
        physical = load_transpiled(transpiled["source"], str(transpiled.get("format", "openqasm3")))
        recorded["physical_qubits"] = list(physical.physical_qubits)
        counts = simulate_counts(physical, drifted, shots=shots, seed=seeds["simulator"], cache=cache)
        baselines = default_baselines() if baselines is None else baselines
        if days == 0:
            baseline = counts
        else:
            baseline, _ = baseline_counts(
                physical, calibration, source=transpiled["source"], shots=shots, cache=cache, baselines=baselines
            )
        null_reference, _ = baseline_counts(
            physical,
            calibration,
            source=transpiled["source"],
            shots=reference_shots(shots),
            cache=cache,
            baselines=baselines,
        )
    except CircuitNotRunnable as exc:
        return outcome(
            None,
            verdict="failed",
            hellinger_fidelity=0.0,
            floor=0.0,
            baseline_fidelity=0.0,
            drift_effect=0.0,
            detectable=False,
            error=str(exc),
        )

    width = physical.circuit.num_clbits
    original = normalize_counts(original_counts, width)
    reproduced = normalize_counts(counts, width)
    base = normalize_counts(baseline, width)
    verdict = judge(
        original,
        base,
        None if days == 0 else reproduced,
        reference=normalize_counts(null_reference, width),
        alpha=alpha,
        seeds=seeds,
    )
    return outcome(counts, **verdict)


def reference_shots(shots: int) -> int:
    """Shots of the null's reference simulation: :data:`REFERENCE_FACTOR` x the run's, at most
    :data:`MAX_REFERENCE_SHOTS` (never fewer than the run's)."""
    return max(shots, min(REFERENCE_FACTOR * shots, MAX_REFERENCE_SHOTS))


def judge(
    original: dict[str, int],
    baseline: dict[str, int],
    reproduced: dict[str, int] | None,
    *,
    reference: dict[str, int],
    alpha: float,
    seeds: Mapping[str, int],
) -> dict[str, Any]:
    """The verdict and its figures from counts alone (keys spelled alike, see ``normalize_counts``).

    ``reproduced`` None: days = 0, the re-run is the baseline. ``reference``: a larger simulation of
    the recorded calibration, the null's distribution. ``seeds`` as :func:`derived_seeds`.
    """
    unchanged = (reference,)  # the null's distribution: the device as recorded
    baseline_test = null_test(original, baseline, reference=unchanged, alpha=alpha, seed=seeds["baseline"])
    baseline_fidelity = float(hellinger_fidelity(original, baseline))
    if reproduced is None:
        hf, drift_effect, test = baseline_fidelity, 0.0, baseline_test
    else:
        hf = float(hellinger_fidelity(original, reproduced))
        drift_effect = 1.0 - float(hellinger_fidelity(baseline, reproduced))
        test = null_test(original, reproduced, reference=unchanged, alpha=alpha, seed=seeds["floor"])
    figures: dict[str, Any] = {
        "hellinger_fidelity": hf,
        "floor": test.floor,
        "baseline_fidelity": baseline_fidelity,
        "drift_effect": drift_effect,
        "p_value": test.p_value,
        "threshold": test.threshold,
        "baseline_p_value": baseline_test.p_value,
        "baseline_threshold": baseline_test.threshold,
    }
    if baseline_test.rejected:
        return {
            **figures,
            "verdict": "model_mismatch",
            "detectable": None,
            "explanation": mismatch_sentence(baseline_test),
        }
    return {**figures, "verdict": verdict_for(hf, test.rejected), "detectable": test.rejected}


def mismatch_sentence(test: NullTest) -> str:
    """The report's one sentence on a ``model_mismatch`` verdict."""
    return (
        "The noise model of the run's own calibration does not explain the original counts"
        f" (1 - HF = {test.statistic:.4g} against the baseline, above the {100 * (1 - test.alpha):g} %"
        f" shot-noise threshold {test.threshold:.4g}, p = {test.p_value:.3g}), so a difference after drift"
        " cannot be attributed to drift."
    )
