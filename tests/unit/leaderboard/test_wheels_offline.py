"""Tests never download: with QL_OFFLINE=1 a wheel missing from the cache is a clear error."""

from __future__ import annotations

from pathlib import Path

import pytest
from qlcore.corpus.adapters.packages import SourceUnavailableError
from qlcore.corpus.adapters.wheels import CORPUS_WHEELS, ensure_wheels


def test_a_missing_wheel_names_the_command_that_fetches_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("QL_OFFLINE", "1")
    distribution, version = CORPUS_WHEELS[0]
    with pytest.raises(SourceUnavailableError, match="make install"):
        ensure_wheels([version], tmp_path, distribution=distribution)
    assert not any(tmp_path.iterdir())  # nothing was fetched
