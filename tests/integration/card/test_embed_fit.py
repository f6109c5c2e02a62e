"""The card embed fits its iframe, and the full card page joins the site, in a real Chromium.

The embed snippet (``/api/v1/cards/{slug}/embed``) is framed, as served, in a page of another
origin at 1280 px and at 390 px wide (the snippet's ``max-width:100%`` narrows the iframe there),
for a card with a short title and for one with the longest title and many authors: the framed
document never scrolls (``scrollWidth``/``scrollHeight`` within its client size), every element
of it lies inside the frame, its text is at least 12 px, and the link to the full card is shown.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from playwright.async_api import Route, async_playwright

from tests.browser import FLAGS, chromium_path
from tests.fixtures import Stack
from tests.integration.card.helpers import AUTHORS, ghz, ingest, publish

pytestmark = [pytest.mark.integration, pytest.mark.browser]

LONG_TITLE = ("Thirty-two-qubit GHZ fidelity under dynamical decoupling on heavy-hex " * 8)[:500].strip()
MANY_AUTHORS = [*AUTHORS, *({"name": f"Author Number {i} With A Rather Long Name"} for i in range(20))]

# What the framed document measures: its scroll and client sizes, the elements that stick out
# of the frame, the smallest text, and where the link to the full card is.
MEASURE = """() => {
  const root = document.documentElement, w = root.clientWidth, h = root.clientHeight;
  const outside = [...document.body.querySelectorAll('*')].filter(e => {
    const r = e.getBoundingClientRect();
    return r.width > 0 && (r.left < -0.5 || r.top < -0.5 || r.right > w + 0.5 || r.bottom > h + 0.5);
  }).map(e => e.tagName + (e.className ? '.' + e.className : ''));
  const sizes = [...document.body.querySelectorAll('*')].filter(e => e.textContent.trim() && e.getClientRects().length)
    .map(e => parseFloat(getComputedStyle(e).fontSize));
  const more = document.querySelector('a.embed-more');
  return {scrollWidth: root.scrollWidth, scrollHeight: root.scrollHeight, clientWidth: w, clientHeight: h,
          bodyScrollHeight: document.body.scrollHeight, outside, minFont: Math.min(...sizes),
          more: more ? more.getBoundingClientRect().bottom : null,
          moreText: more ? more.textContent : '', nav: document.querySelectorAll('nav').length};
}"""


@pytest.fixture(scope="module")
async def slugs(stack: Stack) -> dict[str, str]:
    owner = await stack.tenant()
    async with stack.client(owner) as c:
        short = await publish(c, await ingest(c, ghz("kyiv", seed=611)), title="Bell pair")
        long = await publish(
            c,
            await ingest(c, ghz("torino", seed=612)),
            title=LONG_TITLE,
            authors=MANY_AUTHORS,
            keywords=["ghz", "decoupling"],
            abstract="A long abstract. " * 50,
        )
    return {"short": short["slug"], "long": long["slug"]}


async def _framed(stack: Stack, snippet: str, width: int, shot: Path | None) -> tuple[dict[str, Any], list[str]]:
    async def host(route: Route) -> None:
        await route.fulfill(
            body=f"<!doctype html><title>a blog</title><p>Our result:</p>{snippet}", content_type="text/html"
        )

    # the blog is "public", the stack on loopback: Chromium's local network access checks would refuse the frame
    args = [*FLAGS, "--disable-features=LocalNetworkAccessChecks"]
    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=chromium_path(), args=args, headless=True)
        try:
            page = await browser.new_page(viewport={"width": width, "height": 800})
            errors: list[str] = []
            page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
            page.on("pageerror", lambda e: errors.append(str(e)))
            await page.route("http://blog.test/**", host)
            await page.goto("http://blog.test/post", wait_until="networkidle")
            [frame] = [f for f in page.frames if f.url.startswith(stack.base_url)]
            measured = await frame.evaluate(MEASURE)
            if shot is not None:
                await page.screenshot(path=str(shot))
            return measured, errors
        finally:
            await browser.close()


@pytest.mark.parametrize("which", ["short", "long"])
@pytest.mark.parametrize("width", [1280, 390])
async def test_the_embed_fits_its_iframe_without_scrolling_or_clipping(
    stack: Stack, slugs: dict[str, str], which: str, width: int, tmp_path_factory: pytest.TempPathFactory
) -> None:
    async with stack.client() as anon:
        snippet = (await anon.get(f"/api/v1/cards/{slugs[which]}/embed")).text
    shot = tmp_path_factory.getbasetemp() / f"embed-{which}-{width}.png"
    await _fits(stack, snippet, width, shot)


@pytest.mark.parametrize(("maxwidth", "maxheight"), [(400, 300), (240, 160)])
async def test_the_smallest_oembed_frames_fit_too(
    stack: Stack, slugs: dict[str, str], maxwidth: int, maxheight: int, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """An oEmbed consumer's ``maxwidth``/``maxheight`` down to the smallest the card allows."""
    async with stack.client() as anon:
        r = await anon.get(f"/api/v1/cards/{slugs['long']}/embed?format=json&maxwidth={maxwidth}&maxheight={maxheight}")
    assert (r.json()["width"], r.json()["height"]) == (maxwidth, maxheight)
    await _fits(stack, r.json()["html"], 1280, tmp_path_factory.getbasetemp() / f"oembed-{maxwidth}x{maxheight}.png")


async def _fits(stack: Stack, snippet: str, width: int, shot: Path) -> None:
    m, errors = await _framed(stack, snippet, width, shot)
    assert errors == [], errors
    assert m["scrollWidth"] <= m["clientWidth"] and m["scrollHeight"] <= m["clientHeight"], m
    assert m["bodyScrollHeight"] <= m["clientHeight"], m
    assert m["outside"] == [], m  # nothing clipped by the frame's edges
    assert m["minFont"] >= 12, m  # readable
    assert m["more"] is not None and m["more"] <= m["clientHeight"], m  # the way to the full card is in view
    assert m["nav"] == 0  # the embed has no site navigation
    assert m["clientWidth"] <= 560 and (width > 600 or m["clientWidth"] < 390), m
    assert "Full card" in m["moreText"]


@pytest.mark.parametrize("width", [1280, 390])
async def test_the_full_card_page_joins_the_site(
    stack: Stack, slugs: dict[str, str], width: int, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """The full page has the site's header (home, leaderboard, API docs) and footer, no sideways
    scrolling at 390 px, and its "Check this card yourself" section, with a clean console."""
    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=chromium_path(), args=FLAGS, headless=True)
        try:
            page = await browser.new_page(viewport={"width": width, "height": 900})
            errors: list[str] = []
            page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
            page.on("pageerror", lambda e: errors.append(str(e)))
            response = await page.goto(f"{stack.base_url}/cards/{slugs['long']}", wait_until="networkidle")
            assert response is not None and response.status == 200
            nav = page.get_by_role("navigation", name="Main")
            links = await nav.locator("a").evaluate_all("els => els.map(e => [e.textContent, e.getAttribute('href')])")
            checks = await page.locator("#card-checks li").count()
            heading = await page.get_by_role("heading", name="Check this card yourself").count()
            sizes = await page.evaluate(
                "() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]"
            )
            header_bg = await page.evaluate("getComputedStyle(document.querySelector('header.top')).backgroundColor")
            await page.screenshot(path=str(tmp_path_factory.getbasetemp() / f"card-page-{width}.png"), full_page=True)
        finally:
            await browser.close()
    assert links == [["QuantumLedger", "/"], ["Leaderboard", "/leaderboard"], ["API docs", "/docs"]]
    assert checks == 5 and heading == 1
    assert sizes[0] <= sizes[1], sizes  # no sideways scrolling, even at 390 px
    assert header_bg == "rgb(245, 247, 250)"  # the site's header (app.css `.top`: var(--soft))
    assert errors == [], errors
