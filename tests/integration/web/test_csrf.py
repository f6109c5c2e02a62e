"""CSRF (issue 11 item 4): a cookie-authenticated change needs a same-origin Origin/Referer, the
session's token, and JSON for the API; bearer requests are unaffected."""

from __future__ import annotations

import re

import httpx
import pytest

from services.gateway.csrf import token_for, tokens_match
from tests.fixtures import Stack
from tests.integration.identity.helpers import signup

pytestmark = pytest.mark.integration

KEY = {"name": "ci", "scopes": ["runs:read"]}


def _cookie(session: str) -> dict[str, str]:
    return {"Cookie": f"ql_session={session}"}


async def test_the_issue_11_attack_is_refused(stack: Stack) -> None:
    async with stack.client() as c:
        u = await signup(stack, c)
        url = f"/api/v1/orgs/{u.org_id}/api-keys"
        before = len((await c.get(url, headers=u.headers)).json())
        attack = await c.post(
            url,
            content=b'{"name": "evil", "scopes": ["runs:read"]}',
            headers={**_cookie(u.session), "Origin": "https://evil.example", "Content-Type": "text/plain"},
        )
        assert attack.status_code == 403, attack.text
        assert attack.headers["content-type"] == "application/problem+json"
        assert attack.json()["type"].endswith("/csrf-failed")
        # each condition alone is enough to refuse
        origin = str(stack.base_url)
        token = token_for(u.session)
        cases = [
            {"Origin": "https://evil.example", "Content-Type": "application/json", "X-CSRF-Token": token},
            {"Origin": origin, "Content-Type": "text/plain", "X-CSRF-Token": token},
            {"Origin": origin, "Content-Type": "application/json"},  # no token
            {"Origin": origin, "Content-Type": "application/json", "X-CSRF-Token": token_for(u.session + "x")},
            {"Content-Type": "application/json", "X-CSRF-Token": token},  # neither Origin nor Referer
            {"Referer": "https://evil.example/page", "Content-Type": "application/json", "X-CSRF-Token": token},
        ]
        for headers in cases:
            r = await c.post(
                url, content=b'{"name": "x", "scopes": ["runs:read"]}', headers={**_cookie(u.session), **headers}
            )
            assert r.status_code == 403, (headers, r.text)
        assert len((await c.get(url, headers=u.headers)).json()) == before  # nothing was created

        # same origin, the token, JSON: works (Origin, or Referer when a browser sends no Origin)
        for same in ({"Origin": origin}, {"Referer": f"{origin}/settings"}):
            ok = await c.post(
                url,
                json=KEY,
                headers={**_cookie(u.session), **same, "X-CSRF-Token": token},
            )
            assert ok.status_code == 201, ok.text
        # the raw ASGI ingest stream is behind the same check
        r = await c.post(
            "/api/v1/ingest/runs:stream",
            content=b"{}\n",
            headers={**_cookie(u.session), "Origin": "https://evil.example", "Content-Type": "text/plain"},
        )
        assert r.status_code == 403, r.text
        # a DELETE is a change too
        key_id = ok.json()["key_id"]
        r = await c.delete(f"{url}/{key_id}", headers={**_cookie(u.session), "Origin": "https://evil.example"})
        assert r.status_code == 403
        r = await c.delete(f"{url}/{key_id}", headers={**_cookie(u.session), "Origin": origin, "X-CSRF-Token": token})
        assert r.status_code == 204, r.text


async def test_bearer_requests_are_unaffected(stack: Stack) -> None:
    async with stack.client() as c:
        u = await signup(stack, c)
        url = f"/api/v1/orgs/{u.org_id}/api-keys"
        # a session token or API key as bearer: no Origin, no token needed (a browser never adds it)
        r = await c.post(url, json=KEY, headers={**u.headers, "Origin": "https://evil.example"})
        assert r.status_code == 201, r.text
        key = r.json()["api_key"]
        r = await c.get("/api/v1/runs", headers={"Authorization": f"Bearer {key}"})
        assert r.status_code == 200
        # bearer wins over a cookie that is also sent
        r = await c.post(url, json=KEY, headers={**u.headers, **_cookie(u.session)})
        assert r.status_code == 201, r.text
        # safe methods with the cookie alone stay as they were
        assert (await c.get("/api/v1/me", headers=_cookie(u.session))).status_code == 200


async def test_web_forms_carry_the_token(stack: Stack) -> None:
    """The settings page's form has the session's token; posting it back creates a key, posting
    without it, or from another site, is refused."""
    async with stack.client() as c:
        u = await signup(stack, c)
        origin = str(stack.base_url)
        page = await c.get("/settings", headers=_cookie(u.session))
        assert page.status_code == 200, page.text
        tokens = set(re.findall(r'name="csrf_token" value="([0-9a-f]{64})"', page.text))
        assert tokens == {token_for(u.session)}
        form = {"name": "from the page", "scopes": ["runs:read"]}
        r = await c.post("/settings/keys", data=form, headers={**_cookie(u.session), "Origin": origin})
        assert r.status_code == 403  # no token
        r = await c.post(
            "/settings/keys",
            data={**form, "csrf_token": tokens.pop()},
            headers={**_cookie(u.session), "Origin": "https://evil.example"},
        )
        assert r.status_code == 403
        r = await c.post(
            "/settings/keys",
            data={**form, "csrf_token": token_for(u.session)},
            headers={**_cookie(u.session), "Origin": origin},
        )
        assert r.status_code == 200, r.text
        assert re.search(r'<code id="new-key">ql_live_[0-9A-Za-z_]+</code>', r.text)
        assert r.headers["cache-control"] == "no-store"

        # the sign-in form from another site is refused (login CSRF); from this one it signs in
        r = await c.post(
            "/signin", data={"email": u.email, "password": u.password}, headers={"Origin": "https://evil.example"}
        )
        assert r.status_code == 403
        r = await c.post("/signin", data={"email": u.email, "password": u.password}, headers={"Origin": origin})
        assert r.status_code == 303 and r.headers["location"] == "/runs"
        cookie = r.headers["set-cookie"].lower()
        assert "httponly" in cookie and "samesite=lax" in cookie and "secure" not in cookie  # served over http here


def test_tokens_are_bound_to_the_session() -> None:
    a, b = "ql_sess_" + "a" * 40, "ql_sess_" + "b" * 40
    assert token_for(a) != token_for(b) and len(token_for(a)) == 64
    assert tokens_match(a, token_for(a)) and not tokens_match(a, token_for(b)) and not tokens_match(a, None)


async def test_unknown_pages_are_html_for_browsers(stack: Stack) -> None:
    async with stack.client() as c:
        html = {"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"}
        for path in (
            "/cards/no-such-card",
            "/api/v1/cards/no-such-card",
            "/no/such/page",
            "/trust/no-such-org",
            "/attestations/no-such-attestation",
        ):
            r = await c.get(path, headers=html)
            assert r.status_code == 404, (path, r.status_code)
            assert r.headers["content-type"] == "text/html; charset=utf-8", (path, r.headers["content-type"])
            assert "<h1>Page not found</h1>" in r.text
        r = await c.get("/api/v1/cards/no-such-card")
        assert r.status_code == 404 and r.headers["content-type"] == "application/problem+json"


async def test_api_docs_are_served_without_a_cdn(stack: Stack) -> None:
    async with stack.client() as c:
        for path in ("/docs", "/schema"):
            r = await c.get(path)
            assert r.status_code == 200 and "ingestRun" in r.text, path
            assert not re.search(r'(src|href)="https?://', r.text), path  # every asset from this gateway
        assert (await c.get("/schema/openapi.json")).json()["info"]["title"] == "QuantumLedger API"
        css = await c.get("/static/app.css")
        assert css.status_code == 200 and css.headers["content-type"].startswith("text/css")


async def test_pages_without_a_session_send_to_sign_in(stack: Stack) -> None:
    async with stack.client() as c:
        for path in ("/runs", "/settings", "/compare", "/runs/whatever"):
            r = await c.get(path)
            assert r.status_code == 303 and r.headers["location"].startswith("/signin?next="), path
        assert (await c.get("/")).status_code == 200
        assert isinstance(c, httpx.AsyncClient)
