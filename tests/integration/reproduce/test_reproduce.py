"""POST /runs/{id}/reproduce on real runs: verdicts by a test at level alpha against the shot
noise of the unchanged device, drift that grows with the profile and the horizon, the
reproduction as a run of its own."""

from __future__ import annotations

import statistics
from typing import Any

import httpx
import pytest
from qlprov.hashing import run_hash

from tests.fixtures import Stack
from tests.integration.reproduce.helpers import ghz, ingest, reproduce

pytestmark = pytest.mark.integration

PROFILES = ("stable", "typical", "bad_day")


def expected_verdict(out: dict[str, Any]) -> str:
    """Issue 14's rule, restated independently of the service's code: the baseline's test first
    (model_mismatch), then 1 - HF against the (1 - alpha) null quantile, then HF 0.90."""
    if out["baseline_p_value"] <= out["alpha"]:
        return "model_mismatch"
    if 1 - out["hellinger_fidelity"] <= out["threshold"] + 1e-12:
        return "reproduced"
    return "drifted" if out["hellinger_fidelity"] >= 0.90 else "failed"


async def _ok(c: httpx.AsyncClient, run_id: str, days: float, profile: str, seed: int) -> dict[str, Any]:
    r = await reproduce(c, run_id, days, profile, seed)
    assert r.status_code == 200, r.text
    out = r.json()
    assert (out["days"], out["profile"], out["seed"]) == (days, profile, seed)
    assert out["verdict"] == expected_verdict(out), out
    assert out["alpha"] == 0.01 and (out["p_value"] <= out["alpha"]) == (out["verdict"] in ("drifted", "failed"))
    assert out["detectable"] == (out["verdict"] in ("drifted", "failed")) or out["verdict"] == "model_mismatch"
    return dict(out)


@pytest.fixture(scope="module")
async def kyiv_ghz3(stack: Stack) -> tuple[Any, str]:
    t = await stack.tenant()
    async with stack.client(t) as c:
        run_id = (await ingest(c, ghz(3, "kyiv", shots=4096)))["run_id"]
    return t, run_id


async def test_days_zero_reproduces_under_every_profile(stack: Stack, kyiv_ghz3: tuple[Any, str]) -> None:
    t, run_id = kyiv_ghz3
    async with stack.client(t) as c:
        for profile in PROFILES:
            out = await _ok(c, run_id, 0, profile, seed=11)
            assert out["verdict"] == "reproduced", out
            assert out["baseline_fidelity"] == out["hellinger_fidelity"]  # days 0: the device as recorded
            assert out["detectable"] is False
            # GHZ-3 at 4096 shots: the floor is about (8 - 1) / (2 * 4096) = 0.00085 (issue 5)
            assert 0.0005 < out["noise_floor"] < 0.0015
            assert out["reproduced_run_id"] != run_id and out["job_id"]


async def test_fidelity_falls_from_stable_to_bad_day(stack: Stack, kyiv_ghz3: tuple[Any, str]) -> None:
    """Statistically: each seed of stable at 1 day beats the same seed of bad_day at 90 days, and
    bad_day's drift stands out of the shot noise. (ql-drift/2.0's fitted element spread makes one
    day of real drift detectable for some seeds at 4096 shots, so stable is not always reproduced.)"""
    t, run_id = kyiv_ghz3
    async with stack.client(t) as c:
        stable = [await _ok(c, run_id, 1, "stable", seed) for seed in range(4)]
        bad = [await _ok(c, run_id, 90, "bad_day", seed) for seed in range(4)]
    # one seed is one element pattern under every profile (common random numbers)
    assert all(s["hellinger_fidelity"] > b["hellinger_fidelity"] for s, b in zip(stable, bad, strict=True))
    assert max(o["p_value"] for o in stable) > max(o["p_value"] for o in bad)
    assert sum(o["verdict"] == "drifted" for o in bad) >= 3
    assert sum(o["detectable"] for o in bad) >= 3


async def test_profiles_and_horizons_on_a_noisier_device(stack: Stack) -> None:
    """GHZ-5 on ibm_torino (Heron, 133 qubits): the mean fidelity over seeds puts bad_day below the
    other profiles at each horizon; every verdict follows the test."""
    t = await stack.tenant()
    means: dict[tuple[str, int], float] = {}
    verdicts: set[str] = set()
    async with stack.client(t) as c:
        run_id = (await ingest(c, ghz(5, "torino", shots=2048)))["run_id"]
        for days in (1, 365):
            for profile in PROFILES:
                outs = [await _ok(c, run_id, days, profile, seed) for seed in range(3)]
                means[(profile, days)] = statistics.fmean(o["hellinger_fidelity"] for o in outs)
                verdicts |= {o["verdict"] for o in outs}
    for days in (1, 365):
        # the fitted stable and typical differ only by the device-wide 2q trend (+0.04 against +0.15 in
        # log units): a small effect beside the element spread, so they may tie; bad_day stands apart
        assert min(means[("stable", days)], means[("typical", days)]) > means[("bad_day", days)] + 0.02, means
        assert means[("stable", days)] > means[("typical", days)] - 0.005, means
    # How the drift grows with the horizon is the fitted sigma(d) (tests/unit/reproduce/test_drift.py):
    # on this run the five qubits' heavy-tailed draws, the same for one seed at every horizon, weigh
    # more than the growth of the spread from a day to a year (readout 0.65 -> 0.70 in log units)
    assert {"drifted", "failed"} <= verdicts <= {"reproduced", "drifted", "failed"}, verdicts


async def test_the_reproduction_is_a_run_that_rehashes(stack: Stack, kyiv_ghz3: tuple[Any, str]) -> None:
    t, run_id = kyiv_ghz3
    async with stack.client(t) as c:
        original = (await c.get(f"/api/v1/runs/{run_id}")).json()
        out = await _ok(c, run_id, 30, "typical", seed=5)
        await stack.wait_caught_up("provenance")
        r = await c.get(f"/api/v1/runs/{out['reproduced_run_id']}")
        assert r.status_code == 200, r.text
        doc = r.json()
    assert doc["run_hash"] == out["reproduced_run_hash"] == run_hash(doc)  # recomputed here, independently
    assert doc["lineage"]["reproduction_of"] == original["run_hash"]
    assert doc["reproduction"]["days"] == 30 and doc["reproduction"]["profile"] == "typical"
    assert doc["reproduction"]["seed"] == 5
    assert doc["execution"]["shots"] == original["execution"]["shots"]
    assert sum(doc["results"]["counts"].values()) == original["execution"]["shots"]
    assert doc["calibration"] != original["calibration"]  # the drifted device
    assert doc["transpiled"] == original["transpiled"] and doc["program"] == original["program"]


async def test_a_seed_fixes_the_outcome(stack: Stack, kyiv_ghz3: tuple[Any, str]) -> None:
    """Asked twice with one seed: two reproductions (two requests, two times), the same drifted
    device, counts and score."""
    t, run_id = kyiv_ghz3
    async with stack.client(t) as c:
        a = await _ok(c, run_id, 7, "bad_day", seed=99)
        b = await _ok(c, run_id, 7, "bad_day", seed=99)
        await stack.wait_caught_up("provenance")
        docs = [(await c.get(f"/api/v1/runs/{o['reproduced_run_id']}")).json() for o in (a, b)]
    assert a["job_id"] != b["job_id"] and a["reproduced_run_id"] != b["reproduced_run_id"]
    assert (a["hellinger_fidelity"], a["verdict"]) == (b["hellinger_fidelity"], b["verdict"])
    assert docs[0]["results"] == docs[1]["results"] and docs[0]["calibration"] == docs[1]["calibration"]
