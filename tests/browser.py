"""Headless Chromium (Debian's ``chromium`` package) driven by Playwright, for page checks.

Playwright's own browser download is not used (and not possible offline): it drives the
system Chromium through ``executable_path``. ``make install`` installs Chromium when missing.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass, field
from pathlib import Path

from playwright.async_api import async_playwright

__all__ = ["PageReport", "chromium_path", "load_page"]

FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def chromium_path() -> str:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    raise RuntimeError("Chromium not found: `make install` installs Debian's chromium package (apt-get)")


@dataclass
class PageReport:
    status: int
    title: str
    console_errors: list[str] = field(default_factory=list)
    failed_requests: list[str] = field(default_factory=list)
    images: list[dict[str, object]] = field(default_factory=list)  # src, complete, naturalWidth
    text: str = ""


async def load_page(url: str, screenshot: Path | None = None) -> PageReport:
    """Load ``url``; collect console errors, failed requests and the state of every <img>."""
    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=chromium_path(), args=FLAGS, headless=True)
        try:
            page = await browser.new_page()
            errors: list[str] = []
            failed: list[str] = []
            page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
            page.on("pageerror", lambda e: errors.append(str(e)))
            page.on("requestfailed", lambda r: failed.append(f"{r.url} {r.failure}"))
            resp = await page.goto(url, wait_until="networkidle")
            images = await page.eval_on_selector_all(
                "img", "els => els.map(e => ({src: e.src, complete: e.complete, naturalWidth: e.naturalWidth}))"
            )
            if screenshot is not None:
                await page.screenshot(path=str(screenshot), full_page=True)
            return PageReport(
                resp.status if resp else 0, await page.title(), errors, failed, images, await page.inner_text("body")
            )
        finally:
            await browser.close()
