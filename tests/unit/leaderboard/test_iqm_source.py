"""IQM: the checked-in data file against the iqm-client wheel, and the conversion by hand."""

from __future__ import annotations

import json
import re
import statistics
import zipfile
from pathlib import Path

import pytest
from qlcore.corpus.adapters import load_source
from qlcore.corpus.adapters.iqm import DATA_FILE
from qlcore.corpus.adapters.wheels import ensure_wheels
from qlcore.corpus.tools.extract_iqm import PACKAGE, VERSION, extract

REPO = Path(__file__).resolve().parents[3]


@pytest.fixture(scope="module")
def data() -> dict:
    return json.loads(DATA_FILE.read_text(encoding="utf-8"))


def test_data_file_names_its_origin(data: dict) -> None:
    assert (data["package"], data["version"]) == ("iqm-client", "36.0.0")
    assert (REPO / data["extracted_by"]).is_file()
    assert set(data["backends"]) == {"garnet", "deneb"}


def test_data_file_is_what_the_script_extracts_from_the_wheel(data: dict, wheel_cache: Path) -> None:
    (wheel,) = ensure_wheels([VERSION], wheel_cache, distribution=PACKAGE)
    assert extract(wheel) == data
    # Spot-check against the source text itself, not through the AST extraction.
    with zipfile.ZipFile(wheel) as z:
        source = z.read("iqm/qiskit_iqm/fake_backends/fake_garnet.py").decode()
    for qubit, t1 in data["backends"]["garnet"]["t1s"].items():
        assert re.search(rf'"{qubit}": 0*{t1:g}\.?0*,', source), qubit


def _thermal(t: float, t1: float, t2: float) -> float:
    import math

    return (1 + math.exp(-t / t1) + 2 * math.exp(-t / t2)) / 4


def test_garnet_medians_by_hand(data: dict) -> None:
    g = data["backends"]["garnet"]
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
    readout = [(r["0"] + r["1"]) / 2 for r in g["readout_errors"].values()]
    obs = {o.backend: o for o in load_source("iqm")}["garnet"]
    assert obs.metrics["median_1q_error"] == pytest.approx(statistics.median(one), rel=1e-12)
    assert obs.metrics["median_2q_error"] == pytest.approx(statistics.median(two), rel=1e-12)
    assert obs.metrics["median_readout_error"] == pytest.approx(statistics.median(readout), rel=1e-12)
    assert obs.metrics["median_t1"] == pytest.approx(statistics.median(t1.values()) / 1000)
    assert obs.metrics["median_t2"] == pytest.approx(statistics.median(t2.values()) / 1000)
    # The raw depolarizing parameter is not an error rate: the conversion changes the number.
    raw_p = statistics.median(p for _, _, p in g["two_qubit_gate_depolarizing_error_parameters"]["cz"])
    assert obs.metrics["median_2q_error"] != pytest.approx(raw_p, rel=0.05)
    assert obs.taken_at_is_stand_in and obs.taken_at == data["built_at"]
    assert obs.num_qubits == 20


def test_deneb_resonator_is_not_a_qubit_and_move_is_not_ranked() -> None:
    deneb = {o.backend: o for o in load_source("iqm")}["deneb"]
    assert deneb.num_qubits == 6 and len(deneb.calibration["qubits"]) == 6
    assert deneb.counts["couplers_2q"] == 6  # cz to the resonator; move ignored
    assert {g["gate"] for g in deneb.calibration["gates"]} == {"prx", "cz", "move"}
