"""Scopes (403 naming the scope), plan features (402 naming the feature), plan limits (402),
and the operator's ``ql admin set-plan``."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest
import yaml
from click.testing import CliRunner
from litestar import Controller, Request, get
from qlcore.busauth import OPERATOR, nats_env
from qlcore.db import make_pool
from quantumledger.cli.main import cli

from services.gateway.app import create_app
from services.gateway.deps import Gateway, authorized
from services.gateway.domain.plans import PlanCatalog, load_plans
from tests.fixtures import Stack
from tests.integration.identity.helpers import bundle, signup

pytestmark = pytest.mark.integration


class Probe(Controller):
    """A route guarded the way the attestation routes are: scope, role and plan feature."""

    path = "/probe"

    @get("/attest", operation_id="probeAttest")
    async def attest(self, request: Request[Any, Any, Any]) -> dict[str, str]:
        p = await authorized(request, scope="attest:write", role="admin", feature="attestations")
        return {"org": p.org_id}


def tight_catalog(tmp_path: Path) -> PlanCatalog:
    """The packaged plans, except that ``free`` allows 2 runs a month."""
    data = yaml.safe_load(Path("services/gateway/domain/plans.yaml").read_text())
    data["plans"]["free"]["limits"]["runs_per_month"] = 2
    (tmp_path / "plans.yaml").write_text(yaml.safe_dump(data))
    return load_plans(tmp_path / "plans.yaml")


@pytest.fixture
async def tight_app(stack: Stack, tmp_path: Path) -> AsyncIterator[httpx.AsyncClient]:
    """A second gateway app on the same stack, with :func:`tight_catalog` as its plans."""
    pool = await make_pool(stack.settings.database_url, stack.settings.schema("gateway"), max_size=4)
    gw = Gateway(stack.settings, stack.nc, pool, catalog=tight_catalog(tmp_path))
    try:
        app = create_app(gw, extra_controllers=[Probe])  # served in this event loop, beside the stack's NATS client
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://tight") as client:
            yield client
    finally:
        await pool.close()


def ql(stack: Stack, *args: str) -> Any:
    env = {
        **nats_env(stack.settings, OPERATOR),
        "QL_HOME": str(stack.settings.home / "cli"),
        "QL_OPERATOR": "test-operator",
    }
    return CliRunner().invoke(cli, list(args), env=env, catch_exceptions=False)


async def test_a_key_without_the_scope_gets_a_403_naming_it(stack: Stack) -> None:
    async with stack.client() as c:
        user = await signup(stack, c)
        r = await c.post(
            f"/api/v1/orgs/{user.org_id}/api-keys",
            headers=user.headers,
            json={"name": "reader", "scopes": ["runs:read"]},
        )
        reader = {"Authorization": f"Bearer {r.json()['api_key']}"}
        r = await c.post("/api/v1/ingest/runs", headers=reader, json=bundle("scope"))
        assert r.status_code == 403
        assert r.json()["type"].endswith("/missing-scope") and r.json()["scope"] == "runs:write"
        assert (await c.get("/api/v1/runs", headers=reader)).status_code == 200
        # a key cannot manage keys without the admin scope, and cannot grant unknown scopes
        r = await c.post(
            f"/api/v1/orgs/{user.org_id}/api-keys", headers=reader, json={"name": "x", "scopes": ["runs:read"]}
        )
        assert r.status_code == 403 and r.json()["scope"] == "admin"
        r = await c.post(
            f"/api/v1/orgs/{user.org_id}/api-keys",
            headers=user.headers,
            json={"name": "x", "scopes": ["runs:everything"]},
        )
        assert r.status_code == 422


async def test_plan_feature_402_then_set_plan_unlocks_it(stack: Stack, tight_app: httpx.AsyncClient) -> None:
    async with stack.client() as c:
        user = await signup(stack, c)
    r = await tight_app.get("/probe/attest", headers=user.headers)
    assert r.status_code == 402
    assert r.json()["type"].endswith("/plan-feature-missing") and r.json()["feature"] == "attestations"

    out = await asyncio.to_thread(ql, stack, "admin", "set-plan", user.org_slug, "enterprise", "--reason", "bought")
    assert out.exit_code == 0, out.output
    # (the stack logs to the same stdout the runner captures: look for the command's own line)
    assert f"{user.org_slug}: plan free -> enterprise" in out.output.splitlines()
    r = await tight_app.get("/probe/attest", headers=user.headers)
    assert r.status_code == 200 and r.json() == {"org": user.org_id}
    async with stack.client() as c:
        me = (await c.get("/api/v1/me", headers=user.headers)).json()
    assert me["plan"]["name"] == "enterprise" and me["plan"]["features"]["attestations"] is True

    again = await asyncio.to_thread(ql, stack, "admin", "set-plan", user.org_slug, "enterprise")
    assert f"{user.org_slug}: already on plan enterprise" in again.output.splitlines()
    bad = await asyncio.to_thread(ql, stack, "admin", "set-plan", user.org_slug, "platinum")
    assert bad.exit_code != 0 and "platinum" in bad.output


async def test_scope_is_checked_before_the_plan(stack: Stack, tight_app: httpx.AsyncClient) -> None:
    async with stack.client() as c:
        user = await signup(stack, c)
        r = await c.post(
            f"/api/v1/orgs/{user.org_id}/api-keys",
            headers=user.headers,
            json={"name": "reader", "scopes": ["runs:read"]},
        )
    r = await tight_app.get("/probe/attest", headers={"Authorization": f"Bearer {r.json()['api_key']}"})
    assert r.status_code == 403 and r.json()["scope"] == "attest:write"


async def test_runs_per_month_is_enforced_on_ingest(stack: Stack, tight_app: httpx.AsyncClient) -> None:
    async with stack.client() as c:
        user = await signup(stack, c)
        r = await c.post(
            f"/api/v1/orgs/{user.org_id}/api-keys", headers=user.headers, json={"name": "ci", "scopes": ["runs:write"]}
        )
    key = {"Authorization": f"Bearer {r.json()['api_key']}"}
    for i in range(2):
        r = await tight_app.post("/api/v1/ingest/runs", headers=key, json=bundle(f"quota {user.email} {i}"))
        assert r.status_code == 201, r.text
        await stack.wait_caught_up("gateway")
    r = await tight_app.post("/api/v1/ingest/runs", headers=key, json=bundle(f"quota {user.email} 2"))
    assert r.status_code == 402
    assert r.json()["limit"] == "runs_per_month" and r.json()["value"] == 2 and r.json()["used"] == 2
    r = await tight_app.post("/api/v1/ingest/runs:stream", headers=key, content=b"{}\n")
    assert r.status_code == 402  # the stream is refused up front when nothing is left


async def test_a_stream_stops_admitting_runs_at_the_limit(stack: Stack, tight_app: httpx.AsyncClient) -> None:
    async with stack.client() as c:
        user = await signup(stack, c)
        r = await c.post(
            f"/api/v1/orgs/{user.org_id}/api-keys", headers=user.headers, json={"name": "ci", "scopes": ["runs:write"]}
        )
    key = {"Authorization": f"Bearer {r.json()['api_key']}"}
    lines = b"\n".join(orjson.dumps(bundle(f"stream {user.email} {i}")) for i in range(3)) + b"\n"
    r = await tight_app.post("/api/v1/ingest/runs:stream", headers=key, content=lines)
    assert r.status_code == 200
    results = [orjson.loads(x) for x in r.content.splitlines()]
    assert sum("run_id" in x for x in results) == 2
    refused = [x for x in results if "error" in x]
    assert len(refused) == 1 and refused[0]["error"]["limit"] == "runs_per_month"


async def test_free_plan_api_key_limit(stack: Stack) -> None:
    async with stack.client() as c:
        user = await signup(stack, c)
        url = f"/api/v1/orgs/{user.org_id}/api-keys"
        made = []
        for i in range(3):
            r = await c.post(url, headers=user.headers, json={"name": f"k{i}", "scopes": ["runs:read"]})
            assert r.status_code == 201
            made.append(r.json()["key_id"])
        r = await c.post(url, headers=user.headers, json={"name": "k3", "scopes": ["runs:read"]})
        assert r.status_code == 402 and r.json()["limit"] == "api_keys" and r.json()["value"] == 3
        assert (await c.delete(f"{url}/{made[0]}", headers=user.headers)).status_code == 204
        r = await c.post(url, headers=user.headers, json={"name": "k3", "scopes": ["runs:read"]})
        assert r.status_code == 201
        r = await c.post(
            url,
            headers=user.headers,
            json={"name": "past", "scopes": ["runs:read"], "expires_at": "2001-01-01T00:00:00Z"},
        )
        assert r.status_code == 422


async def test_an_expired_key_stops_working(stack: Stack) -> None:
    async with stack.client() as c:
        user = await signup(stack, c)
        soon = (datetime.now(UTC) + timedelta(seconds=2)).isoformat()
        r = await c.post(
            f"/api/v1/orgs/{user.org_id}/api-keys",
            headers=user.headers,
            json={"name": "brief", "scopes": ["runs:read"], "expires_at": soon},
        )
        assert r.status_code == 201, r.text
        key = {"Authorization": f"Bearer {r.json()['api_key']}"}
        loop = asyncio.get_running_loop()
        deadline = loop.time() + 10
        while (r := await c.get("/api/v1/runs", headers=key)).status_code == 200:
            assert loop.time() < deadline
            await asyncio.sleep(0.2)
        assert r.status_code == 401 and r.json()["type"].endswith("/token-expired")
