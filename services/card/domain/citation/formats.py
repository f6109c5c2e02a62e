"""Citation formats, their media types, and choosing one from ``?format=`` or ``Accept``.

``?format=`` wins when present (an unknown value is an error, not a fallback). Otherwise the
``Accept`` header is read as RFC 9110 says: media ranges with ``q`` weights, ``type/*`` and
``*/*`` wildcards, ``q=0`` meaning "not this"; the most specific matching range sets a
format's weight, the highest weight wins, ties go to our order (BibTeX first). No header, or
only wildcards, gives BibTeX.
"""

from __future__ import annotations

from typing import Literal

import msgspec

from services.card.domain.errors import NotAcceptable, UnsupportedFormat

__all__ = ["FORMATS", "CitationFormat", "FormatName", "negotiate_format"]

FormatName = Literal["bibtex", "csl", "ris", "cff"]


class CitationFormat(msgspec.Struct, frozen=True):
    name: FormatName
    media_type: str
    """What ``Content-Type`` names (parameters aside)."""
    content_type: str
    """The full ``Content-Type`` header value."""
    filename: str
    accepts: tuple[str, ...]
    """Media types that select this format in ``Accept`` (``media_type`` first)."""
    aliases: tuple[str, ...] = ()


FORMATS: dict[str, CitationFormat] = {
    "bibtex": CitationFormat(
        name="bibtex",
        media_type="application/x-bibtex",
        content_type="application/x-bibtex; charset=utf-8",
        filename="citation.bib",
        accepts=("application/x-bibtex", "text/x-bibtex"),
        aliases=("bib", "bibtex"),
    ),
    "csl": CitationFormat(
        name="csl",
        media_type="application/vnd.citationstyles.csl+json",
        content_type="application/vnd.citationstyles.csl+json",
        filename="citation.json",
        accepts=(
            "application/vnd.citationstyles.csl+json",
            "application/citeproc+json",
            "application/json",
        ),
        aliases=("csl", "csl-json", "csljson", "citeproc-json"),
    ),
    "ris": CitationFormat(
        name="ris",
        media_type="application/x-research-info-systems",
        content_type="application/x-research-info-systems; charset=utf-8",
        filename="citation.ris",
        accepts=("application/x-research-info-systems",),
        aliases=("ris",),
    ),
    "cff": CitationFormat(
        name="cff",
        media_type="application/x-yaml",
        content_type="application/x-yaml; charset=utf-8",
        filename="CITATION.cff",
        accepts=("application/x-yaml", "application/yaml", "text/yaml", "text/x-yaml"),
        aliases=("cff", "citation.cff", "citation-cff"),
    ),
}
_BY_ALIAS = {alias: fmt for fmt in FORMATS.values() for alias in fmt.aliases}


def _media_ranges(accept: str) -> list[tuple[str, float]]:
    ranges: list[tuple[str, float]] = []
    for part in accept.split(","):
        media, *params = (piece.strip() for piece in part.split(";"))
        if "/" not in media:
            continue
        weight = 1.0
        for param in params:
            key, _, value = param.partition("=")
            if key.strip().lower() == "q":
                try:
                    weight = min(max(float(value.strip()), 0.0), 1.0)
                except ValueError:
                    weight = 0.0
        ranges.append((media.lower(), weight))
    return ranges


def _weight(fmt: CitationFormat, ranges: list[tuple[str, float]]) -> float | None:
    """The weight of the most specific range matching ``fmt`` (None: no range matches)."""
    best: tuple[int, float] | None = None
    for media, weight in ranges:
        kind = media.split("/", 1)[0]
        if media in fmt.accepts:
            specificity = 2
        elif media == f"{kind}/*" and any(a.startswith(f"{kind}/") for a in fmt.accepts):
            specificity = 1
        elif media == "*/*":
            specificity = 0
        else:
            continue
        if best is None or specificity > best[0] or (specificity == best[0] and weight > best[1]):
            best = (specificity, weight)
    return None if best is None else best[1]


def negotiate_format(format_param: str | None, accept: str | None) -> CitationFormat:
    """The format to answer with; :class:`UnsupportedFormat` or :class:`NotAcceptable` if none."""
    if format_param is not None and format_param.strip():
        fmt = _BY_ALIAS.get(format_param.strip().lower())
        if fmt is None:
            raise UnsupportedFormat(f"unknown citation format {format_param!r}; use one of {', '.join(FORMATS)}")
        return fmt
    ranges = _media_ranges(accept or "")
    if not ranges:
        return FORMATS["bibtex"]
    weighted = [(weight, fmt) for fmt in FORMATS.values() if (weight := _weight(fmt, ranges))]
    if not weighted:
        raise NotAcceptable(f"no citation format matches Accept: {accept}")
    best_weight = max(weight for weight, _ in weighted)
    return next(fmt for weight, fmt in weighted if weight == best_weight)
