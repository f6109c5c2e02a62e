from __future__ import annotations

import numpy as np
import pytest
from qiskit.quantum_info import hellinger_fidelity

from services.reproduce.domain.rerun import normalize_counts
from services.reproduce.domain.score import (
    null_draws,
    null_floor,
    null_test,
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


def test_verdict_follows_the_test_then_the_fidelity():
    assert verdict_for(0.95, rejected=False) == "reproduced"
    assert verdict_for(0.80, rejected=False) == "reproduced"  # shot noise alone (a handful of shots)
    assert verdict_for(0.9969, rejected=True) == "drifted"
    assert verdict_for(0.90, rejected=True) == "drifted"
    assert verdict_for(0.8999, rejected=True) == "failed"


def test_score_counts_uses_qiskits_hellinger_fidelity():
    a = {"000": 1900, "111": 2000, "010": 196}
    b = {"000": 2100, "111": 1800, "101": 196}
    score = score_counts(a, b, seed=1)
    assert score.hellinger_fidelity == pytest.approx(hellinger_fidelity(a, b))
    assert score.test.statistic == pytest.approx(1 - hellinger_fidelity(a, b), abs=1e-12)
    assert score.verdict == "drifted" and score.test.p_value <= 0.01
    assert score_counts(a, a, seed=1).verdict == "reproduced"


def test_p_value_and_threshold_agree_and_the_draws_follow_alpha():
    p = np.array([0.9, 0.1])
    for seed in range(40):
        a, b = _sample(p, 1000, 2 * seed), _sample(p, 1000, 2 * seed + 1)
        for alpha in (0.001, 0.01, 0.1):
            t = null_test(a, b, alpha=alpha, seed=seed)
            assert (t.p_value <= alpha) == (t.statistic > t.threshold) == t.rejected
            assert t.draws == null_draws(alpha) and t.draws >= 20 / alpha - 1
    assert null_test(a, b, alpha=0.01, seed=5) == null_test(a, b, alpha=0.01, seed=5)


@pytest.mark.parametrize(
    ("p", "shots"),
    [
        (np.array([0.93, 0.07]), 4096),  # 1 qubit: 2 outcomes, where 3 x the mean called 13 % drifted
        (np.array([0.48, 0.02, 0.02, 0.48]), 4096),  # Bell
        (np.concatenate([[0.45], np.full(30, 0.1 / 30), [0.45]]), 4096),  # GHZ-5
        (np.array([0.5, 0.5]), 50),  # few shots: a discrete, lumpy null
    ],
)
def test_false_positive_rate_is_at_most_alpha(p, shots):
    """Two samples of one distribution, 200 deterministic seeds, alpha = 0.05: Binomial(200, 0.05)
    has mean 10 and P(X >= 20) < 0.5 %."""
    alpha, rejected = 0.05, 0
    for seed in range(200):
        a, b = _sample(p, shots, 10_000 + 2 * seed), _sample(p, shots, 10_001 + 2 * seed)
        t = null_test(a, b, alpha=alpha, seed=seed, draws=399)
        rejected += t.rejected
    assert rejected < 20, rejected
    assert rejected >= 2  # the test does reject at about its level, it is not just lax


def test_the_null_comes_from_the_reference_distribution():
    """The original against a re-run, with the null drawn from the unchanged device (the baseline)."""
    base = {"0": 3800, "1": 296}
    shifted = {"0": 3600, "1": 496}
    t = null_test(base, shifted, reference=(base, base), alpha=0.01, seed=1)
    assert t.rejected and t.p_value == pytest.approx(1 / (t.draws + 1))
    same = null_test(base, {"0": 3790, "1": 306}, reference=(base,), alpha=0.01, seed=1)
    assert not same.rejected


def test_normalize_counts_spells_outcomes_one_way():
    assert normalize_counts({"01 010": 3, "01010": 2}) == {"01010": 5}
    assert normalize_counts({"0x3": 7, "0x0": 1}, width=3) == {"011": 7, "000": 1}
