"""The run document, ``qlprov/run/1.0``, as msgspec types.

The types validate a bundle's shape; they are never used to re-encode it. A client's extra
members are part of the hashed document and are kept, so hashing and storage work on the
parsed JSON itself (see :mod:`qlprov.hashing`), and these Structs only check it.

``None`` is allowed wherever a device may have no value (an ion trap has no T1).
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

import msgspec

__all__ = [
    "SCHEMA_ID",
    "Backend",
    "Calibration",
    "Environment",
    "Execution",
    "GateCalibration",
    "Lineage",
    "Program",
    "QubitCalibration",
    "Results",
    "RunDocument",
    "Sdk",
    "Transpiled",
    "backend_id",
    "decode_document",
    "document_head",
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


class _Doc(msgspec.Struct, frozen=True, forbid_unknown_fields=False, omit_defaults=True):
    """Base: unknown members are tolerated (kept in the stored document, ignored here)."""


class Program(_Doc, frozen=True):
    name: Name
    format: Literal["openqasm3", "openqasm2"]
    source: str


class Transpiled(_Doc, frozen=True):
    format: Literal["openqasm3", "openqasm2"]
    source: str
    optimization_level: int | None = None
    seed_transpiler: int | None = None


class Backend(_Doc, frozen=True):
    provider: Annotated[str, msgspec.Meta(pattern=r"^[A-Za-z0-9_.\-]{1,64}$")]
    name: Annotated[str, msgspec.Meta(pattern=r"^[A-Za-z0-9_.\-]{1,128}$")]
    num_qubits: Annotated[int, msgspec.Meta(ge=1)]


class QubitCalibration(_Doc, frozen=True):
    qubit: Annotated[int, msgspec.Meta(ge=0)]
    t1_us: NonNegFloat | None
    t2_us: NonNegFloat | None
    readout_error: Probability | None


class GateCalibration(_Doc, frozen=True):
    gate: Name
    qubits: list[Annotated[int, msgspec.Meta(ge=0)]]
    error: Probability | None
    duration_ns: NonNegFloat | None


class Calibration(_Doc, frozen=True):
    taken_at: Rfc3339
    qubits: list[QubitCalibration]
    gates: list[GateCalibration]


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


def document_head(document: dict[str, Any]) -> dict[str, Any]:
    """The document without its calibration tables (``calibration.qubits`` and ``.gates``).

    Every other member is kept as it is, client extras included; ``run.ingested`` carries the
    canonical JSON of the head, and points at the whole document in the log.
    """
    calibration = document.get("calibration")
    if not isinstance(calibration, dict):
        return document
    return {**document, "calibration": {k: v for k, v in calibration.items() if k not in HEAD_OMITS}}


def backend_id(provider: str, name: str) -> str:
    """The backend as responses name it: ``provider/name`` (e.g. ``ibm/ibm_kyiv``)."""
    return f"{provider}/{name}"
