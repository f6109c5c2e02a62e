"""Members and invitations in a real headless Chromium: an owner invites an address from the
settings page, the invitee opens the mail's link (sign in first, then back to it) and accepts,
the owner sees the member, changes the role and removes them; the pages pass the same checks as
the rest of the app (labelled controls, landmarks, no overflow at 390 px, no console errors)."""

from __future__ import annotations

import re
import tempfile
from pathlib import Path

import pytest
from playwright.async_api import Page, async_playwright

from tests.browser import FLAGS, chromium_path
from tests.fixtures import Stack
from tests.integration.identity.helpers import PASSWORD, signup, wait_for_mail
from tests.integration.web.test_browser import Visit

pytestmark = pytest.mark.integration


async def sign_in(page: Page, base: str, email: str) -> None:
    await page.get_by_label("Email address").fill(email)
    await page.get_by_label("Password").fill(PASSWORD)
    await page.get_by_role("button", name="Sign in").click()


async def test_invite_accept_change_role_remove_in_the_browser(stack: Stack) -> None:
    shots = Path(tempfile.mkdtemp(prefix="ql-members-shots-"))
    base = stack.base_url
    async with stack.client() as c:
        owner = await signup(stack, c, org_name="Difference Engines")
        guest = await signup(stack, c)

    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=chromium_path(), args=FLAGS, headless=True)
        try:
            a = Visit(await (await browser.new_context(viewport={"width": 1280, "height": 900})).new_page(), shots)
            await a.page.goto(f"{base}/signin")
            await sign_in(a.page, base, owner.email)
            await a.page.wait_for_url(f"{base}/runs")
            await a.goto(f"{base}/settings", "settings-members")

            # invite: the owner may grant admin, member or viewer, never owner
            options = await a.page.get_by_label("Role", exact=True).locator("option").all_inner_texts()
            assert options == ["admin", "member", "viewer"]
            await a.page.get_by_label("Email address").fill(guest.email)
            await a.page.get_by_label("Role", exact=True).select_option("viewer")
            await a.page.get_by_role("button", name="Send invitation").click()
            await a.page.get_by_text("The invitation is on its way").wait_for()
            pending = a.page.locator("tbody tr", has_text=guest.email)
            assert await pending.count() == 1 and "viewer" in await pending.inner_text()
            await a.check("settings-invited")

            # the invitee's mail link: sign in first, then back to the invitation, accept
            mail = await wait_for_mail(stack, guest.email, count=2)
            text = mail.get_body(preferencelist=("plain",)).get_content()  # type: ignore[union-attr]
            link = re.search(r"(http://\S+/invitations/accept\?token=\S+)", text)
            assert link, text
            b = Visit(await (await browser.new_context(viewport={"width": 1280, "height": 900})).new_page(), shots)
            await b.page.goto(link.group(1))
            assert "/signin?next=" in b.page.url
            await sign_in(b.page, base, guest.email)
            await b.page.get_by_role("heading", name="Join Difference Engines").wait_for()
            await b.check("invitation")
            await b.page.get_by_role("button", name="Accept the invitation").click()
            await b.page.get_by_role("heading", name="Welcome to Difference Engines").wait_for()
            await b.check("invitation-accepted")

            # the owner sees the member, changes the role, removes them
            await a.page.goto(f"{base}/settings")
            row = a.page.locator("tbody tr", has_text=guest.email)
            assert await row.count() == 1
            assert await a.page.get_by_text("No pending invitations.").is_visible()
            await a.page.get_by_label(f"Role of {guest.email}", exact=True).select_option("member")
            await a.page.get_by_role("button", name=f"Change the role of {guest.email}").click()
            await a.page.get_by_text("The role is changed").wait_for()
            assert await a.page.get_by_label(f"Role of {guest.email}", exact=True).input_value() == "member"
            await a.check("settings-role")
            # the owner's own row offers no way to demote or remove the last owner
            assert await a.page.get_by_role("button", name=f"Remove {owner.email}").count() == 0
            await a.page.get_by_role("button", name=f"Remove {guest.email}").click()
            await a.page.get_by_text("The member is removed").wait_for()
            assert await a.page.locator("tbody tr", has_text=guest.email).count() == 0
            await a.check("settings-removed")

            # the used link is refused on a page, not JSON
            r = await b.page.goto(link.group(1))
            assert r is not None and r.status in (401, 410)
            assert "text/html" in (r.headers.get("content-type") or "")
            expected = re.compile(r"^\S+: Failed to load resource: the server responded with a status of (401|410) ")
            assert [e for e in a.errors + b.errors if not expected.match(e)] == []
        finally:
            await browser.close()
