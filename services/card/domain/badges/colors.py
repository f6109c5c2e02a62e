"""Badge colors as shields names them, and the hex badge-maker draws for each name."""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal

__all__ = ["NAMED_COLORS", "brightness", "to_svg_color"]

# badge-maker 6.0.0 lib/color.js: namedColors and their aliases
NAMED_COLORS = {
    "brightgreen": "#4b0",
    "green": "#67ac09",
    "yellow": "#d8b800",
    "yellowgreen": "#95991a",
    "orange": "#ea7233",
    "red": "#dd4343",
    "blue": "#007ec6",
    "grey": "#555",
    "lightgrey": "#939393",
}
_ALIASES = {
    "gray": "grey",
    "lightgray": "lightgrey",
    "critical": "red",
    "important": "orange",
    "success": "brightgreen",
    "informational": "blue",
    "inactive": "lightgrey",
}
_HEX = re.compile(r"^#?((?:[0-9a-f]{3}){1,2})$", re.IGNORECASE)


def to_svg_color(color: str) -> str:
    """A shields color name or hex (with or without ``#``) as the hex drawn in the SVG."""
    name = _ALIASES.get(color, color)
    if name in NAMED_COLORS:
        return NAMED_COLORS[name]
    match = _HEX.match(color)
    if match is None:
        raise ValueError(f"not a badge color: {color!r}")
    return "#" + match.group(1).lower()


def brightness(hex_color: str) -> float:
    """Perceived brightness in [0, 1], rounded to 2 places as badge-maker rounds it."""
    digits = _HEX.match(hex_color)
    if digits is None:
        raise ValueError(f"not a hex color: {hex_color!r}")
    value = digits.group(1)
    if len(value) == 3:
        value = "".join(char * 2 for char in value)
    red, green, blue = (int(value[i : i + 2], 16) for i in (0, 2, 4))
    exact = Decimal((red * 299 + green * 587 + blue * 114) / 255000)
    return float(exact.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))
