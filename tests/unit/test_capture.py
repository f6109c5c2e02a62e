"""``quantumledger.capture`` and ``quantumledger.examples`` on real IBM calibration data."""

from __future__ import annotations

import math
import platform
import subprocess
import sys
from datetime import UTC, datetime, timedelta, timezone
from importlib import metadata
from typing import Any

import orjson
import pytest
from qiskit import QuantumCircuit, qasm3
from qiskit.providers.fake_provider import GenericBackendV2
from qlprov.document import validate_document
from qlprov.hashing import run_hash
from quantumledger import examples
from quantumledger._calibration import backend_identity, device_calibration, scale_time
from quantumledger.capture import SDK_NAME, capture, run_on_simulator, simulate

KYIV_GATE_KINDS = {"ecr", "id", "rz", "sx", "x", "reset"}


@pytest.fixture(scope="module")
def kyiv() -> Any:
    return examples.load_backend("kyiv")


@pytest.fixture(scope="module")
def kyiv_bundle() -> dict[str, Any]:
    return examples.ghz_bundle()


def small_capture(backend: Any, **options: Any) -> dict[str, Any]:
    circuit = QuantumCircuit(1, name="probe")
    circuit.measure_all()
    return capture(circuit, backend=backend, counts={"0": 9, "1": 1}, shots=10, **options)


def test_kyiv_bundle_is_valid_hashed_and_about_90_kb(kyiv_bundle: dict[str, Any]) -> None:
    record = validate_document(kyiv_bundle)
    assert kyiv_bundle["run_hash"] == run_hash(kyiv_bundle)
    size = len(orjson.dumps(kyiv_bundle))
    # ~78 KB of calibration and circuits, +8 KB of asymmetric readout, +6 KB of QPY
    assert 80_000 < size < 100_000, size
    assert record.backend.provider == "ibm" and record.backend.name == "ibm_kyiv"
    assert record.backend.num_qubits == 127
    assert record.execution.shots == 4096 and record.execution.status == "completed"
    assert record.execution.seed_simulator == examples.DEFAULT_SEED
    assert record.transpiled is not None
    assert record.transpiled.optimization_level == 1
    assert record.transpiled.seed_transpiler == examples.DEFAULT_SEED
    assert kyiv_bundle["simulator"]["engine"] == "qiskit-aer"


def test_calibration_has_every_qubit_and_gate_exactly_as_reported(kyiv_bundle: dict[str, Any], kyiv: Any) -> None:
    props = kyiv.properties()
    calibration = kyiv_bundle["calibration"]
    assert calibration["taken_at"] == "2025-02-26T11:02:56-05:00"
    assert [q["qubit"] for q in calibration["qubits"]] == list(range(127))
    for entry, reported in zip(calibration["qubits"], props.qubits, strict=True):
        values = {nduv.name: nduv for nduv in reported}
        assert values["T1"].unit == values["T2"].unit == "us"
        # the very same doubles: no unit round trip, no rounding
        assert repr(entry["t1_us"]) == repr(values["T1"].value)
        assert repr(entry["t2_us"]) == repr(values["T2"].value)
        assert repr(entry["readout_error"]) == repr(values["readout_error"].value)
    assert len(calibration["gates"]) == len(props.gates) == 779
    assert {g["gate"] for g in calibration["gates"]} == KYIV_GATE_KINDS
    for entry, gate in zip(calibration["gates"], props.gates, strict=True):
        values = {nduv.name: nduv.value for nduv in gate.parameters}
        assert (entry["gate"], entry["qubits"]) == (gate.gate, gate.qubits)
        assert repr(entry["duration_ns"]) == repr(values["gate_length"])
        assert entry["error"] == values.get("gate_error")  # reset has none: null
    assert sum(1 for g in calibration["gates"] if g["gate"] == "ecr") == 144
    assert all(g["error"] is None for g in calibration["gates"] if g["gate"] == "reset")
    # a coupler whose calibration failed reports gate_error 1.0, and is kept as reported
    assert any(g["error"] == 1.0 for g in calibration["gates"] if g["gate"] == "ecr")


def test_program_environment_and_results(kyiv_bundle: dict[str, Any]) -> None:
    program = dict(kyiv_bundle["program"])
    assert program.pop("native")["format"] == "qpy"
    assert program == {"name": "ghz_3", "format": "openqasm3", "source": qasm3.dumps(examples.ghz_circuit(3))}
    transpiled = qasm3.loads(kyiv_bundle["transpiled"]["source"])
    assert {inst.operation.name for inst in transpiled.data} <= KYIV_GATE_KINDS | {"measure", "barrier"}
    env = kyiv_bundle["environment"]
    assert env["sdk"] == {"name": SDK_NAME, "version": metadata.version("quantumledger")}
    assert env["packages"] == {name: metadata.version(name) for name in ("qiskit", "qiskit-aer", "qiskit-ibm-runtime")}
    assert env["python"] == platform.python_version()
    counts = kyiv_bundle["results"]["counts"]
    assert sum(counts.values()) == 4096
    assert counts["000"] + counts["111"] > 0.9 * 4096  # a GHZ state, with kyiv's noise
    assert len(counts) == 8  # ... and noise it is


def test_examples_are_deterministic_fresh_copies() -> None:
    first = examples.ghz_bundle()
    first["results"]["counts"]["000"] = -1
    second = examples.ghz_bundle()
    assert second["results"]["counts"]["000"] > 0
    assert second == examples.ghz_bundle()
    assert second["execution"]["job_id"] == f"sim-kyiv-ghz_3-{examples.DEFAULT_SEED}"
    assert second["execution"]["submitted_at"] == "2025-02-26T17:02:56Z"  # an hour after calibration
    assert examples.ghz_bundle(backend="ibm_kyiv") == second
    assert examples.ghz_bundle(seed=7)["run_hash"] != second["run_hash"]


def test_bell_bundle() -> None:
    bundle = examples.bell_bundle()
    validate_document(bundle)
    assert bundle["program"]["name"] == "bell"
    assert set(bundle["results"]["counts"]) <= {"00", "01", "10", "11"}
    assert bundle["results"]["counts"]["00"] + bundle["results"]["counts"]["11"] > 0.9 * 4096
    assert bundle["run_hash"] == run_hash(bundle)


@pytest.mark.parametrize(
    ("device", "qubits", "two_qubit_gates"),
    [
        ("kyiv", 127, {"ecr"}),
        ("brisbane", 127, {"ecr"}),
        ("torino", 133, {"cz", "rzz"}),
        ("marrakesh", 156, {"cz", "rzz"}),
    ],
)
def test_examples_work_on_eagle_and_heron_devices(device: str, qubits: int, two_qubit_gates: set[str]) -> None:
    bundle = examples.ghz_bundle(backend=device)
    validate_document(bundle)
    assert bundle["run_hash"] == run_hash(bundle)
    assert bundle["backend"] == {"provider": "ibm", "name": f"ibm_{device}", "num_qubits": qubits}
    assert len(bundle["calibration"]["qubits"]) == qubits
    two_qubit = {g["gate"] for g in bundle["calibration"]["gates"] if len(g["qubits"]) == 2}
    assert two_qubit == two_qubit_gates
    assert len(bundle["calibration"]["gates"]) == len(examples.load_backend(device).properties().gates)


def test_bench_bundles_are_unique_valid_and_cheap() -> None:
    a, b = examples.bench_bundle(0), examples.bench_bundle(1)
    assert a["execution"]["job_id"] == "bench-000000000000"
    assert b["execution"]["job_id"] == "bench-000000000001"
    assert a["run_hash"] != b["run_hash"]
    for bundle in (a, b):
        validate_document(bundle)
        assert bundle["run_hash"] == run_hash(bundle)
        assert bundle["backend"]["name"] == "ibm_kyiv"
    raw = examples.bench_bundle_bytes(123_456)
    assert 80_000 < len(raw) < 100_000
    assert orjson.loads(raw) == examples.bench_bundle(123_456)
    with pytest.raises(ValueError):
        examples.bench_bundle_bytes(-1)


def test_unknown_device_is_refused() -> None:
    with pytest.raises(ValueError, match="no fake IBM backend"):
        examples.load_backend("atlantis")


def test_simulation_matches_the_full_device_noise_model() -> None:
    from qiskit_aer import AerSimulator

    backend = examples.load_backend("manila")  # 5 qubits: the full model is cheap to build
    circuit = examples.ghz_circuit(3)
    sim = simulate(circuit, backend, shots=2000, seed_simulator=5, seed_transpiler=3)
    full = AerSimulator.from_backend(backend).run(sim.transpiled, shots=2000, seed_simulator=5).result()
    assert sim.counts == dict(full.get_counts(0))
    assert sum(sim.counts.values()) == 2000


def test_run_on_simulator_captures_the_run(kyiv: Any) -> None:
    before = datetime.now(UTC) - timedelta(seconds=1)
    bundle = run_on_simulator(
        examples.bell_circuit(), kyiv, shots=1000, seed_simulator=3, seed_transpiler=4, name="my-bell"
    )
    validate_document(bundle)
    assert bundle["program"]["name"] == "my-bell"
    assert bundle["execution"]["seed_simulator"] == 3
    assert bundle["transpiled"]["seed_transpiler"] == 4
    assert sum(bundle["results"]["counts"].values()) == 1000
    assert bundle["execution"]["job_id"]
    submitted = datetime.fromisoformat(bundle["execution"]["submitted_at"])
    completed = datetime.fromisoformat(bundle["execution"]["completed_at"])
    assert before <= submitted <= completed <= datetime.fromisoformat(bundle["created_at"])
    again = run_on_simulator(
        examples.bell_circuit(), kyiv, shots=1000, seed_simulator=3, seed_transpiler=4, job_id="fixed"
    )
    assert again["results"] == bundle["results"] and again["execution"]["job_id"] == "fixed"


def test_capture_keeps_extra_members_and_lineage(kyiv: Any) -> None:
    lineage = {"derived_from": "a" * 64}
    bundle = small_capture(kyiv, extra={"lineage": lineage, "lab": {"fridge": "F2", "mK": 12.5}})
    assert bundle["lineage"] == lineage and bundle["lab"] == {"fridge": "F2", "mK": 12.5}
    assert bundle["run_hash"] == run_hash(bundle)
    without = small_capture(kyiv, created_at=bundle["created_at"], extra={"lineage": lineage})
    assert without["run_hash"] != bundle["run_hash"]


def test_capture_times(kyiv: Any) -> None:
    eastern = timezone(timedelta(hours=-5))
    bundle = small_capture(
        kyiv,
        created_at=datetime(2025, 3, 1, 12, 0, 0, 250000, tzinfo=UTC),
        submitted_at=datetime(2025, 3, 1, 6, 59, tzinfo=eastern),
        completed_at="2025-03-01T12:00:00Z",
        job_id="job-7",
    )
    assert bundle["created_at"] == "2025-03-01T12:00:00.250000Z"
    assert bundle["execution"]["submitted_at"] == "2025-03-01T06:59:00-05:00"
    assert bundle["execution"]["completed_at"] == "2025-03-01T12:00:00Z"
    assert bundle["execution"]["job_id"] == "job-7"
    assert "seed_simulator" not in bundle["execution"] and "transpiled" not in bundle
    default = small_capture(kyiv)
    assert default["created_at"].endswith("Z")
    assert abs(datetime.fromisoformat(default["created_at"]) - datetime.now(UTC)) < timedelta(minutes=1)


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"created_at": datetime(2025, 1, 1)}, "no timezone"),
        ({"extra": {"results": {}}}, "would replace"),
        ({"extra": {"run_hash": "0" * 64}}, "would replace"),
        ({"seed_transpiler": 1}, "transpiled circuit"),
        ({"status": "exploded"}, "not valid qlprov/run/1.0"),
        ({"created_at": "yesterday"}, "not valid qlprov/run/1.0"),
    ],
)
def test_capture_refuses_what_would_not_be_a_valid_document(kyiv: Any, options: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        small_capture(kyiv, **options)


def test_counts_of_a_completed_run_must_add_up_to_shots(kyiv: Any) -> None:
    circuit = examples.bell_circuit()
    with pytest.raises(ValueError, match="add up to 10"):
        capture(circuit, backend=kyiv, counts={"00": 5, "11": 5}, shots=4096)
    failed = capture(circuit, backend=kyiv, counts={}, shots=4096, status="failed")
    assert failed["execution"]["status"] == "failed" and failed["results"]["counts"] == {}


def test_target_only_backend_calibration_comes_from_the_target() -> None:
    backend = GenericBackendV2(num_qubits=5, seed=42)
    bundle = small_capture(backend, created_at="2025-05-05T05:05:05Z")
    validate_document(bundle)
    assert bundle["backend"] == {"provider": "qiskit", "name": "generic_backend_5q", "num_qubits": 5}
    calibration = bundle["calibration"]
    assert calibration["taken_at"] == "2025-05-05T05:05:05Z"  # a target is undated
    target = backend.target
    for entry in calibration["qubits"]:
        props = target.qubit_properties[entry["qubit"]]
        assert entry["t1_us"] == pytest.approx(props.t1 * 1e6, rel=1e-15)
        assert entry["readout_error"] == target["measure"][(entry["qubit"],)].error
    expected = {
        (name, tuple(qargs))
        for name in target.operation_names
        if name not in {"measure", "delay"}
        for qargs in target[name]
        if qargs is not None
    }
    assert {(g["gate"], tuple(g["qubits"])) for g in calibration["gates"]} == expected
    cx = next(g for g in calibration["gates"] if g["gate"] == "cx")
    assert cx["duration_ns"] == pytest.approx(target["cx"][tuple(cx["qubits"])].duration * 1e9)


def test_target_and_properties_agree_on_kyiv(kyiv: Any) -> None:
    from quantumledger._calibration import _from_target

    from_props = device_calibration(kyiv, default_taken_at="x")
    from_target = _from_target(kyiv.target, kyiv.num_qubits, "x")
    for a, b in zip(from_props["qubits"], from_target["qubits"], strict=True):
        assert a["t1_us"] == pytest.approx(b["t1_us"], rel=1e-15)
        assert a["t2_us"] == pytest.approx(b["t2_us"], rel=1e-15)
        assert (a["qubit"], a["readout_error"]) == (b["qubit"], b["readout_error"])
    by_key = {(g["gate"], tuple(g["qubits"])): g for g in from_target["gates"]}
    assert len(by_key) == len(from_props["gates"])
    for gate in from_props["gates"]:
        other = by_key[(gate["gate"], tuple(gate["qubits"]))]
        assert gate["error"] == other["error"]
        assert gate["duration_ns"] == pytest.approx(other["duration_ns"], rel=1e-15)


def test_scale_time_undoes_qiskits_unit_conversion(kyiv: Any) -> None:
    # the target holds kyiv's T1 in seconds (Qiskit divided the device's us by 10**6):
    # scaling back gives the device's very numbers, where a Decimal shift would not
    # for nearly all of them (the float division cannot always be undone)
    props, target = kyiv.properties(), kyiv.target
    exact = 0
    for qubit, qubit_props in enumerate(target.qubit_properties):
        reported = {nduv.name: nduv.value for nduv in props.qubits[qubit]}
        for ours, theirs in ((qubit_props.t1, reported["T1"]), (qubit_props.t2, reported["T2"])):
            scaled = scale_time(ours, "s", -6)
            assert scaled == pytest.approx(theirs, rel=1e-15)
            exact += scaled == theirs
    assert exact >= 0.95 * 2 * 127
    assert scale_time(0.0005418192633031137, "s", -6) == 541.8192633031138  # kyiv qubit T1
    assert scale_time(32, "ns", -9) == 32 and isinstance(scale_time(32, "ns", -9), int)
    assert scale_time(1.5, "ms", -6) == 1500.0
    assert scale_time(1500, "ns", -6) == 1.5
    assert scale_time(float("nan"), "us", -6) is None and scale_time(None, "us", -6) is None
    assert scale_time(math.inf, "us", -6) is None
    with pytest.raises(ValueError, match="unknown time unit"):
        scale_time(1.0, "fortnights", -6)


def test_backend_identity() -> None:
    assert backend_identity(examples.load_backend("manila")) == ("ibm", "ibmq_manila")
    assert backend_identity(GenericBackendV2(num_qubits=2, seed=1)) == ("qiskit", "generic_backend_2q")


def test_importing_the_sdk_does_not_import_qiskit() -> None:
    code = (
        "import sys, quantumledger\n"
        "assert 'qiskit' not in sys.modules, 'qiskit imported'\n"
        "quantumledger.verify\n"
        "assert 'qiskit' not in sys.modules, 'verify imported qiskit'\n"
        "assert callable(quantumledger.capture)\n"
        "assert not {'qiskit', 'cirq', 'pytket'} & set(sys.modules), 'capture imported an SDK'\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=120)


def test_package_exports_the_functions_even_after_their_modules_are_imported() -> None:
    import importlib
    import types

    import quantumledger

    for submodule in ("quantumledger.capture", "quantumledger.verify", "quantumledger.examples"):
        assert isinstance(importlib.import_module(submodule), types.ModuleType)
    assert quantumledger.capture is capture
    assert quantumledger.run_on_simulator is run_on_simulator
    assert callable(quantumledger.verify) and quantumledger.verify.__name__ == "verify"
    assert set(quantumledger.__all__) <= set(dir(quantumledger))
    with pytest.raises(AttributeError):
        quantumledger.no_such_name  # noqa: B018


def test_the_head_leaves_out_the_tables_and_the_native_circuits(kyiv_bundle: dict[str, Any]) -> None:
    """run.ingested carries the head: the native forms (~6 KB of QPY here) stay in the log's
    whole document, as the calibration tables do."""
    from qlprov.document import document_head
    from qlprov.hashing import canonical_body

    head = document_head(kyiv_bundle)
    assert "native" not in head["program"] and "native" not in head["transpiled"]
    assert "qubits" not in head["calibration"] and "gates" not in head["calibration"]
    assert head["program"]["source"] == kyiv_bundle["program"]["source"]
    assert "native" in kyiv_bundle["program"]  # the document itself is untouched
    assert len(canonical_body(head)) < 2_500
    old = {**kyiv_bundle, "program": {k: v for k, v in kyiv_bundle["program"].items() if k != "native"}}
    old["transpiled"] = {k: v for k, v in kyiv_bundle["transpiled"].items() if k != "native"}
    assert document_head(old)["program"] is old["program"]  # a document without them: as before
