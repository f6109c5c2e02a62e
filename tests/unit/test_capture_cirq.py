"""Cirq capture (issue 15 item 3) on cirq-google's shipped calibrations, run on Google's quantum
virtual machine: a Cirq simulator with the noise model of ``load_device_noise_properties``."""

from __future__ import annotations

import itertools
import subprocess
import sys
from typing import Any

import cirq
import pytest
from cirq_google.engine import virtual_engine_factory as vef
from quantumledger import capture, verify

PROCESSOR = "willow_pink"
GHZ_QUBITS = (cirq.GridQubit(0, 6), cirq.GridQubit(0, 7), cirq.GridQubit(1, 7))
SHOTS = 2000


def ghz(qubits: tuple[cirq.GridQubit, ...] = GHZ_QUBITS) -> cirq.Circuit:
    circuit = cirq.Circuit(cirq.H(qubits[0]))
    circuit += (cirq.CNOT(a, b) for a, b in itertools.pairwise(qubits))
    circuit.append(cirq.measure(*qubits, key="m"))
    return circuit


def ghz_run(seed: int = 7, shots: int = SHOTS) -> tuple[cirq.Circuit, cirq.Circuit, Any, Any]:
    """(program, device circuit, processor, job): GHZ-3 on willow_pink's virtual machine."""
    engine = vef.create_default_noisy_quantum_virtual_machine(
        PROCESSOR, simulator_class=cirq.DensityMatrixSimulator, seed=seed
    )
    processor = engine.get_processor(PROCESSOR)
    program = ghz()
    compiled = cirq.optimize_for_target_gateset(program, gateset=cirq.CZTargetGateset())
    job = processor.run_sweep(compiled, params=[cirq.ParamResolver()], repetitions=shots)
    return program, compiled, processor, job


@pytest.fixture(scope="module")
def run() -> tuple[cirq.Circuit, cirq.Circuit, Any, Any]:
    return ghz_run()


@pytest.fixture(scope="module")
def document(run: tuple[cirq.Circuit, cirq.Circuit, Any, Any]) -> dict[str, Any]:
    program, _, processor, job = run
    return capture(program, backend=processor, result=job, name="ghz_3")


@pytest.fixture(scope="module")
def calibration() -> Any:
    return vef.load_median_device_calibration(PROCESSOR)


def metric(calibration: Any, name: str, *qubits: cirq.GridQubit) -> float:
    return float(calibration.value_to_float(calibration[name][qubits]))


def test_a_qvm_job_becomes_a_verifiable_document(document: dict[str, Any], run: Any) -> None:
    _, _, _, job = run
    result = verify(document)
    assert result.backend == "google/willow_pink"
    assert document["backend"]["num_qubits"] == 105
    # a simulated job samples again on each results(): a fresh machine with the same seed gives
    # the sample that capture read
    histogram = ghz_run()[3].results()[0].histogram(key="m")
    # Cirq's integer outcome has the first measured qubit as its highest bit: Qiskit's key reversed
    expected = {format(k, "03b")[::-1]: v for k, v in histogram.items()}
    assert document["results"]["counts"] == expected
    assert document["results"]["counts"]["000"] + document["results"]["counts"]["111"] > 0.9 * SHOTS
    execution = document["execution"]
    assert execution["shots"] == SHOTS and execution["job_id"] == job.id()
    assert execution["submitted_at"] and execution["completed_at"]
    assert document["calibration"]["taken_at"] == "2024-08-16T08:11:17.630Z"  # the calibration's own time
    assert set(document["environment"]["packages"]) == {"cirq-core", "cirq-google"}


def test_calibration_keeps_googles_identifiers_and_values(document: dict[str, Any], calibration: Any) -> None:
    qubits = sorted(vef.create_device_from_processor_id(PROCESSOR).metadata.qubit_set)
    rows = document["calibration"]["qubits"]
    assert [r["label"] for r in rows] == [str(q) for q in qubits]
    for row, q in zip(rows, qubits, strict=True):
        p00, p11 = metric(calibration, "single_qubit_p00_error", q), metric(calibration, "single_qubit_p11_error", q)
        assert (
            row["t1_us"]
            == metric(calibration, "single_qubit_idle_t1_micros", q)
            == row["vendor"]["single_qubit_idle_t1_micros"]
        )
        assert (row["prob_meas1_prep0"], row["prob_meas0_prep1"]) == (p00, p11)
        assert row["readout_error"] == (p00 + p11) / 2 and row["t2_us"] is None
        for name in ("single_qubit_rb_incoherent_error_per_gate", "single_qubit_readout_separation_error"):
            assert row["vendor"][name] == metric(calibration, name, q)
    gates = {(g["gate"], tuple(g["qubits"])): g for g in document["calibration"]["gates"]}
    rb = {q: metric(calibration, "single_qubit_rb_pauli_error_per_gate", q) for q in qubits}
    for i, q in enumerate(qubits):
        assert gates["u3", (i,)]["error"] == pytest.approx(2 / 3 * rb[q], rel=1e-15)
        assert gates["u3", (i,)]["duration_ns"] == 25.0  # willow's device specification
    cycle_name = "two_qubit_parallel_cz_gate_xeb_pauli_error_per_cycle"
    pairs = calibration[cycle_name]
    assert sum(1 for g in gates if g[0] == "cz") == len(pairs) == 182
    for (a, b), _ in pairs.items():
        row = gates["cz", (qubits.index(a), qubits.index(b))]
        cycle = metric(calibration, cycle_name, a, b)
        assert row["vendor"][cycle_name] == cycle
        assert row["error"] == pytest.approx(4 / 5 * max(0.0, cycle - rb[a] - rb[b]), rel=1e-15)
        assert row["duration_ns"] == 42.0
    source = document["calibration"]["source"]
    assert source["vendor"] == "google" and source["gates"] == {"u3": "cirq.PhasedXZGate", "cz": "cirq.CZPowGate"}
    converted = " ".join(c["source"] for c in source["conversions"])
    for name in ("single_qubit_idle_t1_micros", "single_qubit_p00_error", "single_qubit_rb_pauli_error_per_gate"):
        assert name in converted


def test_cirq_json_round_trips_and_openqasm_addresses_the_device_qubits(document: dict[str, Any], run: Any) -> None:
    from qiskit import qasm3

    program, compiled, _, _ = run
    for member, circuit in (("program", program), ("transpiled", compiled)):
        native = document[member]["native"]
        assert (native["format"], native["encoding"]) == ("cirq-json", "text")
        assert cirq.read_json(json_text=native["source"]) == circuit
        assert document[member]["format"] == "openqasm3"
    loaded = qasm3.loads(document["transpiled"]["source"])
    assert loaded.num_qubits == 105
    used = sorted({loaded.find_bit(q).index for inst in loaded.data for q in inst.qubits})
    labels = [r["label"] for r in document["calibration"]["qubits"]]
    assert [labels[i] for i in used] == [str(q) for q in GHZ_QUBITS]


def test_counts_are_spelled_as_qiskit_counts_the_openqasm_program() -> None:
    """Two measurement keys, deterministic outcomes: the document's key is Aer's key."""
    from qiskit import qasm3
    from qiskit_aer import AerSimulator

    a, b, c = cirq.GridQubit(0, 6), cirq.GridQubit(0, 7), cirq.GridQubit(1, 7)
    circuit = cirq.Circuit(cirq.X(a), cirq.X(c), cirq.measure(a, b, key="first"), cirq.measure(c, key="second"))
    result = cirq.Simulator(seed=1).run(circuit, repetitions=20)
    calibration = vef.load_median_device_calibration(PROCESSOR)
    device = vef.create_device_from_processor_id(PROCESSOR)
    doc = capture(
        circuit,
        backend=PROCESSOR,
        device=device,
        calibration=calibration,
        transpiled=circuit,
        result=result,
        created_at="2025-01-01T00:00:00Z",
    )
    aer = AerSimulator().run(qasm3.loads(doc["transpiled"]["source"]), shots=20).result().get_counts()
    assert doc["results"]["counts"] == aer == {"1 01": 20}


@pytest.mark.parametrize(
    ("processor", "two_qubit"), [("rainbow", {"syc", "sqrt_iswap"}), ("weber", {"syc", "sqrt_iswap"})]
)
def test_sycamore_devices_with_the_noise_model_of_their_calibration(processor: str, two_qubit: set[str]) -> None:
    """A plain Cirq simulator with load_device_noise_properties' noise, the calibration and device
    given by hand (no engine): sqrt-iSWAP gate set, 2q rows per Google gate family."""
    from cirq_google import NoiseModelFromGoogleNoiseProperties

    device = vef.create_device_from_processor_id(processor)
    calibration = vef.load_median_device_calibration(processor)
    qubits = sorted(device.metadata.qubit_set)[:1]
    pair = next(p for p in calibration["two_qubit_parallel_sqrt_iswap_gate_xeb_pauli_error_per_cycle"])
    program = ghz(tuple(pair))
    compiled = cirq.optimize_for_target_gateset(program, gateset=cirq.SqrtIswapTargetGateset())
    noise = NoiseModelFromGoogleNoiseProperties(vef.load_device_noise_properties(processor))
    result = cirq.DensityMatrixSimulator(noise=noise, seed=3).run(compiled, repetitions=500)
    doc = capture(
        program,
        backend=processor,
        device=device,
        calibration=calibration,
        transpiled=compiled,
        result=result,
        seed_simulator=3,
    )
    verify(doc)
    assert doc["backend"] == {"provider": "google", "name": processor, "num_qubits": len(device.metadata.qubit_set)}
    assert {g["gate"] for g in doc["calibration"]["gates"] if len(g["qubits"]) == 2} == two_qubit
    assert doc["calibration"]["qubits"][0]["label"] == str(qubits[0])
    assert doc["execution"]["seed_simulator"] == 3 and sum(doc["results"]["counts"].values()) == 500


def test_reproduce_runs_a_captured_cirq_run(document: dict[str, Any]) -> None:
    from services.reproduce.domain.reproduce import reproduce

    outcome = reproduce(document, days=0, profile="stable", seed=11)
    assert outcome.error is None and outcome.verdict == "reproduced", outcome
    assert outcome.document["reproduction"]["physical_qubits"] == [0, 1, 5]  # q(0, 6), q(0, 7), q(1, 7)
    verify(outcome.document)


def test_capturing_cirq_imports_neither_qiskit_nor_pytket() -> None:
    code = (
        "import sys, cirq\n"
        "from cirq_google.engine import virtual_engine_factory as vef\n"
        "from quantumledger import capture, verify\n"
        "q = cirq.GridQubit(0, 6)\n"
        "c = cirq.Circuit(cirq.X(q), cirq.measure(q, key='m'))\n"
        "r = cirq.Simulator().run(c, repetitions=5)\n"
        "cal = vef.load_median_device_calibration('willow_pink')\n"
        "doc = capture(c, backend='willow_pink', calibration=cal, result=r)\n"
        "verify(doc)\n"
        "assert doc['results']['counts'] == {'1': 5}\n"
        "assert not {'qiskit', 'pytket'} & set(sys.modules), sorted({'qiskit', 'pytket'} & set(sys.modules))\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=300)
