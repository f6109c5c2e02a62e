"""Runs captured from Cirq and pytket go through the real stack: ingest, read back, reproduce.

The Cirq run is GHZ-3 on Google's quantum virtual machine for willow_pink (a Cirq density-matrix
simulator with the noise model of cirq-google's shipped calibration); the pytket run is GHZ-3
compiled for Quantinuum's H2-1 from pytket-quantinuum's offline machine data and simulated with
qiskit-aer under that data's noise (pytket has no simulator offline here).
"""

from __future__ import annotations

from typing import Any

import cirq
import pytest
from cirq_google.engine import virtual_engine_factory as vef
from qlprov.hashing import run_hash
from quantumledger import capture, verify

from tests.fixtures import Stack
from tests.integration.reproduce.helpers import ingest, reproduce

pytestmark = pytest.mark.integration

SHOTS = 4096


def cirq_ghz3() -> dict[str, Any]:
    engine = vef.create_default_noisy_quantum_virtual_machine(
        "willow_pink", simulator_class=cirq.DensityMatrixSimulator, seed=21
    )
    processor = engine.get_processor("willow_pink")
    a, b, c = cirq.GridQubit(0, 6), cirq.GridQubit(0, 7), cirq.GridQubit(1, 7)
    program = cirq.Circuit(cirq.H(a), cirq.CNOT(a, b), cirq.CNOT(b, c), cirq.measure(a, b, c, key="m"))
    compiled = cirq.optimize_for_target_gateset(program, gateset=cirq.CZTargetGateset())
    job = processor.run_sweep(compiled, params=[cirq.ParamResolver()], repetitions=SHOTS)
    return capture(program, backend=processor, result=job, name="ghz_3")


def pytket_ghz3() -> dict[str, Any]:
    from pytket import Circuit
    from pytket.extensions.quantinuum import QuantinuumBackend
    from pytket.extensions.quantinuum.backends.api_wrappers import QuantinuumAPIOffline

    from tests.unit.test_capture_pytket import simulate

    backend = QuantinuumBackend("H2-1", api_handler=QuantinuumAPIOffline())
    program = Circuit(3, name="ghz_3").H(0).CX(0, 1).CX(1, 2).measure_all()
    compiled = backend.get_compiled_circuit(program, optimisation_level=2)
    result = simulate(compiled, backend, SHOTS, seed=4)
    return capture(program, backend=backend, transpiled=compiled, result=result, seed_simulator=4)


async def _ingest_and_read_back(stack: Stack, client: Any, document: dict[str, Any]) -> str:
    ingested = await ingest(client, document)
    assert ingested["run_hash"] == document["run_hash"]
    await stack.wait_caught_up("provenance")
    stored = await client.get(f"/api/v1/runs/{ingested['run_id']}")
    assert stored.status_code == 200, stored.text
    assert stored.json() == document and run_hash(stored.json()) == document["run_hash"]
    return str(ingested["run_id"])


async def test_a_captured_cirq_run_ingests_and_reproduces(stack: Stack) -> None:
    document = cirq_ghz3()
    t = await stack.tenant()
    async with stack.client(t) as c:
        run_id = await _ingest_and_read_back(stack, c, document)
        same = await reproduce(c, run_id, 0, "stable", 11)
        assert same.status_code == 200, same.text
        out = same.json()
        # Google's calibration, mapped into the document and rebuilt as an Aer noise model,
        # gives back the counts of Cirq's own noise model within shot noise
        assert out["verdict"] == "reproduced", out
        assert 1 - out["hellinger_fidelity"] <= out["threshold"] and out["baseline_p_value"] > out["alpha"]
        later = await reproduce(c, run_id, 30, "bad_day", 11)
        assert later.status_code == 200, later.text
        assert later.json()["verdict"] in ("reproduced", "drifted", "failed")
        await stack.wait_caught_up("provenance")
        copy = await c.get(f"/api/v1/runs/{out['reproduced_run_id']}")
    assert copy.status_code == 200, copy.text
    reproduction = verify(copy.json()).document
    assert reproduction["backend"] == document["backend"]
    assert reproduction["calibration"]["source"]["vendor"] == "google"
    assert reproduction["calibration"]["qubits"][0]["label"] == "q(0, 6)"


async def test_a_captured_pytket_run_ingests_and_reproduces(stack: Stack) -> None:
    document = pytket_ghz3()
    t = await stack.tenant()
    async with stack.client(t) as c:
        run_id = await _ingest_and_read_back(stack, c, document)
        r = await reproduce(c, run_id, 0, "stable", 5)
    assert r.status_code == 200, r.text
    assert r.json()["verdict"] == "reproduced", r.json()
