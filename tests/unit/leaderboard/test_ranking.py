"""rank/leaderboard on hand-made observations."""

from __future__ import annotations

import pytest
from qlcore.corpus import METHODOLOGY_VERSION, UnknownMetricError

from services.leaderboard.domain import latest_per_device, leaderboard, rank
from tests.unit.leaderboard.factories import make_obs

OBS = [
    make_obs("ibm", "a", "2024-01-01T00:00:00Z", median_2q_error=0.010, median_t1=100.0),
    make_obs("ibm", "a", "2025-01-01T00:00:00Z", median_2q_error=0.005, median_t1=None),
    make_obs("google", "b", "2024-06-01T12:00:00Z", qubits=105, median_2q_error=0.004, median_t1=70.0),
    make_obs("iqm", "c", "2024-03-01T00:00:00Z", qubits=20, stand_in=True, median_2q_error=0.005, median_t1=40.0),
    make_obs("quantinuum", "d", "2025-05-02T00:00:00Z", qubits=56, median_2q_error=0.001, median_t1=None),
]


def test_lower_is_better_and_ties_share_a_rank() -> None:
    rows = rank(OBS, "median_2q_error")
    assert [(r.rank, r.provider, r.value) for r in rows] == [
        (1, "quantinuum", 0.001),
        (2, "google", 0.004),
        (3, "ibm", 0.005),
        (3, "iqm", 0.005),
    ]
    assert rows[3].snapshot_time_is_stand_in and not rows[2].snapshot_time_is_stand_in


def test_higher_is_better_uses_latest_snapshot_and_leaves_out_missing() -> None:
    board = leaderboard(OBS, "median_t1")
    assert [(r.backend, r.value) for r in board.rows] == [("b", 70.0), ("c", 40.0)]
    # ibm/a's latest snapshot has no T1: it is left out, its older T1 is not used.
    assert board.left_out == ["ibm/a", "quantinuum/d"]
    assert board.methodology_version == METHODOLOGY_VERSION and board.direction == "higher"


def test_filters_and_as_of() -> None:
    assert [r.backend for r in rank(OBS, "median_2q_error", provider="IBM")] == ["a"]
    assert [r.backend for r in rank(OBS, "median_2q_error", min_qubits=50)] == ["d", "b"]
    then = rank(OBS, "median_2q_error", as_of="2024-12-31")
    assert [(r.backend, r.value) for r in then] == [("b", 0.004), ("c", 0.005), ("a", 0.010)]
    assert rank(OBS, "median_2q_error", as_of="2023-01-01") == []


def test_latest_prefers_dated_over_stand_in_at_the_same_time() -> None:
    dated = make_obs("x", "y", "2024-01-01T00:00:00Z", median_2q_error=0.01)
    stand_in = make_obs("x", "y", "2024-01-01T00:00:00Z", stand_in=True, median_2q_error=0.02)
    assert latest_per_device([stand_in, dated]) == [dated]
    assert latest_per_device([dated, stand_in]) == [dated]


def test_unknown_metric() -> None:
    with pytest.raises(UnknownMetricError):
        rank(OBS, "median_vibes")
