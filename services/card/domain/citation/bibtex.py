"""BibTeX: one ``@misc`` entry, UTF-8, with LaTeX specials escaped.

``@misc`` is the entry every BibTeX style and biblatex know; ``howpublished`` carries the URL
for classic styles and ``url`` for biblatex/natbib. Non-ASCII text is kept as UTF-8 (biber,
bibtexu and LaTeX's ``inputenc`` default read it), only the characters LaTeX gives meaning to
are escaped. Braces in text become ``\\textbraceleft{}``/``\\textbraceright{}`` because BibTeX
counts ``\\{`` when it looks for the end of a field.
"""

from __future__ import annotations

from services.card.domain.citation.common import PUBLISHER, cite_key, note, published_date
from services.card.domain.links import CardLinks
from services.card.domain.model import Card
from services.card.domain.names import split_name

__all__ = ["escape_latex", "to_bibtex"]

_LATEX = {
    "\\": r"\textbackslash{}",
    "{": r"\textbraceleft{}",
    "}": r"\textbraceright{}",
    "$": r"\$",
    "&": r"\&",
    "%": r"\%",
    "#": r"\#",
    "_": r"\_",
    "^": r"\textasciicircum{}",
    "~": r"\textasciitilde{}",
}
_MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")


def escape_latex(text: str) -> str:
    """Escape the LaTeX special characters of plain ``text``; everything else stays as is."""
    return "".join(_LATEX.get(char, char) for char in text)


def _url(url: str) -> str:
    if any(char in url for char in '{}\\ "') or not url.isascii():
        raise ValueError(f"URL not safe in BibTeX: {url!r}")
    return url


def _author(name: str) -> str:
    """One name in BibTeX's ``von Last, First`` form; unsplittable names are braced whole."""
    parts = split_name(name)
    if parts.literal:
        return "{" + escape_latex(parts.literal) + "}"
    family = escape_latex(parts.family)
    if " and " in f" {family.lower()} " or "," in family:
        family = "{" + family + "}"
    given = escape_latex(parts.given)
    particle = escape_latex(parts.particle)
    front = f"{particle} {family}" if particle else family
    return f"{front}, {given}" if given else front


def to_bibtex(card: Card, links: CardLinks) -> str:
    """The BibTeX entry of ``card`` (one ``@misc``, ending in a newline)."""
    issued = published_date(card)
    fields: list[tuple[str, str]] = [
        ("author", "{" + " and ".join(_author(author.name) for author in card.authors) + "}"),
        ("title", "{{" + escape_latex(card.title) + "}}"),
        ("year", "{" + str(issued.year) + "}"),
        ("month", _MONTHS[issued.month - 1]),
        ("publisher", "{" + PUBLISHER + "}"),
        ("version", "{" + str(card.version) + "}"),
        ("howpublished", "{\\url{" + _url(links.html) + "}}"),
        ("url", "{" + _url(links.html) + "}"),
        ("note", "{" + escape_latex(note(card)) + "}"),
    ]
    if card.keywords:
        fields.append(("keywords", "{" + escape_latex(", ".join(card.keywords)) + "}"))
    width = max(len(name) for name, _ in fields)
    body = ",\n".join(f"  {name.ljust(width)} = {value}" for name, value in fields)
    return f"@misc{{{cite_key(card)},\n{body}\n}}\n"
