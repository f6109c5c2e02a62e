"""Issue 11.4, privileges hold: a credential grants only the scopes (and the workspace) it holds."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from tests.fixtures import Stack, Tenant
from tests.integration.identity.helpers import bundle, signup

pytestmark = pytest.mark.integration


async def _key(stack: Stack, t: Tenant, scopes: list[str], **extra: str) -> dict[str, str]:
    async with stack.client(t) as c:
        r = await c.post(f"/api/v1/orgs/{t.org_id}/api-keys", json={"name": "k", "scopes": scopes, **extra})
    assert r.status_code == 201, r.text
    return {"Authorization": f"Bearer {r.json()['api_key']}"}


async def test_an_admin_key_cannot_mint_a_key_with_scopes_it_lacks(stack: Stack) -> None:
    t = await stack.tenant()
    admin_only = await _key(stack, t, ["admin"])
    async with stack.client() as c:
        assert (await c.post("/api/v1/ingest/runs", headers=admin_only, json=bundle("esc 0"))).status_code == 403
        for scopes in (["runs:write"], ["admin", "runs:write", "attest:write", "cards:publish"], ["runs:read"]):
            r = await c.post(
                f"/api/v1/orgs/{t.org_id}/api-keys", headers=admin_only, json={"name": "escalate", "scopes": scopes}
            )
            assert r.status_code == 403, r.text
            assert r.headers["content-type"].startswith("application/problem+json")
            problem = r.json()
            assert problem["type"].endswith("/privilege-not-held") and problem["scope"] in scopes
            assert problem["held"] == ["admin"]
        # what it holds, it may pass on
        r = await c.post(
            f"/api/v1/orgs/{t.org_id}/api-keys", headers=admin_only, json={"name": "a", "scopes": ["admin"]}
        )
        assert r.status_code == 201, r.text
        # and no key was made by the refused requests: the org's list holds the tenant's, this and the new one
        listed = (await c.get(f"/api/v1/orgs/{t.org_id}/api-keys", headers=admin_only)).json()
        assert sorted(k["scopes"] == ["admin"] for k in listed).count(True) == 2 and len(listed) == 3


async def test_a_narrow_admin_key_grants_a_subset_of_itself(stack: Stack) -> None:
    t = await stack.tenant()
    key = await _key(stack, t, ["runs:read", "admin"])
    async with stack.client() as c:
        url = f"/api/v1/orgs/{t.org_id}/api-keys"
        r = await c.post(url, headers=key, json={"name": "reader", "scopes": ["runs:read"]})
        assert r.status_code == 201, r.text
        r = await c.post(url, headers=key, json={"name": "writer", "scopes": ["runs:read", "runs:write"]})
        assert r.status_code == 403 and r.json()["scope"] == "runs:write"


async def test_a_key_mints_keys_only_for_its_own_workspace(stack: Stack) -> None:
    t = await stack.tenant()
    other = await stack.call("gateway", "admin.create_workspace", {"org": t.org_id, "name": "second"})
    assert other.status == 201, other.body
    other_ws = other.json()["workspace_id"]
    async with stack.client(t) as c:
        r = await c.post(
            f"/api/v1/orgs/{t.org_id}/api-keys", json={"name": "x", "scopes": ["runs:read"], "workspace": other_ws}
        )
        assert r.status_code == 403, r.text
        assert r.json()["type"].endswith("/privilege-not-held") and r.json()["workspace"] == other_ws
        mine = await c.post(
            f"/api/v1/orgs/{t.org_id}/api-keys", json={"name": "x", "scopes": ["runs:read"], "workspace": "default"}
        )
        assert mine.status_code == 201, mine.text


async def test_a_session_grants_only_its_roles_scopes(stack: Stack) -> None:
    async with stack.client() as c:
        user = await signup(stack, c)  # an owner on the free plan: every scope
        url = f"/api/v1/orgs/{user.org_id}/api-keys"
        r = await c.post(url, headers=user.headers, json={"name": "all", "scopes": ["runs:read", "admin"]})
        assert r.status_code == 201, r.text
        reader = {"Authorization": f"Bearer {r.json()['api_key']}"}
        r = await c.post(url, headers=reader, json={"name": "more", "scopes": ["runs:write"]})
        assert r.status_code == 403 and r.json()["type"].endswith("/privilege-not-held")


async def test_a_key_mints_keys_that_expire_no_later_than_itself(stack: Stack) -> None:
    t = await stack.tenant()
    ends = datetime.now(UTC) + timedelta(hours=1)
    key = await _key(stack, t, ["runs:read", "admin"], expires_at=ends.isoformat())
    async with stack.client() as c:
        url = f"/api/v1/orgs/{t.org_id}/api-keys"
        for later in ({}, {"expires_at": (ends + timedelta(hours=1)).isoformat()}):
            r = await c.post(url, headers=key, json={"name": "forever", "scopes": ["runs:read"], **later})
            assert r.status_code == 403, r.text
            assert r.json()["type"].endswith("/privilege-not-held") and r.json()["held_expires_at"]
        sooner = (ends - timedelta(minutes=30)).isoformat()
        r = await c.post(url, headers=key, json={"name": "sooner", "scopes": ["runs:read"], "expires_at": sooner})
        assert r.status_code == 201, r.text
