"""Citations over HTTP in every format (by ?format= and by Accept), parsed by tools that are not
ours; the embed snippet and oEmbed."""

from __future__ import annotations

import json
import warnings
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import bibtexparser
import citeproc
import pytest
import rispy
from bibtexparser.middlewares import LatexDecodingMiddleware, SeparateCoAuthors, SplitNameParts
from cffconvert import Citation as CffCitation
from citeproc import Citation, CitationItem, CitationStylesBibliography, CitationStylesStyle, formatter
from citeproc.source.json import CiteProcJSON

from tests.fixtures import Stack
from tests.integration.card.helpers import ghz, ingest, publish

pytestmark = pytest.mark.integration

STYLE = Path(citeproc.__file__).parent / "data" / "styles" / "harvard-cite-them-right.csl"
TITLE = "GHZ-3 auf ibm_kyiv — Zoë’s Zustand"  # noqa: RUF001
TYPES = {
    "bibtex": "application/x-bibtex; charset=utf-8",
    "csl": "application/vnd.citationstyles.csl+json",
    "ris": "application/x-research-info-systems; charset=utf-8",
    "cff": "application/x-yaml; charset=utf-8",
}


@pytest.fixture(scope="module")
async def card(stack: Stack) -> dict[str, Any]:
    t = await stack.tenant()
    async with stack.client(t) as c:
        run_id = await ingest(c, ghz("kyiv", seed=77))
        return await publish(c, run_id, title=TITLE, abstract="A GHZ state.", keywords=["GHZ"])


def _check_bibtex(text: str, card: dict[str, Any]) -> None:
    library = bibtexparser.parse_string(
        text, append_middleware=[LatexDecodingMiddleware(), SeparateCoAuthors(), SplitNameParts()]
    )
    assert library.failed_blocks == [] and len(library.entries) == 1
    fields = library.entries[0].fields_dict
    assert fields["title"].value == TITLE
    names = [(n.first, n.von, n.last) for n in fields["author"].value]
    assert names == [(["Zoë"], [], ["Ñúñez"]), ([], [], ["李雷"]), (["Ludwig"], ["van"], ["Beethoven"])]
    assert fields["url"].value == card["links"]["html"]
    assert card["run"]["run_hash"] in fields["note"].value


def _check_csl(text: str, card: dict[str, Any]) -> None:
    items = json.loads(text)
    key = items[0]["id"]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        style = CitationStylesStyle(str(STYLE), validate=False)
        bibliography = CitationStylesBibliography(style, CiteProcJSON(items), formatter.plain)
        bibliography.register(Citation([CitationItem(key)]))
        [reference] = [str(entry) for entry in bibliography.bibliography()]
    assert reference.startswith("Ñúñez, Z., 李雷 and van Beethoven, L. (")
    assert TITLE in reference and card["links"]["html"] in reference


def _check_ris(text: str, card: dict[str, Any]) -> None:
    [entry] = rispy.loads(text)
    assert entry["type_of_reference"] == "DATA" and entry["title"] == TITLE
    assert entry["authors"] == ["Ñúñez, Zoë", "李雷", "van Beethoven, Ludwig"]
    assert entry["urls"] == [card["links"]["html"]]


def _check_cff(text: str, card: dict[str, Any]) -> None:
    citation = CffCitation(text)
    citation.validate()  # cffconvert's CITATION.cff 1.2.0 schema; raises when invalid
    doc = citation.cffobj
    assert doc["title"] == TITLE and doc["authors"][1] == {"family-names": "李雷", "affiliation": "清华大学"}
    assert doc["authors"][0]["orcid"] == "https://orcid.org/0000-0002-1825-0097"


CHECKS = {"bibtex": _check_bibtex, "csl": _check_csl, "ris": _check_ris, "cff": _check_cff}
ACCEPT = {
    "bibtex": "application/x-bibtex",
    "csl": "application/vnd.citationstyles.csl+json",
    "ris": "application/x-research-info-systems",
    "cff": "application/x-yaml",
}


@pytest.mark.parametrize("fmt", list(TYPES))
async def test_every_citation_format_parses_in_the_real_tools(stack: Stack, card: dict[str, Any], fmt: str) -> None:
    async with stack.client() as anon:
        by_param = await anon.get(f"/api/v1/cards/{card['slug']}/citation", params={"format": fmt})
        by_accept = await anon.get(
            f"/api/v1/cards/{card['slug']}/citation", headers={"Accept": f"text/html;q=0.5, {ACCEPT[fmt]}"}
        )
    for r in (by_param, by_accept):
        assert r.status_code == 200, r.text
        assert r.headers["content-type"] == TYPES[fmt]
        assert "set-cookie" not in r.headers and r.headers["etag"].startswith('"')
        CHECKS[fmt](r.content.decode("utf-8"), card)
    assert by_param.content == by_accept.content
    assert card["links"]["citations"][fmt].endswith(f"/citation?format={fmt}")


async def test_citation_defaults_and_refusals(stack: Stack, card: dict[str, Any]) -> None:
    url = f"/api/v1/cards/{card['slug']}/citation"
    async with stack.client() as anon:
        plain = await anon.get(url)
        assert plain.headers["content-type"].startswith("application/x-bibtex")
        assert (await anon.get(url, params={"format": "docx"})).status_code == 422
        refused = await anon.get(url, headers={"Accept": "image/png"})
        assert refused.status_code == 406 and "application/x-bibtex" in refused.json()["available"]
        assert (await anon.get("/api/v1/cards/no-such-card/citation")).status_code == 404


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))


async def test_embed_snippet_and_oembed(stack: Stack, card: dict[str, Any]) -> None:
    async with stack.client() as anon:
        snippet = await anon.get(f"/api/v1/cards/{card['slug']}/embed")
        answer = await anon.get(f"/api/v1/cards/{card['slug']}/embed", params={"format": "json", "maxwidth": 400})
        page = await anon.get(f"/cards/{card['slug']}", params={"embed": "1"})
        xml = await anon.get(f"/api/v1/cards/{card['slug']}/embed", params={"format": "xml"})
    assert snippet.status_code == 200 and snippet.headers["content-type"].startswith("text/html")
    parser = _Tags()
    parser.feed(snippet.text)
    [(tag, attrs)] = parser.tags
    assert tag == "iframe" and attrs["src"] == card["links"]["embed_page"]
    assert "allow-same-origin" not in (attrs["sandbox"] or "")
    oembed = answer.json()
    assert (oembed["type"], oembed["version"], oembed["width"]) == ("rich", "1.0", 400)
    assert oembed["title"] == TITLE and "<iframe" in oembed["html"]
    assert page.status_code == 200 and '<body class="embed">' in page.text
    assert "frame-ancestors *" in page.headers["content-security-policy"]
    assert xml.status_code == 501
