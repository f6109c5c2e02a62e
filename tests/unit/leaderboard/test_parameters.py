"""Query parameters: normalization and the 422 problems a caller can act on."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from qlcore.corpus.methodology import METHODOLOGY_VERSION, METRICS, methodology_document
from qlcore.errors import Unprocessable

from services.leaderboard.domain.parameters import LeaderboardQuery, TrendQuery, parse_leaderboard, parse_trend


def test_blank_form_fields_mean_not_given() -> None:
    q, as_of = parse_leaderboard(LeaderboardQuery(metric="", provider=" ", as_of=""))
    assert q == LeaderboardQuery() and as_of is None


def test_as_of_date_is_the_whole_day() -> None:
    _, as_of = parse_leaderboard(LeaderboardQuery(as_of="2025-02-26"))
    assert as_of == datetime(2025, 2, 26, 23, 59, 59, 999999, tzinfo=UTC)


def test_unknown_metric_lists_the_valid_ones() -> None:
    with pytest.raises(Unprocessable) as err:
        parse_leaderboard(LeaderboardQuery(metric="qv"))
    problem = err.value.problem()
    assert problem["status"] == 422 and problem["valid_metrics"] == list(METRICS)
    with pytest.raises(Unprocessable, match="valid metrics"):
        parse_trend(TrendQuery(provider="ibm", backend="ibm_kyiv", metric="t1"))


@pytest.mark.parametrize(
    ("changes", "needle"),
    [
        ({"bucket": "month"}, "bucket"),
        ({"from_": "2025-02-01", "to": "2025-01-01"}, "after"),
        ({"to": "soon"}, "to must be"),
    ],
)
def test_trend_problems(changes: dict[str, str], needle: str) -> None:
    with pytest.raises(Unprocessable, match=needle):
        parse_trend(TrendQuery(provider="ibm", backend="ibm_kyiv", **changes))


def test_negative_min_qubits() -> None:
    with pytest.raises(Unprocessable, match="min_qubits"):
        parse_leaderboard(LeaderboardQuery(min_qubits=-1))


def test_methodology_document_is_versioned_and_complete() -> None:
    doc = methodology_document()
    assert doc["methodology_version"] == METHODOLOGY_VERSION
    assert [m["name"] for m in doc["metrics"]] == list(METRICS)
    assert all(m["direction"] in ("lower", "higher") and m["definition"] for m in doc["metrics"])
