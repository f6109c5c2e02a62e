from __future__ import annotations

import numpy as np
import pytest
from qiskit.quantum_info import hellinger_fidelity

from services.reproduce.domain.rerun import normalize_counts
from services.reproduce.domain.score import (
    null_floor,
    score_counts,
    shot_noise_floor,
    verdict_for,
)


def test_formula_floor_matches_the_issue_figures():
    assert shot_noise_floor(4, 4096) == pytest.approx(0.0004, abs=0.00005)
    assert shot_noise_floor(8, 4096) == pytest.approx(0.0009, abs=0.00005)
    assert shot_noise_floor(32, 4096) == pytest.approx(0.0038, abs=0.00005)
    assert shot_noise_floor(8, 4096, 8192) == pytest.approx(7 / 4 * (1 / 4096 + 1 / 8192))


def _sample(p: np.ndarray, shots: int, seed: int) -> dict[str, int]:
    counts = np.random.default_rng(seed).multinomial(shots, p)
    width = int(np.log2(len(p)))
    return {format(i, f"0{width}b"): int(c) for i, c in enumerate(counts) if c}


def test_null_floor_is_the_expected_gap_between_two_samples_of_one_distribution():
    """Checked against brute force: many independent pairs of samples from a noisy GHZ-3."""
    p = np.array([0.47, 0.01, 0.01, 0.01, 0.01, 0.01, 0.01, 0.47])
    gaps = [1 - hellinger_fidelity(_sample(p, 4096, 2 * i), _sample(p, 4096, 2 * i + 1)) for i in range(400)]
    empirical = float(np.mean(gaps))
    assert empirical == pytest.approx(shot_noise_floor(8, 4096), rel=0.15)
    floor = null_floor(_sample(p, 4096, 10_001), _sample(p, 4096, 10_002), seed=3)
    assert floor == pytest.approx(empirical, rel=0.15)


@pytest.mark.parametrize("rare", [0.3, 0.03])
def test_null_floor_tracks_sparse_samples_where_the_formula_fails(rare):
    """10 measured bits, 4096 shots: most outcomes seen once or never."""
    p = np.full(1024, rare / 1022)
    p[0] = p[-1] = (1 - rare) / 2
    a, b = _sample(p, 4096, 1), _sample(p, 4096, 2)
    floor = null_floor(a, b, seed=1)
    brute = np.mean([1 - hellinger_fidelity(_sample(p, 4096, 3 + i), _sample(p, 4096, 500 + i)) for i in range(60)])
    formula = shot_noise_floor(1024, 4096)
    assert abs(floor - brute) < abs(formula - brute)
    assert 0.6 * brute <= floor <= 1.05 * brute  # reads low when sparse: stricter, never laxer


def test_null_floor_is_seeded():
    a, b = {"00": 2000, "11": 2096}, {"00": 2050, "11": 2000, "01": 46}
    assert null_floor(a, b, seed=4) == null_floor(a, b, seed=4)


def test_verdict_thresholds():
    floor = 0.001
    assert verdict_for(0.9971, floor) == "reproduced"
    assert verdict_for(0.9969, floor) == "drifted"
    assert verdict_for(0.90, floor) == "drifted"
    assert verdict_for(0.8999, floor) == "failed"


def test_score_counts_uses_qiskits_hellinger_fidelity():
    a = {"000": 1900, "111": 2000, "010": 196}
    b = {"000": 2100, "111": 1800, "101": 196}
    score = score_counts(a, b, seed=1)
    assert score.hellinger_fidelity == pytest.approx(hellinger_fidelity(a, b))
    assert score.verdict == "drifted"
    assert score_counts(a, a, seed=1).verdict == "reproduced"


def test_normalize_counts_spells_outcomes_one_way():
    assert normalize_counts({"01 010": 3, "01010": 2}) == {"01010": 5}
    assert normalize_counts({"0x3": 7, "0x0": 1}, width=3) == {"011": 7, "000": 1}
