"""The card page checks the card itself, in a real headless Chromium, on a real stack.

An honest card passes every step; a provenance document altered by one byte, a forged
attestation signature and a wrong inclusion proof (each served instead of the real one by
route interception, ``page.route``) each fail their own step, and only it. The page runs under
the strict CSP other pages get (``default-src 'self'; script-src 'self'; connect-src 'self'``)
on top of its own, and its list of checks keeps its size while it fills in.
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from playwright.async_api import Browser, Route, async_playwright

from services.gateway.routes.static import STATIC_DIR
from tests.browser import FLAGS, chromium_path
from tests.fixtures import Stack
from tests.integration.attestation.helpers import BASELINE, run_document
from tests.integration.card.helpers import ghz, ingest, publish
from tests.integration.tlog.helpers import with_proof

pytestmark = [pytest.mark.integration, pytest.mark.browser]

STRICT_CSP = "default-src 'self'; script-src 'self'; connect-src 'self'"
STEPS = ("document", "attestation", "entry", "checkpoint", "inclusion")
HONEST = dict.fromkeys(STEPS, "passed")

Tamper = Callable[[Route], Awaitable[None]]


@pytest.fixture(scope="module")
async def cards(stack: Stack) -> dict[str, str]:
    """Two published cards, each in the log: one of a workspace holding an attestation (itself
    in the log, so the tree has several leaves and every proof has hashes), one without."""
    attested, plain = await stack.tenant(), await stack.tenant()
    ws = f"/api/v1/workspaces/{attested.workspace_id}"
    async with stack.client(attested) as a, stack.client(plain) as p, stack.client() as anon:
        assert (await a.post(f"{ws}/frameworks/{BASELINE}/enable")).status_code in (200, 201)
        run_id = await ingest(a, run_document())
        slug = (await publish(a, run_id, title="Bell pair, checked by its reader"))["slug"]
        att = await a.post(f"{ws}/attestations", json={"framework_id": BASELINE})
        assert att.status_code == 201, att.text
        await with_proof(a, f"/api/v1/attestations/{att.json()['attestation_id']}")
        await with_proof(anon, f"/api/v1/cards/{slug}")
        other = (await publish(p, await ingest(p, ghz("torino", seed=4242)), title="GHZ, no attestation"))["slug"]
        await with_proof(anon, f"/api/v1/cards/{other}")
        await stack.wait_caught_up("card")  # the card service knows the attestation
    return {"attested": slug, "plain": other, "attestation": att.json()["attestation_id"]}


async def _strict_csp(route: Route) -> None:
    """The page as served, with the strict policy added to its own (both must allow everything)."""
    response = await route.fetch()
    headers = dict(response.headers)
    headers["content-security-policy"] = f"{headers['content-security-policy']}, {STRICT_CSP}"
    await route.fulfill(response=response, headers=headers)


async def _altered_document(route: Route) -> None:
    response = await route.fetch()
    body = await response.body()
    at = body.index(b"OPENQASM")  # one byte of the program's source, the JSON stays valid
    await route.fulfill(response=response, body=body[:at] + b"P" + body[at + 1 :])


async def _forged_signature(route: Route) -> None:
    response = await route.fetch()
    envelope = json.loads(await response.body())
    sig = bytearray(base64.b64decode(envelope["signatures"][0]["sig"]))
    sig[10] ^= 0x01
    envelope["signatures"][0]["sig"] = base64.b64encode(bytes(sig)).decode()
    await route.fulfill(response=response, body=json.dumps(envelope))


async def _wrong_proof(route: Route) -> None:
    response = await route.fetch()
    answer = json.loads(await response.body())
    assert answer["proof"], "a tree of one leaf has no proof to alter"
    first = bytearray(base64.b64decode(answer["proof"][0]))
    first[0] ^= 0x80
    answer["proof"][0] = base64.b64encode(bytes(first)).decode()
    await route.fulfill(response=response, body=json.dumps(answer))


async def _checks(
    browser: Browser, url: str, tamper: tuple[str, Tamper] | None = None, *, javascript: bool = True
) -> dict[str, Any]:
    context = await browser.new_context(java_script_enabled=javascript, viewport={"width": 1280, "height": 900})
    try:
        page = await context.new_page()
        errors: list[str] = []
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: errors.append(str(e)))
        await page.route(url, _strict_csp)
        if tamper is not None:
            await page.route(*tamper)
        response = await page.goto(url)
        assert response is not None and response.status == 200
        if javascript:
            await page.wait_for_selector("#card-checks[data-done=true]", timeout=30_000)
        items = page.locator("#card-checks [data-check]")
        states = {
            await item.get_attribute("data-check"): await item.get_attribute("data-state") for item in await items.all()
        }
        details = {name: await page.locator(f'[data-check="{name}"] .check-detail').inner_text() for name in STEPS}
        box = await page.locator("#card-checks").bounding_box()
        return {"states": states, "details": details, "errors": errors, "box": box}
    finally:
        await context.close()


async def test_the_readers_browser_checks_the_card_and_catches_each_tampering(
    stack: Stack, cards: dict[str, str]
) -> None:
    url = f"{stack.base_url}/cards/{cards['attested']}"
    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=chromium_path(), args=FLAGS, headless=True)
        try:
            honest = await _checks(browser, url)
            without_js = await _checks(browser, url, javascript=False)
            altered = await _checks(browser, url, ("**/api/v1/cards/*/provenance", _altered_document))
            forged = await _checks(browser, url, ("**/api/v1/attestations/*/envelope", _forged_signature))
            wrong = await _checks(browser, url, ("**/api/v1/log/proof/inclusion?*", _wrong_proof))
            plain = await _checks(browser, f"{stack.base_url}/cards/{cards['plain']}")
        finally:
            await browser.close()

    assert honest["states"] == HONEST, honest["details"]
    assert honest["errors"] == [], honest["errors"]  # nothing refused by either CSP, nothing thrown
    assert "BLAKE3" in honest["details"]["document"] and BASELINE in honest["details"]["attestation"]
    assert altered["states"] == {**HONEST, "document": "failed"}, altered["details"]
    assert "does not match this card" in altered["details"]["document"]
    assert forged["states"] == {**HONEST, "attestation": "failed"}, forged["details"]
    assert cards["attestation"] in forged["details"]["attestation"]
    assert wrong["states"] == {**HONEST, "inclusion": "failed"}, wrong["details"]
    assert "does not lead to the checkpoint" in wrong["details"]["inclusion"]
    assert plain["states"] == {**HONEST, "attestation": "not-applicable"}, plain["details"]
    # without JavaScript nothing claims to have passed; with it, the list kept its size
    assert set(without_js["states"].values()) == {"unchecked"}
    assert honest["box"] is not None and without_js["box"] is not None
    assert (honest["box"]["y"], honest["box"]["height"]) == (without_js["box"]["y"], without_js["box"]["height"])


async def test_the_scripts_are_the_source_files_and_the_envelope_is_public(stack: Stack, cards: dict[str, str]) -> None:
    async with stack.client() as anon:
        script = await anon.get("/static/card/verify.js")
        sums = await anon.get("/static/SHA256SUMS")
        again = await anon.get("/static/card/verify.js", headers={"If-None-Match": script.headers["etag"]})
        missing = [await anon.get(path) for path in ("/static/card/nope.js", "/static/../routes/static.py")]
        envelope = await anon.get(f"/api/v1/attestations/{cards['attestation']}/envelope")
        unknown = await anon.get("/api/v1/attestations/01JNOSUCHATTESTATION00000/envelope")
    source = (STATIC_DIR / "card" / "verify.js").read_bytes()
    assert script.status_code == 200 and script.content == source
    assert script.headers["content-type"].startswith("text/javascript")
    assert script.headers["repr-digest"] == f"sha-256=:{base64.b64encode(hashlib.sha256(source).digest()).decode()}:"
    assert f"{hashlib.sha256(source).hexdigest()}  card/verify.js\n" in sums.text
    assert again.status_code == 304
    assert [r.status_code for r in missing] == [404, 404]
    assert envelope.status_code == 200 and set(envelope.json()) == {"payload", "payloadType", "signatures"}
    assert unknown.status_code == 404 and unknown.headers["content-type"] == "application/problem+json"


async def test_the_embed_iframe_is_styled_from_the_static_files(stack: Stack, cards: dict[str, str]) -> None:
    """The embed page in its sandboxed iframe (opaque origin, no script) on another site still
    gets its stylesheet: ``style-src 'self'`` is the page's URL origin, not the sandbox's."""
    async with stack.client() as anon:
        snippet = (await anon.get(f"/api/v1/cards/{cards['plain']}/embed")).text
    assert "<iframe" in snippet and 'sandbox="' in snippet

    async def host(route: Route) -> None:
        await route.fulfill(body=f"<!doctype html><title>a blog</title>{snippet}", content_type="text/html")

    # the blog is "public", the stack on loopback: Chromium's local network access checks would
    # refuse the frame (as they would in real life for a stack on loopback), so they are off here
    args = [*FLAGS, "--disable-features=LocalNetworkAccessChecks"]
    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=chromium_path(), args=args, headless=True)
        try:
            page = await browser.new_page()
            errors: list[str] = []
            page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
            await page.route("http://blog.test/**", host)
            await page.goto("http://blog.test/post", wait_until="networkidle")
            [frame] = [f for f in page.frames if f.url.startswith(stack.base_url)]
            padding = await frame.evaluate("getComputedStyle(document.querySelector('main')).paddingTop")
        finally:
            await browser.close()
    assert padding == "12px"  # `.embed main{padding:12px}` from /static/card/card.css
    assert errors == [], errors
