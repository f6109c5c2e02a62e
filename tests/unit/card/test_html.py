"""The card page, embed snippet and oEmbed: escaped, self-contained, complete."""

from __future__ import annotations

import json
from html.parser import HTMLParser

import msgspec
import pytest

from services.card.domain.attestations import AttestationSummary
from services.card.domain.citation import to_bibtex
from services.card.domain.html import (
    content_security_policy,
    embed_snippet,
    oembed,
    render_card_page,
    render_tombstone_page,
)
from services.card.domain.lifecycle import withdraw
from services.card.domain.links import CardLinks
from services.card.domain.model import Card, Reproduction

HOSTILE = 'GHZ <script>alert("x")</script> & "quotes" \'single\''
VOID = {"meta", "link", "img", "br", "input"}


class Page(HTMLParser):
    """Collects elements, checks nesting, and keeps the text of script/style/pre blocks."""

    def __init__(self, text: str) -> None:
        super().__init__(convert_charrefs=True)
        self.elements: list[tuple[str, dict[str, str | None]]] = []
        self.stack: list[str] = []
        self.raw: dict[str, list[str]] = {"script": [], "style": []}
        self.pre: dict[str, str] = {}
        self._pre_id: str | None = None
        self.text: list[str] = []
        self.feed(text)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.elements.append((tag, dict(attrs)))
        if tag not in VOID:
            self.stack.append(tag)
        if tag == "pre":
            self._pre_id = dict(attrs).get("id")
            self.pre[self._pre_id or ""] = ""

    def handle_endtag(self, tag: str) -> None:
        assert self.stack and self.stack[-1] == tag, f"</{tag}> closes <{self.stack[-1:]}>"
        self.stack.pop()
        if tag == "pre":
            self._pre_id = None

    def handle_data(self, data: str) -> None:
        if self.stack and self.stack[-1] in self.raw:
            self.raw[self.stack[-1]].append(data)
        elif self._pre_id is not None:
            self.pre[self._pre_id] += data
        else:
            self.text.append(data)

    def all(self, tag: str) -> list[dict[str, str | None]]:
        return [attrs for name, attrs in self.elements if name == tag]


def _reproduction() -> Reproduction:
    return Reproduction(
        reproduction_id="01JREPRO",
        run_id="01JREPRUN",
        run_hash="f" * 64,
        workspace_id="01JWS",
        backend_provider="ibm",
        backend_name="ibm_brisbane<b>",
        shots=4096,
        hellinger_fidelity=0.97312,
        noise_floor=0.0008,
        verdict="drifted",
        submitted_at="2026-11-26T12:00:00Z",
    )


@pytest.fixture
def hostile(card: Card) -> Card:
    return msgspec.structs.replace(card, title=HOSTILE)


def test_card_page_is_complete_and_balanced(card: Card, links: CardLinks) -> None:
    html = render_card_page(
        card, links, [_reproduction()], attestations=AttestationSummary("passing", ("EU-AI-Act",), 3, 3)
    )
    assert html.startswith("<!doctype html>")
    page = Page(html)
    assert page.stack == []
    images = page.all("img")
    assert [img["src"] for img in images] == [links.badges[kind].svg for kind in links.badges]
    assert [img["alt"] for img in images] == [
        "provenance: verified",
        "reproduced: 0 of 1 independent",
        "fidelity: 0.973",
        "backend: ibm/ibm_kyiv",
        "attested: EU-AI-Act passing",
    ]
    text = " ".join(page.text)
    for expected in ("Zoë Ñúñez", "李雷", "4096", "2026-11-20T08:00:00Z", card.run.run_hash, "drifted", "0.973"):
        assert expected in text
    assert "ibm/ibm_brisbane<b>" in text  # shown as text, not markup
    hrefs = {a["href"] for a in page.all("a")}
    assert {links.provenance, "https://orcid.org/0000-0002-1825-0097", *links.citations.values()} <= hrefs


def test_copy_buttons_point_at_the_citations_and_embed_code(card: Card, links: CardLinks) -> None:
    page = Page(render_card_page(card, links))
    targets = [button["data-copy"] for button in page.all("button")]
    assert targets == ["cite-bibtex", "cite-csl", "cite-ris", "cite-cff", "embed-code"]
    assert page.pre["cite-bibtex"] == to_bibtex(card, links)
    assert json.loads(page.pre["cite-csl"])[0]["title"] == card.title
    assert page.pre["embed-code"] == embed_snippet(card, links)


def test_user_text_is_escaped_everywhere(hostile: Card, links: CardLinks) -> None:
    html = render_card_page(hostile, links)
    assert "<script>alert" not in html
    page = Page(html)
    assert [s.get("src") for s in page.all("script")] == [None, "/static/card/card.js", "/static/card/verify.js"]
    assert page.all("title") and HOSTILE in "".join(page.text)
    assert any(attrs.get("content") == HOSTILE for attrs in page.all("meta"))
    iframe = Page(page.pre["embed-code"]).all("iframe")[0]
    assert iframe["title"] == f"{HOSTILE} - QuantumLedger Result Card"


def test_page_has_no_inline_code_and_its_csp_allows_only_its_own_files(card: Card, links: CardLinks) -> None:
    """Under ``default-src 'self'; script-src 'self'`` (or the card's own, stricter, policy) the
    page needs nothing inline: its style and scripts are files of the gateway's /static/."""
    page = Page(render_card_page(card, links))
    scripts = page.all("script")
    assert all((s.get("src") or "").startswith("/static/card/") for s in scripts if s.get("type") != "application/json")
    assert [s["id"] for s in scripts if s.get("type") == "application/json"] == ["ql-card-data"]  # data, never run
    assert page.raw["style"] == [] and all("style" not in attrs for _, attrs in page.elements)
    sheets = [attrs["href"] for attrs in page.all("link") if attrs.get("rel") == "stylesheet"]
    assert sheets == ["/static/card/card.css"]
    assert all((img["src"] or "").startswith(links.origin + "/") for img in page.all("img"))
    policy = content_security_policy(links.origin)
    assert "default-src 'none'" in policy and f"img-src 'self' {links.origin};" in policy
    for directive in ("script-src 'self';", "style-src 'self';", "connect-src 'self';"):
        assert directive in policy
    assert "unsafe-inline" not in policy and "sha256-" not in policy


def test_page_hands_the_checks_their_data_as_json(hostile: Card, links: CardLinks) -> None:
    refs = [("01JATT1", "reproducibility-baseline"), ("01JATT2</script><script>x", "fair-research-data")]
    html = render_card_page(hostile, links, attestation_refs=refs)
    assert "</script><script>x" not in html
    page = Page(html)
    [block] = page.raw["script"]
    data = json.loads(block)
    assert data == {
        "slug": hostile.slug,
        "run_hash": hostile.run.run_hash,
        "attestations": [{"id": i, "framework": f} for i, f in refs],
    }
    checks = [li["data-check"] for li in page.all("li") if "data-check" in li]
    assert checks == ["document", "attestation", "entry", "checkpoint", "inclusion"]
    assert [ol.get("aria-live") for ol in page.all("ol") if ol.get("id") == "card-checks"] == ["polite"]
    assert "Not checked" in "".join(page.text)  # without JavaScript nothing claims to have passed


def test_page_offers_oembed_discovery_and_scholar_metadata(card: Card, links: CardLinks) -> None:
    page = Page(render_card_page(card, links))
    alternates = {attrs["type"]: attrs["href"] for attrs in page.all("link") if attrs.get("rel") == "alternate"}
    assert alternates["application/json+oembed"] == links.oembed
    meta = [(m.get("name"), m.get("content")) for m in page.all("meta")]
    assert ("citation_author", "Zoë Ñúñez") in meta and ("citation_publication_date", "2026/11/24") in meta


def test_embed_page_is_compact(card: Card, links: CardLinks) -> None:
    page = Page(render_card_page(card, links, embed=True))
    assert page.all("body")[0]["class"] == "embed"
    assert page.all("button") == [] and page.pre == {}
    assert page.all("script") == []  # the embed iframe's sandbox runs no script
    assert len(page.all("img")) == 5
    assert any(a["href"] == links.html and a["target"] == "_blank" for a in page.all("a"))


def test_withdrawn_cards_show_only_a_tombstone(card: Card, links: CardLinks) -> None:
    gone = withdraw(card, now="2026-12-01T00:00:00Z")
    with pytest.raises(ValueError):
        render_card_page(gone, links)
    html = render_tombstone_page(gone.tombstone())
    assert "withdrawn" in html and "2026-12-01T00:00:00Z" in html and card.slug in html
    for secret in (card.title, "Ñúñez", card.run.run_hash):
        assert secret not in html


def test_embed_snippet(card: Card, links: CardLinks) -> None:
    [iframe] = Page(embed_snippet(card, links)).all("iframe")
    assert iframe["src"] == links.embed_page and (iframe["width"], iframe["height"]) == ("560", "360")
    assert "allow-same-origin" not in (iframe["sandbox"] or "")


def test_oembed(card: Card, links: CardLinks) -> None:
    answer = msgspec.to_builtins(oembed(card, links))
    assert (answer["type"], answer["version"], answer["provider_name"]) == ("rich", "1.0", "QuantumLedger")
    assert (answer["width"], answer["height"], answer["title"]) == (560, 360, card.title)
    assert answer["html"] == embed_snippet(card, links) and answer["provider_url"] == links.origin + "/"
    assert answer["author_name"] == "Zoë Ñúñez, 李雷, Ludwig van Beethoven"
    small = oembed(card, links, maxwidth=400, maxheight=300)
    assert (small.width, small.height) == (400, 300)
    [iframe] = Page(small.html).all("iframe")
    assert (iframe["width"], iframe["height"]) == ("400", "300")
    assert oembed(card, links, maxwidth=10).width == 240  # never narrower than the page can be read


def test_full_page_joins_the_site_and_the_embed_stays_bare(card: Card, links: CardLinks) -> None:
    """The full page wears the site's header (public links only: the card service reads no
    session) and footer; the embed, shown inside other sites, has no navigation."""
    page = Page(render_card_page(card, links))
    [nav] = page.all("nav")
    assert nav["aria-label"] == "Main"
    hrefs = [a["href"] for a in page.all("a")]
    assert hrefs[:4] == ["#main", "/", "/leaderboard", "/docs"]  # skip link, then home, leaderboard, API docs
    assert not {"/runs", "/settings", "/signout", "/compare"} & set(hrefs)
    assert page.all("main")[0]["id"] == "main" and len(page.all("footer")) == 1
    assert page.all("body")[0]["class"] == "site"
    assert page.pre["embed-code"] == embed_snippet(card, links)  # the sections below the header are all there
    assert any(ol.get("id") == "card-checks" for ol in page.all("ol"))
    embed = Page(render_card_page(card, links, embed=True))
    assert embed.all("nav") == [] and embed.all("header") == [] and embed.all("footer") == []
    tombstone = Page(render_tombstone_page(withdraw(card, now="2026-12-01T00:00:00Z").tombstone()))
    assert len(tombstone.all("nav")) == 1


def test_embed_is_a_bounded_compact_card(card: Card, links: CardLinks) -> None:
    """Every line of the embed is bounded (card.css cuts it), so the frame's height does not grow
    with the card; long author lists are summarized, every value still escaped."""
    many = [*card.authors, *(msgspec.structs.replace(card.authors[0], name=f"<b>Author {i}</b>") for i in range(9))]
    big = msgspec.structs.replace(card, title=HOSTILE, authors=many)
    html = render_card_page(big, links, embed=True)
    page = Page(html)
    assert "<script>alert" not in html and "<b>Author" not in html
    [h1] = page.all("h1")
    assert h1["title"] == HOSTILE
    [byline] = [p for p in page.all("p") if p.get("class") == "byline"]
    assert byline["title"] == ", ".join(author.name for author in many)
    text = " ".join(page.text)
    assert "Zoë Ñúñez, 李雷, Ludwig van Beethoven and 9 more · version 1 · 2026-11-24" in text
    assert [th for th in page.text if th in ("Program", "Backend", "Shots", "run_hash")] == [
        "Program",
        "Backend",
        "Shots",
        "run_hash",
    ]
    [facts] = [t for t in page.all("table") if t.get("class") == "facts"]
    assert facts is not None and card.run.run_hash in text
    assert [a["class"] for a in page.all("a") if a["href"] == links.html] == ["embed-more"]
