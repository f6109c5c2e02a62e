"""Observations from ingested runs: a run's ``calibration`` is a snapshot of its device.

The run document's calibration is measured with the same
:func:`~qlcore.corpus.metrics.metrics_from_calibration` as the corpus, and the
device is named as the corpus names it, so a run on ``ibm/ibm_kyiv`` joins kyiv's history (and a
run whose calibration *is* a corpus snapshot has the same :attr:`Observation.key`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import msgspec
from qlcore.corpus.model import Observation, SourceRef, format_rfc3339, parse_rfc3339
from qlcore.corpus.observations import observation_from_calibration
from qlcore.corpus.vendors.ibm import canonical_backend_name

__all__ = ["RUN_SOURCE_PATH_PREFIX", "RunHead", "RunView", "observation_from_run", "run_device", "run_snapshot_key"]

RUN_SOURCE_PATH_PREFIX = "run:"


class _TakenAt(msgspec.Struct):
    taken_at: str


class RunHead(msgspec.Struct):
    """Only what decides whether a run publishes a new snapshot (``run.ingested``'s head holds
    it). Decoding it skips the calibration's thousand gate entries (~0.1 ms instead of ~1 ms on a
    127-qubit device), and most runs repeat a snapshot the read model already holds."""

    backend: dict[str, Any]
    calibration: _TakenAt
    lineage: dict[str, Any] | None = None
    reproduction: msgspec.Raw = msgspec.Raw()  # kept raw: only its presence matters

    def as_document(self) -> dict[str, Any]:
        doc: dict[str, Any] = {
            "backend": self.backend,
            "calibration": {"taken_at": self.calibration.taken_at},
            "lineage": self.lineage,
        }
        if len(self.reproduction) and bytes(self.reproduction) != b"null":
            doc["reproduction"] = True
        return doc


class RunView(msgspec.Struct):
    """The members of a whole run document an observation is made of; msgspec skips the rest fast."""

    backend: dict[str, Any]
    calibration: dict[str, Any]
    environment: dict[str, Any] = {}
    lineage: dict[str, Any] | None = None

    def as_document(self) -> dict[str, Any]:
        return {
            "backend": self.backend,
            "calibration": self.calibration,
            "environment": self.environment,
            "lineage": self.lineage,
        }


def run_device(provider: str, name: str) -> tuple[str, str, list[str]]:
    """``(provider, backend, notes)`` as the corpus names the device a run names (providers in
    lower case, IBM's retired ``alt_<city>`` as ``ibm_<city>``)."""
    provider = provider.lower()
    if provider == "ibm":
        name, note = canonical_backend_name(name)
        return provider, name, [note] if note else []
    return provider, name, []


def run_snapshot_key(provider: str, name: str, taken_at: str) -> str:
    """The :attr:`Observation.key` a run's calibration gets, without measuring the calibration
    (cheap: lets a projection skip a snapshot it already holds)."""
    provider, backend, _ = run_device(provider, name)
    return f"{provider}/{backend}@{format_rfc3339(parse_rfc3339(taken_at))}"


def observation_from_run(document: Mapping[str, Any], *, run_hash: str | None = None) -> Observation:
    """The observation a (validated) qlprov/run/1.0 document carries.

    ``source`` names the SDK that captured it and ``path`` is ``run:<run_hash>``.
    """
    backend = document["backend"]
    provider, name, notes = run_device(str(backend["provider"]), str(backend["name"]))
    raw = document["calibration"]
    calibration = {
        "taken_at": format_rfc3339(parse_rfc3339(str(raw["taken_at"]))),
        "qubits": list(raw.get("qubits") or []),
        "gates": list(raw.get("gates") or []),
    }
    sdk = document.get("environment", {}).get("sdk", {})
    source = SourceRef(
        package=str(sdk.get("name", "unknown")),
        version=str(sdk.get("version", "unknown")),
        path=f"{RUN_SOURCE_PATH_PREFIX}{run_hash or document.get('run_hash') or ''}",
    )
    return observation_from_calibration(
        provider=provider,
        backend=name,
        calibration=calibration,
        source=source,
        num_qubits=int(backend["num_qubits"]),
        notes=notes,
    )
