from __future__ import annotations

import math

import pytest
import qiskit.quantum_info as qi
from qiskit import QuantumCircuit, qasm3, transpile
from qiskit.quantum_info import hellinger_fidelity
from qiskit_aer import AerSimulator
from qiskit_aer.noise import thermal_relaxation_error
from quantumledger.examples import ghz_circuit

from services.reproduce.domain.circuit import PhysicalCircuit, compact_circuit, load_transpiled
from services.reproduce.domain.drift import drift_calibration, scale_calibration
from services.reproduce.domain.noise import (
    NoiseModelCache,
    build_noise_model,
    gate_channel,
    readout_probabilities,
    relaxation_fidelity,
)
from services.reproduce.domain.rerun import simulate_counts
from services.reproduce.domain.score import null_floor

SHOTS = 20_000  # more than a run's 4096: a tighter shot-noise floor makes the comparison stricter


@pytest.fixture(scope="module")
def ghz3(kyiv):
    """GHZ-3 transpiled for ibm_kyiv as a circuit (for the plain path) and compacted (for ours)."""
    transpiled = transpile(ghz_circuit(3), kyiv, optimization_level=1, seed_transpiler=1234)
    return transpiled, load_transpiled(qasm3.dumps(transpiled))


@pytest.fixture(scope="module")
def plain_counts(ghz3, kyiv_full_noise):
    transpiled, _ = ghz3
    return (
        AerSimulator(noise_model=kyiv_full_noise, seed_simulator=7).run(transpiled, shots=SHOTS).result().get_counts()
    )


def test_restricted_model_gives_the_counts_of_from_backend(ghz3, plain_counts, kyiv_calibration):
    _, physical = ghz3
    restricted = simulate_counts(physical, kyiv_calibration, shots=SHOTS, seed=8)
    floor = null_floor(plain_counts, restricted, seed=1)
    assert 1 - hellinger_fidelity(plain_counts, restricted) <= 3 * floor
    # the comparison can tell models apart: errors x1.5 are outside the shot-noise band
    worse = simulate_counts(physical, scale_calibration(kyiv_calibration, 1.5), shots=SHOTS, seed=8)
    assert 1 - hellinger_fidelity(plain_counts, worse) > 3 * null_floor(plain_counts, worse, seed=1)


def test_model_covers_only_the_used_qubits_on_compact_indices(kyiv_calibration):
    model = build_noise_model(kyiv_calibration, (41, 53, 60))
    assert model.noise_qubits == [0, 1, 2]
    assert {"ecr", "sx", "x", "reset"} <= set(model.noise_instructions)
    assert "rz" not in model.noise_instructions  # virtual gate: no error, no duration
    assert "measure" in model.noise_instructions  # readout errors


def test_relaxation_fidelity_closed_form_matches_qiskit():
    coherence = ((300e-6, 150e-6), (120e-6, 200e-6))
    duration = 660e-9
    channel = thermal_relaxation_error(*coherence[0], duration).expand(
        thermal_relaxation_error(*coherence[1], duration)
    )
    assert relaxation_fidelity(duration, coherence) == pytest.approx(qi.average_gate_fidelity(channel), abs=1e-12)


@pytest.mark.parametrize(("n", "error", "duration"), [(1, 3e-4, 50e-9), (2, 8e-3, 560e-9), (2, 0.3, 560e-9)])
def test_gate_channel_has_the_reported_average_infidelity(n, error, duration):
    channel = gate_channel(n, error, duration, [(200e-6, 100e-6)] * n)
    assert 1 - qi.average_gate_fidelity(channel) == pytest.approx(error, rel=1e-9)


def test_relaxation_alone_when_it_exceeds_the_reported_error():
    """As in Aer's from_backend: no depolarizing part is added, the relaxation stays."""
    coherence = [(200e-6, 100e-6)]
    channel = gate_channel(1, 3e-4, 1e-6, coherence)
    assert 1 - qi.average_gate_fidelity(channel) == pytest.approx(1 - relaxation_fidelity(1e-6, coherence))


def test_a_failed_coupler_is_fully_depolarizing():
    channel = gate_channel(2, 1.0, None, [None, None])
    assert 1 - qi.average_gate_fidelity(channel) == pytest.approx(0.8)  # d/(d+1) for d = 4


def test_qubits_without_coherence_times_get_depolarizing_only():
    channel = gate_channel(1, 1e-3, 30e-9, [None])
    assert 1 - qi.average_gate_fidelity(channel) == pytest.approx(1e-3)
    assert gate_channel(1, None, 30e-9, [None]) is None


def test_cache_keys_on_the_used_slice_of_the_calibration(kyiv_calibration):
    cache = NoiseModelCache(maxsize=2)
    qubits = (0, 1, 2)
    first = cache.get(kyiv_calibration, qubits)
    assert cache.get(kyiv_calibration, qubits) is first
    elsewhere = {**kyiv_calibration, "taken_at": "2030-01-01T00:00:00Z"}
    elsewhere["qubits"] = [dict(q) for q in kyiv_calibration["qubits"]]
    elsewhere["qubits"][100]["t1_us"] = 1.0  # a qubit the circuit does not use
    assert cache.get(elsewhere, qubits) is first
    drifted = drift_calibration(kyiv_calibration, days=5, profile="typical", seed=1)
    assert cache.get(drifted, qubits) is not first
    assert (cache.hits, cache.misses, len(cache)) == (2, 2, 2)
    cache.get(kyiv_calibration, (3, 4))
    assert len(cache) == 2  # least recently used model evicted


def _delay_circuit(unit: str) -> PhysicalCircuit:
    qc = QuantumCircuit(1, 1)
    qc.x(0)
    qc.delay(10 if unit == "us" else 45_000, 0, unit=unit)
    qc.measure(0, 0)
    return compact_circuit(qc)


def test_delays_in_seconds_relax_and_delays_in_dt_stay_ideal():
    """A qubit in |1> waiting one T1 decays with probability 1 - 1/e; dt units cannot be converted."""
    calibration = {
        "taken_at": "2025-01-01T00:00:00Z",
        "qubits": [{"qubit": 0, "t1_us": 10.0, "t2_us": 10.0, "readout_error": None}],
        "gates": [{"gate": "x", "qubits": [0], "error": None, "duration_ns": None}],
    }
    decayed = simulate_counts(_delay_circuit("us"), calibration, shots=4000, seed=1)
    assert decayed.get("0", 0) / 4000 == pytest.approx(1 - math.exp(-1), abs=0.03)
    assert simulate_counts(_delay_circuit("dt"), calibration, shots=500, seed=1) == {"1": 500}


def _readout_errors(model) -> dict[int, list[list[float]]]:
    return {
        e["gate_qubits"][0][0]: [list(map(float, row)) for row in e["probabilities"]]
        for e in model.to_dict()["errors"]
        if e["type"] == "roerror"
    }


def test_asymmetric_readout_is_aers_reading_of_ibms_numbers(kyiv, kyiv_calibration):
    """Aer's from_backend_properties builds IBM's readout from prob_meas1_prep0/prob_meas0_prep1;
    the document keeps both now, and the model uses them the same way."""
    from qiskit_aer.noise.device import basic_device_readout_errors

    aers = {qubits[0]: error.probabilities.tolist() for qubits, error in basic_device_readout_errors(kyiv.properties())}
    physical = (41, 53, 60)
    ours = _readout_errors(build_noise_model(kyiv_calibration, physical))
    assert ours == {i: aers[p] for i, p in enumerate(physical)}
    assert any(row[0][1] != row[1][0] for row in ours.values())  # asymmetric indeed


def test_readout_probabilities_paths():
    assert readout_probabilities({"readout_error": 0.02}) == (0.02, 0.02)  # symmetric, as before
    assert readout_probabilities({"readout_error": None}) is None
    assert readout_probabilities({"readout_error": 0.0}) is None
    asym = {"readout_error": 0.03, "prob_meas1_prep0": 0.01, "prob_meas0_prep1": 0.05}
    assert readout_probabilities(asym) == (0.01, 0.05)
    assert readout_probabilities({**asym, "readout_error": None}) == (0.01, 0.05)
    # a drifted readout_error (x2) moves the recorded split with it
    assert readout_probabilities({**asym, "readout_error": 0.06}) == pytest.approx((0.02, 0.10))
    assert readout_probabilities({**asym, "readout_error": 0.9}) == (0.3, 1.0)  # capped at 1
    assert readout_probabilities({"readout_error": 0.01, "prob_meas1_prep0": 0.0, "prob_meas0_prep1": 0.0}) == (
        0.01,
        0.01,
    )


def test_asymmetric_readout_flips_the_two_states_at_their_own_rates():
    calibration = {
        "taken_at": "2025-01-01T00:00:00Z",
        "qubits": [
            {
                "qubit": 0,
                "t1_us": None,
                "t2_us": None,
                "readout_error": 0.11,
                "prob_meas1_prep0": 0.02,
                "prob_meas0_prep1": 0.2,
            }
        ],
        "gates": [{"gate": "x", "qubits": [0], "error": None, "duration_ns": None}],
    }
    shots = 20_000
    zero, one = QuantumCircuit(1, 1), QuantumCircuit(1, 1)
    one.x(0)
    for qc in (zero, one):
        qc.measure(0, 0)
    from_zero = simulate_counts(compact_circuit(zero), calibration, shots=shots, seed=3)
    from_one = simulate_counts(compact_circuit(one), calibration, shots=shots, seed=4)
    assert from_zero.get("1", 0) / shots == pytest.approx(0.02, abs=0.005)
    assert from_one.get("0", 0) / shots == pytest.approx(0.2, abs=0.015)
    symmetric = {**calibration, "qubits": [{"qubit": 0, "t1_us": None, "t2_us": None, "readout_error": 0.11}]}
    assert simulate_counts(compact_circuit(zero), symmetric, shots=shots, seed=3).get("1", 0) / shots == pytest.approx(
        0.11, abs=0.01
    )


def test_a_drifted_calibration_carries_the_pair_and_moves_the_readout(kyiv_calibration):
    drifted = drift_calibration(kyiv_calibration, days=30, profile="typical", seed=5)
    physical = (41, 53, 60)
    before = _readout_errors(build_noise_model(kyiv_calibration, physical))
    after = _readout_errors(build_noise_model(drifted, physical))
    for i, p in enumerate(physical):
        row = next(q for q in drifted["qubits"] if q["qubit"] == p)
        assert {"prob_meas1_prep0", "prob_meas0_prep1"} <= row.keys()  # drift copies rows whole
        p10, p01 = after[i][0][1], after[i][1][0]
        assert (p10 + p01) / 2 == pytest.approx(row["readout_error"], rel=1e-12)  # the drifted mean
        assert p10 / p01 == pytest.approx(before[i][0][1] / before[i][1][0], rel=1e-12)  # the recorded split


def test_a_document_from_before_the_pair_keeps_the_symmetric_readout():
    import json
    from pathlib import Path

    golden = Path(__file__).parents[1] / "golden" / "bell_manila_before_faithful_capture.json"
    old = json.loads(golden.read_text())
    assert not any("prob_meas1_prep0" in q for q in old["calibration"]["qubits"])
    physical = load_transpiled(old["transpiled"]["source"]).physical_qubits
    readout = _readout_errors(build_noise_model(old["calibration"], physical))
    rows = {q["qubit"]: q for q in old["calibration"]["qubits"]}
    for i, p in enumerate(physical):
        e = rows[p]["readout_error"]
        assert readout[i] == [[1 - e, e], [e, 1 - e]]
