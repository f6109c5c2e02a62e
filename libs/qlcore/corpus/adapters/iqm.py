"""IQM: read the checked-in data file of iqm-client's fake-backend error profiles.

``iqm-client[qiskit]`` pins ``qiskit<2.2`` and cannot share the environment with current qiskit,
so the literals travel as a data file (package data of :mod:`qlcore.corpus.data`) that names
the package, version and wheel digest they came from (``qlcore/corpus/tools/extract_iqm.py``).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

from qlcore.corpus.model import Observation
from qlcore.corpus.vendors.iqm import observation_from_profile

__all__ = ["DATA_FILE", "load_iqm"]

DATA_FILE = Path(__file__).resolve().parents[1] / "data" / "iqm_fake_backends.json"


def load_iqm(data_file: Path = DATA_FILE) -> Iterator[Observation]:
    meta = json.loads(data_file.read_text(encoding="utf-8"))
    for backend, profile in sorted(meta["backends"].items()):
        yield observation_from_profile(backend, profile, meta)
