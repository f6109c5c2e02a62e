"""Every citation format, parsed by tools that are not ours."""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import bibtexparser
import citeproc
import msgspec
import pytest
import rispy
from bibtexparser.middlewares import LatexDecodingMiddleware, SeparateCoAuthors, SplitNameParts
from cffconvert import Citation as CffCitation
from citeproc import Citation, CitationItem, CitationStylesBibliography, CitationStylesStyle, formatter
from citeproc.source.json import CiteProcJSON

from services.card.domain.citation import FORMATS, escape_latex, render_citation, to_bibtex, to_cff, to_csl_json, to_ris
from services.card.domain.links import CardLinks
from services.card.domain.model import Card, PublishRequest

STYLE = Path(citeproc.__file__).parent / "data" / "styles" / "harvard-cite-them-right.csl"
KEY = "ql-ghz-3-ibm-kyiv-v1"


def _plain(card: Card) -> Card:
    """The fixture card with a title free of LaTeX specials (for exact round trips)."""
    return msgspec.structs.replace(card, title="GHZ-3 auf ibm_kyiv — Zoë’s ≈0.95 Zustand")  # noqa: RUF001


def test_bibtex_parses_and_round_trips_authors_and_title(card: Card, links: CardLinks) -> None:
    plain = _plain(card)
    library = bibtexparser.parse_string(
        to_bibtex(plain, links),
        append_middleware=[LatexDecodingMiddleware(), SeparateCoAuthors(), SplitNameParts()],
    )
    assert library.failed_blocks == [] and len(library.entries) == 1
    entry = library.entries[0]
    assert (entry.entry_type, entry.key) == ("misc", KEY)
    fields = entry.fields_dict
    assert fields["title"].value == plain.title
    names = [(n.first, n.von, n.last) for n in fields["author"].value]
    assert names == [(["Zoë"], [], ["Ñúñez"]), ([], [], ["李雷"]), (["Ludwig"], ["van"], ["Beethoven"])]
    assert fields["url"].value == links.html == fields["howpublished"].value
    assert (fields["year"].value, fields["month"].value, fields["version"].value) == ("2026", "nov", "1")
    assert card.run.run_hash in fields["note"].value


def test_bibtex_escapes_every_latex_special(card: Card, links: CardLinks) -> None:
    text = to_bibtex(card, links)
    library = bibtexparser.parse_string(text)  # no decoding: the raw field as written
    assert library.failed_blocks == []
    raw_title = library.entries[0].fields_dict["title"].value
    assert raw_title == "{" + escape_latex(card.title) + "}"
    assert escape_latex(r"95% & {b} #1 ~ $x^2$ \ a_b") == (
        r"95\% \& \textbraceleft{}b\textbraceright{} \#1 \textasciitilde{} \$x\textasciicircum{}2\$"
        r" \textbackslash{} a\_b"
    )
    # BibTeX counts braces to find a field's end: every field's braces balance
    for line in text.splitlines()[1:-1]:
        assert line.count("{") == line.count("}"), line
    decoded = bibtexparser.parse_string(text, append_middleware=[LatexDecodingMiddleware()])
    assert "95% & " in decoded.entries[0].fields_dict["title"].value


def test_bibtex_keeps_non_ascii_as_utf8(card: Card, links: CardLinks) -> None:
    body = render_citation(card, links, "bibtex").body
    assert "Ñúñez, Zoë".encode() in body and "{李雷}".encode() in body
    assert b"\\~" not in body and b"{\\'" not in body


def test_csl_json_renders_a_reference_with_citeproc(card: Card, links: CardLinks) -> None:
    items = json.loads(to_csl_json(card, links))
    assert isinstance(items, list) and len(items) == 1
    item = items[0]
    assert (item["type"], item["id"], item["URL"]) == ("dataset", KEY, links.html)
    assert item["author"][:2] == [{"family": "Ñúñez", "given": "Zoë"}, {"literal": "李雷"}]
    assert item["issued"] == {"date-parts": [[2026, 11, 24]]}
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # citeproc-py warns on fields it does not understand
        style = CitationStylesStyle(str(STYLE), validate=False)
        bibliography = CitationStylesBibliography(style, CiteProcJSON(items), formatter.plain)
        bibliography.register(Citation([CitationItem(KEY)]))
        rendered = [str(entry) for entry in bibliography.bibliography()]
    assert len(rendered) == 1
    reference = rendered[0]
    assert reference.startswith("Ñúñez, Z., 李雷 and van Beethoven, L. (2026)")
    assert card.title in reference and links.html in reference and "QuantumLedger" in reference


def test_ris_parses_with_rispy(card: Card, links: CardLinks) -> None:
    text = to_ris(card, links)
    assert text.startswith("TY  - DATA\r\n") and text.endswith("ER  - \r\n")
    [entry] = rispy.loads(text)
    assert entry["type_of_reference"] == "DATA"
    assert entry["title"] == card.title
    assert entry["authors"] == ["Ñúñez, Zoë", "李雷", "van Beethoven, Ludwig"]
    assert (entry["year"], entry["date"], entry["edition"]) == ("2026", "2026/11/24", "1")
    assert entry["urls"] == [links.html] and entry["keywords"] == ["GHZ", "entanglement"]
    assert entry["abstract"] == "A three-qubit GHZ state. Prepared on IBM Kyiv; fidelity ≈ 0.95."
    assert card.run.run_hash in entry["notes"][0]


def test_cff_validates_against_the_cff_schema(card: Card, links: CardLinks) -> None:
    text = to_cff(card, links)
    assert text.startswith("cff-version: 1.2.0\n")
    citation = CffCitation(text)
    citation.validate()  # jsonschema against cffconvert's CITATION.cff 1.2.0 schema; raises if invalid
    document = citation.cffobj
    assert document["type"] == "dataset" and document["license"] == "CC-BY-4.0"
    assert document["authors"][0] == {
        "family-names": "Ñúñez",
        "given-names": "Zoë",
        "affiliation": "Universitat de Barcelona",
        "orcid": "https://orcid.org/0000-0002-1825-0097",
    }
    assert document["authors"][1] == {"family-names": "李雷", "affiliation": "清华大学"}
    assert document["date-released"] == "2026-11-24" and document["version"] == "1"
    assert "Ñúñez, Zoë and 李雷" in citation.as_bibtex()


def test_cff_stays_valid_without_optional_fields(card: Card, links: CardLinks, request_body: PublishRequest) -> None:
    bare = msgspec.structs.replace(card, abstract=None, keywords=(), license="MIT")
    CffCitation(to_cff(bare, links)).validate()


@pytest.mark.parametrize(
    ("name", "content_type"),
    [
        ("bibtex", "application/x-bibtex; charset=utf-8"),
        ("csl", "application/vnd.citationstyles.csl+json"),
        ("ris", "application/x-research-info-systems; charset=utf-8"),
        ("cff", "application/x-yaml; charset=utf-8"),
    ],
)
def test_rendered_citations_carry_their_content_type(
    card: Card, links: CardLinks, name: str, content_type: str
) -> None:
    rendered = render_citation(card, links, name)  # type: ignore[arg-type]
    assert rendered.content_type == content_type
    assert rendered.content_type.split(";")[0] == FORMATS[name].media_type
    text = rendered.body.decode("utf-8")  # UTF-8, never escaped to ASCII
    assert "Ñúñez" in text and "李雷" in text
