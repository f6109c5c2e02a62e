"""The researcher's web app in a real headless Chromium (issue 16): the whole path a new user
takes, sign up → verify → sign in → create a key → ingest with it → find the run → open it →
publish → reproduce → compare → sign out, with no console error on any page, labelled controls
and landmarks on every page, keyboard reachability, pages readable without JavaScript, another
workspace's run as the HTML 404, and markup in a program name shown as text.

Screenshots at 1280 and 390 px go to a temporary directory (printed; not kept in the repo).

axe-core is not available offline here (no Python package of it is installed); every page is
checked instead by :func:`accessibility_problems` (names of controls, links and buttons, one
``h1``, ``lang``, ``main`` and ``navigation`` landmarks, alt texts, labelled SVG charts) and by
Playwright's ARIA snapshot.
"""

from __future__ import annotations

import re
import tempfile
import uuid
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.async_api import Page, async_playwright

from tests.browser import FLAGS, chromium_path
from tests.fixtures import Stack
from tests.integration.identity.helpers import PASSWORD, wait_for_mail
from tests.integration.platform.bundles import bundle
from tests.integration.reproduce.helpers import ghz

pytestmark = pytest.mark.integration

HOSTILE = '<script>window.__pwned=1</script><img src=x onerror="window.__pwned=2">'
WIDTHS = (1280, 390)

#: Every visible control needs an accessible name; one h1; lang; landmarks; alt texts; charts labelled.
A11Y_JS = """() => {
  const problems = [];
  const visible = el => !!(el.offsetWidth || el.offsetHeight || el.getClientRects().length);
  const nameOf = el => {
    if (el.getAttribute('aria-label')) return el.getAttribute('aria-label').trim();
    const by = el.getAttribute('aria-labelledby');
    if (by) return by.split(/\\s+/).map(id => (document.getElementById(id) || {}).textContent || '').join(' ').trim();
    if (el.labels && el.labels.length) return Array.from(el.labels).map(l => l.textContent).join(' ').trim();
    if (el.title) return el.title.trim();
    return (el.textContent || el.value || '').trim();
  };
  if (!document.documentElement.lang) problems.push('html has no lang');
  if (document.querySelectorAll('h1').length !== 1) problems.push('not exactly one h1');
  if (!document.querySelector('main')) problems.push('no main landmark');
  if (!document.querySelector('nav')) problems.push('no navigation landmark');
  if (!document.title.trim()) problems.push('no title');
  document.querySelectorAll('input:not([type=hidden]), select, textarea').forEach(el => {
    if (visible(el) && !nameOf(el)) problems.push('unlabelled control ' + (el.name || el.id));
  });
  document.querySelectorAll('a[href], button').forEach(el => {
    if (visible(el) && !nameOf(el)) problems.push('nameless ' + el.tagName + ' ' + el.outerHTML.slice(0, 80));
  });
  document.querySelectorAll('img').forEach(el => { if (!el.hasAttribute('alt')) problems.push('img without alt'); });
  document.querySelectorAll('svg[role=img]').forEach(el => { if (!nameOf(el)) problems.push('unlabelled chart'); });
  const ids = {};
  document.querySelectorAll('[id]').forEach(el => { ids[el.id] = (ids[el.id] || 0) + 1; });
  Object.keys(ids).forEach(id => { if (ids[id] > 1) problems.push('duplicate id ' + id); });
  return problems;
}"""


WIDE_JS = """() => Array.from(document.querySelectorAll('body *')).filter(el => {
  const r = el.getBoundingClientRect(); return r.right > window.innerWidth + 1 && !el.closest('pre');
}).slice(0, 5).map(el => el.tagName + '.' + el.className + ' ' + Math.round(el.getBoundingClientRect().right))"""


class Visit:
    """A browser page that records console errors and checks every page it lands on."""

    def __init__(self, page: Page, shots: Path) -> None:
        self.page = page
        self.shots = shots
        self.errors: list[str] = []
        self.seen: list[str] = []
        page.on("console", lambda m: self.errors.append(f"{page.url}: {m.text}") if m.type == "error" else None)
        page.on("pageerror", lambda e: self.errors.append(f"{page.url}: {e}"))

    async def check(self, name: str) -> None:
        problems = await self.page.evaluate(A11Y_JS)
        assert problems == [], f"{name} ({self.page.url}): {problems}"
        snapshot = await self.page.locator("body").aria_snapshot()
        assert "- navigation" in snapshot and "- main" in snapshot, snapshot[:500]
        assert await self.page.evaluate("window.__pwned === undefined"), "injected markup ran"
        self.seen.append(name)
        for width in WIDTHS:
            await self.page.set_viewport_size({"width": width, "height": 900})
            overflow = await self.page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
            if overflow > 1:
                wide = await self.page.evaluate(WIDE_JS)
                raise AssertionError(f"{name} is {overflow}px wider than a {width}px screen: {wide}")
            await self.page.screenshot(
                path=str(self.shots / f"{len(self.seen):02d}-{name}-{width}.png"), full_page=True
            )
        await self.page.set_viewport_size({"width": 1280, "height": 900})

    async def goto(self, url: str, name: str, status: int = 200) -> None:
        r = await self.page.goto(url)
        assert r is not None and r.status == status, (url, r.status if r else None)
        await self.check(name)


async def _ingest(base_url: str, key: str, document: dict[str, Any]) -> str:
    async with httpx.AsyncClient(base_url=base_url, headers={"Authorization": f"Bearer {key}"}) as c:
        r = await c.post("/api/v1/ingest/runs", json=document)
        assert r.status_code in (200, 201), r.text
        return str(r.json()["run_id"])


async def test_a_new_researchers_whole_path(stack: Stack) -> None:
    shots = Path(tempfile.mkdtemp(prefix="ql-webapp-shots-"))
    print(f"screenshots: {shots}")
    email = f"r{uuid.uuid4().hex[:10]}@lab.example"
    base = stack.base_url
    other = await stack.tenant()  # another workspace, with a run of its own
    other_run = await _ingest(
        base, other.api_key, bundle(f"other-{uuid.uuid4().hex}", created_at="2025-03-01T00:00:00Z")
    )

    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=chromium_path(), args=FLAGS, headless=True)
        try:
            context = await browser.new_context(viewport={"width": 1280, "height": 900})
            v = Visit(await context.new_page(), shots)
            page = v.page

            # landing: what it is, sign in / register, leaderboard and API docs
            await v.goto(f"{base}/", "landing")
            for link in ("Register", "Sign in", "Leaderboard", "API docs"):
                assert await page.get_by_role("link", name=link, exact=True).first.is_visible(), link
            await v.goto(f"{base}/docs", "docs")

            # register: a wrong form shows its error on the page, then the right one
            await page.goto(f"{base}/register")
            await page.get_by_label("Your name").fill("Ada Lovelace")
            await page.get_by_label("Email address").fill(email)
            await page.get_by_label("Password").fill("short")
            await page.get_by_label("Organization").fill("Analytical Engines")
            await page.evaluate("document.getElementById('password').removeAttribute('minlength')")
            await page.get_by_role("button", name="Register").click()
            assert await page.get_by_role("alert").is_visible()
            assert await page.get_by_label("Email address").input_value() == email  # kept
            await v.check("register-error")
            await page.get_by_label("Password").fill(PASSWORD)
            await page.get_by_role("button", name="Register").click()
            await page.get_by_role("heading", name="Check your mail").wait_for()
            await v.check("register-sent")

            # the link in the mail opens a page that verifies (after one click)
            mail = await wait_for_mail(stack, email)
            text = mail.get_body(preferencelist=("plain",)).get_content()  # type: ignore[union-attr]
            link = re.search(r"(http://\S+/verify-email\?token=\S+)", text)
            assert link, text
            await v.goto(link.group(1), "verify")
            await page.get_by_role("button", name="Confirm my email address").click()
            await page.get_by_role("heading", name="Email address verified").wait_for()
            await v.check("verified")

            # sign in: a wrong password is an error on the page; the right one opens the runs
            await page.get_by_role("link", name="Sign in").first.click()
            await page.get_by_label("Email address").fill(email)
            await page.get_by_label("Password").fill("not the password at all")
            await page.get_by_role("button", name="Sign in").click()
            assert "wrong" in (await page.get_by_role("alert").inner_text())
            await v.check("signin-error")
            await page.get_by_label("Password").fill(PASSWORD)
            await page.get_by_role("button", name="Sign in").click()
            await page.wait_for_url(f"{base}/runs")
            cookie = next(c for c in await context.cookies() if c["name"] == "ql_session")
            assert cookie["httpOnly"] and cookie["sameSite"] == "Lax"
            await v.check("runs-empty")

            # settings: create a key (shown once, with a copy button), list it
            await page.get_by_role("navigation").get_by_role("link", name="Settings").click()
            await v.check("settings")
            await page.get_by_label("Name", exact=True).fill("laptop")
            await page.get_by_role("checkbox", name=re.compile("cards:publish")).check()
            await page.get_by_role("button", name="Create key").click()
            key = (await page.locator("#new-key").inner_text()).strip()
            assert key.startswith("ql_live_")
            assert await page.get_by_role("button", name="Copy").is_visible()  # the script shows it
            await v.check("settings-key")
            await page.goto(f"{base}/settings")
            assert key not in await page.content()  # shown once

            # ingest with the key: a GHZ-4 run, and a run whose program name is markup
            run_id = await _ingest(base, key, ghz(4, "kyiv", shots=2048, seed=11))
            hostile = bundle(f"x-{uuid.uuid4().hex}", created_at="2025-03-02T00:00:00Z")
            hostile["program"]["name"] = HOSTILE
            hostile_id = await _ingest(base, key, hostile)

            # the key's last use shows in its row now
            await page.goto(f"{base}/settings")
            row = page.locator("tbody tr", has_text="laptop")
            assert "never" not in await row.inner_text() and await row.locator("time").count() == 2

            # find the run in the table (search by a prefix of its id), then open it
            await stack.wait_caught_up("provenance")  # the list is a read model (a run is found at once)
            await page.goto(f"{base}/runs")
            assert HOSTILE in await page.locator("table").inner_text()  # shown as text, not run
            await v.check("runs")
            await page.get_by_label("Search").fill(run_id[:12])
            await page.get_by_role("button", name="Apply").click()
            assert f"q={run_id[:12]}" in page.url  # filters are kept in the URL
            rows = page.locator("tbody tr")
            assert await rows.count() == 1
            await page.get_by_role("link", name=run_id).click()
            await page.wait_for_url(f"{base}/runs/{run_id}")
            await v.check("run")
            chart = page.locator("figure.chart svg").first
            assert await chart.get_attribute("role") == "img"
            labels = await chart.locator("text").all_text_contents()
            assert "1111" in labels and "0000" in labels  # the GHZ peaks are labelled
            for width in WIDTHS:
                await page.set_viewport_size({"width": width, "height": 900})
                box = await chart.bounding_box()
                assert box and box["width"] <= width and box["height"] > 120, (width, box)
                peak = chart.locator("text", has_text=re.compile(r"^1111$"))
                peak_box = await peak.bounding_box()
                assert peak_box and 0 <= peak_box["x"] and peak_box["x"] + peak_box["width"] <= width
            await page.set_viewport_size({"width": 1280, "height": 900})
            assert await page.get_by_role("heading", name="Calibration of the qubits used").is_visible()
            assert "OPENQASM" in await page.locator("pre code").first.inner_text()
            # the circuit drawn: four wires, a Hadamard, three CNOT targets, four measurements
            circuit = page.locator("figure.circuit svg")
            assert await circuit.get_attribute("role") == "img" and await circuit.get_attribute("aria-label")
            assert await circuit.locator("circle.target").count() == 3
            assert (await circuit.locator("text").all_text_contents())[:4] == ["q[0]", "q[1]", "q[2]", "q[3]"]
            for width in WIDTHS:  # the box fits the screen; a wider drawing scrolls inside it
                await page.set_viewport_size({"width": width, "height": 900})
                box = await page.locator("figure.circuit .circuit-scroll").bounding_box()
                assert box and box["x"] >= 0 and box["x"] + box["width"] <= width, (width, box)
            await page.set_viewport_size({"width": 1280, "height": 900})

            # publish the card
            await page.get_by_role("button", name="Publish Result Card").click()
            await page.get_by_text("The Result Card is published.").wait_for()
            card_link = page.locator("dd a[href*='/cards/']")
            assert await card_link.count() == 1
            await v.check("run-published")

            # reproduce (30 days, typical drift)
            await page.get_by_label("Days of device drift").fill("30")
            await page.get_by_label("Drift profile").select_option("typical")
            await page.get_by_role("button", name="Reproduce").click()
            await page.wait_for_url(re.compile(r"notice=(reproduced|pending)"))
            for _ in range(120):  # a pending reproduction: the page says to reload for its verdict
                if await page.locator("section[aria-labelledby=h-repro] .badge.completed").count():
                    break
                await page.wait_for_timeout(500)
                await page.reload()
            repro_rows = page.locator("section[aria-labelledby=h-repro] tbody tr")
            assert await repro_rows.count() == 1
            assert await page.locator("svg.fidelity circle").count() == 1  # against its noise floor
            assert await page.locator("svg.coupling circle").count() == 4  # the GHZ-4's qubits
            await v.check("run-reproduced")

            # compare: tick the run and the markup run in the table
            await page.goto(f"{base}/runs")
            await page.get_by_role("checkbox", name=f"Compare run {run_id}").check()
            await page.get_by_role("checkbox", name=f"Compare run {hostile_id}").check()
            await page.get_by_role("button", name="Compare selected runs").click()
            await page.get_by_role("heading", name="Hellinger fidelity").wait_for()
            assert "run=" in page.url
            cells = await page.locator("section[aria-labelledby=h-fid] td").all_inner_texts()
            assert cells[0] == "1" and float(cells[1]) < 0.6  # GHZ-4 vs a Bell pair's counts
            await v.check("compare")

            # unpublish: the card is withdrawn, its public page answers 410
            card_url = await page.goto(f"{base}/runs/{run_id}") and await page.locator(
                "dd a[href*='/cards/']"
            ).get_attribute("href")
            await page.get_by_label("Reason (optional)").fill("superseded")
            await page.get_by_role("button", name="Unpublish card").click()
            await page.get_by_text("The Result Card is withdrawn").wait_for()
            assert await page.locator("dd .badge", has_text="not published").count() == 1
            async with httpx.AsyncClient() as anon:
                assert card_url and (await anon.get(card_url)).status_code == 410

            # another workspace's run: the HTML 404 page, never its data
            r = await page.goto(f"{base}/runs/{other_run}")
            assert r is not None and r.status == 404
            body = await page.content()
            assert "not yours to see" in body and other_run not in await page.locator("main").inner_text()
            assert "bell" not in (await page.locator("main").inner_text()).lower()
            await v.check("run-404")
            for url in (f"{base}/runs/{other_run}/document.json", f"{base}/compare?run={run_id}&run={other_run}"):
                r = await page.goto(url)
                assert r is not None and r.status == 404, url
            r = await page.goto(f"{base}/cards/no-such-card")
            assert r is not None and r.status == 404 and "Page not found" in await page.content()

            # keyboard: the skip link comes first and lands on the content
            await page.goto(f"{base}/runs")
            await page.keyboard.press("Tab")
            assert await page.evaluate("document.activeElement.textContent") == "Skip to content"
            await page.keyboard.press("Tab")
            assert await page.evaluate("document.activeElement.textContent") == "QuantumLedger"

            # sign out: the session ends, the pages send to the sign-in page again
            await page.get_by_role("button", name="Sign out").click()
            await page.wait_for_url(re.compile(r"/signin"))
            await page.goto(f"{base}/runs")
            assert "/signin?next=" in page.url
            # Chromium logs "Failed to load resource" for a page answered with an error status (the
            # form errors are 422/401, the probes 404, as they should be): those, and nothing else
            expected = re.compile(
                r"^\S+: Failed to load resource: the server responded with a status of (401|404|422) "
            )
            unexpected = [e for e in v.errors if not expected.match(e)]
            assert unexpected == [], unexpected
            assert len(v.errors) <= 7, v.errors

            # without JavaScript the server-rendered pages read the same
            nojs = await browser.new_context(java_script_enabled=False)
            p2 = await nojs.new_page()
            await p2.goto(f"{base}/signin")
            await p2.get_by_label("Email address").fill(email)
            await p2.get_by_label("Password").fill(PASSWORD)
            await p2.get_by_role("button", name="Sign in").click()
            await p2.wait_for_url(f"{base}/runs")
            await p2.goto(f"{base}/runs/{run_id}")
            assert await p2.locator("figure.chart svg").count() >= 1
            assert "Verify it offline" in await p2.content()
            await nojs.close()
        finally:
            await browser.close()
    assert len(list(shots.glob("*.png"))) >= 2 * len(v.seen)  # noqa: ASYNC240
