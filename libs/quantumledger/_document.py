"""Assembling a ``qlprov/run/1.0`` document from the parts an SDK adapter extracted.

Every SDK (Qiskit, Cirq, pytket) has its own adapter that turns its circuits, backend and
results into plain members; this module puts them together the same way for all of them:
times in RFC 3339, counts sorted, the software environment of the SDK that ran, the caller's
extra members, validation against the schema and the ``run_hash``. It imports no SDK.
"""

from __future__ import annotations

import base64
import platform
import re
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from importlib import metadata
from typing import Any, Literal

import msgspec
from qlprov.document import SCHEMA_ID, validate_document
from qlprov.hashing import HASH_MEMBER, run_hash

__all__ = [
    "OWN_MEMBERS",
    "SDK_NAME",
    "Status",
    "Timestamp",
    "as_aware",
    "assemble",
    "clbit_registers",
    "environment",
    "native_binary",
    "native_text",
    "now",
    "qiskit_count_key",
    "rfc3339",
]

SDK_NAME = "quantumledger-sdk"
# members capture writes itself; `extra` may add any other (e.g. "lineage")
OWN_MEMBERS = frozenset(
    {
        "schema",
        "created_at",
        "program",
        "transpiled",
        "backend",
        "calibration",
        "execution",
        "results",
        "environment",
        HASH_MEMBER,
    }
)
Timestamp = datetime | str | None
Status = Literal["completed", "failed", "cancelled"]

# a classical register declared in OpenQASM 2 (`creg c[3];`) or 3 (`bit[3] c;`)
_CREG = re.compile(
    r"^\s*(?:creg\s+([A-Za-z_][\w]*)\s*\[\s*(\d+)\s*\]|bit\s*\[\s*(\d+)\s*\]\s*([A-Za-z_][\w]*))\s*;", re.M
)


def assemble(
    *,
    created_at: Timestamp,
    program: dict[str, Any],
    transpiled: dict[str, Any] | None,
    backend: dict[str, Any],
    calibration: dict[str, Any],
    execution: dict[str, Any],
    counts: Mapping[str, int],
    environment: dict[str, Any],
    extra: Mapping[str, Any] | None,
) -> dict[str, Any]:
    """The document with its ``run_hash`` set; ``ValueError`` if it would not be valid.

    ``execution`` holds ``shots``, ``status``, ``job_id``, ``submitted_at``, ``completed_at``
    and optionally ``seed_simulator`` (times as datetimes or RFC 3339 strings).
    """
    created = rfc3339(created_at) or now()
    counts_out = {str(k): int(v) for k, v in sorted(counts.items())}
    shots, status = execution["shots"], execution["status"]
    if status == "completed" and sum(counts_out.values()) != shots:
        raise ValueError(f"counts add up to {sum(counts_out.values())}, not to shots={shots}")
    doc: dict[str, Any] = {"schema": SCHEMA_ID, "created_at": created, "program": program}
    if transpiled is not None:
        doc["transpiled"] = transpiled
    doc["backend"] = backend
    doc["calibration"] = calibration
    out: dict[str, Any] = {
        "shots": shots,
        "status": status,
        "job_id": execution.get("job_id"),
        "submitted_at": rfc3339(execution.get("submitted_at")),
        "completed_at": rfc3339(execution.get("completed_at")),
    }
    if execution.get("seed_simulator") is not None:
        out["seed_simulator"] = execution["seed_simulator"]
    doc["execution"] = out
    doc["results"] = {"counts": counts_out}
    doc["environment"] = environment
    for key, value in (extra or {}).items():
        if key in OWN_MEMBERS:
            raise ValueError(f"extra member {key!r} would replace one that capture writes")
        doc[key] = value
    try:
        validate_document(doc)
    except msgspec.ValidationError as exc:
        raise ValueError(f"the captured document is not valid {SCHEMA_ID}: {exc}") from exc
    return {HASH_MEMBER: run_hash(doc), **doc}


def environment(packages: Sequence[str]) -> dict[str, Any]:
    """The software a run was captured with: this SDK, those of ``packages`` present, Python."""
    versions: dict[str, str] = {}
    for package in packages:
        try:
            versions[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            continue
    return {
        "sdk": {"name": SDK_NAME, "version": _sdk_version()},
        "packages": versions,
        "python": platform.python_version(),
    }


def native_binary(fmt: str, data: bytes) -> dict[str, str]:
    """A ``native`` member holding binary bytes (QPY) as base64."""
    return {"format": fmt, "encoding": "base64", "source": base64.b64encode(data).decode("ascii")}


def native_text(fmt: str, text: str) -> dict[str, str]:
    """A ``native`` member holding text (Cirq JSON, pytket JSON) as it is."""
    return {"format": fmt, "encoding": "text", "source": text}


def clbit_registers(qasm: str) -> list[tuple[str, int]]:
    """The classical registers an OpenQASM 2/3 program declares, in declaration order."""
    registers = []
    for match in _CREG.finditer(qasm):
        if match.group(1):
            registers.append((match.group(1), int(match.group(2))))
        else:
            registers.append((match.group(4), int(match.group(3))))
    return registers


def qiskit_count_key(bits_by_register: Mapping[str, Sequence[int]], registers: Sequence[tuple[str, int]]) -> str:
    """One outcome spelled as Qiskit spells counts: the last declared register first, each
    register's highest bit first, registers separated by a space.

    Counts of every SDK are written this way so that a document's counts compare with a
    re-run of its OpenQASM program (reproduce loads it with Qiskit).
    """
    words = []
    for name, size in reversed(registers):
        bits = bits_by_register[name]
        if len(bits) != size:
            raise ValueError(f"register {name} has {size} bits, the outcome gives {len(bits)}")
        words.append("".join(str(int(b)) for b in reversed(bits)))
    return " ".join(words)


def rfc3339(value: Timestamp) -> str | None:
    """A timezone-aware ``datetime`` (or an RFC 3339 string, kept) as RFC 3339 text."""
    if value is None or isinstance(value, str):
        return value
    if value.tzinfo is None:
        raise ValueError(f"{value!r} has no timezone; give an aware datetime")
    text = value.isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


def as_aware(moment: Any) -> datetime | None:
    """A ``datetime`` (or ISO text) made timezone-aware; None if it is neither.

    SDKs stamp jobs with naive datetimes of this machine's clock (Cirq's simulated jobs,
    Aer's results): a naive time is taken as local time, as Python's ``astimezone`` does.
    """
    if isinstance(moment, str):
        try:
            moment = datetime.fromisoformat(moment.replace("Z", "+00:00").replace("z", "+00:00"))
        except ValueError:
            return None
    if not isinstance(moment, datetime):
        return None
    return moment if moment.tzinfo is not None else moment.astimezone()


def now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _sdk_version() -> str:
    try:
        return metadata.version("quantumledger")
    except metadata.PackageNotFoundError:
        return "0+unknown"
