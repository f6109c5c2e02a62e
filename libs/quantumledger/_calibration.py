"""A Qiskit backend's identity, calibration and (circuit-restricted) noise model.

Calibration comes from ``backend.properties()`` when the backend has them (IBM devices and
their fake twins): the numbers are copied exactly as the device reports them, in its own
units (T1/T2 in us, gate lengths in ns), with no conversion at all. Otherwise it comes from
``backend.target`` (instruction and qubit properties, in seconds), converted the way that
undoes Qiskit's own ``apply_prefix`` (a product by an exact power of ten), which gives back
the device's original number for ~99 % of the values of the 68 IBM fake devices, where a
round trip through ``Decimal`` gives back only ~85 %. A NaN, an infinity or a missing value
becomes ``None``. Where the device reports asymmetric readout (IBM's ``prob_meas1_prep0`` and
``prob_meas0_prep1``), both are kept beside the symmetric ``readout_error``.

A simulator made by ``AerSimulator.from_backend(device)`` is named after the device it copies
(:mod:`quantumledger._aer_source` finds that device) and calibrated from its target: Aer's own
``properties()`` lack T1/T2 and any date.
"""

from __future__ import annotations

import math
import numbers
import re
from datetime import UTC, datetime
from typing import Any

from qiskit import QuantumCircuit
from qiskit.providers import BackendV2
from qiskit.transpiler import Target

from quantumledger._aer_source import simulated_device_name

__all__ = [
    "backend_identity",
    "device_calibration",
    "device_noise_model",
    "scale_time",
]

# power of ten of each time unit a device may report in
_TIME_UNITS = {"s": 0, "ms": -3, "us": -6, "µs": -6, "μs": -6, "ns": -9, "ps": -12}
_US, _NS = -6, -9
# instructions that are not calibrated gates: measurement (a qubit's readout_error), timing
# and control flow
_NOT_GATES = frozenset({"measure", "delay", "barrier", "for_loop", "if_else", "switch_case", "while_loop"})
_NAME_CHARS = re.compile(r"[^A-Za-z0-9_.\-]+")


def backend_identity(backend: BackendV2) -> tuple[str, str]:
    """``(provider, name)`` as the ledger names the device, e.g. ``("ibm", "ibm_kyiv")``.

    A simulator made from a device is named after that device (``aer_simulator_from(fake_kyiv)``
    is ``ibm/ibm_kyiv``): the run's noise and calibration are that device's.
    """
    module = type(backend).__module__
    simulated = simulated_device_name(backend)
    if simulated is not None:
        if simulated.startswith(("fake_", "ibm_", "ibmq_")):
            return "ibm", _ibm_name(simulated)
        return "unknown", _clean(simulated)
    props = _properties(backend)
    if module.startswith("qiskit_ibm_runtime"):
        return "ibm", _ibm_name(getattr(props, "backend_name", None) or backend.name)
    provider = "aer" if module.startswith("qiskit_aer") else module.partition(".")[0]
    return _clean(provider), _clean(backend.name)


def device_calibration(backend: BackendV2, *, default_taken_at: str) -> dict[str, Any]:
    """The ``calibration`` member: every qubit and every calibrated gate of the device.

    ``default_taken_at`` is used when the backend does not date its calibration (a target
    has no date). A simulator's ``properties()`` (made from a target, without T1/T2) are
    passed over for the target itself.
    """
    props = None if type(backend).__module__.startswith("qiskit_aer") else _properties(backend)
    if props is not None:
        return _from_properties(props, default_taken_at)
    return _from_target(backend.target, backend.num_qubits, default_taken_at)


def scale_time(value: Any, unit: str, to_power: int) -> float | int | None:
    """``value`` in ``unit`` expressed in ``10**to_power`` seconds (see the module doc)."""
    value = _number(value)
    if value is None:
        return None
    try:
        power = _TIME_UNITS[unit]
    except KeyError:
        raise ValueError(f"unknown time unit {unit!r}") from None
    shift = power - to_power
    if shift == 0:
        return value
    # mirror qiskit.utils.units.apply_prefix: an exact integer power of ten, never 1e-6
    return value * 10**shift if shift > 0 else value / 10**-shift


def device_noise_model(backend: BackendV2, circuit: QuantumCircuit) -> Any:
    """``NoiseModel.from_backend(backend)`` restricted to the qubits ``circuit`` acts on.

    A transpiled circuit never touches the other qubits, so its counts are those of the full
    model for the same seed; building it costs tens of milliseconds instead of seconds.
    """
    import warnings

    from qiskit_aer.noise import NoiseModel

    active = {
        circuit.find_bit(q).index
        for instruction in circuit.data
        if instruction.operation.name != "barrier"
        for q in instruction.qubits
    }
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # "`warnings` are ignored for BackendV2"
        return NoiseModel.from_backend(_RestrictedBackend(backend, active))


class _RestrictedBackend:
    """The parts of a BackendV2 that ``NoiseModel.from_backend`` reads, cut to some qubits."""

    version = 2

    def __init__(self, backend: BackendV2, qubits: set[int]) -> None:
        full = backend.target
        target = Target(
            description=full.description,
            num_qubits=full.num_qubits,
            dt=full.dt,
            qubit_properties=full.qubit_properties,
        )
        for name in full.operation_names:
            operation = full.operation_from_name(name)
            if isinstance(operation, type):  # variadic control flow, added globally
                target.add_instruction(operation, name=name)
                continue
            kept = {q: p for q, p in full[name].items() if q is None or set(q) <= qubits}
            if kept:
                target.add_instruction(operation, kept, name=name)
        self.target = target
        self.operation_names = list(target.operation_names)
        self.dt = backend.dt

    def __repr__(self) -> str:
        return f"<restricted {self.target.description}>"


def _properties(backend: BackendV2) -> Any:
    getter = getattr(backend, "properties", None)
    if getter is None:
        return None
    try:
        return getter()
    except (AttributeError, NotImplementedError):
        return None


def _from_properties(props: Any, default_taken_at: str) -> dict[str, Any]:
    qubits = []
    for index, entries in enumerate(props.qubits):
        by_name = {nduv.name: nduv for nduv in entries}
        row = {
            "qubit": index,
            "t1_us": _time(by_name.get("T1"), _US),
            "t2_us": _time(by_name.get("T2"), _US),
            "readout_error": _plain(by_name.get("readout_error")),
        }
        for asymmetric in ("prob_meas1_prep0", "prob_meas0_prep1"):
            value = _plain(by_name.get(asymmetric))
            if value is not None:
                row[asymmetric] = value
        qubits.append(row)
    gates = []
    for gate in props.gates:
        by_name = {nduv.name: nduv for nduv in gate.parameters}
        gates.append(
            {
                "gate": gate.gate,
                "qubits": [int(q) for q in gate.qubits],
                "error": _plain(by_name.get("gate_error")),
                "duration_ns": _time(by_name.get("gate_length"), _NS),
            }
        )
    updated = getattr(props, "last_update_date", None)
    taken_at = _iso(updated) if updated is not None else default_taken_at
    return {"taken_at": taken_at, "qubits": qubits, "gates": gates}


def _from_target(target: Target, num_qubits: int, default_taken_at: str) -> dict[str, Any]:
    qubit_props = target.qubit_properties or [None] * num_qubits
    measure = target["measure"] if "measure" in target.operation_names else {}
    qubits = []
    for index in range(num_qubits):
        qp = qubit_props[index]
        readout = measure.get((index,))
        qubits.append(
            {
                "qubit": index,
                "t1_us": scale_time(getattr(qp, "t1", None), "s", _US),
                "t2_us": scale_time(getattr(qp, "t2", None), "s", _US),
                "readout_error": _number(getattr(readout, "error", None)),
            }
        )
    gates = []
    for name in target.operation_names:
        if name in _NOT_GATES:
            continue
        for qargs, ip in target[name].items():
            if qargs is None:
                continue
            gates.append(
                {
                    "gate": name,
                    "qubits": list(qargs),
                    "error": _number(getattr(ip, "error", None)),
                    "duration_ns": scale_time(getattr(ip, "duration", None), "s", _NS),
                }
            )
    return {"taken_at": default_taken_at, "qubits": qubits, "gates": gates}


def _time(nduv: Any, to_power: int) -> float | int | None:
    return None if nduv is None else scale_time(nduv.value, nduv.unit, to_power)


def _plain(nduv: Any) -> float | int | None:
    return None if nduv is None else _number(nduv.value)


def _number(value: Any) -> float | int | None:
    """A plain Python number (numpy scalars converted); ``None`` for no value, NaN or infinity."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, numbers.Integral):
        return int(value)
    number = float(value)
    return number if math.isfinite(number) else None


def _iso(moment: datetime) -> str:
    if moment.tzinfo is None:  # undated offsets are UTC in Qiskit's models
        moment = moment.replace(tzinfo=UTC)
    text = moment.isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


def _ibm_name(name: str) -> str:
    # a fake twin names the device it copies: fake_kyiv is ibm_kyiv
    return _clean("ibm_" + name.removeprefix("fake_") if name.startswith("fake_") else name)


def _clean(name: str) -> str:
    return _NAME_CHARS.sub("_", name).strip("_")[:128] or "unknown"
