"""Wheels of older package releases, fetched once with ``pip download`` and read as zip files.

``ibm-history`` reads older qiskit-ibm-runtime releases and ``tools/extract_iqm`` reads the
iqm-client release whose literals the IQM data file carries; neither may be installed beside
the current versions, so their wheels are downloaded (``--no-deps``, binary only) into a cache
folder and never installed. After the first use everything is offline.

``make install`` fetches every wheel the corpus and the tests read (``python -m
qlcore.corpus.adapters.wheels``), so the tests never touch the network: they set
``QL_OFFLINE=1``, under which a missing wheel is an error naming the command that fetches it
instead of a download.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

from qlcore.corpus.adapters.packages import SourceUnavailableError

__all__ = ["CORPUS_WHEELS", "default_wheel_cache", "ensure_wheels", "prefetch", "wheel_path"]

# Every (distribution, version) the corpus and its tests read from a wheel: ibm-history's
# qiskit-ibm-runtime releases, mqt.bench's calibration files, the iqm-client release behind the
# IQM data file (qlcore.corpus.tools.extract_iqm).
CORPUS_WHEELS: tuple[tuple[str, str], ...] = (
    *(("qiskit-ibm-runtime", v) for v in ("0.23.0", "0.24.0", "0.35.0", "0.36.0")),
    ("mqt.bench", "1.1.9"),
    ("iqm-client", "36.0.0"),
)


def default_wheel_cache() -> Path:
    """``$QL_WHEEL_CACHE``, else ``~/.cache/quantumledger/wheels``."""
    configured = os.environ.get("QL_WHEEL_CACHE")
    return Path(configured) if configured else Path.home() / ".cache" / "quantumledger" / "wheels"


def wheel_path(cache: Path, version: str, distribution: str) -> Path:
    return cache / f"{distribution.replace('-', '_')}-{version}-py3-none-any.whl"


def ensure_wheels(versions: Sequence[str], cache: Path | None = None, *, distribution: str) -> list[Path]:
    """Paths of the wheels of ``distribution`` at ``versions``, downloading the missing ones."""
    cache = cache or default_wheel_cache()
    cache.mkdir(parents=True, exist_ok=True)
    paths = []
    for version in versions:
        path = wheel_path(cache, version, distribution)
        if not path.exists() and os.environ.get("QL_OFFLINE") == "1":
            raise SourceUnavailableError(
                f"{distribution}=={version} is not in the wheel cache {cache} and QL_OFFLINE=1 forbids"
                " downloading it: `make install` (or `python -m qlcore.corpus.adapters.wheels`) fetches it"
            )
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


def prefetch(cache: Path | None = None) -> list[Path]:
    """Download every wheel of :data:`CORPUS_WHEELS` that the cache lacks."""
    by_distribution: dict[str, list[str]] = {}
    for distribution, version in CORPUS_WHEELS:
        by_distribution.setdefault(distribution, []).append(version)
    return [p for d, versions in by_distribution.items() for p in ensure_wheels(versions, cache, distribution=d)]


if __name__ == "__main__":
    for fetched in prefetch():
        print(fetched)
