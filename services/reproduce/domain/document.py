"""The reproduction as a run: a full ``qlprov/run/1.0`` document derived from the original.

The reproduction keeps the original's program, transpiled circuit and backend, carries the
drifted calibration it ran against and its own counts, points back with
``lineage.reproduction_of``, and records how it was made in an extra ``reproduction`` member
(run documents tolerate and hash extra members): days, profile, seed, model versions, the
physical qubits simulated. Its ``run_hash`` is computed here, so it verifies like any run.
"""

from __future__ import annotations

import copy
import datetime as dt
import platform
from collections.abc import Mapping
from functools import lru_cache
from importlib import metadata
from typing import Any

from qlprov.document import SCHEMA_ID
from qlprov.hashing import run_hash

__all__ = [
    "NOISE_MODEL_VERSION",
    "SDK_NAME",
    "build_reproduction_document",
    "package_versions",
    "rfc3339",
]

SDK_NAME = "quantumledger-reproduce"
NOISE_MODEL_VERSION = "ql-restricted-aer/1.0"
_PACKAGES = ("quantumledger", "qiskit", "qiskit-aer", "numpy", "scipy", "msgspec", "blake3")


@lru_cache(maxsize=1)
def _versions() -> tuple[tuple[str, str], ...]:
    found = []
    for name in _PACKAGES:
        try:
            found.append((name, metadata.version(name)))
        except metadata.PackageNotFoundError:
            continue
    return tuple(found)


def package_versions() -> dict[str, str]:
    """Versions of the packages that shape a reproduction's numbers (installed ones only)."""
    return dict(_versions())


def rfc3339(moment: dt.datetime) -> str:
    """UTC, millisecond precision, ``Z`` suffix."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return moment.astimezone(dt.UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def build_reproduction_document(
    original: Mapping[str, Any],
    *,
    calibration: Mapping[str, Any],
    counts: Mapping[str, int] | None,
    shots: int,
    reproduction_of: str,
    reproduction: Mapping[str, Any],
    seed_simulator: int | None,
    created_at: dt.datetime,
) -> dict[str, Any]:
    """The reproduction's run document, ``run_hash`` included. ``counts=None``: it failed."""
    when = rfc3339(created_at)
    versions = package_versions()
    doc: dict[str, Any] = {
        "schema": SCHEMA_ID,
        "created_at": when,
        "program": copy.deepcopy(original["program"]),
        "backend": copy.deepcopy(original["backend"]),
        "calibration": dict(calibration),  # a fresh dict from the drift model: owned
        "execution": {
            "shots": shots,
            "status": "completed" if counts is not None else "failed",
            "job_id": None,
            "submitted_at": when,
            "completed_at": when,
            "seed_simulator": seed_simulator,
        },
        "results": {"counts": dict(counts or {})},
        "environment": {
            "sdk": {"name": SDK_NAME, "version": versions.get("quantumledger", "0")},
            "packages": versions,
            "python": platform.python_version(),
        },
        "lineage": {"reproduction_of": reproduction_of},
        "reproduction": dict(reproduction),
    }
    if original.get("transpiled") is not None:
        doc["transpiled"] = copy.deepcopy(original["transpiled"])
    doc["run_hash"] = run_hash(doc)
    return doc
