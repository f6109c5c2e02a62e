"""The identity read model replays from sequence 1 to the same digest, credentials and all."""

from __future__ import annotations

import pytest

from tests.fixtures import Stack
from tests.integration.identity.helpers import bundle, signup

pytestmark = pytest.mark.integration


async def test_replay_gives_the_same_digest_and_the_same_credentials(stack: Stack) -> None:
    async with stack.client() as c:
        user = await signup(stack, c)
        r = await c.post(
            f"/api/v1/orgs/{user.org_id}/api-keys",
            headers=user.headers,
            json={"name": "ci", "scopes": ["runs:read", "runs:write"]},
        )
        kept = r.json()["api_key"]
        r = await c.post(
            f"/api/v1/orgs/{user.org_id}/api-keys", headers=user.headers, json={"name": "old", "scopes": ["runs:read"]}
        )
        revoked = r.json()
        await c.delete(f"/api/v1/orgs/{user.org_id}/api-keys/{revoked['key_id']}", headers=user.headers)
        r = await c.post("/api/v1/ingest/runs", headers={"Authorization": f"Bearer {kept}"}, json=bundle("replay"))
        assert r.status_code == 201
        ended = (await c.post("/api/v1/auth/login", json={"email": user.email, "password": user.password})).json()
        await c.post("/api/v1/auth/logout", headers={"Authorization": f"Bearer {ended['token']}"})
    assert (await stack.call("gateway", "admin.set_plan", {"org": user.org_slug, "plan": "pro"})).status == 200

    await stack.wait_caught_up("gateway")
    before = (await stack.call("gateway", "ops.digest")).json()
    replayed = (await stack.call("gateway", "ops.replay", timeout=120)).json()
    after = (await stack.call("gateway", "ops.digest")).json()
    assert replayed["digest"] == before["digest"] == after["digest"]
    assert after["position"] == before["position"]

    async with stack.client() as c:
        me = await c.get("/api/v1/me", headers={"Authorization": f"Bearer {kept}"})
        assert me.status_code == 200 and me.json()["plan"]["name"] == "pro"
        assert me.json()["plan"]["usage"]["runs_per_month"] == 1
        assert (await c.get("/api/v1/me", headers=user.headers)).status_code == 200
        r = await c.get("/api/v1/me", headers={"Authorization": f"Bearer {revoked['api_key']}"})
        assert r.status_code == 401
        r = await c.get("/api/v1/me", headers={"Authorization": f"Bearer {ended['token']}"})
        assert r.status_code == 401
        r = await c.post("/api/v1/auth/login", json={"email": user.email, "password": user.password})
        assert r.status_code == 200  # the password hash came back from the log
