"""IonQ, Rigetti, OQC from mqt.bench's files, computed independently from the raw JSON."""

from __future__ import annotations

import statistics
import zipfile
from datetime import UTC, datetime
from pathlib import Path

import pytest
from qlcore.corpus.adapters import load_source
from qlcore.corpus.adapters.wheels import ensure_wheels
from qlcore.corpus.model import Observation
from qlcore.corpus.vendors.mqt_bench import STAND_IN_TAKEN_AT

from tests.unit.leaderboard.raw import load_json, mqt_dir


@pytest.fixture(scope="module")
def mqt() -> dict[str, Observation]:
    return {o.device: o for o in load_source("mqt-bench")}


def test_devices_and_stand_in_dates(mqt: dict[str, Observation]) -> None:
    assert set(mqt) == {"ionq/aria-1", "ionq/harmony", "rigetti/aspen-m-3", "oqc/lucy"}
    assert all(o.taken_at_is_stand_in and o.taken_at == STAND_IN_TAKEN_AT for o in mqt.values())
    assert all(o.source.version == "1.1.9" for o in mqt.values())


def test_stand_in_is_the_wheels_build_time(wheel_cache: Path) -> None:
    (wheel,) = ensure_wheels(["1.1.9"], wheel_cache, distribution="mqt.bench")
    with zipfile.ZipFile(wheel) as z:
        info = z.getinfo("mqt.bench-1.1.9.dist-info/RECORD")
        assert "mqt/bench/calibration_files/rigetti_aspen_m3_calibration.json" in z.namelist()
    stamp = datetime(*info.date_time, tzinfo=UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert stamp == STAND_IN_TAKEN_AT


def test_rigetti_medians(mqt: dict[str, Observation]) -> None:
    raw = load_json(mqt_dir() / "rigetti_aspen_m3_calibration.json")["properties"]
    obs = mqt["rigetti/aspen-m-3"]
    cz = [1 - e["fCZ"] for e in raw["2Q"].values() if "fCZ" in e]
    assert obs.metrics["median_2q_error"] == pytest.approx(statistics.median(cz), rel=1e-12)
    qubits = raw["1Q"].values()
    assert obs.metrics["median_1q_error"] == pytest.approx(statistics.median(1 - q["f1QRB"] for q in qubits))
    assert obs.metrics["median_readout_error"] == pytest.approx(statistics.median(1 - q["fRO"] for q in qubits))
    assert obs.metrics["median_t1"] == pytest.approx(statistics.median(q["T1"] for q in qubits) * 1e6)
    assert obs.num_qubits == 79 and obs.counts["couplers_2q"] == len(cz)


def test_oqc_medians(mqt: dict[str, Observation]) -> None:
    raw = load_json(mqt_dir() / "oqc_lucy_calibration.json")["properties"]
    obs = mqt["oqc/lucy"]
    couplers, qubits = raw["two_qubit"].values(), raw["one_qubit"].values()
    assert obs.metrics["median_2q_error"] == pytest.approx(statistics.median(1 - e["fECR"] for e in couplers))
    assert obs.metrics["median_1q_error"] == pytest.approx(statistics.median(1 - q["fRB"] for q in qubits))
    assert obs.metrics["median_t2"] == pytest.approx(statistics.median(q["T2"] for q in qubits))


def test_ionq_device_averages_and_the_swapped_aria_pair(mqt: dict[str, Observation]) -> None:
    harmony = load_json(mqt_dir() / "ionq_harmony_calibration.json")["fidelity"]
    obs = mqt["ionq/harmony"]
    assert obs.metrics["median_2q_error"] == pytest.approx(1 - harmony["2q"]["mean"])
    assert obs.metrics["median_1q_error"] == pytest.approx(1 - harmony["1q"]["mean"])
    assert obs.metrics["median_readout_error"] == pytest.approx(1 - harmony["spam"]["mean"])
    assert obs.metrics["median_t1"] is None and obs.metrics["median_t2"] is None
    aria = mqt["ionq/aria-1"]
    raw = load_json(mqt_dir() / "ionq_aria1_calibration.json")["fidelity"]
    assert raw["1q"]["mean"] < raw["2q"]["mean"]  # the trap this guards against
    assert aria.metrics["median_1q_error"] is None and aria.metrics["median_2q_error"] is None
    assert any("swapped" in n for n in aria.notes)
