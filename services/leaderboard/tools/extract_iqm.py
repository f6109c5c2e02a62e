"""Extract IQM's fake-backend error profiles from the iqm-client wheel into a data file.

``iqm-client[qiskit]`` pins ``qiskit<2.2`` and cannot share the environment with qiskit 2.6,
so the numbers are carried as ``services/leaderboard/data/iqm_fake_backends.json``. The error
profiles are plain literals in the package's source: this script downloads the wheel (``pip
download --no-deps``, never installed), parses ``fake_<name>.py`` with :mod:`ast`, and writes
the literals unchanged (units: ns), naming the package, version and wheel digest.

Run: ``.venv/bin/python -m services.leaderboard.tools.extract_iqm``
"""

from __future__ import annotations

import argparse
import ast
import hashlib
import json
import re
import zipfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from services.leaderboard.domain.sources.ibm_history import ensure_wheels

__all__ = ["BACKENDS", "DATA_FILE", "PACKAGE", "VERSION", "extract", "main"]

PACKAGE = "iqm-client"
VERSION = "36.0.0"
BACKENDS = ("garnet", "deneb")
DATA_FILE = Path(__file__).resolve().parents[1] / "data" / "iqm_fake_backends.json"
_FAKE_DIR = "iqm/qiskit_iqm/fake_backends"
_PROFILE_FIELDS = (
    "t1s",
    "t2s",
    "single_qubit_gate_depolarizing_error_parameters",
    "two_qubit_gate_depolarizing_error_parameters",
    "single_qubit_gate_durations",
    "two_qubit_gate_durations",
    "readout_errors",
    "name",
)


def _call_keywords(tree: ast.AST, callee: str) -> dict[str, Any] | None:
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and getattr(node.func, "id", None) == callee:
            return {kw.arg: ast.literal_eval(kw.value) for kw in node.keywords if kw.arg}
    return None


def _qubit_number(name: str) -> int:
    match = re.fullmatch(r"[A-Z]+(\d+)", name)
    return int(match.group(1)) if match else 0


def _profile(source: str) -> dict[str, Any]:
    tree = ast.parse(source)
    profile = _call_keywords(tree, "IQMErrorProfile")
    if profile is None:
        raise ValueError("no IQMErrorProfile(...) literal found")
    architecture = _call_keywords(tree, "StaticQuantumArchitecture") or {}
    qubits = sorted(profile["readout_errors"], key=_qubit_number)
    out: dict[str, Any] = {field: profile[field] for field in _PROFILE_FIELDS if field in profile}
    out["two_qubit_gate_depolarizing_error_parameters"] = {
        gate: [[a, b, value] for (a, b), value in pairs.items()]
        for gate, pairs in profile["two_qubit_gate_depolarizing_error_parameters"].items()
    }
    out["qubits"] = qubits
    out["computational_resonators"] = list(architecture.get("computational_resonators", []))
    return out


def extract(wheel: Path, backends: tuple[str, ...] = BACKENDS) -> dict[str, Any]:
    """The data file's content, from the iqm-client wheel at ``wheel``."""
    with zipfile.ZipFile(wheel) as archive:
        record = next(i for i in archive.infolist() if i.filename.endswith(".dist-info/RECORD"))
        built_at = datetime(*record.date_time, tzinfo=UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        profiles = {}
        for backend in backends:
            path = f"{_FAKE_DIR}/fake_{backend}.py"
            profiles[backend] = {"path": path, **_profile(archive.read(path).decode("utf-8"))}
    version = wheel.name.split("-")[1]
    return {
        "package": PACKAGE,
        "version": version,
        "wheel": wheel.name,
        "wheel_sha256": hashlib.sha256(wheel.read_bytes()).hexdigest(),
        "built_at": built_at,
        "built_at_note": "timestamp of the wheel's RECORD entry (its build time); the profiles are undated",
        "extracted_by": "services/leaderboard/tools/extract_iqm.py",
        "units": {"t1s": "ns", "t2s": "ns", "durations": "ns"},
        "backends": profiles,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--version", default=VERSION)
    parser.add_argument("--out", type=Path, default=DATA_FILE)
    args = parser.parse_args(argv)
    (wheel,) = ensure_wheels([args.version], distribution=PACKAGE)
    data = extract(wheel)
    args.out.write_text(json.dumps(data, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    print(f"wrote {args.out} from {wheel.name}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
