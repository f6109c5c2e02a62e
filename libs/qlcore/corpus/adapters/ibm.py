"""IBM: read the ``props_*.json`` files of the installed qiskit-ibm-runtime's fake provider."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import msgspec

from qlcore.corpus.adapters.packages import package_dir, package_version
from qlcore.corpus.model import Observation, SourceRef
from qlcore.corpus.vendors.ibm import PACKAGE, PROPS_PATH_RE, observation_from_props

__all__ = ["load_ibm"]


def _props_files(root: Path) -> Iterator[Path]:
    backends = root / "qiskit_ibm_runtime" / "fake_provider" / "backends"
    for path in sorted(backends.glob("*/props_*.json")):
        if PROPS_PATH_RE.search(path.relative_to(root).as_posix()):
            yield path


def load_ibm() -> Iterator[Observation]:
    """Every real device of the installed qiskit-ibm-runtime fake provider (latest snapshots)."""
    version = package_version(PACKAGE)
    root = package_dir("qiskit_ibm_runtime").parent
    for path in _props_files(root):
        props = msgspec.json.decode(path.read_bytes())
        source = SourceRef(package=PACKAGE, version=version, path=path.relative_to(root).as_posix())
        observation = observation_from_props(props, source)
        if observation is not None:
            yield observation
