"""Scoring an independent reproduction against a card's run.

A reproduction must run the same program (:mod:`services.card.domain.programs` defines
"same"). Its counts are compared with the card's by the Hellinger fidelity
(``qiskit.quantum_info.hellinger_fidelity``: the squared Bhattacharyya coefficient of the two
normalized distributions, 1 for identical ones).

Two finite samples of one distribution never agree exactly. For ``K`` outcomes and ``N``
shots each, ``1 - HF`` of two such samples is about ``(K - 1)/(2N)`` (each sample's squared
Hellinger distance to the truth is about ``(K - 1)/(8N)``, two samples add, and
``1 - HF ≈ 2·H²``); this is the shot-noise floor ``f``. With different shot counts
``N₁, N₂`` it is ``f = (K - 1)/4 · (1/N₁ + 1/N₂)``, the same for ``N₁ = N₂ = N``. ``K`` is the
number of distinct outcomes seen in either run, ``N`` the counts' totals.

Verdict: ``reproduced`` when ``1 - HF ≤ 3f`` (within three floors of shot noise),
``drifted`` when not but ``HF ≥ 0.90``, ``failed`` below.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

import msgspec
from qiskit.quantum_info import hellinger_fidelity

from services.card.domain.errors import ProgramMismatch, SelfReproduction
from services.card.domain.model import RunSummary, Verdict

__all__ = ["DRIFT_THRESHOLD", "ReproductionScore", "noise_floor", "normalize_counts", "score", "verdict"]

DRIFT_THRESHOLD = 0.90
_SEPARATORS = re.compile(r"[\s_]")


class ReproductionScore(msgspec.Struct, frozen=True):
    hellinger_fidelity: float
    noise_floor: float
    tolerance: float
    """``3 · noise_floor``: the largest ``1 - HF`` still called reproduced."""
    outcomes: int
    verdict: Verdict


def normalize_counts(counts: Mapping[str, int]) -> dict[int, int]:
    """Counts keyed by outcome as an integer.

    Accepts bitstrings (``"0101"``, registers separated by spaces as Qiskit writes them,
    ``"01_01"``) and hex (``"0x5"``), so two SDKs' spellings of one outcome meet. Zero counts
    are dropped; a key that is neither form raises ``ValueError``.
    """
    normalized: dict[int, int] = {}
    for key, count in counts.items():
        if count < 0:
            raise ValueError(f"negative count for {key!r}")
        text = _SEPARATORS.sub("", key)
        if text[:2].lower() == "0x":
            value = int(text, 16)
        elif text and set(text) <= {"0", "1"}:
            value = int(text, 2)
        else:
            raise ValueError(f"not an outcome: {key!r}")
        if count:
            normalized[value] = normalized.get(value, 0) + count
    if not normalized:
        raise ValueError("no shots in counts")
    return normalized


def noise_floor(outcomes: int, shots_a: int, shots_b: int) -> float:
    """Expected ``1 - HF`` of two samples of one distribution (see the module docstring)."""
    if outcomes < 1 or shots_a < 1 or shots_b < 1:
        raise ValueError("outcomes and shots must be positive")
    return (outcomes - 1) / 4 * (1 / shots_a + 1 / shots_b)


def verdict(fidelity: float, floor: float) -> Verdict:
    if 1 - fidelity <= 3 * floor:
        return "reproduced"
    if fidelity >= DRIFT_THRESHOLD:
        return "drifted"
    return "failed"


def score(
    original: RunSummary,
    original_counts: Mapping[str, int],
    submitted: RunSummary,
    submitted_counts: Mapping[str, int],
) -> ReproductionScore:
    """Score ``submitted`` as a reproduction of ``original``.

    Raises :class:`SelfReproduction` for the card's own run and :class:`ProgramMismatch` when
    the programs differ.
    """
    if submitted.run_hash == original.run_hash:
        raise SelfReproduction("a run cannot reproduce itself")
    if submitted.program_hash != original.program_hash:
        raise ProgramMismatch(
            f"the submitted run's program (hash {submitted.program_hash[:12]}…) is not the card's "
            f"(hash {original.program_hash[:12]}…)"
        )
    counts_a = normalize_counts(original_counts)
    counts_b = normalize_counts(submitted_counts)
    fidelity = float(
        hellinger_fidelity({str(k): v for k, v in counts_a.items()}, {str(k): v for k, v in counts_b.items()})
    )
    outcomes = len(counts_a.keys() | counts_b.keys())
    floor = noise_floor(outcomes, sum(counts_a.values()), sum(counts_b.values()))
    return ReproductionScore(
        hellinger_fidelity=fidelity,
        noise_floor=floor,
        tolerance=3 * floor,
        outcomes=outcomes,
        verdict=verdict(fidelity, floor),
    )
