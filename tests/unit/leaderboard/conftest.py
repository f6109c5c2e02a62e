"""Shared fixtures: the corpus loaded once per session (history wheels cached across runs)."""

from __future__ import annotations

from pathlib import Path

import pytest
from qlcore.corpus.adapters import load_source
from qlcore.corpus.adapters.wheels import default_wheel_cache
from qlcore.corpus.model import Observation


@pytest.fixture(scope="session")
def wheel_cache() -> Path:
    """Where older wheels are downloaded once (``$QL_WHEEL_CACHE`` or the user cache)."""
    return default_wheel_cache()


@pytest.fixture(scope="session")
def corpus(wheel_cache: Path) -> list[Observation]:
    return list(load_source("all", wheel_cache=wheel_cache))


@pytest.fixture(scope="session")
def ibm_latest() -> list[Observation]:
    return list(load_source("ibm"))
