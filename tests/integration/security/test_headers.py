"""Issue 11.5: every page the gateway serves carries a CSP with frame-ancestors (the card's embed
page excepted: it is framed by design), nosniff, a Referrer-Policy and one charset; the public
health answer is the status only."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from qlcore.config import load_settings

from services.gateway.app import create_app
from services.gateway.deps import Gateway
from tests.fixtures import Stack, Tenant
from tests.integration.card.helpers import ghz, ingest, publish

pytestmark = pytest.mark.integration

HTML = "text/html"
SVG = "image/svg+xml"


def directives(csp: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for d in csp.split(";"):
        name, _, value = d.strip().partition(" ")
        if name:
            assert name.lower() not in out, f"directive {name} twice in {csp!r}"
            out[name.lower()] = value.strip()
    return out


def assert_secured(r: httpx.Response, media: str, *, frameable: bool = False) -> None:
    where = f"{r.request.method} {r.request.url} -> {r.status_code}"
    ctype = r.headers["content-type"]
    assert ctype.split(";")[0].strip() == media, where
    assert ctype.lower().count("charset=") == 1 and "charset=utf-8" in ctype.lower(), f"{where}: {ctype!r}"
    assert len(r.headers.get_list("content-type")) == 1, where
    assert r.headers.get("x-content-type-options") == "nosniff", where
    assert r.headers.get("referrer-policy"), where
    csp = r.headers.get("content-security-policy")
    assert csp, f"{where}: no CSP"
    d = directives(csp)
    assert "default-src" in d, f"{where}: {csp!r}"
    if media == HTML:
        if frameable:
            assert d.get("frame-ancestors") == "*", f"{where}: {csp!r}"
            assert "x-frame-options" not in r.headers, where
        else:
            assert d.get("frame-ancestors") == "'none'", f"{where}: {csp!r}"
            assert r.headers.get("x-frame-options") == "DENY", where


@pytest.fixture(scope="module")
async def published(stack: Stack) -> dict[str, Any]:
    t: Tenant = await stack.tenant(plan="dev")
    async with stack.client(t) as c:
        run_id = await ingest(c, ghz(seed=4242))
        card = await publish(c, run_id)
        gone = await ingest(c, ghz(backend="brisbane", seed=4243))
        withdrawn = await publish(c, gone)
        assert (await c.post(f"/api/v1/runs/{gone}/card/unpublish", json={"reason": "headers"})).status_code == 200
    return {"tenant": t, "run_id": run_id, "slug": card["slug"], "withdrawn_slug": withdrawn["slug"]}


# Every page route of the gateway, by its path template: the inventory test below fails when a
# page is added without being checked here.
PAGES = {
    "/",
    "/attestations/{att_id:str}",
    "/cards/{slug:str}",
    "/compare",
    "/docs",
    "/leaderboard",
    "/backends/{provider:str}/{backend_id:str}/trend",
    "/backends/{provider:str}/{backend_id:str}/trend.svg",
    "/register",
    "/runs",
    "/runs/{run_id:str}",
    "/settings",
    "/invitations/accept",
    "/signin",
    "/trust/{org_slug:str}",
    "/verify-email",
    "/schema",
    "/schema/{path:str}",
}
NOT_PAGES = {
    "/badge",
    "/log",
    "/static/{path:path}",
    "/runs/{run_id:str}/document.json",  # the run document (JSON), and the web app's form posts below
    "/runs/{run_id:str}/publish",
    "/runs/{run_id:str}/reproduce",
    "/runs/{run_id:str}/unpublish",
    "/settings/keys",
    "/settings/keys/{key_id:str}/revoke",
    "/settings/invitations",
    "/settings/invitations/{invitation_id:str}/revoke",
    "/settings/members/{account_id:str}/role",
    "/settings/members/{account_id:str}/remove",
    "/signout",
    "/schema/openapi.json",
    "/schema/openapi.yaml",
    "/schema/openapi.yml",
}


def test_every_page_route_is_checked() -> None:
    app = create_app(Gateway(load_settings(env={}, namespace="inventory"), None, None))  # type: ignore[arg-type]
    pages = {r.path for r in app.routes if not r.path.startswith(("/api/", "/.well-known/"))} - NOT_PAGES
    assert pages == PAGES


async def test_card_pages_and_embeds(stack: Stack, published: dict[str, Any]) -> None:
    slug = published["slug"]
    async with stack.client() as anon:
        assert_secured(await anon.get(f"/cards/{slug}"), HTML)
        assert_secured(await anon.get(f"/cards/{slug}?embed=0"), HTML)
        assert_secured(await anon.get(f"/cards/{slug}?embed=1"), HTML, frameable=True)
        assert_secured(await anon.get(f"/cards/{slug}?embed=true"), HTML, frameable=True)
        assert_secured(await anon.get(f"/api/v1/cards/{slug}", headers={"Accept": "text/html"}), HTML)
        assert_secured(await anon.get(f"/api/v1/cards/{slug}/embed"), HTML)
        for kind in ("provenance", "reproduced"):
            r = await anon.get(f"/badge/{slug}/{kind}.svg")
            assert r.status_code == 200, r.text
            assert_secured(r, SVG)
        withdrawn = published["withdrawn_slug"]
        tombstone = await anon.get(f"/cards/{withdrawn}")
        assert tombstone.status_code == 410
        assert_secured(tombstone, HTML)
        # the tombstone has the card's inline script: its own policy (the script's hash), not the default
        # the card page's scripts are the gateway's static files: no inline script is allowed
        assert directives(tombstone.headers["content-security-policy"]).get("script-src") == "'self'"
        missing = await anon.get("/cards/no-such-card-anywhere")
        assert missing.headers["x-content-type-options"] == "nosniff"
        r = await anon.get(f"/api/v1/cards/{slug}")  # JSON: nosniff and a referrer policy too
        assert r.headers["x-content-type-options"] == "nosniff" and r.headers["referrer-policy"]
        for asset in ("/static/SHA256SUMS", "/static/card/verify.js"):  # the page's scripts: never sniffed
            r = await anon.get(asset)
            assert r.status_code == 200 and r.headers["x-content-type-options"] == "nosniff", asset


async def test_report_trust_center_leaderboard_and_verify_pages(stack: Stack, published: dict[str, Any]) -> None:
    t: Tenant = published["tenant"]
    async with stack.client(t) as c:
        r = await c.get(f"/api/v1/runs/{published['run_id']}/report?format=html")
        assert r.status_code == 200, r.text
        assert_secured(r, HTML)
    async with stack.client() as anon:
        r = await anon.get(f"/trust/{t.org_slug}")
        assert r.status_code == 200, r.text
        assert_secured(r, HTML)
        r = await anon.get("/leaderboard")
        assert r.status_code == 200, r.text
        assert_secured(r, HTML)
        for path in ("/backends/ibm/ibm_kyiv/trend", "/backends/ibm/ibm_kyiv/trend.svg"):
            r = await anon.get(path)
            if r.headers["content-type"].startswith(("text/html", "image/svg")):
                assert_secured(r, SVG if path.endswith(".svg") else HTML)
            else:  # no corpus in this stack: a problem, still with nosniff
                assert r.headers["x-content-type-options"] == "nosniff"
        assert_secured(await anon.get("/verify-email?token=ql_verify_x"), HTML)
        assert_secured(await anon.get("/verify-email"), HTML)
        assert_secured(await anon.post("/verify-email", data={"token": "ql_verify_" + "A" * 49}), HTML)


async def test_web_app_pages(stack: Stack, published: dict[str, Any]) -> None:
    t: Tenant = published["tenant"]
    run_id = published["run_id"]
    async with stack.client(t) as c:
        for path in ("/runs", f"/runs/{run_id}", f"/compare?run={run_id}&run={run_id}", "/settings"):
            r = await c.get(path)
            assert r.status_code == 200, (path, r.status_code)
            assert_secured(r, HTML)
        assert_secured(await c.get("/invitations/accept?token=ql_invite_x"), HTML)  # the error page
    async with stack.client() as anon:
        for path in ("/", "/signin", "/register", "/docs"):
            r = await anon.get(path)
            assert r.status_code == 200, path
            assert_secured(r, HTML)
        r = await anon.get("/attestations/att_no_such_one", headers={"Accept": "text/html"})
        assert r.status_code == 404 and r.headers["content-type"].startswith(HTML)
        assert_secured(r, HTML)


async def test_schema_pages(stack: Stack) -> None:
    async with stack.client() as anon:
        for path in ("/schema",):
            r = await anon.get(path)
            assert r.status_code == 200, path
            assert_secured(r, HTML)
            d = directives(r.headers["content-security-policy"])
            assert "'unsafe-eval'" not in d.get("script-src", "") and d["default-src"] == "'none'"
        r = await anon.get("/schema/openapi.json")
        assert r.headers["x-content-type-options"] == "nosniff"


async def test_public_health_is_the_status_only(stack: Stack) -> None:
    async with stack.client() as anon:
        r = await anon.get("/api/v1/health")
        assert r.status_code in (200, 503)
        assert r.json() in ({"status": "up"}, {"status": "degraded"}, {"status": "down"})
        assert r.headers["x-content-type-options"] == "nosniff"
        r = await anon.get("/api/v1/health", headers={"Authorization": "Bearer ql_op_not-the-token"})
        assert set(r.json()) == {"status"}
        r = await anon.get("/api/v1/health", headers={"Authorization": f"Bearer {stack.operator_token}"})
        assert {"status", "nats", "postgres", "services"} <= set(r.json())
