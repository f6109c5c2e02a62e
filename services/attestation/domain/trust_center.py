"""The public trust-center page of an org, as a pure function from a view to escaped HTML.

Every claim on the page links to something anyone can check: each attestation to its public
verify endpoint, the keys to the JWKS, each card to its public record. Every text that comes
from users (org name, card titles, revocation reasons, ids) is HTML-escaped; URLs are built
from percent-encoded path segments. The page has no script and no external resource, so it
renders under a strict Content-Security-Policy.
"""

from __future__ import annotations

import base64
import hashlib
from html import escape
from typing import Literal
from urllib.parse import quote

import msgspec
from qlcore.site import SITE_NAV_CSS, site_nav
from qlprov.attest import JWKS_PATH

from services.attestation.domain.evaluation import ControlStatus

__all__ = [
    "CONTENT_SECURITY_POLICY",
    "AttestationView",
    "CardView",
    "FrameworkStatusView",
    "OrgView",
    "TrustCenterView",
    "card_page_url",
    "card_url",
    "render_trust_center",
    "verify_page_url",
    "verify_url",
]


class OrgView(msgspec.Struct, frozen=True, kw_only=True):
    slug: str
    name: str


class FrameworkStatusView(msgspec.Struct, frozen=True, kw_only=True):
    id: str
    version: str
    title: str
    status: ControlStatus | Literal["not_evaluated"]
    workspace: str | None = None  # named when the org has several workspaces
    passing: int = 0
    failing: int = 0
    not_applicable: int = 0
    evaluated_at: str | None = None


class AttestationView(msgspec.Struct, frozen=True, kw_only=True):
    att_id: str
    framework_id: str
    framework_version: str
    issued_at: str
    evidence_root: str
    revoked: bool = False
    revoked_at: str | None = None
    reason: str | None = None


class CardView(msgspec.Struct, frozen=True, kw_only=True):
    slug: str
    title: str


class TrustCenterView(msgspec.Struct, frozen=True, kw_only=True):
    """One page of each list: the totals say how many there are in all."""

    org: OrgView
    frameworks: list[FrameworkStatusView] = []
    attestations: list[AttestationView] = []
    cards: list[CardView] = []
    attestations_total: int = 0
    cards_total: int = 0


def verify_url(att_id: str, base_url: str = "") -> str:
    return f"{base_url}/api/v1/attestations/{quote(att_id, safe='')}/verify"


def card_url(slug: str, base_url: str = "") -> str:
    return f"{base_url}/api/v1/cards/{quote(slug, safe='')}"


def verify_page_url(att_id: str, base_url: str = "") -> str:
    """The page for people that shows the verification (the gateway's web app renders it)."""
    return f"{base_url}/attestations/{quote(att_id, safe='')}"


def card_page_url(slug: str, base_url: str = "") -> str:
    return f"{base_url}/cards/{quote(slug, safe='')}"


_STATUS_TEXT = {
    "passing": "Passing",
    "failing": "Failing",
    "not_applicable": "Not applicable",
    "not_evaluated": "Not evaluated",
}

_STYLE = (
    """
body{font:16px/1.5 system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;color:#1b1f24}
table{border-collapse:collapse;width:100%;margin:.5rem 0 1.5rem}
th,td{text-align:left;padding:.4rem .6rem;border-bottom:1px solid #d0d7de;vertical-align:top}
code{font-size:.85em;word-break:break-all}
.status{font-weight:600;padding:.1rem .5rem;border-radius:.8rem}
.passing{background:#dafbe1;color:#116329}.failing{background:#ffebe9;color:#a40e26}
.not_applicable,.not_evaluated,.revoked{background:#eaeef2;color:#424a53}
""".strip()
    + SITE_NAV_CSS
)

# The page's only resource is its inline style, allowed by its hash; the favicon is a data: URL.
CONTENT_SECURITY_POLICY = (
    "default-src 'none'; "
    f"style-src 'sha256-{base64.b64encode(hashlib.sha256(_STYLE.encode()).digest()).decode()}'; "
    "img-src 'self' data:; base-uri 'none'; form-action 'none'"
)


def _e(text: object) -> str:
    return escape(str(text), quote=True)


def _status(status: str) -> str:
    return f'<span class="status {_e(status)}">{_e(_STATUS_TEXT.get(status, status))}</span>'


def _frameworks(view: TrustCenterView) -> str:
    if not view.frameworks:
        return "<p>No frameworks enabled.</p>"
    rows = "".join(
        f"<tr><td>{_e(fw.title)} <small>({_e(fw.id)} {_e(fw.version)}"
        f"{', workspace ' + _e(fw.workspace) if fw.workspace else ''})</small></td>"
        f"<td>{_status(fw.status)}</td>"
        f"<td>{fw.passing} passing, {fw.failing} failing, {fw.not_applicable} not applicable</td>"
        f"<td>{_e(fw.evaluated_at or '-')}</td></tr>"
        for fw in view.frameworks
    )
    head = "<tr><th>Framework</th><th>Status</th><th>Controls</th><th>Evaluated</th></tr>"
    return f'<table id="frameworks">{head}{rows}</table>'


def _attestation_row(att: AttestationView, base_url: str) -> str:
    link = f'<a href="{_e(verify_page_url(att.att_id, base_url))}">verify</a>'
    if att.revoked:
        state = f'<span class="status revoked">Revoked</span> {_e(att.revoked_at or "")}'
        if att.reason:
            state += f"<br><small>{_e(att.reason)}</small>"
    else:
        state = '<span class="status passing">Active</span>'
    return (
        f'<tr data-attestation="{_e(att.att_id)}"><td><code>{_e(att.att_id)}</code></td>'
        f"<td>{_e(att.framework_id)} {_e(att.framework_version)}</td><td>{_e(att.issued_at)}</td>"
        f"<td>{state}</td><td><code>{_e(att.evidence_root)}</code></td><td>{link}</td></tr>"
    )


def _attestations(view: TrustCenterView, base_url: str) -> str:
    if not view.attestations:
        return "<p>No attestations issued.</p>"
    ordered = sorted(view.attestations, key=lambda a: (a.revoked, a.issued_at, a.att_id))
    head = "<tr><th>Attestation</th><th>Framework</th><th>Issued</th><th>State</th><th>Evidence root</th><th></th></tr>"
    rows = "".join(_attestation_row(att, base_url) for att in ordered)
    more = _more(view, "attestations", len(view.attestations), view.attestations_total, base_url)
    return f'<table id="attestations">{head}{rows}</table>{more}'


def _more(view: TrustCenterView, what: str, shown: int, total: int, base_url: str) -> str:
    """A line under a list cut to its first page, linking to the JSON that pages through all."""
    if total <= shown:
        return ""
    url = f"{base_url}/api/v1/trust/{quote(view.org.slug, safe='')}?{what}_offset={shown}"
    return f'<p class="more">Showing {shown} of {total}. <a href="{_e(url)}">The next ones, as JSON</a></p>'


def _cards(view: TrustCenterView, base_url: str) -> str:
    if not view.cards:
        return "<p>No published result cards.</p>"
    items = "".join(
        f'<li><a href="{_e(card_page_url(card.slug, base_url))}">{_e(card.title or card.slug)}</a></li>'
        for card in sorted(view.cards, key=lambda c: c.slug)
    )
    return f'<ul id="cards">{items}</ul>{_more(view, "cards", len(view.cards), view.cards_total, base_url)}'


def render_trust_center(view: TrustCenterView, *, base_url: str = "") -> str:
    """The trust-center page; ``base_url`` prefixes links (empty: site-relative links)."""
    name = _e(view.org.name)
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f'<title>{name} · Trust center · QuantumLedger</title><link rel="icon" href="/static/favicon.svg">'
        f"<style>{_STYLE}</style></head>"
        f"<body>{site_nav(base_url=base_url)}"
        f"<header><h1>{name}</h1><p>Trust center of <code>{_e(view.org.slug)}</code>. "
        "Every status below is backed by signed evidence: verify an attestation with the link "
        f'beside it, or offline with the <a href="{_e(base_url + JWKS_PATH)}">public keys</a>.</p>'
        "</header><main>"
        f"<section><h2>Frameworks</h2>{_frameworks(view)}</section>"
        f"<section><h2>Attestations</h2>{_attestations(view, base_url)}</section>"
        f"<section><h2>Published result cards</h2>{_cards(view, base_url)}</section>"
        "</main></body></html>\n"
    )
