"""Wheels of older package releases, fetched once with ``pip download`` and read as zip files.

``ibm-history`` reads older qiskit-ibm-runtime releases and ``tools/extract_iqm`` reads the
iqm-client release whose literals the IQM data file carries; neither may be installed beside
the current versions, so their wheels are downloaded (``--no-deps``, binary only) into a cache
folder and never installed. After the first use everything is offline.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

from qlcore.corpus.adapters.packages import SourceUnavailableError

__all__ = ["default_wheel_cache", "ensure_wheels", "wheel_path"]


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
