"""SVG badges in shields' "flat" style, byte-for-byte what ``badge-maker`` 6 draws.

The geometry follows ``badge-maker/lib/badge-renderers.js`` (class ``Flat``, no logo, no
links): 20 px high, 5 px padding each side of each text, text drawn at 10x size and scaled by
0.1 with an explicit ``textLength`` so every renderer fits it to the measured width, a 1 px
shadow under light-on-dark text. ``tests/unit/card/golden/shields_flat.json`` holds
badge-maker's own output for a set of badges; the renderer must match it exactly.
"""

from __future__ import annotations

import re

from services.card.domain.badges.colors import brightness, to_svg_color
from services.card.domain.badges.widths import preferred_width

__all__ = ["DEFAULT_LABEL_COLOR", "render_flat"]

DEFAULT_LABEL_COLOR = "#555"
_HEIGHT = 20
_PADDING = 5
_FONT_FAMILY = "Verdana,Geneva,DejaVu Sans,sans-serif"
_WHITE = "#fff"
_STRIP = (re.compile(r">\s+"), re.compile(r"<\s+"))


def _escape(text: str) -> str:
    return (
        text.replace("&", "&amp;")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
        .replace('"', "&quot;")
        .replace("'", "&apos;")
    )


def _element(name: str, attrs: dict[str, str | int], *content: str) -> str:
    attributes = "".join(f' {key}="{_escape(str(value))}"' for key, value in attrs.items())
    if not content:
        return f"<{name}{attributes}/>"
    return f"<{name}{attributes}>{' '.join(content)}</{name}>"


def _text(content: str, *, margin: int, width: int, background: str) -> str:
    """One text with its shadow (``getTextElement`` with ``shadow`` on)."""
    if not content:
        return ""
    light = brightness(background) <= 0.69
    text_color, shadow_color = (_WHITE, "#010101") if light else ("#333", "#ccc")
    x = 10 * margin + 5 * width + 10 * _PADDING  # 10 * (margin + width / 2 + padding), width odd
    length = 10 * width
    escaped = _escape(content)
    attrs: dict[str, str | int] = {"x": x, "y": 140, "textLength": length}
    if text_color != _WHITE:
        attrs["fill"] = text_color
    blur = _element(
        "text", {"x": x, "y": 150, "fill-opacity": ".8", "filter": "url(#blur)", "textLength": length}, escaped
    )
    shadow = _element("text", {"x": x, "y": 150, "fill-opacity": ".3", "textLength": length}, escaped)
    shadow_group = _element("g", {"aria-hidden": "true", "fill": shadow_color}, blur, shadow)
    return _element("g", {"transform": "scale(.1)"}, shadow_group, _element("text", attrs, escaped))


def render_flat(label: str, message: str, color: str, label_color: str | None = None) -> str:
    """A flat badge; ``color``/``label_color`` are shields color names or hex."""
    label, message = label.strip(), message.strip()
    right_color = to_svg_color(color)
    has_label = bool(label) or label_color is not None
    left_color = to_svg_color(label_color or DEFAULT_LABEL_COLOR) if has_label else right_color
    label_width = preferred_width(label) if label else 0
    left_width = label_width + 2 * _PADDING if has_label else 0
    message_width = preferred_width(message)
    message_margin = left_width - (1 if message else 0) + (0 if has_label else 1)
    right_width = message_width + 2 * _PADDING
    width = left_width + right_width
    accessible = f"{label}: {message}" if label else message

    blur = _element("filter", {"id": "blur"}, _element("feGaussianBlur", {"stdDeviation": "16"}))
    gradient = _element(
        "linearGradient",
        {"id": "s", "x2": 0, "y2": "100%"},
        _element("stop", {"offset": 0, "stop-color": "#bbb", "stop-opacity": ".1"}),
        _element("stop", {"offset": 1, "stop-opacity": ".1"}),
    )
    clip = _element("clipPath", {"id": "r"}, _element("rect", {"width": width, "height": _HEIGHT, "rx": 3}))
    background = _element(
        "g",
        {"clip-path": "url(#r)"},
        _element("rect", {"width": left_width, "height": _HEIGHT, "fill": left_color}),
        _element("rect", {"x": left_width, "width": right_width, "height": _HEIGHT, "fill": right_color}),
        _element("rect", {"width": width, "height": _HEIGHT, "fill": "url(#s)"}),
    )
    foreground = _element(
        "g",
        {
            "fill": _WHITE,
            "text-anchor": "middle",
            "font-family": _FONT_FAMILY,
            "text-rendering": "geometricPrecision",
            "font-size": 110,
        },
        "",
        _text(label, margin=1, width=label_width, background=left_color),
        _text(message, margin=message_margin, width=message_width, background=right_color),
    )
    svg = _element(
        "svg",
        {
            "xmlns": "http://www.w3.org/2000/svg",
            "width": width,
            "height": _HEIGHT,
            "role": "img",
            "aria-label": accessible,
        },
        _element("title", {}, _escape(accessible)),
        " ".join((blur, gradient, clip, background, foreground)),
    )
    for pattern, replacement in zip(_STRIP, (">", "<"), strict=True):
        svg = pattern.sub(replacement, svg)
    return svg.strip()
