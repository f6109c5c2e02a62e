"""Google loader (through cirq) against the raw calibration JSON read directly."""

from __future__ import annotations

import statistics
from collections import defaultdict

import pytest
from qlcore.corpus import metrics_from_calibration
from qlcore.corpus.adapters import load_source
from qlcore.corpus.model import Observation

from tests.unit.leaderboard.raw import load_json, package_root

FILES = {
    "rainbow": ("rainbow_2021_11_16_calibration.json", "2021-11-16", "sycamore", 23),
    "weber": ("weber_2021_11_03_calibration.json", "2021-11-03", "sycamore", 53),
    "willow_pink": ("willow_pink_d7v1-2024_08_16_calibration.json", "2024-08-16", "cz", 105),
}


@pytest.fixture(scope="module")
def google() -> dict[str, Observation]:
    return {o.backend: o for o in load_source("google")}


def _raw(filename: str) -> dict[str, dict[tuple[str, ...], float]]:
    data = load_json(package_root("cirq_google") / "devices" / "calibrations" / filename)
    out: dict[str, dict[tuple[str, ...], float]] = defaultdict(dict)
    for metric in data["metrics"]["metrics"]:
        out[metric["name"]][tuple(metric["targets"])] = metric["values"][0]["doubleVal"]
    return out


@pytest.mark.parametrize("processor", sorted(FILES))
def test_medians_match_raw_json(google: dict[str, Observation], processor: str) -> None:
    filename, day, gate, qubits = FILES[processor]
    raw = _raw(filename)
    pauli1 = {k[0]: v for k, v in raw["single_qubit_rb_pauli_error_per_gate"].items()}
    cycles = raw[f"two_qubit_parallel_{gate}_gate_xeb_pauli_error_per_cycle"]
    expected_2q = statistics.median(0.8 * max(0.0, cycle - pauli1[a] - pauli1[b]) for (a, b), cycle in cycles.items())
    readout = statistics.median(
        (raw["single_qubit_p00_error"][q] + raw["single_qubit_p11_error"][q]) / 2 for q in raw["single_qubit_p00_error"]
    )
    obs = google[processor]
    assert obs.num_qubits == qubits
    assert obs.taken_at.startswith(day)
    assert obs.metrics["median_2q_error"] == pytest.approx(expected_2q, rel=1e-12)
    assert obs.metrics["median_1q_error"] == pytest.approx(statistics.median(pauli1.values()) * 2 / 3, rel=1e-12)
    assert obs.metrics["median_readout_error"] == pytest.approx(readout, rel=1e-12)
    t1 = statistics.median(raw["single_qubit_idle_t1_micros"].values())
    assert obs.metrics["median_t1"] == pytest.approx(t1, rel=1e-12)
    assert obs.metrics["median_t2"] is None
    assert obs.counts["couplers_2q"] == len(cycles)
    assert {c.metric for c in obs.conversions} == {"median_1q_error", "median_2q_error", "median_readout_error"}
    assert metrics_from_calibration(obs.calibration) == obs.metrics


def test_xeb_cycle_error_is_not_ranked_as_a_gate_error(google: dict[str, Observation]) -> None:
    raw = _raw(FILES["willow_pink"][0])
    cycle_median = statistics.median(raw["two_qubit_parallel_cz_gate_xeb_pauli_error_per_cycle"].values())
    assert google["willow_pink"].metrics["median_2q_error"] < 0.8 * cycle_median
