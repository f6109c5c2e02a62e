"""The counts histogram as a server-rendered SVG: one group of bars per outcome, one bar per
series (the original run, then each reproduction), heights in probability (counts / shots).

Pure: the same series give the same bytes. Every label goes through :func:`html.escape`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from html import escape

__all__ = ["COLORS", "MAX_OUTCOMES", "Series", "outcomes_of", "render_histogram"]

COLORS = ("#4c78a8", "#f58518", "#54a24b", "#e45756", "#72b7b2", "#b279a2", "#9d755d", "#ff9da6")
MAX_OUTCOMES = 24
OTHER = "other"

Series = tuple[str, Mapping[str, int]]  # (label, counts)


def outcomes_of(series: Sequence[Series], limit: int = MAX_OUTCOMES) -> list[str]:
    """The outcomes to draw: by the first series' probability (then the others'), most likely
    first; beyond ``limit`` the rest is pooled as ``other``."""
    weight: dict[str, float] = {}
    for rank, (_, counts) in enumerate(series):
        total = sum(counts.values()) or 1
        for key, n in counts.items():
            weight[key] = weight.get(key, 0.0) + n / total * (1000.0 if rank == 0 else 1.0)
    ordered = sorted(weight, key=lambda k: (-weight[k], k))
    if len(ordered) <= limit:
        return sorted(ordered)  # few outcomes: in bit-string order, as people read them
    return [*ordered[: limit - 1], OTHER]


def _probabilities(counts: Mapping[str, int], outcomes: Sequence[str]) -> list[float]:
    total = sum(counts.values())
    if total == 0:
        return [0.0] * len(outcomes)
    shown = {k for k in outcomes if k != OTHER}
    out = []
    for k in outcomes:
        n = sum(v for key, v in counts.items() if key not in shown) if k == OTHER else counts.get(k, 0)
        out.append(n / total)
    return out


def _nice_max(p: float) -> float:
    if p <= 0:
        return 1.0
    step = 10 ** math.floor(math.log10(p))
    for m in (1, 2, 2.5, 5, 10):
        if m * step >= p:
            return min(1.0, m * step)
    return 1.0


def render_histogram(series: Sequence[Series], *, title: str = "Counts") -> str:
    """An ``<svg>`` element (inline in a page, or served alone)."""
    outcomes = outcomes_of(series)
    probs = [_probabilities(counts, outcomes) for _, counts in series]
    top = _nice_max(max((p for row in probs for p in row), default=0.0))
    n_series = max(1, len(series))
    bar_w = max(4, min(18, 72 // n_series))
    group_w = n_series * bar_w + 10
    left, right, plot_top, plot_h = 56, 16, 24 + 18 * math.ceil(n_series / 3), 220
    label_h = 60 if max((len(o) for o in outcomes), default=0) > 4 else 28
    width = max(480, left + right + group_w * len(outcomes))
    height = plot_top + plot_h + label_h + 8
    base = plot_top + plot_h
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="histogram" role="img" width="{width}" height="{height}"'
        f' viewBox="0 0 {width} {height}" font-family="system-ui, sans-serif" font-size="11">',
        f"<title>{escape(title)}</title>",
    ]
    for i in range(5):  # y axis: 0 .. top in quarters
        value = top * i / 4
        y = base - plot_h * i / 4
        parts.append(f'<line x1="{left}" y1="{y:.1f}" x2="{width - right}" y2="{y:.1f}" stroke="#ddd"/>')
        parts.append(f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end">{value:.3g}</text>')
    parts.append(
        f'<text x="12" y="{plot_top + plot_h / 2:.0f}" transform="rotate(-90 12 {plot_top + plot_h / 2:.0f})"'
        ' text-anchor="middle">probability</text>'
    )
    for j, (label, _) in enumerate(series):  # legend, three to a row
        x, y = left + (j % 3) * 200, 14 + 18 * (j // 3)
        color = COLORS[j % len(COLORS)]
        parts.append(f'<rect x="{x}" y="{y - 9}" width="10" height="10" fill="{color}"/>')
        parts.append(f'<text x="{x + 14}" y="{y}">{escape(label)}</text>')
    for g, outcome in enumerate(outcomes):
        x0 = left + g * group_w + 5
        for j, row in enumerate(probs):
            h = plot_h * row[g] / top
            x = x0 + j * bar_w
            color = COLORS[j % len(COLORS)]
            parts.append(
                f'<rect class="bar" x="{x}" y="{base - h:.2f}" width="{bar_w - 1}" height="{h:.2f}" fill="{color}">'
                f"<title>{escape(series[j][0])} · {escape(outcome)}: {row[g]:.4f}</title></rect>"
            )
        cx, ly = x0 + n_series * bar_w / 2, base + 14
        rotate = f' transform="rotate(-45 {cx:.1f} {ly})"' if label_h > 28 else ""
        anchor = "end" if label_h > 28 else "middle"
        parts.append(
            f'<text x="{cx:.1f}" y="{ly}" text-anchor="{anchor}" font-family="ui-monospace, monospace"'
            f"{rotate}>{escape(outcome)}</text>"
        )
    parts.append(f'<line x1="{left}" y1="{base}" x2="{width - right}" y2="{base}" stroke="#333"/>')
    parts.append("</svg>")
    return "".join(parts)
