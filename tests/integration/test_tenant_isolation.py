"""Tenant isolation, for every endpoint of the API.

A key from another org (``b``) or another workspace of the same org (``a2``) on the first
tenant's (``a``'s) resources gets 404, never the data, never a 5xx; public endpoints give only
what was published. The world and the kinds of check are in
``tests/integration/identity/isolation.py``.

**Adding a route?** Add its case to :data:`CASES`, keyed ``"METHOD path"`` exactly as litestar
lists the route (``"GET /api/v1/runs/{run_id:str}"``; ``"ASGI /path"`` for a raw ASGI route).
``test_every_route_has_an_isolation_case`` fails, naming the route, until you do. Routes the
API contract announces but the gateway does not serve yet have their cases in :data:`ANNOUNCED`:
they run as soon as the route appears (move them to ``CASES`` then, adjusting if need be).
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from typing import Any

import orjson
import pytest
from litestar.routes import ASGIRoute, HTTPRoute
from qlcore.config import load_settings
from qlprov.tlog.tiles import ENTRIES, Tile
from quantumledger.examples import ghz_bundle

from services.gateway.app import create_app
from services.gateway.deps import Gateway
from tests.fixtures import Stack
from tests.integration.identity.helpers import PASSWORD, bundle
from tests.integration.identity.isolation import (
    ANON,
    CARD_BODY,
    Check,
    World,
    build_world,
    own_scope,
    owned,
    public,
    static,
)

pytestmark = pytest.mark.integration

CARD = "/api/v1/cards/{published_card}"
GONE = (404, 410)  # a withdrawn card answers with a tombstone, never its data


def card_views(suffix: str) -> Check:
    """A card's public view: the published card for anyone, nothing of a withdrawn one."""
    shown, withdrawn = (
        public("GET", CARD + suffix),
        public("GET", "/api/v1/cards/{withdrawn_card}" + suffix, expect=GONE),
    )

    async def check(w: World) -> None:
        await shown(w)
        await withdrawn(w)
        await public("GET", f"/api/v1/cards/no-such-{uuid.uuid4().hex[:8]}{suffix}", expect=(404,))(w)

    return check


async def ingest_same_bundle(w: World) -> None:
    """The same bundle in another tenant is another run: deduplication never reveals ``a``'s."""
    private = await w.resource("private_run")
    body = await _private_bundle(w)
    for who in (w.b, w.a2):
        r = await w.call(who, "POST", "/api/v1/ingest/runs", body)
        assert r.status_code in (200, 201) and r.json()["run_id"] != private, r.text  # 200: its own earlier copy
        w.assert_no_leak(r, who)


async def ingest_stream_same_bundle(w: World) -> None:
    private = await w.resource("private_run")
    body = await _private_bundle(w)
    for who in (w.b, w.a2):
        r = await w.call(who, "POST", "/api/v1/ingest/runs:stream", body + b"\n")
        assert r.status_code == 200, r.text
        assert private not in r.text and orjson.loads(r.content.splitlines()[0])["run_id"]


async def _private_bundle(w: World) -> bytes:
    """``a``'s private run document, as ``a`` fetches it (without its run_hash member)."""
    doc = (await w.call(w.a, "GET", f"/api/v1/runs/{await w.resource('private_run')}")).json()
    doc.pop("run_hash", None)
    return orjson.dumps(doc)


async def register_existing(w: World) -> None:
    assert w.a.user is not None
    taken = {"email": w.a.user.email, "password": PASSWORD, "name": "Mallory", "org_name": "Mallory Lab"}
    fresh = {**taken, "email": f"fresh-{uuid.uuid4().hex[:8]}@lab.example"}
    r1 = await w.call(w.b, "POST", "/api/v1/auth/register", taken)
    r2 = await w.call(w.b, "POST", "/api/v1/auth/register", fresh)
    assert r1.status_code == r2.status_code == 202 and r1.json() == r2.json()
    w.assert_no_leak(r1, w.b)


async def login_as_another(w: World) -> None:
    assert w.a.user is not None and w.b.user is not None
    r = await w.call(ANON, "POST", "/api/v1/auth/login", {"email": w.a.user.email, "password": w.b.user.password + "x"})
    assert r.status_code == 401
    w.assert_no_leak(r, ANON)


async def logout_is_per_session(w: World) -> None:
    assert w.b.user is not None and w.a.user is not None
    r = await w.call(ANON, "POST", "/api/v1/auth/login", {"email": w.b.user.email, "password": w.b.user.password})
    b_session = {"Authorization": f"Bearer {r.json()['token']}"}
    r = await w.client.post("/api/v1/auth/logout", headers=b_session)
    assert r.status_code == 204
    assert (await w.client.get("/api/v1/me", headers=w.a.user.headers)).status_code == 200


async def verify_email_guessing(w: World) -> None:
    r = await w.call(w.b, "POST", "/api/v1/auth/verify-email", {"token": "ql_verify_" + "A" * 49})
    assert r.status_code == 401
    w.assert_no_leak(r, w.b)


async def verify_page_guessing(w: World) -> None:
    r = await w.client.post("/verify-email", data={"token": "ql_verify_" + "A" * 49})
    assert r.status_code == 401
    w.assert_no_leak(r, ANON)


def page_owned(
    method: str,
    template: str,
    form: dict[str, str] | None = None,
    owner: tuple[int, ...] = (200, 303),
    level: str = "workspace",
) -> Check:
    """A web page naming a resource of ``a``: the HTML 404 page for ``b`` (and ``a2`` when the
    resource belongs to a workspace), never the data; then the owner reaches it. Pages take the
    same bearer credential as the API."""

    async def check(w: World) -> None:
        url = await w.fmt(template)
        data = {k: await w.fmt(v) for k, v in (form or {}).items()}
        for who in (w.b, *([w.a2] if level == "workspace" else []), w.a):
            r = await w.client.request(method, url, headers={**who.headers, "Accept": "text/html"}, data=data or None)
            if who is w.a:
                assert r.status_code in owner, f"owner: {method} {url} -> {r.status_code} {r.text[:300]}"
                continue
            assert r.status_code == 404, f"{who.name}: {method} {url} -> {r.status_code} {r.text[:300]}"
            assert r.headers["content-type"] == "text/html; charset=utf-8"
            w.assert_no_leak(r, who)

    return check


async def web_register_existing(w: World) -> None:
    """The register form answers a known address exactly as a new one."""
    assert w.a.user is not None
    taken = {"email": w.a.user.email, "password": PASSWORD, "name": "Mallory", "org_name": "Mallory Lab"}
    fresh = {**taken, "email": f"fresh-{uuid.uuid4().hex[:8]}@lab.example"}
    r1 = await w.client.post("/register", data=taken)
    r2 = await w.client.post("/register", data=fresh)
    assert r1.status_code == r2.status_code == 200 and "Check your mail" in r1.text
    assert r1.text.replace(taken["email"], "") == r2.text.replace(fresh["email"], "")
    w.assert_no_leak(r1, ANON)


async def web_signin_as_another(w: World) -> None:
    """A wrong password for ``a``'s address: the page repeats the address typed, nothing else of ``a``."""
    assert w.a.user is not None
    email = w.a.user.email
    r = await w.client.post("/signin", data={"email": email, "password": "not-the-password"})
    assert r.status_code == 401 and "set-cookie" not in r.headers
    leaked = sorted(m for m in w.markers if m in r.text.replace(email, ""))
    assert not leaked, leaked


async def web_revoke_anothers_key(w: World) -> None:
    key_id = await w.resource("fresh_key")
    await page_owned("POST", f"/settings/keys/{key_id}/revoke", owner=(303,), level="org")(w)


async def web_reproduce_anothers_run(w: World) -> None:
    run_id = await _reproducible_run(w)
    await page_owned("POST", f"/runs/{run_id}/reproduce", {"days": "0", "profile": "typical"})(w)


async def web_settings_of_another_org(w: World) -> None:
    """Settings show the caller's own org (keys, members): nothing of ``a``'s to ``b``; ``a2``,
    an admin of the same org in another workspace, sees the org's settings by design."""
    marker = await w.resource("a_email")
    w.markers.add(marker)
    assert marker in (await w.call(w.a, "GET", "/settings")).text
    w.assert_no_leak(await w.call(w.b, "GET", "/settings"), w.b)
    w.assert_no_leak(await w.client.post("/settings/keys", headers=w.b.headers, data={"name": "b"}), w.b)


async def web_invite_in_own_org(w: World) -> None:
    """The invite form invites into the caller's own org: nothing of ``a``'s is shown to ``b``."""
    r = await w.client.post(
        "/settings/invitations", headers=w.b.headers, data={"email": _iso_email(), "role": "viewer"}
    )
    assert r.status_code == 303 and r.headers["location"].startswith("/settings"), r.text
    w.assert_no_leak(r, w.b)


async def web_withdraw_anothers_invitation(w: World) -> None:
    inv = await _a_invites(w)
    await page_owned("POST", f"/settings/invitations/{inv}/revoke", owner=(303,), level="org")(w)


def web_member(action: str, form: dict[str, str] | None, owner: int) -> Check:
    async def check(w: World) -> None:
        assert w.a.user is not None
        url = f"/settings/members/{w.a.user.account_id}/{action}"
        await page_owned("POST", url, form, owner=(owner,), level="org")(w)

    return check


def web_accept_guessed(method: str) -> Check:
    async def check(w: World) -> None:
        token = "ql_invite_" + "A" * 49
        if method == "GET":
            r = await w.client.get(f"/invitations/accept?token={token}", headers=w.b.headers)
        else:
            r = await w.client.post("/invitations/accept", headers=w.b.headers, data={"token": token})
        assert r.status_code in (401, 422), r.text
        w.assert_no_leak(r, w.b)

    return check


async def revoke_key_across_orgs(w: World) -> None:
    """``b`` cannot revoke ``a``'s key through ``a``'s org nor by naming it under its own org."""
    key_id = await w.resource("fresh_key")
    for url in (f"/api/v1/orgs/{w.a.org_id}/api-keys/{key_id}", f"/api/v1/orgs/{w.b.org_id}/api-keys/{key_id}"):
        r = await w.call(w.b, "DELETE", url)
        assert r.status_code == 404, f"{url} -> {r.status_code} {r.text[:300]}"
        w.assert_no_leak(r, w.b)
    assert (await w.call(w.a, "DELETE", f"/api/v1/orgs/{w.a.org_id}/api-keys/{key_id}")).status_code == 204


async def create_key_in_another_orgs_workspace(w: World) -> None:
    await owned("POST", "/api/v1/orgs/{a_org}/api-keys", {"name": "x", "scopes": ["runs:read"]}, level="org")(w)
    r = await w.call(
        w.b,
        "POST",
        f"/api/v1/orgs/{w.b.org_id}/api-keys",
        {"name": "x", "scopes": ["runs:read"], "workspace": w.a.workspace_id},
    )
    assert r.status_code == 404, r.text


async def reproduce_with_anothers_run(w: World) -> None:
    """Submitting ``a``'s private run as one's own reproduction is a 404; a withdrawn card takes none."""
    url = await w.fmt(CARD + "/reproductions")
    r = await w.call(w.b, "POST", url, {"run_id": await w.resource("private_run")})
    assert r.status_code == 404, r.text
    w.assert_no_leak(r, w.b)
    own = await w.ok(w.b, "POST", "/api/v1/ingest/runs", bundle(f"b's reproduction {uuid.uuid4().hex}"))
    await w.stack.wait_caught_up("provenance")
    url = await w.fmt("/api/v1/cards/{withdrawn_card}/reproductions")
    r = await w.call(w.b, "POST", url, {"run_id": own["run_id"]})
    assert r.status_code in GONE, r.text
    w.assert_no_leak(r, w.b)


async def _reproducible_run(w: World) -> str:
    """A run of ``a`` that can be reproduced (a real GHZ-3 capture: transpiled circuit, calibration, counts)."""
    if "reproducible_run" not in w.cache:
        out = await w.ok(w.a, "POST", "/api/v1/ingest/runs", ghz_bundle(3, shots=256, seed=uuid.uuid4().int % 10_000))
        w.cache["reproducible_run"] = out["run_id"]
        w.markers.add(out["run_id"])
        await w.stack.wait_caught_up("reproduce")
    return w.cache["reproducible_run"]


async def reproduce_anothers_run(w: World) -> None:
    run_id = await _reproducible_run(w)
    body = {"days": 90, "profile": "bad_day", "seed": 1}
    await owned("POST", f"/api/v1/runs/{run_id}/reproduce", body, owner=(200, 202))(w)


async def poll_anothers_reproduction(w: World) -> None:
    run_id = await _reproducible_run(w)
    job = await w.ok(w.a, "POST", f"/api/v1/runs/{run_id}/reproduce", {"days": 1, "profile": "stable", "seed": 2})
    w.markers.add(job["job_id"])
    if job.get("reproduced_run_id"):
        w.markers.add(job["reproduced_run_id"])
    await owned("GET", job["location"])(w)


async def _logged_card(w: World) -> tuple[str, int]:
    """``a``'s published card once a signed checkpoint of the public log covers it, and its index."""
    import asyncio

    slug = await w.resource("published_card")
    for _ in range(400):
        r = await w.call(ANON, "GET", f"/api/v1/log/bundle?kind=card&subject={slug}")
        if r.status_code == 200:
            return slug, int(r.json()["index"])
        await asyncio.sleep(0.05)
    raise AssertionError(f"card {slug} never reached a signed checkpoint")


async def log_files_reveal_nothing_private(w: World) -> None:
    """The log's files (checkpoint, tiles, every entry) name no workspace, org, account or run id."""
    _, index = await _logged_card(w)
    checkpoint = await w.call(ANON, "GET", "/log/checkpoint")
    size = int(checkpoint.text.split("\n")[1])
    n = index // 256
    width = min(256, size - n * 256)
    paths = ["/log/checkpoint", "/log/" + Tile(ENTRIES, n, width).path(), "/log/" + Tile(0, n, width).path()]
    private = {w.a.workspace_id, w.a.org_id, w.a2.workspace_id}
    for who in (ANON, w.b):
        for path in paths:
            r = await w.call(who, "GET", path)
            assert r.status_code == 200, (path, r.status_code, r.text[:200])
            w.assert_no_leak(r, who)
            assert not any(p.encode() in r.content for p in private), path


def log_json(template: str, expect: tuple[int, ...] = (200,)) -> Check:
    """A public JSON view of the log, once ``a``'s card is in it: nothing private of ``a``."""

    async def check(w: World) -> None:
        slug, index = await _logged_card(w)
        url = template.format(slug=slug, index=index)
        await public("GET", url, expect=expect)(w)
        r = await w.call(ANON, "GET", url)
        assert w.a.workspace_id not in r.text and w.a.org_id not in r.text

    return check


async def _a_invites(w: World) -> str:
    r = await w.call(w.a, "POST", f"/api/v1/orgs/{w.a.org_id}/invitations", {"email": _iso_email(), "role": "viewer"})
    assert r.status_code == 201, r.text
    return str(r.json()["invitation_id"])


def _iso_email() -> str:
    return f"iso-{uuid.uuid4().hex[:10]}@lab.example"


async def revoke_invitation_across_orgs(w: World) -> None:
    """``b`` cannot withdraw ``a``'s invitation through ``a``'s org nor under its own org."""
    inv = await _a_invites(w)
    for url in (f"/api/v1/orgs/{w.a.org_id}/invitations/{inv}", f"/api/v1/orgs/{w.b.org_id}/invitations/{inv}"):
        r = await w.call(w.b, "DELETE", url)
        assert r.status_code == 404, f"{url} -> {r.status_code} {r.text[:300]}"
        w.assert_no_leak(r, w.b)
    assert (await w.call(w.a, "DELETE", f"/api/v1/orgs/{w.a.org_id}/invitations/{inv}")).status_code == 204


def member_across_orgs(method: str, body: Any, owner: int) -> Check:
    """``b`` cannot change or remove ``a``'s member, through ``a``'s org nor under its own."""

    async def check(w: World) -> None:
        assert w.a.user is not None
        acc = w.a.user.account_id
        for url in (f"/api/v1/orgs/{w.a.org_id}/members/{acc}", f"/api/v1/orgs/{w.b.org_id}/members/{acc}"):
            r = await w.call(w.b, method, url, body)
            assert r.status_code == 404, f"{method} {url} -> {r.status_code} {r.text[:300]}"
            w.assert_no_leak(r, w.b)
        r = await w.call(w.a, method, f"/api/v1/orgs/{w.a.org_id}/members/{acc}", body)
        assert r.status_code == owner, r.text  # reached: the owner keeps its role, the last owner stays

    return check


async def accept_a_guessed_invitation(w: World) -> None:
    for token in ("ql_invite_" + "A" * 49, "ql_invite_guess"):
        r = await w.call(w.b, "POST", "/api/v1/invitations/accept", {"token": token})
        assert r.status_code in (401, 422), r.text
        w.assert_no_leak(r, w.b)


WS = "/api/v1/workspaces/{a_ws}"
TREND = "/backends/ibm/ibm_kyiv/trend"

CASES: dict[str, Check] = {
    # system, identity
    "GET /api/v1/health": static("GET", "/api/v1/health"),
    "GET /api/v1/me": own_scope("GET", "/api/v1/me", owner_sees="a_email"),
    "POST /api/v1/auth/register": register_existing,
    "POST /api/v1/auth/login": login_as_another,
    "POST /api/v1/auth/logout": logout_is_per_session,
    "POST /api/v1/auth/verify-email": verify_email_guessing,
    "GET /verify-email": static("GET", "/verify-email?token=ql_verify_guess"),
    "POST /verify-email": verify_page_guessing,
    "GET /api/v1/orgs/{org_id:str}/api-keys": owned("GET", "/api/v1/orgs/{a_org}/api-keys", level="org"),
    "POST /api/v1/orgs/{org_id:str}/api-keys": create_key_in_another_orgs_workspace,
    "DELETE /api/v1/orgs/{org_id:str}/api-keys/{key_id:str}": revoke_key_across_orgs,
    "GET /api/v1/orgs/{org_id:str}/members": owned("GET", "/api/v1/orgs/{a_org}/members", level="org"),
    "PATCH /api/v1/orgs/{org_id:str}/members/{account_id:str}": member_across_orgs("PATCH", {"role": "owner"}, 200),
    "DELETE /api/v1/orgs/{org_id:str}/members/{account_id:str}": member_across_orgs("DELETE", None, 409),
    "GET /api/v1/orgs/{org_id:str}/invitations": owned("GET", "/api/v1/orgs/{a_org}/invitations", level="org"),
    "POST /api/v1/orgs/{org_id:str}/invitations": owned(
        "POST", "/api/v1/orgs/{a_org}/invitations", {"email": "iso-invited@lab.example", "role": "viewer"}, level="org"
    ),
    "DELETE /api/v1/orgs/{org_id:str}/invitations/{invitation_id:str}": revoke_invitation_across_orgs,
    "POST /api/v1/invitations/accept": accept_a_guessed_invitation,
    # runs
    "POST /api/v1/ingest/runs": ingest_same_bundle,
    "ASGI /api/v1/ingest/runs:stream": ingest_stream_same_bundle,
    "GET /api/v1/runs": own_scope("GET", "/api/v1/runs", owner_sees="private_run"),
    "GET /api/v1/runs/{run_id:str}": owned("GET", "/api/v1/runs/{private_run}"),
    # cards and badges
    "POST /api/v1/runs/{run_id:str}/card/publish": owned("POST", "/api/v1/runs/{fresh_run}/card/publish", CARD_BODY),
    "POST /api/v1/runs/{run_id:str}/card/unpublish": owned("POST", "/api/v1/runs/{fresh_published_run}/card/unpublish"),
    "GET /api/v1/cards/{slug:str}": card_views(""),
    "GET /api/v1/cards/{slug:str}/citation": card_views("/citation"),
    "GET /api/v1/cards/{slug:str}/embed": card_views("/embed"),
    "GET /api/v1/cards/{slug:str}/provenance": card_views("/provenance"),
    "POST /api/v1/cards/{slug:str}/reproductions": reproduce_with_anothers_run,
    "GET /cards/{slug:str}": public("GET", "/cards/{published_card}"),
    # reproductions and run reports
    "POST /api/v1/runs/{run_id:str}/reproduce": reproduce_anothers_run,
    "GET /api/v1/reproductions/{job_id:str}": poll_anothers_reproduction,
    "GET /api/v1/runs/{run_id:str}/report": owned("GET", "/api/v1/runs/{private_run}/report"),
    "ASGI /badge": public("GET", "/badge/{withdrawn_card}/provenance.svg", expect=(200, *GONE)),
    # corpus and leaderboard: device data, no tenant's
    "GET /api/v1/leaderboard": static("GET", "/api/v1/leaderboard"),
    "GET /api/v1/leaderboard/methodology": static("GET", "/api/v1/leaderboard/methodology"),
    "GET /api/v1/backends/{provider:str}/{backend_id:str}/trend": static("GET", "/api/v1" + TREND),
    "GET /leaderboard": static("GET", "/leaderboard"),
    "GET /backends/{provider:str}/{backend_id:str}/trend": static("GET", TREND),
    "GET /backends/{provider:str}/{backend_id:str}/trend.svg": static("GET", TREND + ".svg"),
    # compliance and attestations
    "GET /api/v1/frameworks": static("GET", "/api/v1/frameworks"),
    "GET /api/v1/frameworks/{fw_id:str}": static("GET", "/api/v1/frameworks/{framework}"),
    "POST /api/v1/workspaces/{ws_id:str}/frameworks/{fw_id:str}/enable": owned(
        "POST", WS + "/frameworks/{framework}/enable", {}
    ),
    "POST /api/v1/workspaces/{ws_id:str}/compliance/evaluate": owned("POST", WS + "/compliance/evaluate", {}),
    "GET /api/v1/workspaces/{ws_id:str}/compliance": owned("GET", WS + "/compliance"),
    "GET /api/v1/workspaces/{ws_id:str}/gaps": owned("GET", WS + "/gaps"),
    "GET /api/v1/workspaces/{ws_id:str}/attestations": owned("GET", WS + "/attestations"),
    "POST /api/v1/workspaces/{ws_id:str}/attestations": owned(
        "POST", WS + "/attestations", {"framework_id": "{framework}"}
    ),
    "GET /api/v1/attestations/{att_id:str}": owned("GET", "/api/v1/attestations/{attestation}"),
    "GET /api/v1/attestations/{att_id:str}/evidence": owned("GET", "/api/v1/attestations/{attestation}/evidence"),
    "POST /api/v1/attestations/{att_id:str}/revoke": owned(
        "POST", "/api/v1/attestations/{fresh_attestation}/revoke", {"reason": "isolation suite"}
    ),
    "GET /api/v1/attestations/{att_id:str}/verify": public("GET", "/api/v1/attestations/{attestation}/verify"),
    "GET /api/v1/attestations/{att_id:str}/envelope": public("GET", "/api/v1/attestations/{attestation}/envelope"),
    "POST /api/v1/attestations/verify": static("POST", "/api/v1/attestations/verify", {"envelope": {}}),
    "GET /.well-known/quantumledger-jwks.json": static("GET", "/.well-known/quantumledger-jwks.json"),
    "GET /.well-known/quantumledger-revocations.json": static("GET", "/.well-known/quantumledger-revocations.json"),
    "GET /api/v1/trust/{org_slug:str}": public("GET", "/api/v1/trust/{a_org_slug}"),
    # the transparency log: public, and only what was published
    "ASGI /log": log_files_reveal_nothing_private,
    "GET /api/v1/log/entries/{index:str}": log_json("/api/v1/log/entries/{index}"),
    "GET /api/v1/log/proof/inclusion": log_json("/api/v1/log/proof/inclusion?index={index}"),
    "GET /api/v1/log/proof/consistency": log_json("/api/v1/log/proof/consistency?from={index}"),
    "GET /api/v1/log/bundle": log_json("/api/v1/log/bundle?kind=card&subject={slug}"),
    "GET /.well-known/quantumledger-log.json": static("GET", "/.well-known/quantumledger-log.json"),
    "GET /api/v1/workspaces/{ws_id:str}/transparency": owned("GET", WS + "/transparency"),
    "POST /api/v1/workspaces/{ws_id:str}/transparency": owned("POST", WS + "/transparency", {"run_commitments": False}),
    "GET /trust/{org_slug:str}": public("GET", "/trust/{a_org_slug}"),
    # the gateway's own files (the card page's style and scripts)
    "GET /static/{path:path}": static("GET", "/static/card/verify.js"),
    # the web app's pages (services/gateway/web)
    "GET /": static("GET", "/"),
    "GET /attestations/{att_id:str}": public("GET", "/attestations/{attestation}"),
    "GET /docs": static("GET", "/docs"),
    "GET /register": static("GET", "/register"),
    "POST /register": web_register_existing,
    "GET /signin": static("GET", "/signin"),
    "POST /signin": web_signin_as_another,
    "POST /signout": static("POST", "/signout"),
    "GET /runs": own_scope("GET", "/runs", owner_sees="private_run"),
    "GET /runs/{run_id:str}": page_owned("GET", "/runs/{private_run}"),
    "GET /runs/{run_id:str}/document.json": page_owned("GET", "/runs/{private_run}/document.json"),
    "GET /compare": page_owned("GET", "/compare?run={private_run}&run={fresh_run}"),
    "POST /runs/{run_id:str}/publish": page_owned("POST", "/runs/{fresh_run}/publish", {"authors": "Ada Lovelace"}),
    "POST /runs/{run_id:str}/unpublish": page_owned("POST", "/runs/{fresh_published_run}/unpublish"),
    "POST /runs/{run_id:str}/reproduce": web_reproduce_anothers_run,
    "GET /settings": web_settings_of_another_org,
    "POST /settings/keys": web_settings_of_another_org,
    "POST /settings/keys/{key_id:str}/revoke": web_revoke_anothers_key,
    "POST /settings/invitations": web_invite_in_own_org,
    "POST /settings/invitations/{invitation_id:str}/revoke": web_withdraw_anothers_invitation,
    "POST /settings/members/{account_id:str}/role": web_member("role", {"role": "owner"}, 303),
    "POST /settings/members/{account_id:str}/remove": web_member("remove", None, 409),
    "GET /invitations/accept": web_accept_guessed("GET"),
    "POST /invitations/accept": web_accept_guessed("POST"),
    # the OpenAPI documents litestar serves: the same for everyone (its CDN-loaded UIs are not
    # served: /schema is the reference rendered on the server, services.gateway.web.public)
    **{
        f"GET {p}": static("GET", p)
        for p in (
            "/schema",
            "/schema/openapi.json",
            "/schema/openapi.yaml",
            "/schema/openapi.yml",
        )
    },
    "GET /schema/{path:str}": static("GET", "/schema/no-such-document"),
}


# Routes of the API contract the gateway does not serve yet: their cases apply once they appear.
ANNOUNCED: dict[str, Check] = {}


def endpoints() -> list[str]:
    """Every endpoint the gateway app serves, as ``"METHOD path"`` (``OPTIONS``/``HEAD`` are implied)."""
    app = create_app(Gateway(load_settings(env={}), None, None))  # type: ignore[arg-type]  # routes only
    found: list[str] = []
    for route in app.routes:
        if isinstance(route, HTTPRoute):
            found += [f"{m} {route.path}" for m in sorted(route.methods - {"OPTIONS", "HEAD"})]
        elif isinstance(route, ASGIRoute):
            found.append(f"ASGI {route.path}")
        else:
            found.append(f"{type(route).__name__} {route.path}")
    return sorted(found)


ENDPOINTS = endpoints()


def test_every_route_has_an_isolation_case() -> None:
    missing = [e for e in ENDPOINTS if e not in CASES and e not in ANNOUNCED]
    stale = sorted(set(CASES) - set(ENDPOINTS))
    assert not missing, (
        "routes without a tenant isolation case; add one to CASES in tests/integration/test_tenant_isolation.py: "
        + ", ".join(missing)
    )
    assert not stale, f"cases for routes that no longer exist (remove or rename them): {', '.join(stale)}"


@pytest.fixture(scope="module")
async def world(stack: Stack) -> AsyncIterator[World]:
    async with stack.client() as client:
        yield await build_world(stack, client)


@pytest.mark.parametrize("endpoint", [e for e in ENDPOINTS if e in CASES or e in ANNOUNCED])
async def test_isolation(world: World, endpoint: str) -> None:
    await {**ANNOUNCED, **CASES}[endpoint](world)


async def test_the_world_is_what_the_cases_assume(world: World) -> None:
    """The intruders are real, working callers (a check that 404s them would pass vacuously otherwise)."""
    for who in (world.a, world.b, world.a2):
        r = await world.call(who, "GET", "/api/v1/runs")
        assert r.status_code == 200, f"{who.name}: {r.text}"
    r = await world.call(world.b, "POST", "/api/v1/ingest/runs", bundle(f"b {uuid.uuid4().hex}"))
    assert r.status_code == 201
    me = {p.name: (await world.call(p, "GET", "/api/v1/me")).json() for p in (world.a, world.b, world.a2)}
    assert {m["org"]["id"] for m in me.values()} == {world.a.org_id, world.b.org_id}
    assert len({m["workspace"]["id"] for m in me.values()}) == 3
    assert all(m["plan"]["name"] == "dev" for m in me.values())
