"""pytket capture (issue 15 item 3) on pytket-quantinuum's offline machine data.

pytket has no simulator offline here (Quantinuum's local emulator needs pytket-pecos, and
pytket-qiskit is not installed): the compiled circuit is simulated with qiskit-aer, from the
document's own OpenQASM 2 and under the noise the document's calibration describes (the
reproduce service's noise model), and its shots come back as a pytket ``BackendResult``.
"""

from __future__ import annotations

import json
import subprocess
import sys
from itertools import combinations
from typing import Any

import pytest
from pytket import Bit, Circuit
from pytket.backends.backendresult import BackendResult
from pytket.extensions.quantinuum import QuantinuumBackend
from pytket.extensions.quantinuum.backends.api_wrappers import OFFLINE_MACHINE_LIST, QuantinuumAPIOffline
from pytket.utils.outcomearray import OutcomeArray
from quantumledger import capture, verify
from quantumledger._pytket import qasm_of
from quantumledger._quantinuum import quantinuum_calibration

SHOTS = 2000


def offline(device: str) -> QuantinuumBackend:
    return QuantinuumBackend(device, api_handler=QuantinuumAPIOffline())


def ghz(n: int = 3) -> Circuit:
    circuit = Circuit(n, name=f"ghz_{n}")
    circuit.H(0)
    for q in range(n - 1):
        circuit.CX(q, q + 1)
    return circuit.measure_all()


def simulate(compiled: Circuit, backend: QuantinuumBackend, shots: int, seed: int) -> BackendResult:
    """Aer on the compiled circuit's OpenQASM, under the noise of the machine's data."""
    from qiskit import qasm2

    from services.reproduce.domain.circuit import compact_circuit
    from services.reproduce.domain.noise import build_noise_model

    info = backend.backend_info
    calibration = quantinuum_calibration(
        info.misc, [str(n) for n in sorted(info.architecture.nodes)], device_name=info.device_name, version=None
    )
    loaded = qasm2.loads(qasm_of(compiled), custom_instructions=qasm2.LEGACY_CUSTOM_INSTRUCTIONS)
    physical = compact_circuit(loaded)
    from qiskit_aer import AerSimulator

    model = build_noise_model(calibration, physical.physical_qubits)
    memory = (
        AerSimulator(noise_model=model, seed_simulator=seed)
        .run(physical.circuit, shots=shots, memory=True)
        .result()
        .get_memory()
    )
    bits = sorted(compiled.bits)
    readouts = [[int(word[len(word) - 1 - bit.index[0]]) for bit in bits] for word in memory]  # one register "c"
    return BackendResult(shots=OutcomeArray.from_readouts(readouts), c_bits=bits)


@pytest.fixture(scope="module")
def h2() -> QuantinuumBackend:
    return offline("H2-1")


@pytest.fixture(scope="module")
def run(h2: QuantinuumBackend) -> tuple[Circuit, Circuit, BackendResult]:
    program = ghz(3)
    compiled = h2.get_compiled_circuit(program, optimisation_level=2)
    return program, compiled, simulate(compiled, h2, SHOTS, seed=5)


@pytest.fixture(scope="module")
def document(run: tuple[Circuit, Circuit, BackendResult], h2: QuantinuumBackend) -> dict[str, Any]:
    program, compiled, result = run
    return capture(program, backend=h2, transpiled=compiled, result=result, job_id="offline-1")


def test_an_h2_run_becomes_a_verifiable_document(document: dict[str, Any], run: Any) -> None:
    _, _, result = run
    assert verify(document).backend == "quantinuum/H2-1"
    assert document["backend"]["num_qubits"] == 56
    counts = document["results"]["counts"]
    expected = {"".join(str(b) for b in reversed(k)): v for k, v in result.get_counts().items()}
    assert counts == expected and sum(counts.values()) == SHOTS == document["execution"]["shots"]
    assert counts["000"] + counts["111"] > 0.95 * SHOTS
    assert document["calibration"]["taken_at"] == "2025-04-30T00:00:00Z"
    assert set(document["environment"]["packages"]) == {"pytket", "pytket-quantinuum"}
    assert document["program"]["format"] == document["transpiled"]["format"] == "openqasm2"


def test_the_machine_data_is_kept_under_quantinuums_names(document: dict[str, Any]) -> None:
    specs = next(m for m in OFFLINE_MACHINE_LIST if m["name"] == "H2-1")["noise_specs"]
    calibration = document["calibration"]
    device = calibration["source"]["device"]
    assert device["noise_specs.2q_gate_error.p2"] == specs["2q_gate_error"]["p2"]
    assert device["noise_specs.2q_gate_error.p2_unc"] == specs["2q_gate_error"]["p2_unc"]
    assert device["noise_specs.spam_error.p_meas_1"] == specs["spam_error"]["p_meas_1"]
    assert device["noise_specs.memory_error.memory_error"] == specs["memory_error"]["memory_error"]
    assert device["noise_specs.date"] == "2025-04-30" and device["connectivity"] == "all-to-all"
    rows = calibration["qubits"]
    assert [r["label"] for r in rows] == [f"q[{i}]" for i in range(56)]
    for row in rows:
        assert row["prob_meas1_prep0"] == specs["spam_error"]["p_meas_0"]
        assert row["prob_meas0_prep1"] == specs["spam_error"]["p_meas_1"]
        assert row["t1_us"] is None and row["t2_us"] is None
    gates = calibration["gates"]
    assert [tuple(g["qubits"]) for g in gates if g["gate"] == "rzz"] == list(combinations(range(56), 2))
    assert {g["error"] for g in gates if g["gate"] == "rzz"} == {specs["2q_gate_error"]["p2"]}
    assert {g["error"] for g in gates if g["gate"] == "u3"} == {specs["1q_gate_error"]["p1"]}
    assert calibration["source"]["gates"]["rzz"].startswith("pytket OpType.ZZPhase")


def test_pytket_json_round_trips_and_openqasm_is_the_rebased_copy(document: dict[str, Any], run: Any) -> None:
    from qiskit import qasm2

    program, compiled, _ = run
    for member, circuit in (("program", program), ("transpiled", compiled)):
        native = document[member]["native"]
        assert (native["format"], native["encoding"]) == ("pytket-json", "text")
        assert Circuit.from_dict(json.loads(native["source"])) == circuit
    loaded = qasm2.loads(document["transpiled"]["source"], custom_instructions=qasm2.LEGACY_CUSTOM_INSTRUCTIONS)
    assert {inst.operation.name for inst in loaded.data} <= {"u3", "rzz", "rz", "measure", "barrier"}
    ops = [cmd.op.type.name for cmd in compiled.get_commands()]
    assert ops.count("PhasedX") == sum(1 for inst in loaded.data if inst.operation.name == "u3")  # one for one


@pytest.mark.parametrize(("device", "qubits", "date"), [("H1-1", 20, "2025-05-02"), ("H2-2", 56, "2025-08-28")])
def test_every_offline_machine_maps(device: str, qubits: int, date: str) -> None:
    backend = offline(device)
    circuit = ghz(2)
    compiled = backend.get_compiled_circuit(circuit)
    doc = capture(circuit, backend=backend.backend_info, transpiled=compiled, counts={"00": 6, "11": 4}, shots=10)
    verify(doc)
    assert doc["backend"] == {"provider": "quantinuum", "name": device, "num_qubits": qubits}
    assert doc["calibration"]["taken_at"] == f"{date}T00:00:00Z"
    assert len(doc["calibration"]["gates"]) == qubits + qubits * (qubits - 1) // 2


def test_several_registers_are_spelled_as_qiskit_spells_counts(h2: QuantinuumBackend) -> None:
    circuit = Circuit(3)
    a, b = circuit.add_c_register("a", 1), circuit.add_c_register("b", 2)
    circuit.X(1).Measure(0, a[0]).Measure(1, b[0]).Measure(2, b[1])
    bits = [Bit("a", 0), Bit("b", 0), Bit("b", 1)]
    result = BackendResult(shots=OutcomeArray.from_readouts([[0, 1, 0]] * 4), c_bits=bits)
    doc = capture(circuit, backend=h2, result=result, created_at="2025-01-01T00:00:00Z")
    from qiskit import qasm2
    from qiskit_aer import AerSimulator

    aer = AerSimulator().run(qasm2.loads(doc["program"]["source"]), shots=4).result().get_counts()
    assert doc["results"]["counts"] == aer == {"01 0": 4}


def test_a_backend_without_machine_data_is_refused(h2: QuantinuumBackend) -> None:
    info = h2.backend_info
    bare = type(info)(info.name, info.device_name, info.version, info.architecture, info.gate_set, misc={})
    with pytest.raises(ValueError, match="no calibration data"):
        capture(ghz(2), backend=bare, counts={"00": 1}, shots=1)


def test_capturing_pytket_imports_neither_qiskit_nor_cirq() -> None:
    code = (
        "import sys\n"
        "from pytket import Circuit\n"
        "from pytket.extensions.quantinuum import QuantinuumBackend\n"
        "from pytket.extensions.quantinuum.backends.api_wrappers import QuantinuumAPIOffline\n"
        "from quantumledger import capture, verify\n"
        "b = QuantinuumBackend('H1-1', api_handler=QuantinuumAPIOffline())\n"
        "c = Circuit(2).H(0).CX(0, 1).measure_all()\n"
        "verify(capture(c, backend=b, transpiled=b.get_compiled_circuit(c), counts={'00': 3, '11': 2}, shots=5))\n"
        "assert not {'qiskit', 'cirq'} & set(sys.modules), sorted({'qiskit', 'cirq'} & set(sys.modules))\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=300)
