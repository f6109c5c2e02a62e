"""The site's navigation for the pages services render themselves (leaderboard, trend, run
report, trust center), so that they link back to the web app (home, leaderboard, API docs) and
look like it: the same links and colours as the gateway's layout (``services/gateway/web``).

Both parts go inline into a page (its ``<style>`` and ``<body>``), so they work under each
page's own Content-Security-Policy: a page that allows its style by hash hashes the style it
sends, this part included. No script, nothing loaded.
"""

from __future__ import annotations

from html import escape

__all__ = ["SITE_LINKS", "SITE_NAV_CSS", "site_nav"]

SITE_LINKS: tuple[tuple[str, str], ...] = (("/", "Home"), ("/leaderboard", "Leaderboard"), ("/docs", "API docs"))

SITE_NAV_CSS = (
    "nav.site{display:flex;flex-wrap:wrap;gap:.25rem 1rem;align-items:center;padding:.6rem 1rem;margin:0 0 1rem;"
    "background:#f5f7fa;border-bottom:1px solid #d9dde4;font:15px/1.5 system-ui,sans-serif}"
    "nav.site a{color:#1f5fbf;text-decoration:none}nav.site a.brand{font-weight:700;color:#1d2330}"
    'nav.site a[aria-current="page"]{font-weight:600;text-decoration:underline}'
)


def site_nav(current: str | None = None, base_url: str = "") -> str:
    """``<nav>`` with the site's links (``current``: the path of the page shown, marked as such)."""
    base = escape(base_url.rstrip("/"), quote=True)
    links = [f'<a class="brand" href="{base}/">QuantumLedger</a>']
    for path, label in SITE_LINKS[1:]:
        mark = ' aria-current="page"' if path == current else ""
        links.append(f'<a href="{base}{path}"{mark}>{label}</a>')
    return f'<nav class="site" aria-label="Site">{"".join(links)}</nav>'
