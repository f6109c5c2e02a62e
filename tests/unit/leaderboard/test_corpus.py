"""The whole corpus: vendors, devices, ordering of every ranking, and its invariants."""

from __future__ import annotations

import itertools

import msgspec
import pytest
from qlcore.corpus import METRICS, metrics_from_calibration
from qlcore.corpus.adapters import SOURCE_ORDER, UnknownSourceError, load_source, source_names
from qlcore.corpus.model import Observation
from qlprov.document import Calibration

from services.leaderboard.domain import latest_per_device, leaderboard, rank


def test_at_least_five_vendors_and_seventy_devices(corpus: list[Observation]) -> None:
    devices = {o.device for o in corpus}
    providers = {o.provider for o in corpus}
    assert providers == {"ibm", "google", "quantinuum", "iqm", "ionq", "rigetti", "oqc"}
    assert len(devices) >= 70
    assert len({o.key for o in corpus}) == len(corpus)  # distinct snapshots only
    assert len(corpus) > len(devices)  # history: several snapshots for some devices


def test_source_names() -> None:
    assert source_names() == [*SOURCE_ORDER, "all"]
    assert set(SOURCE_ORDER) == {"ibm", "ibm-history", "google", "quantinuum", "iqm", "mqt-bench"}
    with pytest.raises(UnknownSourceError):
        load_source("nope")


@pytest.mark.parametrize("metric", sorted(METRICS))
def test_every_ranking_is_ordered_by_its_direction(corpus: list[Observation], metric: str) -> None:
    board = leaderboard(corpus, metric)
    rows = board.rows
    assert rows, metric
    values = [r.value for r in rows]
    lower = METRICS[metric].lower_is_better
    assert values == sorted(values, reverse=not lower)
    assert rows[0].rank == 1 and all(a.rank <= b.rank for a, b in itertools.pairwise(rows))
    latest = {o.device: o for o in latest_per_device(corpus)}
    for row in rows:
        obs = latest[f"{row.provider}/{row.backend}"]
        assert row.value == obs.metrics[metric] and row.snapshot_time == obs.taken_at
    ranked = {f"{r.provider}/{r.backend}" for r in rows}
    assert ranked.isdisjoint(board.left_out)
    assert len(ranked) + len(board.left_out) == len(latest)


def test_directions_are_right(corpus: list[Observation]) -> None:
    two_q = rank(corpus, "median_2q_error")
    assert two_q[0].value < two_q[-1].value
    t1 = rank(corpus, "median_t1")
    assert t1[0].value > t1[-1].value


def test_devices_without_a_metric_are_left_out_not_zero(corpus: list[Observation]) -> None:
    t1_devices = {(r.provider, r.backend) for r in rank(corpus, "median_t1")}
    assert not any(p in ("quantinuum", "ionq") for p, _ in t1_devices)
    t2 = leaderboard(corpus, "median_t2")
    assert "google/willow_pink" in t2.left_out
    two_q = leaderboard(corpus, "median_2q_error")
    assert {"ibm/ibm_kyoto", "ionq/aria-1"} <= set(two_q.left_out)
    assert all(r.value > 0 for r in two_q.rows)


def test_filters(corpus: list[Observation]) -> None:
    big = rank(corpus, "median_2q_error", min_qubits=100)
    assert big and all(r.qubits >= 100 for r in big)
    google = rank(corpus, "median_2q_error", provider="Google")
    assert [r.backend for r in google] == ["willow_pink", "rainbow", "weber"]
    old = rank(corpus, "median_2q_error", provider="ibm", as_of="2024-03-01")
    kyiv = next(r for r in old if r.backend == "ibm_kyiv")
    assert kyiv.snapshot_time.startswith("2024-02-28")
    assert all(r.snapshot_time <= "2024-03-01T23:59:59Z" for r in old)


def test_calibrations_are_run_document_calibrations(corpus: list[Observation]) -> None:
    with_detail = [o for o in corpus if o.calibration is not None]
    assert len(with_detail) >= len(corpus) - 6  # only device-average sources lack detail
    for obs in with_detail:
        msgspec.convert(obs.calibration, Calibration)
        assert metrics_from_calibration(obs.calibration, num_qubits=obs.num_qubits) == obs.metrics


def test_observations_round_trip_as_json(corpus: list[Observation]) -> None:
    data = msgspec.json.encode(corpus)
    assert msgspec.json.decode(data, type=list[Observation]) == corpus
