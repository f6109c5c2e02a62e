"""Which run calibrations the public leaderboard publishes, and how.

The leaderboard is public; runs are not. A run's ``calibration`` is the device's calibration as
its vendor published it, so it is an observation of that device (issue 6), but only under three
rules that keep tenant data out of the public read model:

* **public devices only**: the provider is a public cloud vendor (:data:`PUBLIC_PROVIDERS`) and
  the backend is not a simulator. A lab's in-house device (``acme/fridge_2``) or a local
  simulator (``aer/aer_simulator``) never appears, not even its name;
* **never a reproduction**: a reproduced run (``lineage.reproduction_of`` or a ``reproduction``
  member) carries a *synthetic, drifted* calibration made by the reproduce service; publishing
  it would put made-up numbers on a real device;
* **not from the future**: a calibration dated after the ledger received the run is not a
  snapshot (it would stay its device's latest for good);
* **anonymous**: the published source names the SDK that captured it (``quantumledger 0.1.0``)
  and the path ``run``, never the run's hash, id or workspace.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from typing import Any

import msgspec
from qlcore.corpus.model import Observation, SourceRef, parse_rfc3339

from services.leaderboard.domain.runs import observation_from_run, run_snapshot_key

__all__ = [
    "CLOCK_SKEW",
    "PUBLIC_PROVIDERS",
    "PUBLIC_RUN_PATH",
    "is_from_the_future",
    "is_public_device",
    "is_reproduction",
    "public_observation_from_run",
    "public_run_key",
]

#: Vendors whose devices' calibrations are published to their users (the corpus vendors and a
#: few other public clouds), by the ledger's lower-case provider names.
PUBLIC_PROVIDERS: frozenset[str] = frozenset(
    {"ibm", "google", "quantinuum", "iqm", "ionq", "rigetti", "oqc", "aqt", "pasqal", "quera", "xanadu"}
)
PUBLIC_RUN_PATH = "run"
CLOCK_SKEW = timedelta(minutes=5)
_SIMULATOR_MARKS = ("simulator", "emulator")
_SIMULATOR_PREFIXES = ("fake_", "aer")


def is_public_device(provider: str, backend: str) -> bool:
    """A public vendor's real device (not a simulator, emulator or fake backend)."""
    name = backend.lower()
    if provider.lower() not in PUBLIC_PROVIDERS:
        return False
    return not (any(mark in name for mark in _SIMULATOR_MARKS) or name.startswith(_SIMULATOR_PREFIXES))


def is_reproduction(document: Mapping[str, Any]) -> bool:
    lineage = document.get("lineage") or {}
    return bool(lineage.get("reproduction_of")) or document.get("reproduction") is not None


def is_from_the_future(taken_at: str, received_at: str | None) -> bool:
    """A calibration dated after the ledger received its run (beyond :data:`CLOCK_SKEW`) cannot be
    a real snapshot, and would otherwise become its device's latest for good."""
    if received_at is None:
        return False
    return parse_rfc3339(taken_at) > parse_rfc3339(received_at) + CLOCK_SKEW


def _publishable(document: Mapping[str, Any], received_at: str | None) -> bool:
    backend = document["backend"]
    return not (
        is_reproduction(document)
        or not is_public_device(str(backend["provider"]), str(backend["name"]))
        or is_from_the_future(str(document["calibration"]["taken_at"]), received_at)
    )


def public_run_key(document: Mapping[str, Any], received_at: str | None = None) -> str | None:
    """The snapshot key a run would publish, or None when the rules keep it out. Reads only
    ``backend``, ``calibration.taken_at``, ``lineage`` and ``reproduction``."""
    if not _publishable(document, received_at):
        return None
    backend = document["backend"]
    return run_snapshot_key(str(backend["provider"]), str(backend["name"]), str(document["calibration"]["taken_at"]))


def public_observation_from_run(document: Mapping[str, Any], received_at: str | None = None) -> Observation | None:
    """The observation a run contributes to the public leaderboard, or None (see the rules above)."""
    if not _publishable(document, received_at):
        return None
    observation = observation_from_run(document)
    source = SourceRef(package=observation.source.package, version=observation.source.version, path=PUBLIC_RUN_PATH)
    return msgspec.structs.replace(observation, source=source)
