"""IBM history: the same ``props_*.json`` files inside older qiskit-ibm-runtime wheels.

Older releases ship the same devices calibrated on other dates (kyiv 2024-02-28 and 2025-02-26,
hanoi 2021-12-09 .. 2025-02-26), which gives real trends. The wheels are fetched from PyPI with
``pip download --no-deps`` into a cache folder and read as zip files; they are never installed.
:data:`HISTORY_VERSIONS` is the smallest set of releases that together carry every distinct
snapshot of releases 0.18 .. 0.50 (checked when the set was chosen).
"""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path

import msgspec

from services.leaderboard.domain.model import Observation, SourceRef
from services.leaderboard.domain.sources._common import SourceUnavailableError
from services.leaderboard.domain.sources.ibm import PACKAGE, PROPS_PATH_RE, observation_from_props

__all__ = [
    "HISTORY_VERSIONS",
    "default_wheel_cache",
    "ensure_wheels",
    "load_ibm_history",
    "observations_from_wheel",
    "wheel_path",
]

HISTORY_VERSIONS: tuple[str, ...] = ("0.23.0", "0.24.0", "0.35.0", "0.36.0")


def default_wheel_cache() -> Path:
    """``$QL_WHEEL_CACHE``, else ``~/.cache/quantumledger/wheels``."""
    configured = os.environ.get("QL_WHEEL_CACHE")
    return Path(configured) if configured else Path.home() / ".cache" / "quantumledger" / "wheels"


def wheel_path(cache: Path, version: str, distribution: str = PACKAGE) -> Path:
    return cache / f"{distribution.replace('-', '_')}-{version}-py3-none-any.whl"


def ensure_wheels(
    versions: Sequence[str] = HISTORY_VERSIONS, cache: Path | None = None, distribution: str = PACKAGE
) -> list[Path]:
    """Paths of the wheels of ``distribution`` at ``versions``, downloading the missing ones."""
    cache = cache or default_wheel_cache()
    cache.mkdir(parents=True, exist_ok=True)
    paths = []
    for version in versions:
        path = wheel_path(cache, version, distribution)
        if not path.exists():
            cmd = [
                sys.executable,
                "-m",
                "pip",
                "download",
                "--no-deps",
                "--only-binary=:all:",
                "--quiet",
                "--dest",
                str(cache),
                f"{distribution}=={version}",
            ]
            result = subprocess.run(cmd, capture_output=True, text=True, check=False)
            if result.returncode != 0 or not path.exists():
                raise SourceUnavailableError(
                    f"could not download {distribution}=={version}: {result.stderr.strip()[-500:]}"
                )
        paths.append(path)
    return paths


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
    paths = list(wheels) if wheels is not None else ensure_wheels()
    paths.sort(key=lambda p: tuple(int(x) for x in p.name.split("-")[1].split(".")), reverse=True)
    seen: set[str] = set()
    for path in paths:
        for observation in observations_from_wheel(path):
            if observation.key not in seen:
                seen.add(observation.key)
                yield observation
