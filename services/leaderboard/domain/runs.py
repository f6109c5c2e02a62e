"""Observations from ingested runs: a run's ``calibration`` is a snapshot of its device.

The run document's calibration is measured with the same
:func:`~qlcore.corpus.metrics.metrics_from_calibration` as the corpus, and the
device is named as the corpus names it, so a run on ``ibm/ibm_kyiv`` joins kyiv's history (and a
run whose calibration *is* a corpus snapshot has the same :attr:`Observation.key`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from qlcore.corpus.model import Observation, SourceRef, format_rfc3339, parse_rfc3339
from qlcore.corpus.observations import observation_from_calibration
from qlcore.corpus.vendors.ibm import canonical_backend_name

__all__ = ["RUN_SOURCE_PATH_PREFIX", "observation_from_run", "run_device", "run_snapshot_key"]

RUN_SOURCE_PATH_PREFIX = "run:"


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
