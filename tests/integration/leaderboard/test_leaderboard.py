"""The corpus imported through the real stack, ranked by every metric, against raw package data."""

from __future__ import annotations

import math
import re
from typing import Any

import pytest
from qlcore.corpus.methodology import METHODOLOGY_VERSION, METRICS

from tests.fixtures import Stack
from tests.integration.leaderboard.conftest import Imported
from tests.integration.leaderboard.reference import Expected

pytestmark = pytest.mark.integration


async def _board(stack: Stack, **params: Any) -> dict[str, Any]:
    async with stack.client() as c:
        r = await c.get("/api/v1/leaderboard", params=params)
    assert r.status_code == 200, r.text
    return r.json()


def _corpus_rows(board: dict[str, Any]) -> list[dict[str, Any]]:
    """Rows from the corpus (other tests in this package add devices through ingested runs)."""
    return [row for row in board["rows"] if row["source"]["path"] != "run"]


def test_the_cli_imports_every_snapshot_and_reports_events_per_second(imported: Imported) -> None:
    m = re.search(
        r"all: (\d+) snapshots, (\d+) new, (\d+) already imported; [\d.]+ s, ([\d,]+) events/s", imported.stdout
    )
    assert m, imported.stdout
    received, new, already, rate = int(m[1]), int(m[2]), int(m[3]), int(m[4].replace(",", ""))
    assert received == new >= 90 and already == 0 and rate > 0


@pytest.mark.parametrize("metric", sorted(METRICS))
async def test_each_ranking_matches_the_independent_computation(
    lb_stack: Stack, imported: Imported, expected: dict[str, Expected], metric: str
) -> None:
    board = await _board(lb_stack, metric=metric)
    assert board["methodology_version"] == METHODOLOGY_VERSION and board["metric"] == metric
    rows = _corpus_rows(board)
    have = {d: e.metrics[metric] for d, e in expected.items() if e.metrics[metric] is not None}
    got = {f"{r['provider']}/{r['backend']}": r for r in rows}
    assert set(got) == set(have)
    assert set(board["left_out"]) >= set(expected) - set(have)  # lacking the metric: left out, not zero
    for device, row in got.items():
        assert math.isclose(row["value"], have[device], rel_tol=1e-9, abs_tol=1e-15), (device, row, have[device])
        assert row["snapshot_time"].replace("Z", "+00:00")[:19] == expected[device].taken_at.isoformat()[:19]
        assert row["qubits"] == expected[device].metrics["num_qubits"]
    sign = 1 if METRICS[metric].lower_is_better else -1
    want_order = sorted(have, key=lambda d: (sign * have[d], *d.split("/", 1)))
    assert list(got) == want_order
    ranks = [r["rank"] for r in rows]
    for i in range(1, len(rows)):  # competition ranking: equal values share a rank (1, 2, 2, 4)
        tie = rows[i]["value"] == rows[i - 1]["value"]
        assert ranks[i] == (ranks[i - 1] if tie else i + 1)


async def test_at_least_five_vendors_and_seventy_devices(lb_stack: Stack, imported: Imported) -> None:
    rows = _corpus_rows(await _board(lb_stack, metric="num_qubits"))
    assert len({r["provider"] for r in rows}) >= 5
    assert len(rows) >= 70
    assert rows[0]["rank"] == 1 and rows[0]["value"] >= rows[-1]["value"]
    two_q = _corpus_rows(await _board(lb_stack))  # default metric: median_2q_error, lower first
    assert two_q[0]["value"] <= two_q[-1]["value"]


async def test_filters_provider_min_qubits_and_as_of(lb_stack: Stack, imported: Imported) -> None:
    ibm = await _board(lb_stack, metric="median_t1", provider="IBM", min_qubits=100)
    assert ibm["rows"] and all(r["provider"] == "ibm" and r["qubits"] >= 100 for r in ibm["rows"])
    assert ibm["provider"] == "IBM" and ibm["min_qubits"] == 100
    past = await _board(lb_stack, metric="median_2q_error", as_of="2024-12-31")
    assert past["as_of"] == "2024-12-31T23:59:59.999Z"
    assert all(r["snapshot_time"] <= "2024-12-31T23:59:59.999Z" for r in past["rows"])
    hanoi = next(r for r in past["rows"] if r["backend"] == "ibm_hanoi")
    assert hanoi["snapshot_time"] == "2024-05-27T17:02:10Z"  # the latest snapshot at that date, not today's
    devices_then = {r["backend"] for r in past["rows"]}
    assert "willow_pink" in devices_then and "ibm_aachen" not in devices_then  # aachen: first seen 2026


async def test_unknown_metric_is_a_problem_listing_the_valid_ones(lb_stack: Stack) -> None:
    async with lb_stack.client() as c:
        r = await c.get("/api/v1/leaderboard", params={"metric": "quantum_volume_x"})
        bad_time = await c.get("/api/v1/leaderboard", params={"as_of": "yesterday"})
    assert r.status_code == 422 and r.headers["content-type"].startswith("application/problem+json")
    problem = r.json()
    assert problem["valid_metrics"] == list(METRICS) and "quantum_volume_x" in problem["detail"]
    assert bad_time.status_code == 422 and "as_of" in bad_time.json()["detail"]


async def test_reimport_adds_no_event(lb_stack: Stack, imported: Imported, tmp_path_factory: Any) -> None:
    from tests.integration.leaderboard.conftest import run_cli

    before = (await lb_stack.call("leaderboard", "ops.status")).json()["last_event_seq"]
    again = await run_cli(lb_stack, "corpus", "import", "ibm-history", home=tmp_path_factory.mktemp("again"))
    assert again.returncode == 0, again.stderr
    m = re.search(r"(\d+) snapshots, 0 new, (\d+) already imported;", again.stdout)
    assert m and m[1] == m[2] and int(m[1]) >= 60, again.stdout
    after = (await lb_stack.call("leaderboard", "ops.status")).json()["last_event_seq"]
    assert after == before  # the read model caught it: nothing was even offered to JetStream's dedup


async def test_replay_gives_the_same_digest(lb_stack: Stack, imported: Imported) -> None:
    await lb_stack.wait_caught_up("leaderboard")
    before = (await lb_stack.call("leaderboard", "ops.digest")).json()
    replayed = (await lb_stack.call("leaderboard", "ops.replay", timeout=120)).json()
    after = (await lb_stack.call("leaderboard", "ops.digest")).json()
    assert replayed["digest"] == before["digest"] == after["digest"]
    assert after["position"] == before["position"] > 0
    board = await _board(lb_stack, metric="median_t1")
    assert len(board["rows"]) >= 70  # and the queries see the rebuilt model
