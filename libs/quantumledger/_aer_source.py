"""The device an ``AerSimulator.from_backend(device)`` simulator copies.

Such a simulator is not a device: its ``properties()`` lack T1/T2 and any date, and its name is
``aer_simulator_from(<device>)``. :func:`source_device` finds the device it copies (an IBM
fake twin, by that name, checked against the simulator's target), so that a run is recorded
against that device, with its calibration and its calibration date.
"""

from __future__ import annotations

import functools
import re

from qiskit.providers import BackendV2
from qiskit.transpiler import Target

__all__ = ["simulated_device_name", "source_device"]

_FROM_BACKEND = re.compile(r"^aer_simulator_from\((.+)\)$")


def simulated_device_name(backend: BackendV2) -> str | None:
    """The device an ``AerSimulator.from_backend(device)`` copies (``fake_kyiv``), else None."""
    if not type(backend).__module__.startswith("qiskit_aer"):
        return None
    match = _FROM_BACKEND.match(backend.name or "")
    return match.group(1) if match else None


def source_device(backend: BackendV2) -> BackendV2 | None:
    """The IBM fake twin an ``AerSimulator.from_backend`` simulator was made from, or None.

    Found by the name the simulator carries and accepted only if its target agrees with the
    simulator's (same qubits, same T1 and readout error on every qubit): a simulator made from
    a real device, or one whose target was changed, is not mistaken for the fake twin.
    """
    name = simulated_device_name(backend)
    if name is None or not name.startswith("fake_"):
        return None
    twin = _fake_twin(name)
    return twin if twin is not None and _same_target(twin.target, backend.target) else None


@functools.cache
def _fake_twin(name: str) -> BackendV2 | None:
    """The fake IBM backend whose ``backend_name`` is ``name`` (loading one costs ~0.3 s)."""
    from qiskit_ibm_runtime import fake_provider

    for attribute in dir(fake_provider):
        cls = getattr(fake_provider, attribute)
        if isinstance(cls, type) and getattr(cls, "backend_name", None) == name:
            twin: BackendV2 = cls()
            return twin
    return None


def _same_target(a: Target, b: Target) -> bool:
    if a.num_qubits != b.num_qubits:
        return False
    pa, pb = a.qubit_properties or [], b.qubit_properties or []
    if len(pa) != len(pb) or any(getattr(x, "t1", None) != getattr(y, "t1", None) for x, y in zip(pa, pb, strict=True)):
        return False
    ma = a["measure"] if "measure" in a.operation_names else {}
    mb = b["measure"] if "measure" in b.operation_names else {}
    return {q: getattr(p, "error", None) for q, p in ma.items()} == {
        q: getattr(p, "error", None) for q, p in mb.items()
    }
