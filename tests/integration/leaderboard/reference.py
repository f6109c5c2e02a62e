"""The expected leaderboard, computed straight from the packages' raw files.

Nothing here imports the leaderboard service: each vendor's numbers are re-derived from the JSON
files and literals the packages ship, by the definitions in docs/leaderboard-methodology.md, so a
bug in a loader, the projection or the ranking cannot hide in both places. The result maps each
device to its latest snapshot's metrics.
"""

from __future__ import annotations

import ast
import json
import math
import statistics
import zipfile
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from tests.unit.leaderboard.raw import ibm_backends_dir, ibm_expected, load_json, mqt_dir, package_root

__all__ = ["Expected", "expected_latest", "ibm_history_snapshots"]

IQM_DATA = Path(__file__).resolve().parents[3] / "libs" / "qlcore" / "corpus" / "data" / "iqm_fake_backends.json"
MQT_BUILT = datetime(2024, 12, 1, 16, 55, 20, tzinfo=UTC)  # mqt.bench 1.1.9's RECORD time (stand-in date)
GOOGLE = {
    "rainbow": ("rainbow_2021_11_16_calibration.json", "sycamore", 23),
    "weber": ("weber_2021_11_03_calibration.json", "sycamore", 53),
    "willow_pink": ("willow_pink_d7v1-2024_08_16_calibration.json", "cz", 105),
}
SYNTHETIC_IBM = ("fake_fractional", "fake_nighthawk")


@dataclass
class Expected:
    device: str
    taken_at: datetime
    metrics: dict[str, float | int | None]


def _median(values: list[float]) -> float | None:
    return statistics.median(values) if values else None


def _time(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(UTC)


def _ibm(props: dict[str, Any], conf: dict[str, Any]) -> Expected:
    e = ibm_expected(props, conf)
    metrics = {
        k: e[k]
        for k in (
            "median_2q_error",
            "median_1q_error",
            "median_readout_error",
            "median_t1",
            "median_t2",
            "num_qubits",
            "failed_2q_couplers",
        )
    }
    metrics["failed_2q_fraction"] = e["failed_2q_couplers"] / e["couplers"] if e["couplers"] else None
    name = props["backend_name"].replace("alt_", "ibm_", 1)
    return Expected(f"ibm/{name}", _time(props["last_update_date"]), metrics)


def ibm_installed() -> list[Expected]:
    out = []
    for directory in sorted(p for p in ibm_backends_dir().iterdir() if p.is_dir()):
        props_path = directory / f"props_{directory.name}.json"
        if props_path.exists():
            props = load_json(props_path)
            if props["backend_name"] not in SYNTHETIC_IBM:
                out.append(_ibm(props, load_json(directory / f"conf_{directory.name}.json")))
    return out


def _conf_from(props: dict[str, Any]) -> dict[str, Any]:
    return {"basis_gates": sorted({g["gate"] for g in props["gates"]}), "n_qubits": len(props["qubits"])}


def ibm_history_snapshots(wheels: list[Path]) -> list[Expected]:
    out = []
    for wheel in wheels:
        with zipfile.ZipFile(wheel) as z:
            for name in z.namelist():
                path = Path(name)
                if path.name.startswith("props_") and path.suffix == ".json" and "fake_provider" in name:
                    conf_name = str(path.with_name(path.name.replace("props_", "conf_", 1)))
                    props = json.loads(z.read(name))
                    if props["backend_name"] in SYNTHETIC_IBM:
                        continue
                    # the oldest devices (tokyo, tenerife) ship no configuration: the props list the gates
                    conf = json.loads(z.read(conf_name)) if conf_name in z.namelist() else _conf_from(props)
                    out.append(_ibm(props, conf))
    return out


def _per_element(
    median_2q: float | None,
    median_1q: float | None,
    readout: float | None,
    t1: float | None,
    t2: float | None,
    qubits: int,
) -> dict[str, float | int | None]:
    return {
        "median_2q_error": median_2q,
        "median_1q_error": median_1q,
        "median_readout_error": readout,
        "median_t1": t1,
        "median_t2": t2,
        "num_qubits": qubits,
        "failed_2q_couplers": 0,
        "failed_2q_fraction": 0.0,
    }


def _literal(module: Path, name: str) -> Any:
    """A module-level literal, read from the source without importing the package."""
    for node in ast.walk(ast.parse(module.read_text(encoding="utf-8"))):
        targets = (
            node.targets if isinstance(node, ast.Assign) else [node.target] if isinstance(node, ast.AnnAssign) else []
        )
        if any(isinstance(t, ast.Name) and t.id == name for t in targets):
            return ast.literal_eval(node.value)  # type: ignore[union-attr]
    raise LookupError(f"{name} not found in {module}")


def google() -> list[Expected]:
    stamps = _literal(
        package_root("cirq_google") / "engine" / "virtual_engine_factory.py", "MEDIAN_CALIBRATION_TIMESTAMPS"
    )
    out = []
    for name, (filename, gate, qubits) in GOOGLE.items():
        data = load_json(package_root("cirq_google") / "devices" / "calibrations" / filename)
        raw: dict[str, dict[tuple[str, ...], float]] = defaultdict(dict)
        for metric in data["metrics"]["metrics"]:
            raw[metric["name"]][tuple(metric["targets"])] = metric["values"][0]["doubleVal"]
        pauli1 = {k[0]: v for k, v in raw["single_qubit_rb_pauli_error_per_gate"].items()}
        cycles = raw[f"two_qubit_parallel_{gate}_gate_xeb_pauli_error_per_cycle"]
        two = [0.8 * max(0.0, c - pauli1[a] - pauli1[b]) for (a, b), c in cycles.items()]
        p00, p11 = raw["single_qubit_p00_error"], raw["single_qubit_p11_error"]
        metrics = _per_element(
            _median(two),
            statistics.median(pauli1.values()) * 2 / 3,
            _median([(p00[q] + p11[q]) / 2 for q in p00]),
            _median(list(raw["single_qubit_idle_t1_micros"].values())),
            None,
            qubits,
        )
        taken = datetime.fromtimestamp(stamps[name] / 1000, UTC)
        out.append(Expected(f"google/{name}", taken, metrics))
    return out


def quantinuum() -> list[Expected]:
    module = package_root("pytket.extensions.quantinuum") / "backends" / "api_wrappers.py"
    machines = _literal(module, "OFFLINE_MACHINE_LIST")
    out = []
    for m in machines:
        s = m["noise_specs"]
        spam = s["spam_error"]
        metrics = {
            "median_2q_error": s["2q_gate_error"]["p2"],
            "median_1q_error": s["1q_gate_error"]["p1"],
            "median_readout_error": (spam["p_meas_0"] + spam["p_meas_1"]) / 2,
            "median_t1": None,
            "median_t2": None,
            "num_qubits": m["n_qubits"],
            "failed_2q_couplers": None,
            "failed_2q_fraction": None,
        }
        out.append(Expected(f"quantinuum/{m['name']}", _time(s["date"] + "T00:00:00Z"), metrics))
    return out


def _thermal(t: float, t1: float, t2: float) -> float:
    return (1 + math.exp(-t / t1) + 2 * math.exp(-t / t2)) / 4


def iqm() -> list[Expected]:
    data = json.loads(IQM_DATA.read_text(encoding="utf-8"))
    out = []
    for name, g in data["backends"].items():
        t1, t2 = g["t1s"], g["t2s"]
        t_1q, t_2q = g["single_qubit_gate_durations"]["prx"], g["two_qubit_gate_durations"]["cz"]
        one = [
            1 - (2 * ((1 - p) * _thermal(t_1q, t1[q], t2[q]) + p / 4) + 1) / 3
            for q, p in g["single_qubit_gate_depolarizing_error_parameters"]["prx"].items()
        ]
        two = [
            1 - (4 * ((1 - p) * _thermal(t_2q, t1[a], t2[a]) * _thermal(t_2q, t1[b], t2[b]) + p / 16) + 1) / 5
            for a, b, p in g["two_qubit_gate_depolarizing_error_parameters"]["cz"]
        ]
        qubits = g["qubits"]
        metrics = _per_element(
            _median(two),
            _median(one),
            _median([(g["readout_errors"][q]["0"] + g["readout_errors"][q]["1"]) / 2 for q in qubits]),
            _median([t1[q] / 1000 for q in qubits]),
            _median([t2[q] / 1000 for q in qubits]),
            len(qubits),
        )
        out.append(Expected(f"iqm/{name}", _time(data["built_at"]), metrics))
    return out


def mqt_bench() -> list[Expected]:
    rig = load_json(mqt_dir() / "rigetti_aspen_m3_calibration.json")
    q1, q2 = rig["properties"]["1Q"].values(), rig["properties"]["2Q"].values()
    rigetti = _per_element(
        _median([1 - e["fCZ"] for e in q2 if "fCZ" in e]),
        _median([1 - q["f1QRB"] for q in q1 if "f1QRB" in q]),
        _median([1 - q["fRO"] for q in q1 if "fRO" in q]),
        _median([q["T1"] * 1e6 for q in q1 if q.get("T1")]),
        _median([q["T2"] * 1e6 for q in q1 if q.get("T2")]),
        rig["num_qubits"],
    )
    oqc = load_json(mqt_dir() / "oqc_lucy_calibration.json")
    o1, o2 = oqc["properties"]["one_qubit"].values(), oqc["properties"]["two_qubit"].values()
    lucy = _per_element(
        _median([1 - e["fECR"] for e in o2]),
        _median([1 - q["fRB"] for q in o1]),
        _median([1 - q["fRO"] for q in o1]),
        _median([q["T1"] for q in o1 if q["T1"] > 0]),
        _median([q["T2"] for q in o1 if q["T2"] > 0]),
        oqc["num_qubits"],
    )
    out = [Expected("rigetti/aspen-m-3", MQT_BUILT, rigetti), Expected("oqc/lucy", MQT_BUILT, lucy)]
    for filename, name in (("ionq_harmony_calibration.json", "harmony"), ("ionq_aria1_calibration.json", "aria-1")):
        raw = load_json(mqt_dir() / filename)
        f = raw["fidelity"]
        swapped = f["1q"]["mean"] < f["2q"]["mean"]  # aria-1's pair is swapped/mislabelled: not ranked
        metrics = {
            "median_2q_error": None if swapped else 1 - f["2q"]["mean"],
            "median_1q_error": None if swapped else 1 - f["1q"]["mean"],
            "median_readout_error": 1 - f["spam"]["mean"],
            "median_t1": None,
            "median_t2": None,
            "num_qubits": raw["num_qubits"],
            "failed_2q_couplers": None,
            "failed_2q_fraction": None,
        }
        out.append(Expected(f"ionq/{name}", MQT_BUILT, metrics))
    return out


def expected_latest(history_wheels: list[Path]) -> dict[str, Expected]:
    """Each device's latest snapshot over every source (the corpus `all`)."""
    latest: dict[str, Expected] = {}
    snapshots = [
        *ibm_installed(),
        *ibm_history_snapshots(history_wheels),
        *google(),
        *quantinuum(),
        *iqm(),
        *mqt_bench(),
    ]
    for snap in snapshots:
        if snap.device not in latest or snap.taken_at > latest[snap.device].taken_at:
            latest[snap.device] = snap
    return latest
