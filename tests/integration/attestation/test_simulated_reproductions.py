"""A drift simulation is not the lab's experiment (issue 14, item 6): after the workspace's own
run is reproduced by the reproduce service, the compliance controls over runs judge exactly the
runs they judged before, with the same statuses (issue 14 found the simulation failing the
calibration-age control)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.fixtures import Stack
from tests.integration.reproduce.helpers import ghz, ingest, reproduce

pytestmark = pytest.mark.integration

BASELINE = "reproducibility-baseline"
RUN_CONTROLS = ("RB-1", "RB-2", "RB-3", "RB-4")


def _controls(status: dict[str, Any]) -> dict[str, tuple[str, int]]:
    return {c["id"]: (c["status"], c["evidence_count"]) for c in status["controls"]}


async def test_compliance_does_not_judge_the_owners_drift_simulations(stack: Stack) -> None:
    t = await stack.tenant()
    ws = f"/api/v1/workspaces/{t.workspace_id}"
    async with stack.client(t) as c:
        assert (await c.post(f"{ws}/frameworks/{BASELINE}/enable")).status_code == 201
        run_id = (await ingest(c, ghz(3, "kyiv", shots=1024, seed=31)))["run_id"]
        await c.post(f"{ws}/compliance/evaluate")
        before = _controls((await c.get(f"{ws}/compliance")).json()["frameworks"][0])
        assert all(before[k][1] == 1 for k in RUN_CONTROLS), before  # the one run is judged
        for seed, days in ((1, 365), (2, 3650)):
            r = await reproduce(c, run_id, days, "bad_day", seed=seed, prefer="wait=60")
            assert r.status_code == 200, r.text
        await stack.wait_caught_up("attestation")
        await c.post(f"{ws}/compliance/evaluate")
        after = _controls((await c.get(f"{ws}/compliance")).json()["frameworks"][0])
        assert {k: after[k] for k in RUN_CONTROLS} == {k: before[k] for k in RUN_CONTROLS}
        gaps = (await c.get(f"{ws}/gaps")).json()["gaps"]
        failing = {s["id"] for g in gaps for s in g["failing"]}
        listed = {x["run_id"] for x in (await c.get("/api/v1/runs?kind=simulated")).json()}
        assert len(listed) == 2 and not failing & listed
