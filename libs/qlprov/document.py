"""The run document, ``qlprov/run/1.0``, as msgspec types.

The types validate a bundle's shape; they are never used to re-encode it. A client's extra
members are part of the hashed document and are kept, so hashing and storage work on the
parsed JSON itself (see :mod:`qlprov.hashing`), and these Structs only check it.

``None`` is allowed wherever a device may have no value (an ion trap has no T1).

Schema evolution is additive: a member added after the first release is optional, has a
default, and an older document (which lacks it) validates and hashes exactly as before. The
members added for faithful capture across SDKs (``docs/capture.md``):

* ``program.native`` / ``transpiled.native``: the SDK's lossless form of the circuit beside
  its OpenQASM text (QPY for Qiskit, Cirq JSON, pytket JSON);
* ``calibration.qubits[].prob_meas1_prep0`` / ``prob_meas0_prep1``: asymmetric readout,
  P(1|0) and P(0|1), whose mean is ``readout_error``;
* ``calibration.qubits[].label``: the vendor's own name of the qubit (Cirq's ``q(0, 6)``);
* ``calibration.qubits[].vendor`` / ``gates[].vendor``: the vendor's own metrics for that
  element, by the vendor's names and in its units, exactly as reported;
* ``calibration.source``: where the calibration came from, the vendor's names of the gates,
  device-level vendor values, and every conversion into the document's definitions.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

import msgspec

__all__ = [
    "SCHEMA_ID",
    "Backend",
    "Calibration",
    "CalibrationSource",
    "Conversion",
    "Environment",
    "Execution",
    "GateCalibration",
    "Lineage",
    "NativeCircuit",
    "Program",
    "QubitCalibration",
    "Results",
    "RunDocument",
    "Sdk",
    "Transpiled",
    "backend_id",
    "decode_document",
    "document_head",
    "is_simulated_reproduction",
]

SCHEMA_ID = "qlprov/run/1.0"

NonNegFloat = Annotated[float, msgspec.Meta(ge=0)]
Probability = Annotated[float, msgspec.Meta(ge=0, le=1)]
Rfc3339 = Annotated[
    str,
    msgspec.Meta(
        pattern=r"^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$",
        description="RFC 3339 date-time",
    ),
]
Name = Annotated[str, msgspec.Meta(min_length=1, max_length=256)]
#: a vendor's value as it reported it: a number, a flag, a string (e.g. a connectivity) or none
VendorValue = float | int | str | bool | None
VendorValues = dict[str, VendorValue]


class _Doc(msgspec.Struct, frozen=True, forbid_unknown_fields=False, omit_defaults=True):
    """Base: unknown members are tolerated (kept in the stored document, ignored here)."""


class NativeCircuit(_Doc, frozen=True):
    """The SDK's own lossless serialization of a circuit, kept beside its OpenQASM text.

    ``format`` names it (``qpy``, ``cirq-json``, ``pytket-json``); ``encoding`` says how the
    bytes sit in ``source``: ``base64`` for a binary format (QPY), ``text`` for JSON text.
    """

    format: Name
    encoding: Literal["base64", "text"]
    source: str


class Program(_Doc, frozen=True):
    name: Name
    format: Literal["openqasm3", "openqasm2"]
    source: str
    native: NativeCircuit | None = None


class Transpiled(_Doc, frozen=True):
    format: Literal["openqasm3", "openqasm2"]
    source: str
    optimization_level: int | None = None
    seed_transpiler: int | None = None
    native: NativeCircuit | None = None


class Backend(_Doc, frozen=True):
    provider: Annotated[str, msgspec.Meta(pattern=r"^[A-Za-z0-9_.\-]{1,64}$")]
    name: Annotated[str, msgspec.Meta(pattern=r"^[A-Za-z0-9_.\-]{1,128}$")]
    num_qubits: Annotated[int, msgspec.Meta(ge=1)]


class QubitCalibration(_Doc, frozen=True):
    """One qubit. ``readout_error`` is the mean assignment error (P(1|0) + P(0|1)) / 2; the
    two conditional probabilities are kept too where the vendor reports them."""

    qubit: Annotated[int, msgspec.Meta(ge=0)]
    t1_us: NonNegFloat | None
    t2_us: NonNegFloat | None
    readout_error: Probability | None
    prob_meas1_prep0: Probability | None = None  # P(1|0): prepared |0>, read 1
    prob_meas0_prep1: Probability | None = None  # P(0|1): prepared |1>, read 0
    label: Name | None = None  # the vendor's own name of the qubit, e.g. "q(0, 6)"
    vendor: VendorValues | None = None  # the vendor's metrics of this qubit, as reported


class GateCalibration(_Doc, frozen=True):
    """One gate on some qubits. ``error`` is an average gate infidelity, 1 - F_avg."""

    gate: Name
    qubits: list[Annotated[int, msgspec.Meta(ge=0)]]
    error: Probability | None
    duration_ns: NonNegFloat | None
    vendor: VendorValues | None = None  # the vendor's metrics of this gate, as reported


class Conversion(_Doc, frozen=True):
    """How one member was derived from a vendor's definition (the value stays in ``vendor``)."""

    member: Name  # e.g. "gates[cz].error"
    source: str  # the vendor's definition, by its own identifier
    method: str  # e.g. "4/5 x (cycle Pauli error - 1q RB Pauli errors of both qubits)"


class CalibrationSource(_Doc, frozen=True):
    """Where a calibration came from and how it was mapped into the document's definitions."""

    vendor: Name  # e.g. "google", "quantinuum"
    origin: str  # what was read, e.g. "cirq_google.Calibration of processor willow_pink"
    package: Name | None = None  # the package that shipped or fetched it
    version: Name | None = None
    gates: dict[str, str] | None = None  # document gate name -> the vendor's gate
    device: VendorValues | None = None  # device-level vendor values (no per-element data)
    conversions: list[Conversion] = []


class Calibration(_Doc, frozen=True):
    taken_at: Rfc3339
    qubits: list[QubitCalibration]
    gates: list[GateCalibration]
    source: CalibrationSource | None = None


class Execution(_Doc, frozen=True):
    shots: Annotated[int, msgspec.Meta(ge=1)]
    status: Literal["completed", "failed", "cancelled"]
    job_id: str | None
    submitted_at: Rfc3339 | None
    completed_at: Rfc3339 | None
    seed_simulator: int | None = None


class Results(_Doc, frozen=True):
    counts: dict[str, Annotated[int, msgspec.Meta(ge=0)]]


class Sdk(_Doc, frozen=True):
    name: Name
    version: Name


class Environment(_Doc, frozen=True):
    sdk: Sdk
    packages: dict[str, str]
    python: str


class Lineage(_Doc, frozen=True):
    derived_from: str | None = None
    reproduction_of: str | None = None


class RunDocument(_Doc, frozen=True):
    schema: Literal["qlprov/run/1.0"]
    created_at: Rfc3339
    program: Program
    backend: Backend
    calibration: Calibration
    execution: Execution
    results: Results
    environment: Environment
    transpiled: Transpiled | None = None
    lineage: Lineage | None = None
    run_hash: Annotated[str, msgspec.Meta(pattern=r"^[0-9a-f]{64}$")] | None = None


_decoder = msgspec.json.Decoder(RunDocument)


def decode_document(data: bytes | str) -> RunDocument:
    """Validate JSON bytes as a run document (raises ``msgspec.ValidationError``/``DecodeError``)."""
    return _decoder.decode(data)


def validate_document(obj: Any) -> RunDocument:
    """Validate an already parsed JSON object as a run document."""
    return msgspec.convert(obj, RunDocument)


HEAD_OMITS = ("qubits", "gates")  # the calibration tables: ~95 % of a 127-qubit document
#: members of ``program`` and ``transpiled`` the head leaves out: the SDK's native circuit forms
#: (QPY, Cirq or pytket JSON; ~6 KB for a transpiled circuit on 127 qubits), read by no read model
CIRCUIT_HEAD_OMITS = ("native",)


def document_head(document: dict[str, Any]) -> dict[str, Any]:
    """The document without its calibration tables and the native forms of its circuits.

    Leaves out ``calibration.qubits`` and ``.gates``, and ``program.native`` and
    ``transpiled.native``; every other member is kept as it is, client extras included (a
    document without those members is its own head). ``run.ingested`` carries the canonical
    JSON of the head, and points at the whole document in the log.
    """
    head = dict(document)
    calibration = document.get("calibration")
    if isinstance(calibration, dict):
        head["calibration"] = {k: v for k, v in calibration.items() if k not in HEAD_OMITS}
    for member in ("program", "transpiled"):
        circuit = document.get(member)
        if isinstance(circuit, dict) and any(k in circuit for k in CIRCUIT_HEAD_OMITS):
            head[member] = {k: v for k, v in circuit.items() if k not in CIRCUIT_HEAD_OMITS}
    return head


def backend_id(provider: str, name: str) -> str:
    """The backend as responses name it: ``provider/name`` (e.g. ``ibm/ibm_kyiv``)."""
    return f"{provider}/{name}"


def is_simulated_reproduction(
    reproduction_of: str | None, seed_simulator: int | None, *, has_reproduction_record: bool = False
) -> bool:
    """Whether a run is a *simulated* reproduction: it names the run it reproduces
    (``lineage.reproduction_of``) and it was simulated, not run on hardware (an
    ``execution.seed_simulator``, or the ``reproduction`` member the reproduce service's drift
    simulations record, failed ones included). Such a run is not an experiment of its own: run
    lists hide it unless asked, compliance checks over runs leave it out, and a card counts it
    as a simulated reproduction, never an independent one (docs/reproduce.md, "Kinds")."""
    return reproduction_of is not None and (seed_simulator is not None or has_reproduction_record)
