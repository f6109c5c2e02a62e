"""trend() buckets against numpy's percentiles."""

from __future__ import annotations

import numpy as np
import pytest

from services.leaderboard.domain import trend
from tests.unit.leaderboard.factories import make_obs

VALUES = {
    "2025-02-24T01:00:00Z": 0.010,  # Monday
    "2025-02-24T13:00:00Z": 0.012,
    "2025-02-26T09:00:00Z": 0.020,  # same ISO week
    "2025-03-03T00:00:00Z": 0.008,  # next Monday
    "2025-03-05T00:00:00Z": None,  # lacks the metric: ignored
}
OBS = [make_obs("ibm", "k", t, median_2q_error=v) for t, v in VALUES.items()]


def test_day_buckets() -> None:
    buckets = trend(OBS, "median_2q_error", bucket="day")
    assert [(b.start, b.n) for b in buckets] == [
        ("2025-02-24T00:00:00Z", 2),
        ("2025-02-26T00:00:00Z", 1),
        ("2025-03-03T00:00:00Z", 1),
    ]
    first = buckets[0]
    assert first.median == pytest.approx(0.011)
    assert first.p10 == pytest.approx(np.percentile([0.010, 0.012], 10))
    assert first.p90 == pytest.approx(np.percentile([0.010, 0.012], 90))
    assert buckets[1].p10 == buckets[1].median == buckets[1].p90 == 0.020


def test_week_buckets_start_on_monday() -> None:
    buckets = trend(OBS, "median_2q_error", bucket="week")
    assert [(b.start, b.n) for b in buckets] == [("2025-02-24T00:00:00Z", 3), ("2025-03-03T00:00:00Z", 1)]
    values = [0.010, 0.012, 0.020]
    assert buckets[0].median == pytest.approx(float(np.median(values)))
    assert buckets[0].p90 == pytest.approx(float(np.percentile(values, 90)))


def test_range_is_inclusive_and_dates_mean_whole_days() -> None:
    buckets = trend(OBS, "median_2q_error", "2025-02-26", "2025-03-03", "day")
    assert [b.start[:10] for b in buckets] == ["2025-02-26", "2025-03-03"]
    assert trend(OBS, "median_2q_error", "2026-01-01", None) == []


def test_device_filter_and_bad_bucket() -> None:
    other = [*OBS, make_obs("ibm", "other", "2025-02-24T05:00:00Z", median_2q_error=0.5)]
    buckets = trend(other, "median_2q_error", bucket="week", provider="ibm", backend="k")
    assert max(b.p90 for b in buckets) < 0.5
    with pytest.raises(ValueError, match="bucket"):
        trend(OBS, "median_2q_error", bucket="month")  # type: ignore[arg-type]
