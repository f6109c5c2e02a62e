"""Scoring a reproduction: Hellinger fidelity against the original, judged by a test with a
controlled error rate.

The statistic is ``1 - HF`` between two samples of counts (``HF = BC^2``, BC the Bhattacharyya
coefficient). Under the null hypothesis both samples are multinomial draws from one distribution
``p``; its distribution depends on ``p``, on the two shot counts and on the number of outcomes, so
no fixed multiple of its mean controls the error rate (a 1-qubit circuit has 2 outcomes and a
long-tailed null, GHZ-5 has 32 and a narrow one). The test is a parametric bootstrap
(:func:`null_test`): ``B`` pairs of samples of the two sizes are drawn from the reference ``p``
(vectorised, in blocks; ``p`` smoothed by half a count per observed outcome), and

* ``p_value = (1 + #{null >= observed}) / (B + 1)`` (a Monte Carlo test: its level is at most
  alpha for any ``B``);
* ``threshold`` = the (m + 1)-th largest null value, m = floor(alpha·(B + 1)) - 1: the (1 - alpha)
  quantile of the null, chosen so that ``observed > threshold`` exactly when ``p_value <= alpha``;
* ``floor`` = the null's mean, the expected ``1 - HF`` from shot noise alone (≈ (K - 1)/(2N) when
  every outcome is well populated; :func:`shot_noise_floor`).

``B = max(999, ceil(20/alpha) - 1)``: at least 20 null values lie beyond the threshold.

Verdicts (:func:`verdict_for`): ``reproduced`` when the test does not reject; ``drifted`` when it
rejects and ``HF >= 0.90``; ``failed`` when it rejects below 0.90 (or the circuit could not run);
``model_mismatch`` when the run's own calibration already fails to explain the original (decided
in :mod:`.reproduce`, before any drift is blamed).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Literal

import msgspec
import numpy as np

__all__ = [
    "DRIFTED_MIN_FIDELITY",
    "MIN_NULL_DRAWS",
    "NULL_DRAWS",
    "NullTest",
    "Score",
    "Verdict",
    "hellinger_distance_gap",
    "null_draws",
    "null_floor",
    "null_test",
    "score_counts",
    "shot_noise_floor",
    "verdict_for",
]

Verdict = Literal["reproduced", "drifted", "failed", "model_mismatch"]

DRIFTED_MIN_FIDELITY = 0.90
NULL_DRAWS = 256  # draws of null_floor (the mean alone)
MIN_NULL_DRAWS = 999
#: null values beyond the threshold at least (sets B for small alpha)
_TAIL_DRAWS = 20
#: added to every outcome seen in the samples or the reference: an outcome the reference missed
#: keeps some mass (Jeffreys / Krichevsky-Trofimov)
PSEUDOCOUNT = 0.5
#: counts matrices are drawn in blocks of at most this many cells
_BLOCK_CELLS = 2_000_000


class NullTest(msgspec.Struct, frozen=True):
    """One test of ``1 - HF`` between two samples against its parametric-bootstrap null."""

    statistic: float  # observed 1 - HF
    p_value: float
    threshold: float  # reject (p_value <= alpha) exactly when statistic > threshold
    floor: float  # mean of the null: expected 1 - HF from shot noise alone
    alpha: float
    draws: int

    @property
    def rejected(self) -> bool:
        return self.statistic > self.threshold


class Score(msgspec.Struct, frozen=True):
    hellinger_fidelity: float
    floor: float
    verdict: Verdict
    test: NullTest


def shot_noise_floor(outcomes: int, shots: int, other_shots: int | None = None) -> float:
    """The formula floor ``(K - 1)/4 · (1/N₁ + 1/N₂)``; ``(K - 1)/(2N)`` for equal shot counts."""
    if outcomes < 1 or shots < 1:
        raise ValueError("outcomes and shots must be positive")
    n2 = shots if other_shots is None else other_shots
    return (outcomes - 1) / 4.0 * (1.0 / shots + 1.0 / n2)


def null_draws(alpha: float) -> int:
    """Bootstrap draws for a test at level ``alpha``."""
    return max(MIN_NULL_DRAWS, math.ceil(_TAIL_DRAWS / alpha) - 1)


def _vectors(*samples: Mapping[str, int]) -> tuple[np.ndarray, ...]:
    keys = sorted(set().union(*(s.keys() for s in samples)))
    return tuple(np.array([s.get(k, 0) for k in keys], dtype=np.float64) for s in samples)


def hellinger_distance_gap(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``1 - HF`` of count vectors (last axis: outcomes), as Qiskit's ``hellinger_fidelity`` computes HF."""
    pa = a / a.sum(axis=-1, keepdims=True)
    pb = b / b.sum(axis=-1, keepdims=True)
    bc = np.sqrt(pa * pb).sum(axis=-1)
    return np.asarray(1.0 - bc**2)


def _null(p: np.ndarray, na: int, nb: int, draws: int, rng: np.random.Generator) -> np.ndarray:
    block = max(1, _BLOCK_CELLS // max(len(p), 1))
    out = []
    for start in range(0, draws, block):
        size = min(block, draws - start)
        out.append(hellinger_distance_gap(rng.multinomial(na, p, size=size), rng.multinomial(nb, p, size=size)))
    return np.concatenate(out)


def null_test(
    counts_a: Mapping[str, int],
    counts_b: Mapping[str, int],
    *,
    reference: tuple[Mapping[str, int], ...] | None = None,
    alpha: float,
    seed: int,
    draws: int | None = None,
) -> NullTest:
    """Test whether ``counts_a`` and ``counts_b`` come from one distribution, at level ``alpha``.

    The null's ``p`` is the pooled frequencies of ``reference`` (default: the two samples
    themselves) plus :data:`PSEUDOCOUNT` per outcome seen in any of them: the samples are redrawn
    with their own sizes from it.
    """
    if not 0 < alpha < 1:
        raise ValueError("alpha must be in (0, 1)")
    ref = reference if reference is not None else (counts_a, counts_b)
    vectors = _vectors(counts_a, counts_b, *ref)
    a, b = vectors[0], vectors[1]
    pooled = np.sum(vectors[2:], axis=0) + PSEUDOCOUNT
    na, nb, total = int(a.sum()), int(b.sum()), float(pooled.sum())
    if na == 0 or nb == 0 or total == 0:
        raise ValueError("both samples and the reference need shots")
    b_draws = null_draws(alpha) if draws is None else draws
    rng = np.random.Generator(np.random.PCG64(seed))
    null = _null(pooled / total, na, nb, b_draws, rng)
    observed = float(hellinger_distance_gap(a, b))
    exceed = int(np.count_nonzero(null >= observed))
    m = math.floor(alpha * (b_draws + 1) + 1e-9) - 1
    ordered = np.sort(null)[::-1]
    threshold = float(ordered[min(max(m, 0), b_draws - 1)]) if m >= 0 else math.inf
    return NullTest(
        statistic=max(observed, 0.0),
        p_value=(1 + exceed) / (b_draws + 1),
        threshold=max(threshold, 0.0),
        floor=float(np.mean(null)),
        alpha=alpha,
        draws=b_draws,
    )


def null_floor(
    counts_a: Mapping[str, int], counts_b: Mapping[str, int], *, seed: int, draws: int = NULL_DRAWS
) -> float:
    """Expected ``1 - HF`` between samples of the two sizes drawn from one pooled distribution."""
    a, b = _vectors(counts_a, counts_b)
    na, nb = int(a.sum()), int(b.sum())
    if na == 0 or nb == 0:
        raise ValueError("both samples need shots")
    rng = np.random.Generator(np.random.PCG64(seed))
    return float(np.mean(_null((a + b) / (na + nb), na, nb, draws, rng)))


def verdict_for(fidelity: float, rejected: bool) -> Verdict:
    """``reproduced`` unless the test rejected; then ``drifted`` down to HF 0.90, ``failed`` below."""
    if not rejected:
        return "reproduced"
    if fidelity >= DRIFTED_MIN_FIDELITY:
        return "drifted"
    return "failed"


def score_counts(
    original: Mapping[str, int],
    reproduced: Mapping[str, int],
    *,
    seed: int,
    alpha: float = 0.01,
    reference: tuple[Mapping[str, int], ...] | None = None,
) -> Score:
    """Hellinger fidelity (Qiskit's), the test against shot noise at ``alpha``, and the verdict."""
    from qiskit.quantum_info import hellinger_fidelity

    hf = float(hellinger_fidelity(dict(original), dict(reproduced)))
    test = null_test(original, reproduced, reference=reference, alpha=alpha, seed=seed)
    return Score(hellinger_fidelity=hf, floor=test.floor, verdict=verdict_for(hf, test.rejected), test=test)
