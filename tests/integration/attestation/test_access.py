"""Who may do what: another org gets 404 (never data), scopes give 403, plans give 402."""

from __future__ import annotations

from typing import Any

import pytest

from tests.fixtures import Stack, Tenant
from tests.integration.attestation.helpers import BASELINE, run_document

pytestmark = pytest.mark.integration


async def _attested(stack: Stack) -> tuple[Tenant, dict[str, Any]]:
    t = await stack.tenant()
    async with stack.client(t) as c:
        ws = f"/api/v1/workspaces/{t.workspace_id}"
        assert (await c.post(f"{ws}/frameworks/{BASELINE}/enable")).status_code == 201
        assert (await c.post("/api/v1/ingest/runs", json=run_document())).status_code == 201
        assert (await c.post(f"{ws}/compliance/evaluate")).status_code == 200
        r = await c.post(f"{ws}/attestations", json={"framework_id": BASELINE})
        assert r.status_code == 201, r.text
    return t, r.json()


async def test_another_org_cannot_enable_evaluate_attest_read_or_revoke(stack: Stack) -> None:
    owner, att = await _attested(stack)
    att_id = att["attestation_id"]
    intruder = await stack.tenant()
    ws = f"/api/v1/workspaces/{owner.workspace_id}"
    seq = (await stack.call("attestation", "ops.status")).json()["last_event_seq"]
    async with stack.client(intruder) as c:
        attempts = [
            await c.post(f"{ws}/frameworks/fair-research-data/enable"),
            await c.post(f"{ws}/compliance/evaluate"),
            await c.post(f"{ws}/attestations", json={"framework_id": BASELINE}),
            await c.get(f"{ws}/compliance"),
            await c.get(f"{ws}/gaps"),
            await c.get(f"{ws}/attestations"),
            await c.get(f"/api/v1/attestations/{att_id}"),
            await c.post(f"/api/v1/attestations/{att_id}/revoke", json={"reason": "hostile"}),
        ]
    for r in attempts:
        assert r.status_code == 404, (r.request.url, r.status_code, r.text)
        assert r.headers["content-type"] == "application/problem+json"
        assert att["evidence_root"] not in r.text and att["envelope"]["payload"][:40] not in r.text
        assert "evidence" not in r.json() and "frameworks" not in r.json()
    assert (await stack.call("attestation", "ops.status")).json()["last_event_seq"] == seq  # nothing appended
    async with stack.client(owner) as c:
        state = (await c.get(f"{ws}/compliance")).json()["frameworks"]
        assert [f["framework_id"] for f in state] == [BASELINE]
    async with stack.client() as public:
        v = (await public.get(f"/api/v1/attestations/{att_id}/verify")).json()
        assert v["valid"] is True and v["revoked"] is False


async def test_scopes_and_anonymous_callers(stack: Stack) -> None:
    t = await stack.tenant()
    ws = f"/api/v1/workspaces/{t.workspace_id}"
    async with stack.client(t) as c:
        created = await c.post(f"/api/v1/orgs/{t.org_id}/api-keys", json={"name": "reader", "scopes": ["runs:read"]})
        assert created.status_code == 201, created.text
        reader = {"Authorization": f"Bearer {created.json()['api_key']}"}
        assert (await c.post(f"{ws}/frameworks/{BASELINE}/enable")).status_code == 201
        att_id = (await c.post(f"{ws}/attestations", json={"framework_id": BASELINE})).json()["attestation_id"]
    async with stack.client() as anon:
        for method, path in [
            ("POST", f"{ws}/compliance/evaluate"),
            ("GET", f"{ws}/gaps"),
            ("POST", f"/api/v1/attestations/{att_id}/revoke"),
        ]:
            assert (await anon.request(method, path, json={"reason": "x"})).status_code == 401
        for method, path in [
            ("POST", f"{ws}/frameworks/{BASELINE}/enable"),
            ("POST", f"{ws}/compliance/evaluate"),
            ("POST", f"{ws}/attestations"),
            ("POST", f"/api/v1/attestations/{att_id}/revoke"),
        ]:
            r = await anon.request(method, path, headers=reader, json={"framework_id": BASELINE, "reason": "x"})
            assert r.status_code == 403 and r.json()["scope"] == "attest:write", r.text
        assert (await anon.get(f"{ws}/gaps", headers=reader)).status_code == 200  # reading needs runs:read only


async def test_plans_without_the_features_get_402_naming_them(stack: Stack) -> None:
    t = await stack.tenant(plan="free")
    ws = f"/api/v1/workspaces/{t.workspace_id}"
    async with stack.client(t) as c:
        r = await c.post(f"{ws}/frameworks/{BASELINE}/enable")
        assert r.status_code == 402 and r.json()["feature"] == "compliance", r.text
        r = await c.post(f"{ws}/attestations", json={"framework_id": BASELINE})
        assert r.status_code == 402 and r.json()["feature"] == "attestations"
        r = await c.post("/api/v1/attestations/01JANY/revoke", json={"reason": "x"})
        assert r.status_code == 402 and r.json()["feature"] == "attestations"
    async with stack.client() as public:  # frameworks are public whatever the plan; trust centers are not
        assert (await public.get("/api/v1/frameworks")).status_code == 200
        assert (await public.get(f"/api/v1/trust/{t.org_slug}")).status_code == 404
        assert (await public.get(f"/trust/{t.org_slug}")).status_code == 404
