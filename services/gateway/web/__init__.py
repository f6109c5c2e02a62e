"""The researcher's web app, served by the gateway: server-rendered pages (Jinja2, autoescaped)
on the same service calls as the REST routes, one layout and stylesheet, CSRF-protected forms.

``PAGES`` are the controllers; ``middleware`` what :func:`services.gateway.app.create_app`
wraps the routes in (CSRF for every cookie-authenticated change); ``html_errors`` the
``before_send`` hook that gives browsers HTML error pages; ``DocsRenderPlugin`` renders
``/schema`` without a CDN.
"""

from __future__ import annotations

from typing import Any

from services.gateway.csrf import csrf_protect
from services.gateway.principal import SESSION_COOKIE
from services.gateway.web.account import AccountPages
from services.gateway.web.attestations import AttestationPages
from services.gateway.web.public import DocsRenderPlugin, PublicPages, html_errors
from services.gateway.web.runs import RunPages
from services.gateway.web.settings import InvitationPages, SettingsPages

__all__ = ["FORM_PATHS", "PAGES", "DocsRenderPlugin", "html_errors", "middleware"]

PAGES: list[Any] = [AccountPages, AttestationPages, PublicPages, RunPages, SettingsPages, InvitationPages]
#: the forms posted without a session (same-origin check only; see services.gateway.csrf)
FORM_PATHS = ("/signin", "/register", "/verify-email", "/signout")


def middleware(public_base_url: str) -> list[Any]:
    return [csrf_protect(SESSION_COOKIE, public_base_url, FORM_PATHS)]
