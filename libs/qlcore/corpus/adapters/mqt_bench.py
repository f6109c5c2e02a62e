"""IonQ, Rigetti and OQC: read the calibration files of the installed mqt.bench 1.1.9.

The JSON files are read from the installed package directory; ``mqt.bench`` itself is never
imported (it pulls in heavy dependencies; it is installed with ``--no-deps``).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

from qlcore.corpus.adapters.packages import package_dir, package_version
from qlcore.corpus.model import Observation, SourceRef
from qlcore.corpus.vendors.mqt_bench import PACKAGE, SKIPPED_FILES, observation_from_file

__all__ = ["load_mqt_bench"]


def load_mqt_bench(directory: Path | None = None) -> Iterator[Observation]:
    """Every calibration file of the package but the :data:`SKIPPED_FILES` (each says why)."""
    version = package_version(PACKAGE)
    directory = directory or package_dir("mqt.bench") / "calibration_files"
    for path in sorted(directory.glob("*_calibration.json")):
        if path.name in SKIPPED_FILES:
            continue
        source = SourceRef(package=PACKAGE, version=version, path=f"mqt/bench/calibration_files/{path.name}")
        yield observation_from_file(path.name, json.loads(path.read_text(encoding="utf-8")), source)
