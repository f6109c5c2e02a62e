"""Charts as inline SVG, drawn on the server (pure: the same input gives the same bytes).

The histogram scales to its container (``viewBox``, width 100 %), keeps at most
:data:`MAX_BARS` outcomes (the most likely; the rest pooled as ``other``) so that bars stay
readable on a 390 px phone, and writes the value and the bit string of its largest bins
above them. Every text goes through :func:`html.escape`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from html import escape

__all__ = ["COLORS", "MAX_BARS", "hellinger_fidelity", "histogram_svg", "outcomes"]

COLORS = ("#1f5fbf", "#e0701b", "#2e7d32", "#b3261e", "#6a3fa0", "#00838f", "#8d6e63", "#c2185b")
MAX_BARS = 16
LABELLED = 3  # the largest bins of each series get their value written above them
OTHER = "other"


def _probs(counts: Mapping[str, int]) -> dict[str, float]:
    total = sum(counts.values())
    return {k: v / total for k, v in counts.items()} if total else {}


def hellinger_fidelity(a: Mapping[str, int], b: Mapping[str, int]) -> float | None:
    """Qiskit's ``hellinger_fidelity``: the squared Bhattacharyya coefficient of the two
    distributions, 1 for identical counts, 0 for disjoint ones; ``None`` if either is empty."""
    p, q = _probs(a), _probs(b)
    if not p or not q:
        return None
    bc = sum(math.sqrt(p[k] * q.get(k, 0.0)) for k in p)
    return min(1.0, bc) ** 2


def outcomes(series: Sequence[Mapping[str, int]], limit: int = MAX_BARS) -> list[str]:
    """The outcomes to draw: all of them in bit-string order when few, else the most likely
    (by the first series, then the others) and ``other``."""
    weight: dict[str, float] = {}
    for rank, counts in enumerate(series):
        for k, p in _probs(counts).items():
            weight[k] = weight.get(k, 0.0) + p * (1000.0 if rank == 0 else 1.0)
    if len(weight) <= limit:
        return sorted(weight)
    top = sorted(weight, key=lambda k: (-weight[k], k))[: limit - 1]
    return [*sorted(top), OTHER]


def _value(p: Mapping[str, float], outcome: str, shown: set[str]) -> float:
    if outcome == OTHER:
        return sum(v for k, v in p.items() if k not in shown)
    return p.get(outcome, 0.0)


def _nice(top: float) -> float:
    if top <= 0:
        return 1.0
    step = 10 ** math.floor(math.log10(top))
    for m in (1, 2, 2.5, 5, 10):
        if m * step >= top - 1e-12:
            return min(1.0, m * step)
    return 1.0


def histogram_svg(series: Sequence[tuple[str, Mapping[str, int]]], *, title: str = "Counts") -> str:
    """Grouped bars of probability per outcome, one colour per series, with a legend."""
    names = [name for name, _ in series]
    dists = [_probs(c) for _, c in series]
    cols = outcomes([c for _, c in series])
    shown = {c for c in cols if c != OTHER}
    values = [[_value(p, o, shown) for o in cols] for p in dists]
    top = _nice(max((v for row in values for v in row), default=0.0))
    n = max(1, len(series))
    width = 640
    left, right = 44, 8
    legend_rows = math.ceil(n / 2) if n > 1 else 0
    plot_top = 26 + 20 * legend_rows
    plot_h = 220
    rotate = len(cols) > 8 or max((len(c) for c in cols), default=0) > 6
    label_h = 14 + (7.5 * max((len(c) for c in cols), default=1) if rotate else 10)
    height = int(plot_top + plot_h + label_h + 10)
    base = plot_top + plot_h
    group = (width - left - right) / max(1, len(cols))
    bar = max(2.0, min(40.0, (group - 4) / n))
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" role="img"'
        f' aria-label="{escape(title)}" class="histogram" font-family="system-ui, sans-serif" font-size="13">',
        f"<title>{escape(title)}</title>",
    ]
    for i in range(5):
        y = base - plot_h * i / 4
        out.append(f'<line x1="{left}" y1="{y:.1f}" x2="{width - right}" y2="{y:.1f}" stroke="#e3e6eb"/>')
        out.append(f'<text x="{left - 4}" y="{y + 4:.1f}" text-anchor="end" fill="#5b6473">{top * i / 4:.2g}</text>')
    if n > 1:
        for j, name in enumerate(names):
            lx, ly = left + (j % 2) * 300, 16 + 20 * (j // 2)
            out.append(f'<rect x="{lx}" y="{ly - 10}" width="12" height="12" fill="{COLORS[j % len(COLORS)]}"/>')
            out.append(f'<text x="{lx + 16}" y="{ly}">{escape(name[:40])}</text>')
    labelled: set[tuple[int, int]] = set()
    for j, row in enumerate(values):
        best = sorted(range(len(cols)), key=lambda g: -row[g])[:LABELLED]
        labelled |= {(j, g) for g in best if row[g] > 0}
    for g, outcome in enumerate(cols):
        x0 = left + g * group + (group - bar * n) / 2
        for j, row in enumerate(values):
            h = plot_h * row[g] / top
            x = x0 + j * bar
            out.append(
                f'<rect x="{x:.1f}" y="{base - h:.1f}" width="{max(1.0, bar - 1):.1f}" height="{h:.1f}"'
                f' fill="{COLORS[j % len(COLORS)]}"><title>{escape(names[j][:60])} · {escape(outcome)}:'
                f" {row[g]:.4f}</title></rect>"
            )
            if (j, g) in labelled and n == 1:
                out.append(
                    f'<text x="{x + bar / 2:.1f}" y="{base - h - 5:.1f}" text-anchor="middle" font-weight="600">'
                    f"{row[g]:.2f}</text>"
                )
        cx, ly = left + g * group + group / 2, base + 16
        big = any((j, g) in labelled for j in range(n))
        weight = ' font-weight="700"' if big else ""
        if rotate:
            out.append(
                f'<text x="{cx:.1f}" y="{ly}" text-anchor="end" transform="rotate(-60 {cx:.1f} {ly})"'
                f' font-family="ui-monospace, monospace"{weight}>{escape(outcome)}</text>'
            )
        else:
            out.append(
                f'<text x="{cx:.1f}" y="{ly}" text-anchor="middle" font-family="ui-monospace, monospace"{weight}>'
                f"{escape(outcome)}</text>"
            )
    out.append(f'<line x1="{left}" y1="{base}" x2="{width - right}" y2="{base}" stroke="#1d2330"/>')
    out.append("</svg>")
    return "".join(out)
