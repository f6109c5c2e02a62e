from __future__ import annotations

from typing import Any

import msgspec
import numpy as np
import pytest
from qiskit.quantum_info import hellinger_fidelity

from services.card.domain.errors import ProgramMismatch, SelfReproduction
from services.card.domain.lifecycle import summarize_run
from services.card.domain.model import RunSummary
from services.card.domain.programs import normalize_program, program_hash
from services.card.domain.reproduction import noise_floor, normalize_counts, score, verdict

from .builders import GHZ3, ghz_document

OUTCOMES = [format(i, "03b") for i in range(8)]
IDEAL = np.array([0.5, 0, 0, 0, 0, 0, 0, 0.5])


def _sample(probabilities: np.ndarray, shots: int, seed: int) -> dict[str, int]:
    counts = np.random.default_rng(seed).multinomial(shots, probabilities / probabilities.sum())
    return {outcome: int(n) for outcome, n in zip(OUTCOMES, counts, strict=True) if n}


def _noisy(p_noise: float) -> np.ndarray:
    return (1 - p_noise) * IDEAL + p_noise / 8


def _run(counts: dict[str, int], **document_changes: Any) -> tuple[RunSummary, dict[str, int]]:
    document = ghz_document(counts=counts, **document_changes)
    return summarize_run("01JREP" + str(len(counts)), document), counts


def test_comments_and_whitespace_do_not_change_the_program() -> None:
    reformatted = (
        '// GHZ on three qubits\r\nOPENQASM 3.0;\r\ninclude "stdgates.inc";\r\n'
        "qubit[3]   q; bit[3] c;  /* entangle */ h q[0];\r\n"
        "cx q[0],q[1];\tcx q[1] , q[2];\r\nc = measure q; // done\r\n"
    )
    assert normalize_program(reformatted) == normalize_program(GHZ3)
    assert program_hash(reformatted) == program_hash(GHZ3)


@pytest.mark.parametrize(
    "other",
    [
        GHZ3.replace("cx q[1], q[2];", "cx q[0], q[2];"),  # another circuit
        GHZ3.replace("h q[0];", "h q[0];\nrz(pi/2) q[0];"),  # one more gate
        GHZ3.replace("OPENQASM 3.0;", "OPENQASM 3;"),  # the version line is significant
        GHZ3.replace("qubit[3] q;", "qubit[3] r;").replace("q[", "r[").replace("measure q", "measure r"),
        GHZ3.replace('"stdgates.inc"', '"std gates.inc"'),  # whitespace inside strings is kept
    ],
)
def test_different_programs_differ(other: str) -> None:
    assert program_hash(other) != program_hash(GHZ3)


def test_comment_markers_inside_strings_are_text() -> None:
    assert normalize_program('include "a//b";  x;') == 'include "a//b";x;'


def test_counts_normalization() -> None:
    assert normalize_counts({"000": 10, "1 11": 5, "0x7": 2, "0_01": 1, "010": 0}) == {0: 10, 7: 7, 1: 1}
    for bad in ({"02": 1}, {"": 1}, {"000": 0}, {"000": -1}):
        with pytest.raises(ValueError):
            normalize_counts(bad)


def test_noise_floor_is_k_minus_1_over_2n_for_equal_shots() -> None:
    assert noise_floor(8, 4096, 4096) == pytest.approx(7 / (2 * 4096))
    assert noise_floor(2, 1000, 4000) == pytest.approx(1 / 4 * (1 / 1000 + 1 / 4000))
    assert noise_floor(1, 10, 10) == 0


def test_verdict_thresholds() -> None:
    floor = 2.0**-10  # exact in binary, so the boundary is exact
    assert verdict(1 - 3 * floor, floor) == "reproduced"
    assert verdict(1 - 3 * floor - 2.0**-20, floor) == "drifted"
    assert verdict(0.90, floor) == "drifted"
    assert verdict(0.8999, floor) == "failed"


def test_the_floor_matches_shot_noise_of_two_samples() -> None:
    """Two samples of one distribution: 1 - HF averages about f and stays within 3f."""
    distribution, shots, trials = _noisy(0.2), 4096, 300
    gaps = []
    for seed in range(trials):
        a, b = _sample(distribution, shots, seed), _sample(distribution, shots, 10_000 + seed)
        gaps.append(1 - hellinger_fidelity(a, b))
    floor = noise_floor(8, shots, shots)
    assert np.mean(gaps) == pytest.approx(floor, rel=0.15)
    assert np.mean(np.array(gaps) <= 3 * floor) >= 0.99


def test_a_sample_of_the_same_device_state_is_reproduced() -> None:
    original, original_counts = _run(_sample(_noisy(0.1), 4096, 1))
    submitted, submitted_counts = _run(_sample(_noisy(0.1), 8192, 2), backend="ibm_brisbane")
    result = score(original, original_counts, submitted, submitted_counts)
    assert result.verdict == "reproduced"
    assert result.hellinger_fidelity == pytest.approx(hellinger_fidelity(original_counts, submitted_counts))
    assert result.outcomes == 8
    assert result.noise_floor == pytest.approx(7 / 4 * (1 / 4096 + 1 / 8192))
    assert result.tolerance == pytest.approx(3 * result.noise_floor)


def test_a_drifted_device_is_drifted_and_a_broken_one_failed() -> None:
    original, original_counts = _run(_sample(IDEAL, 4096, 3))
    drifted, drifted_counts = _run(_sample(_noisy(0.08), 4096, 4))
    result = score(original, original_counts, drifted, drifted_counts)
    assert 0.90 <= result.hellinger_fidelity < 1 - result.tolerance and result.verdict == "drifted"
    broken, broken_counts = _run(_sample(np.full(8, 1 / 8), 4096, 5))
    result = score(original, original_counts, broken, broken_counts)
    assert result.hellinger_fidelity < 0.90 and result.verdict == "failed"


def test_spellings_of_outcomes_meet() -> None:
    original, original_counts = _run({"000": 2000, "111": 2096})
    submitted, _ = _run({"000": 2048, "111": 2048})
    spelled = {"0x0": 2048, "1 11": 2048}
    assert score(original, original_counts, submitted, spelled).hellinger_fidelity == pytest.approx(
        hellinger_fidelity(original_counts, {"000": 2048, "111": 2048})
    )


def test_a_run_cannot_reproduce_itself() -> None:
    original, counts = _run({"000": 2000, "111": 2096})
    with pytest.raises(SelfReproduction):
        score(original, counts, msgspec.structs.replace(original, run_id="01JCOPY"), counts)


def test_another_program_is_refused() -> None:
    original, counts = _run({"000": 2000, "111": 2096})
    other = msgspec.structs.replace(original, run_hash="e" * 64, program_hash=program_hash("OPENQASM 3.0; qubit q;"))
    with pytest.raises(ProgramMismatch):
        score(original, counts, other, counts)
