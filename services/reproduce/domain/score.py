"""Scoring a reproduction: Hellinger fidelity against the original, judged against shot noise.

Two samples of N shots from the *same* distribution over K outcomes differ by
``1 - HF ~ (K - 1)/(2N)`` on average (``HF = BC^2``, BC the Bhattacharyya coefficient; each
well-populated outcome adds ~1/(4N) per sample to ``sum (sqrt p - sqrt q)^2``). That is the
floor: at 4096 shots Bell 0.0004, GHZ-3 0.0009, GHZ-5 0.0038. The formula holds only when every
outcome is seen many times; outcomes seen about once add more than 1/(4N), outcomes far rarer
than 1/N add less, so with 10+ measured qubits it can be off by half either way. The floor
used for verdicts is therefore the expectation of ``1 - HF`` under the null itself: pairs of
multinomial samples of the two sizes drawn from the pooled counts (seeded, 256 pairs). It
equals the formula when all outcomes are populated; when most outcomes are seen once or twice
it reads up to ~30 % low (unseen outcomes get no mass), which makes the verdict stricter,
never laxer.

Verdicts: ``reproduced`` when ``1 - HF <= 3 floor``; ``drifted`` beyond that while
``HF >= 0.90``; ``failed`` below 0.90 or when the circuit could not run.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Literal

import msgspec
import numpy as np
from qiskit.quantum_info import hellinger_fidelity

__all__ = [
    "DRIFTED_MIN_FIDELITY",
    "FLOOR_MULTIPLE",
    "NULL_DRAWS",
    "Score",
    "Verdict",
    "null_floor",
    "score_counts",
    "shot_noise_floor",
    "verdict_for",
]

Verdict = Literal["reproduced", "drifted", "failed"]

FLOOR_MULTIPLE = 3.0
DRIFTED_MIN_FIDELITY = 0.90
NULL_DRAWS = 256


class Score(msgspec.Struct, frozen=True):
    hellinger_fidelity: float
    floor: float
    verdict: Verdict


def shot_noise_floor(outcomes: int, shots: int, other_shots: int | None = None) -> float:
    """The formula floor ``(K - 1)/4 · (1/N₁ + 1/N₂)``; ``(K - 1)/(2N)`` for equal shot counts."""
    if outcomes < 1 or shots < 1:
        raise ValueError("outcomes and shots must be positive")
    n2 = shots if other_shots is None else other_shots
    return (outcomes - 1) / 4.0 * (1.0 / shots + 1.0 / n2)


def null_floor(
    counts_a: Mapping[str, int], counts_b: Mapping[str, int], *, seed: int, draws: int = NULL_DRAWS
) -> float:
    """Expected ``1 - HF`` between samples of the two sizes drawn from one pooled distribution."""
    keys = sorted(counts_a.keys() | counts_b.keys())
    a = np.array([counts_a.get(k, 0) for k in keys], dtype=np.float64)
    b = np.array([counts_b.get(k, 0) for k in keys], dtype=np.float64)
    na, nb = int(a.sum()), int(b.sum())
    if na == 0 or nb == 0:
        raise ValueError("both samples need shots")
    pooled = (a + b) / (na + nb)
    rng = np.random.Generator(np.random.PCG64(seed))
    sa = rng.multinomial(na, pooled, size=draws) / na
    sb = rng.multinomial(nb, pooled, size=draws) / nb
    bc = np.sqrt(sa * sb).sum(axis=1)
    return float(np.mean(1.0 - bc**2))


def verdict_for(fidelity: float, floor: float) -> Verdict:
    if 1.0 - fidelity <= FLOOR_MULTIPLE * floor:
        return "reproduced"
    if fidelity >= DRIFTED_MIN_FIDELITY:
        return "drifted"
    return "failed"


def score_counts(original: Mapping[str, int], reproduced: Mapping[str, int], *, seed: int) -> Score:
    """Hellinger fidelity (Qiskit's), the null floor, and the verdict. Counts must share keys' form."""
    hf = float(hellinger_fidelity(dict(original), dict(reproduced)))
    floor = null_floor(original, reproduced, seed=seed)
    return Score(hellinger_fidelity=hf, floor=floor, verdict=verdict_for(hf, floor))
