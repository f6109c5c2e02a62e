"""Qiskit capture from jobs and results, from ``AerSimulator.from_backend``, with QPY and
asymmetric readout (issue 14 item 5), on ibm_kyiv's real calibration snapshot."""

from __future__ import annotations

import base64
import io
import warnings
from datetime import datetime
from typing import Any

import pytest
from qiskit import ClassicalRegister, QuantumCircuit, QuantumRegister, qasm3, qpy, transpile
from qiskit.providers.fake_provider import GenericBackendV2
from qiskit_aer import AerSimulator
from quantumledger import examples, verify
from quantumledger.capture import capture

KYIV_TAKEN_AT = "2025-02-26T11:02:56-05:00"  # kyiv's props last_update_date


@pytest.fixture(scope="module")
def kyiv() -> Any:
    return examples.load_backend("kyiv")


@pytest.fixture(scope="module")
def aer_kyiv(kyiv: Any) -> Any:
    """What the issue measured: a simulator made from the device, not the device."""
    return AerSimulator.from_backend(kyiv)


@pytest.fixture(scope="module")
def ghz3_isa(aer_kyiv: Any) -> QuantumCircuit:
    return transpile(examples.ghz_circuit(3), aer_kyiv, optimization_level=1, seed_transpiler=11)


@pytest.fixture(scope="module")
def runtime_job(aer_kyiv: Any, ghz3_isa: QuantumCircuit) -> Any:
    """qiskit-ibm-runtime's SamplerV2 in local mode on the simulator: a LocalRuntimeJob."""
    from qiskit_ibm_runtime import SamplerV2

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # the legacy SamplerV2 is deprecated
        job = SamplerV2(mode=aer_kyiv, options={"default_shots": 2000}).run([ghz3_isa])
    job.result()
    return job


@pytest.fixture(scope="module")
def from_job(runtime_job: Any) -> dict[str, Any]:
    return capture(examples.ghz_circuit(3), backend=runtime_job.backend(), result=runtime_job)


def test_aer_from_backend_is_recorded_as_the_device_it_copies(from_job: dict[str, Any], kyiv: Any) -> None:
    assert from_job["backend"] == {"provider": "ibm", "name": "ibm_kyiv", "num_qubits": 127}
    calibration = from_job["calibration"]
    assert calibration["taken_at"] == KYIV_TAKEN_AT  # the device's calibration time, not now
    props = kyiv.properties()
    for row in calibration["qubits"]:  # Aer's own properties() have no T1/T2 at all
        assert row["t1_us"] == pytest.approx(props.t1(row["qubit"]) * 1e6, rel=1e-12)
        assert row["t2_us"] == pytest.approx(props.t2(row["qubit"]) * 1e6, rel=1e-12)
    # the very calibration a capture from the device itself records
    assert calibration == examples.ghz_bundle()["calibration"]
    assert verify(from_job).backend == "ibm/ibm_kyiv"


def test_the_job_fills_counts_shots_id_times_and_the_circuit_that_ran(
    from_job: dict[str, Any], runtime_job: Any, ghz3_isa: QuantumCircuit
) -> None:
    result = runtime_job.result()
    assert from_job["results"]["counts"] == result[0].data.meas.get_counts()
    assert from_job["execution"]["shots"] == 2000 == result[0].data.meas.num_shots
    assert from_job["execution"]["job_id"] == runtime_job.job_id()
    stamps = runtime_job.metrics()["timestamps"]
    submitted = datetime.fromisoformat(from_job["execution"]["submitted_at"])
    completed = datetime.fromisoformat(from_job["execution"]["completed_at"])
    assert submitted == datetime.fromisoformat(stamps["created"]) and completed >= submitted
    assert qasm3.loads(from_job["transpiled"]["source"]) == qasm3.loads(qasm3.dumps(ghz3_isa))


def test_explicit_arguments_win_over_the_job(runtime_job: Any) -> None:
    bundle = capture(
        examples.ghz_circuit(3),
        backend=runtime_job.backend(),
        result=runtime_job,
        job_id="lab-42",
        submitted_at="2025-03-01T00:00:00Z",
        seed_simulator=5,
        calibration_taken_at="2025-02-27T00:00:00Z",
    )
    execution = bundle["execution"]
    assert (execution["job_id"], execution["submitted_at"], execution["seed_simulator"]) == (
        "lab-42",
        "2025-03-01T00:00:00Z",
        5,
    )
    assert execution["completed_at"] is not None  # still from the job
    assert bundle["calibration"]["taken_at"] == "2025-02-27T00:00:00Z"


def test_an_aer_backend_job_gives_its_seed_and_times(aer_kyiv: Any, ghz3_isa: QuantumCircuit) -> None:
    job = aer_kyiv.run(ghz3_isa, shots=300, seed_simulator=99)
    bundle = capture(examples.ghz_circuit(3), backend=aer_kyiv, transpiled=ghz3_isa, result=job)
    execution = bundle["execution"]
    assert execution["seed_simulator"] == 99 and execution["shots"] == 300
    assert execution["job_id"] == job.job_id()
    assert bundle["results"]["counts"] == job.result().get_counts()
    assert datetime.fromisoformat(execution["submitted_at"]) < datetime.fromisoformat(execution["completed_at"])
    # the Result alone says the same
    again = capture(examples.ghz_circuit(3), backend=aer_kyiv, result=job.result(), created_at=bundle["created_at"])
    assert again["execution"] == execution and again["results"] == bundle["results"]


def test_qiskit_sampler_v2_result(aer_kyiv: Any, ghz3_isa: QuantumCircuit) -> None:
    """Qiskit Aer's SamplerV2 (a PrimitiveJob): no times and no seed to read, the rest is filled."""
    from qiskit_aer.primitives import SamplerV2

    job = SamplerV2(seed=7).run([ghz3_isa], shots=400)
    bundle = capture(examples.ghz_circuit(3), backend=aer_kyiv, result=job, transpiled=ghz3_isa, seed_simulator=7)
    assert bundle["execution"]["job_id"] == job.job_id()
    assert bundle["execution"]["shots"] == 400 and sum(bundle["results"]["counts"].values()) == 400
    assert bundle["execution"]["seed_simulator"] == 7
    verify(bundle)


def test_several_registers_are_spelled_as_qiskit_spells_counts() -> None:
    from qiskit_aer.primitives import SamplerV2

    a, b = ClassicalRegister(1, "a"), ClassicalRegister(2, "b")
    circuit = QuantumCircuit(QuantumRegister(3, "q"), a, b)
    circuit.x(1)
    circuit.measure(0, a[0])
    circuit.measure([1, 2], b)
    backend = GenericBackendV2(num_qubits=3, seed=1)
    sampler_result = SamplerV2(seed=1).run([circuit], shots=50).result()
    bundle = capture(circuit, backend=backend, result=sampler_result, created_at="2025-01-01T00:00:00Z")
    direct = AerSimulator().run(circuit, shots=50).result().get_counts()
    assert bundle["results"]["counts"] == direct == {"01 0": 50}


def test_a_simulator_of_an_unknown_device_needs_its_calibration_date() -> None:
    generic = GenericBackendV2(num_qubits=5, seed=3)
    simulator = AerSimulator.from_backend(generic)
    circuit = QuantumCircuit(1, name="probe")
    circuit.measure_all()
    options: dict[str, Any] = {"counts": {"0": 10}, "shots": 10}
    with pytest.raises(ValueError, match="keeps no date"):
        capture(circuit, backend=simulator, **options)
    dated = capture(circuit, backend=simulator, calibration_taken_at="2025-05-05T00:00:00Z", **options)
    assert dated["backend"] == {"provider": "unknown", "name": "generic_backend_5q", "num_qubits": 5}
    assert dated["calibration"]["taken_at"] == "2025-05-05T00:00:00Z"
    assert all(q["t1_us"] is not None for q in dated["calibration"]["qubits"])  # from the target
    named = capture(circuit, backend=simulator, device=generic, created_at="2025-06-01T00:00:00Z", **options)
    assert named["backend"]["provider"] == "qiskit"


def test_asymmetric_readout_is_kept_beside_the_symmetric_error(kyiv: Any) -> None:
    rows = examples.ghz_bundle()["calibration"]["qubits"]
    props = kyiv.properties()
    for row in rows:
        reported = {nduv.name: nduv.value for nduv in props.qubits[row["qubit"]]}
        assert row["prob_meas1_prep0"] == reported["prob_meas1_prep0"]
        assert row["prob_meas0_prep1"] == reported["prob_meas0_prep1"]
        assert row["readout_error"] == pytest.approx((row["prob_meas1_prep0"] + row["prob_meas0_prep1"]) / 2)
    assert any(row["prob_meas1_prep0"] != row["prob_meas0_prep1"] for row in rows)


def test_qpy_beside_openqasm_decodes_to_the_same_circuits() -> None:
    bundle = examples.ghz_bundle()
    sim = examples._simulation("ghz", 3, "kyiv", 4096, examples.DEFAULT_SEED)
    for member, original in (("program", examples.ghz_circuit(3)), ("transpiled", sim.transpiled)):
        native = bundle[member]["native"]
        assert (native["format"], native["encoding"]) == ("qpy", "base64")
        (decoded,) = qpy.load(io.BytesIO(base64.b64decode(native["source"])))
        assert decoded == original
        assert decoded.layout == original.layout


def test_a_fake_twin_is_accepted_only_if_its_target_agrees(kyiv: Any) -> None:
    from qiskit_ibm_runtime.fake_provider import FakeKyiv
    from quantumledger._aer_source import _same_target

    assert _same_target(kyiv.target, FakeKyiv().target)
    assert not _same_target(kyiv.target, examples.load_backend("brisbane").target)  # 127 qubits too
