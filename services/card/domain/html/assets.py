"""The card page's resources: a stylesheet and scripts served by the gateway under ``/static/card/``
(``services/gateway/static/card/``), and the CSP that allows exactly them.

No inline style or script and no third-party resource: the page works under a strict CSP
(``default-src 'self'; script-src 'self'; connect-src 'self'``) and renders from its origin
alone, for readers behind strict proxies and in archives. ``card.js`` wires the copy buttons;
``verify.js`` (an ES module) re-checks the card in the reader's browser (the provenance
document's hash, the attestation's signature, the log's proof); the data it needs is in the
page's ``<script type="application/json">`` block, which is data, never run.
"""

from __future__ import annotations

import functools

__all__ = ["COPY_SCRIPT", "ICON", "STYLESHEET", "VERIFY_SCRIPT", "content_security_policy"]

STYLESHEET = "/static/card/card.css"
ICON = "/static/card/icon.svg"
COPY_SCRIPT = "/static/card/card.js"
VERIFY_SCRIPT = "/static/card/verify.js"


@functools.cache
def content_security_policy(badge_origin: str = "'self'") -> str:
    """The ``Content-Security-Policy`` for a card page: its own style, scripts, icon and fetches,
    and the badges. ``connect-src 'self'``: the checks fetch the provenance document, the keys
    and the log's proof from the page's own origin. ``frame-ancestors *`` because embedding the
    card anywhere is the point of the embed page.
    """
    images = "'self'" if badge_origin == "'self'" else f"'self' {badge_origin}"
    return (
        f"default-src 'none'; img-src {images}; style-src 'self'; script-src 'self'; "
        "connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors *"
    )
