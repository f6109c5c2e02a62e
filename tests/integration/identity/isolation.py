"""The world the tenant isolation suite runs in, and the kinds of check it is made of.

Three callers with every scope and every plan feature, so that tenancy is the only thing
that can stop them: ``a`` owns the resources (an org of its own, a verified account, a
session and an API key), ``b`` is another org, ``a2`` another workspace of ``a``'s org.
``a``'s resources (a private run, a published card, an attestation...) are made on first use
through the public API, by name: a URL template names them (``/api/v1/runs/{private_run}``).

Every intruder's answer is checked for ``a``'s private markers (email, account, keys, the
private run's id, the session), besides its status.
"""

from __future__ import annotations

import string
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import httpx

from tests.fixtures import Stack
from tests.integration.identity.helpers import User, bundle, signup

__all__ = [
    "ANON",
    "CARD_BODY",
    "Check",
    "Party",
    "World",
    "build_world",
    "own_scope",
    "owned",
    "public",
    "static",
]

Check = Callable[["World"], Awaitable[None]]
CARD_BODY = {"title": "Isolation suite", "authors": [{"name": "Ada Lovelace"}]}


@dataclass
class Party:
    name: str
    key: str
    org_id: str
    org_slug: str
    workspace_id: str
    user: User | None = None

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.key}"}


ANON = Party("anonymous", "", "", "", "")


@dataclass
class World:
    stack: Stack
    client: httpx.AsyncClient
    a: Party
    b: Party
    a2: Party
    cache: dict[str, str] = field(default_factory=dict)
    markers: set[str] = field(default_factory=set)

    async def call(self, who: Party, method: str, url: str, body: Any = None) -> httpx.Response:
        headers = who.headers if who.key else {}
        if isinstance(body, bytes):
            return await self.client.request(method, url, headers=headers, content=body)
        return await self.client.request(method, url, headers=headers, json=body)

    async def ok(self, who: Party, method: str, url: str, body: Any = None) -> Any:
        """A call that must succeed while building the world (names what could not be made)."""
        r = await self.call(who, method, url, body)
        assert r.status_code < 300, f"could not set up the isolation world: {method} {url} -> {r.status_code} {r.text}"
        return r.json() if r.content else None

    async def fmt(self, value: Any) -> Any:
        """Fill ``{resource}`` placeholders in a URL template or a JSON body."""
        if isinstance(value, dict):
            return {k: await self.fmt(v) for k, v in value.items()}
        if not isinstance(value, str):
            return value
        names = [n for _, n, _, _ in string.Formatter().parse(value) if n]
        return value.format(**{n: await self.resource(n) for n in names}) if names else value

    async def resource(self, name: str) -> str:
        fresh = name.startswith("fresh_")
        if not fresh and name in self.cache:
            return self.cache[name]
        value = await MAKERS[name](self)
        if not fresh:
            self.cache[name] = value
        return value

    def assert_no_leak(self, r: httpx.Response, who: Party) -> None:
        """Neither a server error nor any of ``a``'s private markers, other than those the caller
        sent itself (in the URL or the body: a 404 may well name the id it was asked for)."""
        sent = str(r.request.url) + r.request.content.decode(errors="replace")
        line = f"{who.name}: {r.request.method} {r.request.url.path}"
        assert r.status_code < 500, f"{line} -> {r.status_code} {r.text[:300]}"
        leaked = sorted(m for m in self.markers if m in r.text and m not in sent)
        assert not leaked, f"{line} leaked {leaked}: {r.text[:300]}"

    async def ingest(self, tag: str) -> dict[str, str]:
        return dict(await self.ok(self.a, "POST", "/api/v1/ingest/runs", bundle(f"{tag} {uuid.uuid4().hex}")))


async def _private_run(w: World) -> str:
    out = await w.ingest("private")
    w.cache["private_run_hash"] = out["run_hash"]
    w.markers.add(out["run_id"])  # not its hash: that is the content's, and others may send the same content
    await w.stack.wait_caught_up("provenance")
    return out["run_id"]


async def _private_run_hash(w: World) -> str:
    await w.resource("private_run")
    return w.cache["private_run_hash"]


async def _fresh_run(w: World) -> str:
    run_id = (await w.ingest("fresh"))["run_id"]
    await w.stack.wait_caught_up("provenance")
    return run_id


async def _publish(w: World) -> tuple[str, str]:
    run_id = await _fresh_run(w)
    card = await w.ok(w.a, "POST", f"/api/v1/runs/{run_id}/card/publish", CARD_BODY)
    return run_id, str(card["slug"])


async def _published_card(w: World) -> str:
    return (await _publish(w))[1]


async def _fresh_published_run(w: World) -> str:
    return (await _publish(w))[0]


async def _withdrawn_card(w: World) -> str:
    run_id, slug = await _publish(w)
    await w.ok(w.a, "POST", f"/api/v1/runs/{run_id}/card/unpublish", {"reason": "isolation suite"})
    return slug


async def _fresh_key(w: World) -> str:
    out = await w.ok(w.a, "POST", f"/api/v1/orgs/{w.a.org_id}/api-keys", {"name": "spare", "scopes": ["runs:read"]})
    w.markers.add(out["key_id"])
    return str(out["key_id"])


async def _framework(w: World) -> str:
    return str((await w.ok(ANON, "GET", "/api/v1/frameworks"))[0]["id"])


async def _fresh_attestation(w: World) -> str:
    fw = await w.resource("framework")
    ws = w.a.workspace_id
    await w.ok(w.a, "POST", f"/api/v1/workspaces/{ws}/frameworks/{fw}/enable", {})
    await w.ok(w.a, "POST", f"/api/v1/workspaces/{ws}/compliance/evaluate", {})
    out = await w.ok(w.a, "POST", f"/api/v1/workspaces/{ws}/attestations", {"framework_id": fw})
    return str(out["attestation_id"])


MAKERS: dict[str, Callable[[World], Awaitable[str]]] = {
    "a_org": lambda w: _const(w.a.org_id),
    "a_org_slug": lambda w: _const(w.a.org_slug),
    "a_ws": lambda w: _const(w.a.workspace_id),
    "a_email": lambda w: _const(w.a.user.email if w.a.user else ""),
    "b_org": lambda w: _const(w.b.org_id),
    "private_run": _private_run,
    "private_run_hash": _private_run_hash,
    "fresh_run": _fresh_run,
    "published_card": _published_card,
    "fresh_published_run": _fresh_published_run,
    "withdrawn_card": _withdrawn_card,
    "fresh_key": _fresh_key,
    "framework": _framework,
    "attestation": _fresh_attestation,
    "fresh_attestation": _fresh_attestation,
}


async def _const(value: str) -> str:
    return value


async def _owner(stack: Stack, c: httpx.AsyncClient, name: str) -> Party:
    """A registered, verified owner of a new org moved to the plan with every feature, and a key
    with every scope (what a paying lab's admin has)."""
    user = await signup(stack, c, org_name=f"Isolation {name} {uuid.uuid4().hex[:6]}")
    assert (await stack.call("gateway", "admin.set_plan", {"org": user.org_id, "plan": "dev"})).status == 200
    scopes = ["runs:read", "runs:write", "cards:publish", "attest:write", "admin"]
    r = await c.post(
        f"/api/v1/orgs/{user.org_id}/api-keys", headers=user.headers, json={"name": name, "scopes": scopes}
    )
    assert r.status_code == 201, r.text
    return Party(name, r.json()["api_key"], user.org_id, user.org_slug, user.workspace_id, user)


async def build_world(stack: Stack, client: httpx.AsyncClient) -> World:
    a = await _owner(stack, client, "a")
    b = await _owner(stack, client, "b")
    reply = await stack.call("gateway", "admin.create_workspace", {"org": a.org_id, "name": "second"})
    assert reply.status == 201, reply.body
    ws2 = reply.json()
    a2 = Party("a2 (another workspace of a's org)", ws2["api_key"], a.org_id, a.org_slug, ws2["workspace_id"])
    b.name = "b (another org)"
    w = World(stack, client, a, b, a2)
    assert a.user is not None
    me = (await client.get("/api/v1/me", headers=a.headers)).json()
    w.markers |= {a.user.email, a.user.account_id, a.user.session, a.key, me["auth"]["key_id"]}
    return w


# ---- the kinds of check ------------------------------------------------------------------


def owned(
    method: str, template: str, body: Any = None, *, level: str = "workspace", owner: tuple[int, ...] = (200, 201, 204)
) -> Check:
    """A resource of ``a`` named in the URL: 404 problem for ``b`` (and for ``a2`` when the
    resource belongs to a workspace), then the owner reaches it: the 404 was tenancy, not absence."""

    async def check(w: World) -> None:
        url, data = await w.fmt(template), await w.fmt(body)
        for who in [w.b, *([w.a2] if level == "workspace" else [])]:
            r = await w.call(who, method, url, data)
            assert r.status_code == 404, f"{who.name}: {method} {url} -> {r.status_code} {r.text[:300]}"
            assert r.headers["content-type"].startswith("application/problem+json")
            w.assert_no_leak(r, who)
        r = await w.call(w.a, method, url, data)
        assert r.status_code in owner, f"owner: {method} {url} -> {r.status_code} {r.text[:300]}"

    return check


def own_scope(method: str, template: str, body: Any = None, *, owner_sees: str | None = None) -> Check:
    """No resource in the URL: each caller acts in its own tenant and never sees ``a``'s. When
    ``owner_sees`` names a resource, ``a``'s own call shows it (so the leak check can see one)."""

    async def check(w: World) -> None:
        url, data = await w.fmt(template), await w.fmt(body)
        if owner_sees is not None:
            marker = await w.resource(owner_sees)
            w.markers.add(marker)
            r = await w.call(w.a, method, url, data)
            assert marker in r.text, f"owner: {method} {url} does not show {owner_sees}: {r.text[:300]}"
        for who in (w.b, w.a2):
            w.assert_no_leak(await w.call(who, method, url, data), who)

    return check


def public(method: str, template: str, body: Any = None, *, expect: tuple[int, ...] = (200,)) -> Check:
    """No credential needed: anyone (anonymous, ``b``) gets ``expect`` and nothing private of ``a``."""

    async def check(w: World) -> None:
        url, data = await w.fmt(template), await w.fmt(body)
        for who in (ANON, w.b):
            r = await w.call(who, method, url, data)
            assert r.status_code in expect, f"{who.name}: {method} {url} -> {r.status_code} {r.text[:300]}"
            w.assert_no_leak(r, who)

    return check


def static(method: str, template: str, body: Any = None) -> Check:
    """Data of no tenant (health, catalogues, corpus, docs): any answer but a 5xx, nothing of ``a``."""
    return public(method, template, body, expect=tuple(range(200, 500)))
