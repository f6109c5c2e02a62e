"""Fixtures for the reproduce domain: real run bundles on real IBM calibration snapshots.

Runs come from the SDK's ``quantumledger.examples`` (real captures: GHZ/Bell circuits
transpiled for fake IBM devices, whose calibrations are real snapshots shipped in
qiskit-ibm-runtime, simulated with the device's noise). Everything expensive (backends,
bundles, the full-device ``NoiseModel.from_backend``) is built once per session.
"""

from __future__ import annotations

from typing import Any

import pytest
from qiskit.providers import BackendV2
from qiskit_aer.noise import NoiseModel
from quantumledger.examples import bell_bundle, ghz_bundle, load_backend

SHOTS = 4096


@pytest.fixture(scope="session")
def kyiv() -> BackendV2:
    return load_backend("kyiv")


@pytest.fixture(scope="session")
def kyiv_documents() -> dict[int, dict[str, Any]]:
    """Bell (2), GHZ-3 and GHZ-5 runs on ibm_kyiv (127 qubits), 4096 shots."""
    return {2: bell_bundle("kyiv", shots=SHOTS), 3: ghz_bundle(3, "kyiv", SHOTS), 5: ghz_bundle(5, "kyiv", SHOTS)}


@pytest.fixture(scope="session")
def reference_documents(kyiv_documents: dict[int, dict[str, Any]]) -> dict[tuple[str, int], dict[str, Any]]:
    """The runs behind issue 5's reference figures: GHZ-3/5 on kyiv, GHZ-5 on torino and marrakesh."""
    return {
        ("kyiv", 3): kyiv_documents[3],
        ("kyiv", 5): kyiv_documents[5],
        ("torino", 5): ghz_bundle(5, "torino", SHOTS),
        ("marrakesh", 5): ghz_bundle(5, "marrakesh", SHOTS),
    }


@pytest.fixture(scope="session")
def kyiv_calibration(kyiv_documents: dict[int, dict[str, Any]]) -> dict[str, Any]:
    """ibm_kyiv's calibration as the SDK captures it (snapshot of 2025-02-26)."""
    return kyiv_documents[3]["calibration"]


@pytest.fixture(scope="session")
def kyiv_full_noise(kyiv: BackendV2) -> NoiseModel:
    """The plain path's full-device model (~3 s), built once."""
    return NoiseModel.from_backend(kyiv)
