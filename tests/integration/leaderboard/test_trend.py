"""Device trends through the gateway: buckets, bounds, problems, caching headers."""

from __future__ import annotations

from typing import Any

import pytest

from tests.fixtures import Stack
from tests.integration.leaderboard.conftest import Imported
from tests.integration.leaderboard.reference import ibm_history_snapshots, ibm_installed

pytestmark = pytest.mark.integration


async def _trend(stack: Stack, device: str, **params: Any) -> Any:
    async with stack.client() as c:
        return await c.get(f"/api/v1/backends/{device}/trend", params=params)


async def test_kyiv_trend_has_both_snapshots_with_independent_values(lb_stack: Stack, imported: Imported) -> None:
    from qlcore.corpus.adapters.ibm_history import history_wheels

    snaps = sorted(
        (s for s in [*ibm_installed(), *ibm_history_snapshots(history_wheels())] if s.device == "ibm/ibm_kyiv"),
        key=lambda s: s.taken_at,
    )
    r = await _trend(lb_stack, "ibm/ibm_kyiv", metric="median_t1")
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["metric"] == "median_t1" and body["unit"] == "us" and body["bucket"] == "day"
    starts = [b["start"][:10] for b in body["buckets"]]
    assert starts == sorted({s.taken_at.date().isoformat() for s in snaps}) == ["2024-02-28", "2025-02-26"]
    by_day = {s.taken_at.date().isoformat(): s.metrics["median_t1"] for s in snaps}
    for bucket in body["buckets"]:
        assert bucket["median"] == pytest.approx(by_day[bucket["start"][:10]], rel=1e-9)
        assert bucket["n"] == 1


async def test_bounds_and_weekly_buckets(lb_stack: Stack, imported: Imported) -> None:
    since = (await _trend(lb_stack, "ibm/ibm_hanoi", **{"from": "2024-01-01", "to": "2025-02-20"})).json()
    assert [b["start"][:10] for b in since["buckets"]] == ["2024-05-27", "2025-02-12"]
    weekly = (await _trend(lb_stack, "ibm/ibm_hanoi", bucket="week")).json()
    assert [b["start"] for b in weekly["buckets"]][-2:] == ["2025-02-10T00:00:00Z", "2025-02-24T00:00:00Z"]


async def test_problems(lb_stack: Stack, imported: Imported) -> None:
    unknown = await _trend(lb_stack, "ibm/ibm_atlantis")
    assert unknown.status_code == 404 and unknown.headers["content-type"].startswith("application/problem+json")
    bucket = await _trend(lb_stack, "ibm/ibm_hanoi", bucket="month")
    assert bucket.status_code == 422 and bucket.json()["valid_buckets"] == ["day", "week"]
    metric = await _trend(lb_stack, "ibm/ibm_hanoi", metric="t1")
    assert metric.status_code == 422 and "median_t1" in metric.json()["valid_metrics"]
    backwards = await _trend(lb_stack, "ibm/ibm_hanoi", **{"from": "2025-01-01", "to": "2024-01-01"})
    assert backwards.status_code == 422


async def test_public_replies_revalidate_with_etags(lb_stack: Stack, imported: Imported) -> None:
    async with lb_stack.client() as c:
        first = await c.get("/api/v1/leaderboard", params={"metric": "median_t2"})
        etag = first.headers["etag"]
        again = await c.get("/api/v1/leaderboard", params={"metric": "median_t2"}, headers={"If-None-Match": etag})
        other = await c.get("/api/v1/leaderboard", params={"metric": "median_t1"}, headers={"If-None-Match": etag})
        method = await c.get("/api/v1/leaderboard/methodology")
    assert first.headers["cache-control"].startswith("public")
    assert again.status_code == 304 and again.content == b"" and again.headers["etag"] == etag
    assert other.status_code == 200
    assert method.status_code == 200 and {m["name"] for m in method.json()["metrics"]} >= {"median_2q_error"}
