"""IBM loader against an independent computation from the raw props/conf JSON files."""

from __future__ import annotations

import math

import msgspec
import pytest
from qlcore.corpus import metrics_from_calibration
from qlcore.corpus.model import Observation, parse_rfc3339
from qlprov.document import Calibration

from tests.unit.leaderboard.raw import ibm_backends_dir, ibm_expected, load_json

COMPARED = ("median_2q_error", "median_1q_error", "median_readout_error", "median_t1", "median_t2", "num_qubits")


def _raw_devices() -> dict[str, tuple[dict, dict]]:
    """backend_name -> (props, conf) for each device directory's own props file."""
    out = {}
    for directory in sorted(p for p in ibm_backends_dir().iterdir() if p.is_dir() and p.name != "__pycache__"):
        props_path = directory / f"props_{directory.name}.json"
        conf_path = directory / f"conf_{directory.name}.json"
        if props_path.exists():
            props = load_json(props_path)
            out[props["backend_name"]] = (props, load_json(conf_path))
    return out


def _by_backend(observations: list[Observation]) -> dict[str, Observation]:
    return {o.backend: o for o in observations}


def test_every_real_device_matches_independent_medians(ibm_latest: list[Observation]) -> None:
    raw = _raw_devices()
    assert len(raw) == 68  # 70 directories, 68 with a props file
    loaded = _by_backend(ibm_latest)
    compared = 0
    for raw_name, (props, conf) in raw.items():
        if raw_name in ("fake_fractional", "fake_nighthawk"):
            assert raw_name not in loaded
            continue
        name = raw_name.replace("alt_", "ibm_", 1)
        obs = loaded[name]
        expected = ibm_expected(props, conf)
        for metric in COMPARED:
            want, got = expected[metric], obs.metrics[metric]
            if want is None:
                assert got is None, (name, metric)
            else:
                assert got == pytest.approx(want, rel=1e-12), (name, metric)
        assert obs.metrics["failed_2q_couplers"] == expected["failed_2q_couplers"]
        assert obs.counts.get("couplers_2q", 0) == expected["couplers"]
        assert obs.counts.get("failed_2q_entries", 0) == expected["failed_2q_entries"]
        assert obs.counts.get("failed_1q_qubits", 0) == expected["failed_1q"]
        assert obs.taken_at_dt == parse_rfc3339(props["last_update_date"])
        assert obs.source.package == "qiskit-ibm-runtime" and obs.source.version == "0.51.0"
        assert obs.source.path.endswith(f"props_{obs.source.path.split('/')[-2]}.json")
        compared += 1
    assert compared == len(ibm_latest) == 66


@pytest.mark.parametrize(
    ("backend", "failed", "couplers", "failed_entries", "entries"),
    [("ibm_kyiv", 5, 144, 5, 144), ("ibm_torino", 11, 150, 22, 300), ("ibm_marrakesh", 13, 176, 26, 352)],
)
def test_failed_couplers_are_excluded_and_counted(
    ibm_latest: list[Observation], backend: str, failed: int, couplers: int, failed_entries: int, entries: int
) -> None:
    obs = _by_backend(ibm_latest)[backend]
    assert obs.metrics["failed_2q_couplers"] == failed
    assert obs.counts["couplers_2q"] == couplers
    assert obs.counts["failed_2q_entries"] == failed_entries
    assert obs.counts["entries_2q"] == entries
    assert obs.metrics["failed_2q_fraction"] == pytest.approx(failed / couplers)
    # The failed entries really are 1.0 and really would move the median if kept.
    standard = [g["error"] for g in obs.calibration["gates"] if g["gate"] in ("ecr", "cz") and g["error"] is not None]
    assert sum(1 for e in standard if e == 1.0) == failed_entries
    with_failed = sorted(standard)[len(standard) // 2]
    assert obs.metrics["median_2q_error"] < with_failed


def test_heron_median_uses_cz_not_fractional_rzz(ibm_latest: list[Observation]) -> None:
    fez = _by_backend(ibm_latest)["ibm_fez"]
    cz = [g["error"] for g in fez.calibration["gates"] if g["gate"] == "cz" and g["error"] != 1.0]
    rzz = [g["error"] for g in fez.calibration["gates"] if g["gate"] == "rzz" and g["error"] != 1.0]
    assert rzz, "Heron props list rzz per coupler"
    import statistics

    assert fez.metrics["median_2q_error"] == pytest.approx(statistics.median(cz))
    assert not math.isclose(statistics.median(cz), statistics.median(rzz))


def test_all_couplers_failed_leaves_the_metric_empty(ibm_latest: list[Observation]) -> None:
    kyoto = _by_backend(ibm_latest)["ibm_kyoto"]
    assert kyoto.metrics["median_2q_error"] is None
    assert kyoto.metrics["failed_2q_couplers"] == 144
    assert kyoto.metrics["failed_2q_fraction"] == 1.0


def test_renamed_and_pre_sx_devices_are_recorded(ibm_latest: list[Observation]) -> None:
    by = _by_backend(ibm_latest)
    assert "alt_cairo" not in by and any("alt_cairo" in n for n in by["ibm_cairo"].notes)
    almaden = by["ibmq_almaden"]
    assert [c.metric for c in almaden.conversions] == ["median_1q_error"]
    assert "u2" in almaden.conversions[0].source_definition
    assert by["ibm_kyiv"].conversions == []


def test_calibrations_have_the_run_document_shape_and_same_metrics(ibm_latest: list[Observation]) -> None:
    for obs in ibm_latest:
        msgspec.convert(obs.calibration, Calibration)
        assert metrics_from_calibration(obs.calibration, num_qubits=obs.num_qubits) == obs.metrics
