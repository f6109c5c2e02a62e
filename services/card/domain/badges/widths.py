"""Text widths in Verdana 11px, measured the way shields.io measures them.

shields' ``badge-maker`` sizes every badge with ``anafanafo('11px Verdana')``: a table of
advance widths by code point, summed over the text's code points; control characters count 0
and a character missing from the table counts as wide as ``m``. ``verdana_11px.json`` is that
table (regenerate with ``services/card/tools/gen_verdana_widths.py``), so our widths are
shields' widths, not guesses.
"""

from __future__ import annotations

import bisect
import functools
import json
from importlib import resources

__all__ = ["preferred_width", "text_width"]


class _Table:
    def __init__(self, ranges: list[list[float]]) -> None:
        self.lows = [int(lo) for lo, _, _ in ranges]
        self.highs = [int(hi) for _, hi, _ in ranges]
        self.widths = [float(width) for _, _, width in ranges]
        self.em = self.width_of_code("m") or 0.0

    def width_of_code(self, char: str) -> float | None:
        code = ord(char)
        if code <= 31 or code == 127:
            return 0.0
        index = bisect.bisect_right(self.lows, code) - 1
        if index >= 0 and code <= self.highs[index]:
            return self.widths[index]
        return None


@functools.cache
def _table() -> _Table:
    data = json.loads(resources.files(__package__).joinpath("verdana_11px.json").read_text("utf-8"))
    return _Table(data["ranges"])


def text_width(text: str) -> float:
    """The width of ``text`` in px at 11px Verdana (anafanafo's ``widthOf`` with guessing on)."""
    table = _table()
    total = 0.0
    for char in text:
        width = table.width_of_code(char)
        total += table.em if width is None else width
    return total


def preferred_width(text: str) -> int:
    """badge-maker's ``preferredWidthOf``: truncated to an integer, then rounded up to odd."""
    width = int(text_width(text))
    return width + 1 if width % 2 == 0 else width
