"""IBM history: the same ``props_*.json`` files inside older qiskit-ibm-runtime wheels.

Older releases ship the same devices calibrated on other dates (kyiv 2024-02-28 and 2025-02-26,
hanoi 2021-12-09 .. 2025-02-26), which gives real trends. The wheels are fetched once
(:mod:`qlcore.corpus.adapters.wheels`) and read as zip files; they are never installed.
:data:`HISTORY_VERSIONS` is the smallest set of releases that together carry every distinct
snapshot of releases 0.18 .. 0.50 (checked when the set was chosen).
"""

from __future__ import annotations

import zipfile
from collections.abc import Iterable, Iterator
from pathlib import Path

import msgspec

from qlcore.corpus.adapters.wheels import CORPUS_WHEELS, ensure_wheels
from qlcore.corpus.model import Observation, SourceRef
from qlcore.corpus.vendors.ibm import PACKAGE, PROPS_PATH_RE, observation_from_props

__all__ = ["HISTORY_VERSIONS", "history_wheels", "load_ibm_history", "observations_from_wheel"]

HISTORY_VERSIONS: tuple[str, ...] = tuple(v for d, v in CORPUS_WHEELS if d == "qiskit-ibm-runtime")


def history_wheels(cache: Path | None = None) -> list[Path]:
    """The :data:`HISTORY_VERSIONS` wheels, downloaded into ``cache`` on first use."""
    return ensure_wheels(HISTORY_VERSIONS, cache, distribution=PACKAGE)


def observations_from_wheel(path: Path) -> Iterator[Observation]:
    """Observations of every real device's props file in one qiskit-ibm-runtime wheel."""
    version = path.name.split("-")[1]
    with zipfile.ZipFile(path) as wheel:
        for name in sorted(wheel.namelist()):
            if not PROPS_PATH_RE.search(name):
                continue
            props = msgspec.json.decode(wheel.read(name))
            observation = observation_from_props(props, SourceRef(package=PACKAGE, version=version, path=name))
            if observation is not None:
                yield observation


def load_ibm_history(wheels: Iterable[Path] | None = None) -> Iterator[Observation]:
    """Distinct snapshots from the history wheels, newest release first (first seen wins)."""
    paths = list(wheels) if wheels is not None else history_wheels()
    paths.sort(key=lambda p: tuple(int(x) for x in p.name.split("-")[1].split(".")), reverse=True)
    seen: set[str] = set()
    for path in paths:
        for observation in observations_from_wheel(path):
            if observation.key not in seen:
                seen.add(observation.key)
                yield observation
