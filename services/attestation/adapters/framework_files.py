"""Reading framework files: ``<dir>/<id>/<version>.yaml|.yml|.json``, the shipped ones by default.

The rules themselves (strict parsing, the catalog) are the domain's
(``services.attestation.domain.frameworks``); this module only finds and reads the files and
checks that a file's path names the framework it holds.
"""

from __future__ import annotations

from pathlib import Path

import yaml

from services.attestation.domain import Framework, FrameworkCatalog, FrameworkError, parse_framework

__all__ = ["default_frameworks_dir", "load_catalog", "load_framework"]


def default_frameworks_dir() -> Path:
    """The framework files shipped with the service."""
    return Path(__file__).resolve().parent.parent / "frameworks"


def load_framework(path: Path) -> Framework:
    """Load one framework file; its path must be ``<id>/<version>.<ext>`` of its content."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise FrameworkError(f"{path}: {exc}") from exc
    framework = parse_framework(data, source=str(path))
    if (path.parent.name, path.stem) != (framework.id, framework.version):
        raise FrameworkError(f"{path}: holds {framework.id} {framework.version}; the path must match")
    return framework


def load_catalog(directory: Path | None = None) -> FrameworkCatalog:
    """Load every ``<id>/<version>.yaml|.yml|.json`` under ``directory`` (default: shipped ones)."""
    root = directory if directory is not None else default_frameworks_dir()
    if not root.is_dir():
        raise FrameworkError(f"{root}: not a directory")
    paths = sorted(p for p in root.glob("*/*") if p.suffix in {".yaml", ".yml", ".json"} and p.is_file())
    if not paths:
        raise FrameworkError(f"{root}: no framework files")
    return FrameworkCatalog(load_framework(path) for path in paths)
