"""What POST /runs/{id}/reproduce refuses (422 problem, nothing appended), hides (another tenant's
run: 404), and how a circuit that cannot run and a Result Card are handled."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

import pytest

from tests.fixtures import Stack
from tests.integration.reproduce.helpers import eventually, ghz, ingest, reproduce

pytestmark = pytest.mark.integration


async def _log_end(stack: Stack) -> int:
    return int((await stack.call("reproduce", "ops.status")).json()["last_event_seq"])


def _no_calibration(doc: dict[str, Any]) -> None:
    doc["calibration"] = {"taken_at": doc["calibration"]["taken_at"], "qubits": [], "gates": []}


def _no_counts(doc: dict[str, Any]) -> None:
    doc["results"]["counts"] = {}


def _no_transpiled(doc: dict[str, Any]) -> None:
    del doc["transpiled"]


BAD_RUNS: dict[str, tuple[Callable[[dict[str, Any]], None], str]] = {
    "no calibration": (_no_calibration, "reproduce-no-calibration"),
    "no counts": (_no_counts, "reproduce-no-counts"),
    "no transpiled circuit": (_no_transpiled, "reproduce-no-circuit"),
}

BAD_BODIES: dict[str, tuple[bytes, str]] = {
    "negative days": (b'{"days": -1, "profile": "typical"}', "reproduce-invalid-days"),
    "days beyond a century": (b'{"days": 1e6, "profile": "typical"}', "reproduce-invalid-days"),
    "unknown profile": (b'{"days": 30, "profile": "apocalyptic"}', "reproduce-unknown-profile"),
    "seed out of range": (b'{"days": 30, "profile": "typical", "seed": 9007199254740992}', "not-i-json"),
    "alpha too small": (b'{"days": 30, "alpha": 0.0001}', "reproduce-invalid-alpha"),
    "alpha too large": (b'{"days": 30, "alpha": 0.5}', "reproduce-invalid-alpha"),
    "alpha huge": (b'{"days": 30, "alpha": 1e308}', "reproduce-invalid-alpha"),
    "alpha as text": (b'{"days": 30, "alpha": "0.01"}', "unprocessable"),
    "days as text": (b'{"days": "ninety", "profile": "typical"}', "unprocessable"),
    "no days": (b'{"profile": "typical"}', "unprocessable"),
    "unknown member": (b'{"days": 1, "profile": "typical", "dayz": 2}', "unprocessable"),
}
#: not JSON at all: 400 (decision 0018-validation-400-422)
NOT_JSON = {"not JSON": b"days=90", "cut short": b'{"days": 30', "NaN": b'{"days": NaN}'}


@pytest.fixture(scope="module")
async def tenant_run(stack: Stack) -> tuple[Any, str]:
    t = await stack.tenant()
    async with stack.client(t) as c:
        return t, (await ingest(c, ghz(3, "kyiv", shots=1024)))["run_id"]


@pytest.mark.parametrize("case", sorted(BAD_BODIES))
async def test_bad_request_is_a_422_and_appends_nothing(stack: Stack, tenant_run: tuple[Any, str], case: str) -> None:
    t, run_id = tenant_run
    body, slug = BAD_BODIES[case]
    await stack.wait_caught_up("reproduce")
    before = await _log_end(stack)
    async with stack.client(t) as c:
        r = await c.post(f"/api/v1/runs/{run_id}/reproduce", content=body, headers={"content-type": "application/json"})
    assert r.status_code == 422, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    assert r.json()["type"].endswith("/" + slug) and r.json()["status"] == 422
    assert await _log_end(stack) == before


@pytest.mark.parametrize("case", sorted(NOT_JSON))
async def test_a_body_that_is_not_json_is_a_400_and_appends_nothing(
    stack: Stack, tenant_run: tuple[Any, str], case: str
) -> None:
    t, run_id = tenant_run
    await stack.wait_caught_up("reproduce")
    before = await _log_end(stack)
    async with stack.client(t) as c:
        r = await c.post(
            f"/api/v1/runs/{run_id}/reproduce", content=NOT_JSON[case], headers={"content-type": "application/json"}
        )
    assert r.status_code == 400, r.text
    assert r.json()["type"].endswith("/malformed-json")
    assert await _log_end(stack) == before


@pytest.mark.parametrize("case", sorted(BAD_RUNS))
async def test_run_that_cannot_be_reproduced_is_a_422(stack: Stack, case: str) -> None:
    t = await stack.tenant()
    damage, slug = BAD_RUNS[case]
    doc = ghz(3, "kyiv", shots=1024)
    doc.pop("run_hash")
    damage(doc)
    async with stack.client(t) as c:
        run_id = (await ingest(c, doc))["run_id"]
        await stack.wait_caught_up("reproduce")
        before = await _log_end(stack)
        r = await reproduce(c, run_id, 30, "typical")
        assert r.status_code == 422, r.text
        assert r.json()["type"].endswith("/" + slug), r.json()
        assert await _log_end(stack) == before
        assert (await c.get(f"/api/v1/runs/{run_id}/report")).json()["reproductions"] == []


async def test_another_tenants_run_is_a_404(stack: Stack, tenant_run: tuple[Any, str]) -> None:
    owner, run_id = tenant_run
    intruder = await stack.tenant()
    await stack.wait_caught_up("reproduce")
    before = await _log_end(stack)
    async with stack.client(intruder) as c:
        for r in (
            await reproduce(c, run_id, 30, "typical"),
            await reproduce(c, f"01NOSUCHRUN{uuid.uuid4().hex[:8]}", 30, "typical"),
            await c.get(f"/api/v1/runs/{run_id}/report"),
            await c.get(f"/api/v1/runs/{run_id}/report?format=html"),
        ):
            assert r.status_code == 404, r.text
            assert r.headers["content-type"].startswith("application/problem+json")
    assert await _log_end(stack) == before
    async with stack.client(owner) as c:
        job = (await reproduce(c, run_id, 1, "stable", seed=3)).json()
    async with stack.client(intruder) as c:
        r = await c.get(job["location"])
        assert r.status_code == 404 and job["reproduced_run_id"] not in r.text


async def test_alpha_is_chosen_and_returned_with_the_test(stack: Stack, tenant_run: tuple[Any, str]) -> None:
    t, run_id = tenant_run
    async with stack.client(t) as c:
        r = await c.post(
            f"/api/v1/runs/{run_id}/reproduce", json={"days": 30, "profile": "bad_day", "seed": 4, "alpha": 0.05}
        )
        assert r.status_code == 200, r.text
        out = r.json()
        await stack.wait_caught_up("reproduce")
        job = (await c.get(out["location"])).json()
    assert out["alpha"] == 0.05 and 0 < out["p_value"] <= 1 and out["threshold"] > 0
    assert (out["p_value"] <= 0.05) == (1 - out["hellinger_fidelity"] > out["threshold"])
    assert out["baseline_p_value"] > 0.05 and out["model_mismatch"] is False
    for key in ("alpha", "p_value", "threshold", "baseline_p_value", "baseline_threshold", "verdict"):
        assert job[key] == out[key], key


async def test_a_circuit_that_cannot_run_fails_as_a_verdict(stack: Stack) -> None:
    """Issue 5: ``failed`` also when the circuit cannot run; the failed re-run is still a run."""
    t = await stack.tenant()
    doc = ghz(3, "kyiv", shots=1024)
    doc.pop("run_hash")
    doc["transpiled"]["source"] = "OPENQASM 3.0;\nthis is not a circuit;\n"
    async with stack.client(t) as c:
        run_id = (await ingest(c, doc))["run_id"]
        r = await reproduce(c, run_id, 1, "typical", seed=1)
        assert r.status_code == 200, r.text
        out = r.json()
        assert out["verdict"] == "failed" and out["hellinger_fidelity"] == 0.0 and "parse" in out["error"]
        await stack.wait_caught_up("provenance")
        failed_run = (await c.get(f"/api/v1/runs/{out['reproduced_run_id']}")).json()
    assert failed_run["execution"]["status"] == "failed" and failed_run["results"]["counts"] == {}


async def test_the_card_counts_the_reproduction(stack: Stack) -> None:
    t = await stack.tenant()
    async with stack.client(t) as c:
        run_id = (await ingest(c, ghz(3, "kyiv", shots=1024, seed=8)))["run_id"]
        await stack.wait_caught_up("card")
        card = await c.post(f"/api/v1/runs/{run_id}/card/publish", json={"authors": [{"name": "Ada Lovelace"}]})
        assert card.status_code in (200, 201), card.text
        slug = card.json()["slug"]
        out = (await reproduce(c, run_id, 0, "typical", seed=2)).json()
        assert out["verdict"] == "reproduced"

        async def counted() -> bool:
            summary = (await c.get(f"/api/v1/cards/{slug}")).json()["reproductions"]
            return bool(summary["count"] == 1 and summary["reproduced"] == 1)

        await eventually(counted)
        report = (await c.get(f"/api/v1/runs/{run_id}/report")).json()
    assert report["links"]["card"].endswith(f"/cards/{slug}")
    assert {b["type"] for b in report["badges"]} == {"provenance", "reproduced", "fidelity", "backend", "attested"}
    assert all(b["svg"] == f"/badge/{slug}/{b['type']}.svg" for b in report["badges"])
