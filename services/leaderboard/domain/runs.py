"""Observations from ingested runs: a run's ``calibration`` is a snapshot of its device.

The run document's calibration is measured with the same
:func:`~services.leaderboard.domain.metrics.metrics_from_calibration` as the corpus, and the
device is named as the corpus names it, so a run on ``ibm/ibm_kyiv`` joins kyiv's history (and a
run whose calibration *is* a corpus snapshot has the same :attr:`Observation.key`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from services.leaderboard.domain.model import Observation, SourceRef, format_rfc3339, parse_rfc3339
from services.leaderboard.domain.sources._common import observation_from_calibration
from services.leaderboard.domain.sources.ibm import canonical_backend_name

__all__ = ["RUN_SOURCE_PATH_PREFIX", "observation_from_run"]

RUN_SOURCE_PATH_PREFIX = "run:"


def observation_from_run(document: Mapping[str, Any], *, run_hash: str | None = None) -> Observation:
    """The observation a (validated) qlprov/run/1.0 document carries.

    ``source`` names the SDK that captured it and ``path`` is ``run:<run_hash>``.
    """
    backend = document["backend"]
    provider, name = str(backend["provider"]), str(backend["name"])
    notes = []
    if provider == "ibm":
        name, note = canonical_backend_name(name)
        notes = [note] if note else []
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
