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
