"""IBM history: older wheels (downloaded once into the wheel cache) give real trends."""

from __future__ import annotations

import json
import zipfile
from collections import defaultdict
from pathlib import Path

import pytest
from qlcore.corpus.adapters import load_source
from qlcore.corpus.adapters.ibm_history import history_wheels, observations_from_wheel
from qlcore.corpus.model import Observation, parse_rfc3339

from services.leaderboard.domain import trend
from tests.unit.leaderboard.raw import ibm_expected

KYIV = "qiskit_ibm_runtime/fake_provider/backends/kyiv/{}_kyiv.json"


@pytest.fixture(scope="module")
def wheels(wheel_cache: Path) -> list[Path]:
    return history_wheels(wheel_cache)


def _dates(observations: list[Observation]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = defaultdict(list)
    for obs in observations:
        out[obs.backend].append(obs.taken_at[:10])
    return {k: sorted(v) for k, v in out.items()}


def test_history_wheel_medians_match_raw_zip_json(wheels: list[Path]) -> None:
    wheel = next(w for w in wheels if "0.23.0" in w.name)
    with zipfile.ZipFile(wheel) as z:
        props = json.loads(z.read(KYIV.format("props")))
        conf = json.loads(z.read(KYIV.format("conf")))
    expected = ibm_expected(props, conf)
    kyiv = next(o for o in observations_from_wheel(wheel) if o.backend == "ibm_kyiv")
    assert kyiv.taken_at_dt == parse_rfc3339(props["last_update_date"])
    assert kyiv.source.version == "0.23.0" and kyiv.source.path == KYIV.format("props")
    for metric in ("median_2q_error", "median_1q_error", "median_readout_error", "median_t1", "median_t2"):
        assert kyiv.metrics[metric] == pytest.approx(expected[metric], rel=1e-12)


def test_devices_have_several_real_snapshots(corpus: list[Observation]) -> None:
    dates = _dates([o for o in corpus if o.provider == "ibm"])
    assert dates["ibm_hanoi"] == ["2021-12-09", "2024-05-27", "2025-02-12", "2025-02-26"]
    assert dates["ibm_kyiv"] == ["2024-02-28", "2025-02-26"]
    assert len(dates["ibm_sherbrooke"]) == 3
    assert sum(1 for d in dates.values() if len(d) >= 2) >= 15
    # Devices only the older releases carry.
    assert {"ibmqx4", "ibmq_20_tokyo"} <= set(dates)


def test_history_is_idempotent_and_distinct(wheels: list[Path], wheel_cache: Path) -> None:
    first = [o.key for o in load_source("ibm-history", wheel_cache=wheel_cache)]
    second = [o.key for o in load_source("ibm-history", wheel_cache=wheel_cache)]
    assert first == second
    assert len(first) == len(set(first)) >= 60


def test_trend_of_hanoi_from_real_snapshots(corpus: list[Observation]) -> None:
    hanoi = [o for o in corpus if o.device == "ibm/ibm_hanoi"]
    buckets = trend(hanoi, "median_2q_error", "2021-01-01", "2025-12-31", "week")
    assert [b.n for b in buckets] == [1, 1, 1, 1]
    by_time = sorted(hanoi, key=lambda o: o.taken_at_dt)
    assert [b.median for b in buckets] == [o.metrics["median_2q_error"] for o in by_time]
