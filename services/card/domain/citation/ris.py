"""RIS: one ``TY  - DATA`` record, lines ending in CR LF as the RIS specification has them.

Every value is one line (RIS has no continuation), so newlines inside text become spaces.
"""

from __future__ import annotations

from services.card.domain.citation.common import PUBLISHER, cite_key, note, published_date
from services.card.domain.links import CardLinks
from services.card.domain.model import Card
from services.card.domain.names import split_name

__all__ = ["to_ris"]


def _line(tag: str, value: str) -> str:
    return f"{tag}  - {' '.join(value.split())}\r\n"


def _author(name: str) -> str:
    parts = split_name(name)
    if parts.literal:
        return parts.literal
    return f"{parts.family_with_particle}, {parts.given}" if parts.given else parts.family_with_particle


def to_ris(card: Card, links: CardLinks) -> str:
    """The RIS record of ``card``."""
    issued = published_date(card)
    lines = [_line("TY", "DATA"), _line("ID", cite_key(card)), _line("TI", card.title)]
    lines += [_line("AU", _author(author.name)) for author in card.authors]
    lines += [
        _line("PY", str(issued.year)),
        _line("DA", f"{issued.year:04d}/{issued.month:02d}/{issued.day:02d}"),
        _line("PB", PUBLISHER),
        _line("ET", str(card.version)),
        _line("UR", links.html),
    ]
    if card.abstract:
        lines.append(_line("AB", card.abstract))
    lines += [_line("KW", keyword) for keyword in card.keywords]
    lines.append(_line("N1", note(card)))
    lines.append("ER  - \r\n")
    return "".join(lines)
