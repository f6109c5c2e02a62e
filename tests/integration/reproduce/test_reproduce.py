"""POST /runs/{id}/reproduce on real runs: verdicts against the shot-noise floor, drift that
grows with the profile and the horizon, the reproduction as a run of its own."""

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


def expected_verdict(fidelity: float, floor: float) -> str:
    """Issue 5's rule, restated independently of the service's code."""
    if 1 - fidelity <= 3 * floor:
        return "reproduced"
    return "drifted" if fidelity >= 0.90 else "failed"


async def _ok(c: httpx.AsyncClient, run_id: str, days: float, profile: str, seed: int) -> dict[str, Any]:
    r = await reproduce(c, run_id, days, profile, seed)
    assert r.status_code == 200, r.text
    out = r.json()
    assert (out["days"], out["profile"], out["seed"]) == (days, profile, seed)
    assert out["verdict"] == expected_verdict(out["hellinger_fidelity"], out["noise_floor"]), out
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
    """Statistically: every seed of stable at 1 day beats every seed of bad_day at 90 days, and
    bad_day's drift stands out of the shot noise."""
    t, run_id = kyiv_ghz3
    async with stack.client(t) as c:
        stable = [await _ok(c, run_id, 1, "stable", seed) for seed in range(4)]
        bad = [await _ok(c, run_id, 90, "bad_day", seed) for seed in range(4)]
    assert min(o["hellinger_fidelity"] for o in stable) > max(o["hellinger_fidelity"] for o in bad)
    assert all(o["verdict"] == "reproduced" for o in stable)
    assert sum(o["verdict"] == "drifted" for o in bad) >= 3
    assert sum(o["detectable"] for o in bad) >= 3 and not any(o["detectable"] for o in stable)


async def test_profiles_and_horizons_on_a_noisier_device(stack: Stack) -> None:
    """GHZ-5 on ibm_torino (Heron, 133 qubits): the mean fidelity over seeds orders the profiles at
    each horizon and falls with the horizon under drift; every verdict follows the floor."""
    t = await stack.tenant()
    means: dict[tuple[str, int], float] = {}
    verdicts: set[str] = set()
    async with stack.client(t) as c:
        run_id = (await ingest(c, ghz(5, "torino", shots=2048)))["run_id"]
        for days in (1, 30):
            for profile in PROFILES:
                outs = [await _ok(c, run_id, days, profile, seed) for seed in range(3)]
                means[(profile, days)] = statistics.fmean(o["hellinger_fidelity"] for o in outs)
                verdicts |= {o["verdict"] for o in outs}
    for days in (1, 30):
        assert means[("stable", days)] > means[("typical", days)] > means[("bad_day", days)], means
    assert means[("bad_day", 30)] < means[("bad_day", 1)] - 0.02, means
    assert verdicts == {"reproduced", "drifted", "failed"}, verdicts


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
