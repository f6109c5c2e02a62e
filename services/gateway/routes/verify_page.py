"""``/verify-email``: the page the verification mail links to, for people in a browser.

The GET only shows a button: following a link must not use the token, because mail scanners
and link previews fetch links too and would spend the single-use token before its owner clicks.
The button POSTs the token (a plain form, no script), which redeems it like
``POST /api/v1/auth/verify-email``.
"""

from __future__ import annotations

import html
from typing import Any

from litestar import Controller, Request, Response, get, post
from qlcore.errors import QLError

from services.gateway.deps import gw_of
from services.gateway.identity.accounts import VerifyEmail, verify_email

__all__ = ["VerifyEmailPage"]

HEADERS = {
    "Cache-Control": "no-store",
    "Referrer-Policy": "no-referrer",
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'",
}


def _page(title: str, body: str, status: int = 200) -> Response[str]:
    doc = (
        "<!doctype html><html lang=en><meta charset=utf-8><meta name=viewport content='width=device-width'>"
        f"<title>{html.escape(title)} · QuantumLedger</title>"
        "<body style='font:16px system-ui,sans-serif;max-width:34rem;margin:4rem auto;padding:0 1rem'>"
        f"<h1 style='font-size:1.4rem'>{html.escape(title)}</h1>{body}</body></html>"
    )
    return Response(doc, status_code=status, media_type="text/html", headers=HEADERS)


class VerifyEmailPage(Controller):
    path = "/verify-email"
    tags = ["auth"]
    include_in_schema = False

    @get("/", operation_id="verifyEmailPage")
    async def show(self, token: str = "") -> Response[str]:
        if not token:
            return _page("Verification link incomplete", "<p>Open the whole link from the message we sent.</p>", 400)
        form = (
            "<p>Confirm the email address of your QuantumLedger account.</p>"
            "<form method=post action='/verify-email'>"
            f"<input type=hidden name=token value='{html.escape(token, quote=True)}'>"
            "<button type=submit style='font-size:1rem;padding:.5rem 1rem'>Confirm my email address</button></form>"
        )
        return _page("Confirm your email address", form)

    @post("/", operation_id="verifyEmailForm", status_code=200)
    async def confirm(self, request: Request[Any, Any, Any]) -> Response[str]:
        token = str((await request.form()).get("token") or "")
        try:
            out = await verify_email(gw_of(request).ident, VerifyEmail(token=token))
        except QLError as err:
            return _page(err.title, f"<p>{html.escape(err.detail or err.title)}</p>", err.status)
        done = f"<p>{html.escape(str(out['email']))} is verified. You can now log in.</p>"
        return _page("Email address verified", done)
