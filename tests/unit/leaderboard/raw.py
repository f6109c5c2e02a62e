"""Independent reference computations from the packages' raw files, for the tests.

Nothing here imports the leaderboard domain: it re-derives the published definitions straight
from the JSON/literals the packages ship, so a bug in a loader cannot hide in both places.
"""

from __future__ import annotations

import importlib.util
import json
import statistics
from collections import defaultdict
from pathlib import Path
from typing import Any

__all__ = ["ibm_backends_dir", "ibm_expected", "median_or_none", "mqt_dir", "package_root"]


def package_root(module: str) -> Path:
    spec = importlib.util.find_spec(module)
    assert spec is not None and spec.submodule_search_locations
    return Path(next(iter(spec.submodule_search_locations)))


def ibm_backends_dir() -> Path:
    return package_root("qiskit_ibm_runtime") / "fake_provider" / "backends"


def mqt_dir() -> Path:
    return package_root("mqt.bench") / "calibration_files"


def median_or_none(values: list[float]) -> float | None:
    return statistics.median(values) if values else None


def _value(params: list[dict[str, Any]], name: str) -> tuple[float | None, str | None]:
    for p in params:
        if p["name"] == name:
            return p["value"], p.get("unit")
    return None, None


def ibm_expected(props: dict[str, Any], conf: dict[str, Any]) -> dict[str, Any]:
    """Medians of an IBM props file, the 2q gate chosen from the *configuration's* basis gates."""
    basis = set(conf["basis_gates"])
    two_q = basis & {"ecr", "cz", "cx"}
    one_q = "sx" if "sx" in basis else "u2"
    couplers: dict[frozenset[int], list[float]] = defaultdict(list)
    sx: list[float] = []
    failed_1q = 0
    for gate in props["gates"]:
        error, _ = _value(gate["parameters"], "gate_error")
        if error is None:
            continue
        if gate["gate"] in two_q:
            couplers[frozenset(gate["qubits"])].append(error)
        elif gate["gate"] == one_q:
            if error == 1.0:
                failed_1q += 1
            else:
                sx.append(error)
    per_coupler = []
    failed = 0
    for errors in couplers.values():
        good = [e for e in errors if e != 1.0]
        if good:
            per_coupler.append(sum(good) / len(good))
        else:
            failed += 1
    t1, t2, ro = [], [], []
    for qubit in props["qubits"]:
        for name, out in (("T1", t1), ("T2", t2)):
            value, unit = _value(qubit, name)
            if value is not None and value > 0:
                assert unit in ("us", "µs"), unit
                out.append(value)
        value, _ = _value(qubit, "readout_error")
        if value is not None:
            ro.append(value)
    return {
        "median_2q_error": median_or_none(per_coupler),
        "median_1q_error": median_or_none(sx),
        "median_readout_error": median_or_none(ro),
        "median_t1": median_or_none(t1),
        "median_t2": median_or_none(t2),
        "num_qubits": conf["n_qubits"],
        "failed_2q_couplers": failed if couplers else None,
        "couplers": len(couplers),
        "failed_2q_entries": sum(1 for errs in couplers.values() for e in errs if e == 1.0),
        "entries_2q": sum(len(errs) for errs in couplers.values()),
        "failed_1q": failed_1q,
    }


def load_json(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))
