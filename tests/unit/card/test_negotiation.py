from __future__ import annotations

import pytest

from services.card.domain.citation import negotiate_format
from services.card.domain.errors import NotAcceptable, UnsupportedFormat


@pytest.mark.parametrize(
    ("param", "expected"),
    [("bibtex", "bibtex"), ("BIB", "bibtex"), ("csl", "csl"), ("csl-json", "csl"), ("ris", "ris"), ("cff", "cff")],
)
def test_format_parameter(param: str, expected: str) -> None:
    assert negotiate_format(param, "application/x-research-info-systems").name == expected


def test_unknown_format_parameter_is_an_error_not_a_fallback() -> None:
    with pytest.raises(UnsupportedFormat, match="bibtex, csl, ris, cff"):
        negotiate_format("endnote", None)


@pytest.mark.parametrize(
    ("accept", "expected"),
    [
        (None, "bibtex"),
        ("", "bibtex"),
        ("*/*", "bibtex"),
        ("application/x-bibtex", "bibtex"),
        ("text/x-bibtex", "bibtex"),
        ("application/vnd.citationstyles.csl+json", "csl"),
        ("application/citeproc+json", "csl"),
        ("application/json", "csl"),
        ("application/x-research-info-systems", "ris"),
        ("application/x-yaml", "cff"),
        ("text/yaml", "cff"),
        ("APPLICATION/X-RESEARCH-INFO-SYSTEMS", "ris"),
        ("application/x-bibtex;q=0.5, application/x-research-info-systems", "ris"),
        ("application/x-research-info-systems;q=0.2, application/vnd.citationstyles.csl+json;q=0.9", "csl"),
        ("text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", "bibtex"),
        ("application/x-bibtex;q=0, */*", "csl"),
        ("text/*", "bibtex"),
        ("text/*;q=0.1, application/x-yaml;q=0.5", "cff"),
    ],
)
def test_accept_negotiation(accept: str | None, expected: str) -> None:
    assert negotiate_format(None, accept).name == expected


@pytest.mark.parametrize("accept", ["text/html", "image/png, application/pdf", "application/x-bibtex;q=0"])
def test_nothing_acceptable_is_406(accept: str) -> None:
    with pytest.raises(NotAcceptable):
        negotiate_format(None, accept)


def test_format_parameter_wins_over_accept() -> None:
    assert negotiate_format("cff", "application/x-bibtex").name == "cff"
    assert negotiate_format("  ", "application/x-yaml").name == "cff"  # blank parameter: ignored
