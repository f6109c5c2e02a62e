"""When a claim may decide (``services.ingest.domain.claims``): pure rules, no servers."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from services.ingest.domain import Claim, answer, in_time, settled

BASE = Claim(run_id="R1", new=True, logged=False, checkpoint=10, read_at=100.0, projection_lag_s=None)


def _claim(**kw: Any) -> Claim:
    return replace(BASE, **kw)


def test_a_claim_decides_when_logged_or_read_after_the_projection_reached_the_log_end() -> None:
    assert settled(_claim(), 120, log_end=10)
    assert settled(_claim(checkpoint=11), 120, log_end=10)
    assert not settled(_claim(checkpoint=9), 120, log_end=10)  # a run.ingested of the bundle may be missing
    assert not settled(_claim(), 120)  # the log's end not read yet
    assert settled(_claim(checkpoint=0, logged=True), 120)  # the log named its run


def test_a_claim_decides_when_what_the_claims_may_miss_is_inside_the_window() -> None:
    behind = _claim(checkpoint=9)
    assert settled(_claim(checkpoint=9, projection_lag_s=0.02), 120)  # under load: ms behind, no log end read
    assert settled(_claim(checkpoint=9, projection_lag_s=29.9), 120)
    assert not settled(_claim(checkpoint=9, projection_lag_s=30.0), 120)  # a quarter of the window: wait
    assert not settled(_claim(checkpoint=9, projection_lag_s=0.3), 1.0)
    assert not settled(_claim(checkpoint=9, projection_lag_s=-60.0), 120)  # a clock in the future: no trust
    assert not settled(behind, 120, log_end=10)  # the projection has applied nothing yet


def test_a_new_run_is_appended_only_within_half_the_window_after_the_claim_was_read() -> None:
    c = _claim(read_at=100.0)
    assert in_time(c, 100.0 + 59.9, dedup_window_s=120)
    assert not in_time(c, 100.0 + 60.0, dedup_window_s=120)
    assert not in_time(c, 100.6, dedup_window_s=1.0)


def test_only_the_request_whose_claim_names_the_run_answers_201() -> None:
    assert answer("R1", {"R1"}, "h") == (201, {"run_id": "R1", "run_hash": "h", "deduplicated": False})
    assert answer("R1", set(), "h") == (200, {"run_id": "R1", "run_hash": "h", "deduplicated": True})
    # its claim was lost and taken again; the log names the first run: a duplicate
    assert answer("R1", {"R2"}, "h") == (200, {"run_id": "R1", "run_hash": "h", "deduplicated": True})
