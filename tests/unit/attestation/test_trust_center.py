from __future__ import annotations

from html.parser import HTMLParser

import msgspec

from services.attestation.domain import (
    AttestationView,
    CardView,
    FrameworkStatusView,
    OrgView,
    TrustCenterView,
    render_trust_center,
)

VOID = {"meta", "br", "link", "img", "input", "hr"}


class _Page(HTMLParser):
    """Collects links, text and checks that every element is closed in order."""

    def __init__(self) -> None:
        super().__init__()
        self.stack: list[str] = []
        self.links: list[str] = []
        self.text: list[str] = []
        self.tags: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        if tag == "a":
            self.links.append(dict(attrs)["href"] or "")
        if tag not in VOID:
            self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        assert self.stack.pop() == tag

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def _parse(html: str) -> _Page:
    page = _Page()
    page.feed(html)
    page.close()
    assert page.stack == []
    return page


VIEW = TrustCenterView(
    org=OrgView(slug="qlab", name='Quantum <Lab> & "Friends"'),
    frameworks=[
        FrameworkStatusView(
            id="reproducibility-baseline",
            version="1.0.0",
            title="Quantum reproducibility baseline",
            status="failing",
            passing=7,
            failing=1,
            not_applicable=1,
            evaluated_at="2025-03-01T12:00:05Z",
        ),
        FrameworkStatusView(
            id="fair-research-data", version="1.0.0", title="FAIR research data", status="passing", passing=7
        ),
    ],
    attestations=[
        AttestationView(
            att_id="01JOLD",
            framework_id="fair-research-data",
            framework_version="1.0.0",
            issued_at="2025-01-01T00:00:00Z",
            evidence_root="ab" * 32,
            revoked=True,
            revoked_at="2025-02-01T00:00:00Z",
            reason="<script>alert(1)</script>",
        ),
        AttestationView(
            att_id="01JNEW",
            framework_id="reproducibility-baseline",
            framework_version="1.0.0",
            issued_at="2025-03-01T12:00:06Z",
            evidence_root="cd" * 32,
        ),
    ],
    cards=[CardView(slug="ghz-3-ibm-kyiv", title="GHZ-3 <b>on</b> ibm_kyiv"), CardView(slug="bell/../x", title="")],
)


def test_page_shows_everything_with_verify_links() -> None:
    html = render_trust_center(VIEW, base_url="https://quantumledger.ben.gy")
    page = _parse(html)
    text = " ".join(page.text)
    assert 'Quantum <Lab> & "Friends"' in text  # shown as text, after unescaping
    assert "Failing" in text and "Passing" in text and "Revoked" in text and "Active" in text
    assert "7 passing, 1 failing, 1 not applicable" in text
    assert "<script>alert(1)</script>" in text  # the reason is visible as text...
    assert "script" not in page.tags and "b" not in page.tags  # ...and never markup
    assert page.links == [
        "https://quantumledger.ben.gy/",  # the site's navigation: home, leaderboard, API docs
        "https://quantumledger.ben.gy/leaderboard",
        "https://quantumledger.ben.gy/docs",
        "https://quantumledger.ben.gy/.well-known/quantumledger-jwks.json",
        "https://quantumledger.ben.gy/attestations/01JNEW",  # pages, not JSON; active ones first
        "https://quantumledger.ben.gy/attestations/01JOLD",
        "https://quantumledger.ben.gy/cards/bell%2F..%2Fx",  # path segments are encoded
        "https://quantumledger.ben.gy/cards/ghz-3-ibm-kyiv",
    ]
    assert "ab" * 32 in text


def test_raw_html_escapes_user_text() -> None:
    html = render_trust_center(VIEW)
    assert "<script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "Quantum &lt;Lab&gt; &amp; &quot;Friends&quot;" in html
    assert html.startswith("<!DOCTYPE html>") and '<meta charset="utf-8">' in html
    assert 'href="/attestations/01JNEW"' in html  # site-relative without base_url


def test_empty_trust_center() -> None:
    page = _parse(render_trust_center(TrustCenterView(org=OrgView(slug="new", name="New Org"))))
    text = " ".join(page.text)
    assert "No frameworks enabled." in text and "No attestations issued." in text
    assert "No published result cards." in text


def test_a_list_cut_to_its_first_page_says_so_and_links_to_the_rest() -> None:
    view = msgspec.structs.replace(VIEW, attestations_total=250, cards_total=2)
    page = _parse(render_trust_center(view, base_url="https://quantumledger.ben.gy"))
    text = " ".join(page.text)
    assert "Showing 2 of 250." in text and text.count("Showing") == 1  # every card is shown
    assert "https://quantumledger.ben.gy/api/v1/trust/qlab?attestations_offset=2" in page.links
