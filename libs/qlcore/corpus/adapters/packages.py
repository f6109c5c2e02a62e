"""Finding an installed vendor package, without importing it (importing cirq or pytket costs
seconds, and mqt.bench pulls in dependencies that are deliberately not installed)."""

from __future__ import annotations

import importlib.metadata
import importlib.util
from pathlib import Path

__all__ = ["SourceUnavailableError", "package_dir", "package_version"]


class SourceUnavailableError(RuntimeError):
    """The package (or file) a source reads is not installed/available."""


def package_version(distribution: str) -> str:
    try:
        return importlib.metadata.version(distribution)
    except importlib.metadata.PackageNotFoundError as exc:
        raise SourceUnavailableError(f"{distribution} is not installed") from exc


def package_dir(module: str) -> Path:
    """Directory of an installed package, found without importing the package itself."""
    try:
        spec = importlib.util.find_spec(module)
    except ModuleNotFoundError:  # a parent package is missing: the same answer as a missing package
        spec = None
    if spec is None or not spec.submodule_search_locations:
        raise SourceUnavailableError(f"package {module} is not installed")
    return Path(next(iter(spec.submodule_search_locations)))
