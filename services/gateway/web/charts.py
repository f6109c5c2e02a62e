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
    left, right = 52, 8
    legend_rows = math.ceil(n / 2) if n > 1 else 0
    plot_top = 30 + 24 * legend_rows
    plot_h = 220
    rotate = len(cols) > 8 or max((len(c) for c in cols), default=0) > 6
    label_h = 18 + (9.5 * max((len(c) for c in cols), default=1) if rotate else 12)
    height = int(plot_top + plot_h + label_h + 10)
    base = plot_top + plot_h
    group = (width - left - right) / max(1, len(cols))
    bar = max(2.0, min(40.0, (group - 4) / n))
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" role="img"'
        f' aria-label="{escape(title)}" class="histogram" font-family="system-ui, sans-serif" font-size="17">',
        f"<title>{escape(title)}</title>",
    ]
    for i in range(5):
        y = base - plot_h * i / 4
        out.append(f'<line x1="{left}" y1="{y:.1f}" x2="{width - right}" y2="{y:.1f}" stroke="#e3e6eb"/>')
        out.append(f'<text x="{left - 4}" y="{y + 4:.1f}" text-anchor="end" fill="#5b6473">{top * i / 4:.2g}</text>')
    if n > 1:
        for j, name in enumerate(names):
            lx, ly = 8 + (j % 2) * 316, 18 + 24 * (j // 2)
            out.append(f'<rect x="{lx}" y="{ly - 13}" width="14" height="14" fill="{COLORS[j % len(COLORS)]}"/>')
            out.append(f'<text x="{lx + 18}" y="{ly}">{escape(name[:30])}</text>')
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


VERDICT_COLORS = {"reproduced": "#2e7d32", "drifted": "#8a5a00", "failed": "#b3261e"}
FLOOR_MULTIPLE = 3  # "reproduced" while 1 - fidelity <= 3 x the noise floor (services/reproduce/domain/score.py)


def fidelity_svg(points: Sequence[Mapping[str, object]], *, title: str = "Reproductions") -> str:
    """Each completed reproduction's Hellinger fidelity (y) by days of drift (x), coloured by
    verdict. The noise floor is the ``1 - fidelity`` that shot noise alone gives; the dashed tick
    at the same x is the fidelity a reproduction needs to count as reproduced (``1 - 3 floor``):
    a point on or above its tick is within shot noise of the original."""
    done = [
        p
        for p in points
        if isinstance(p.get("hellinger_fidelity"), int | float) and isinstance(p.get("days"), int | float)
    ]
    width, height, left, right, top, bottom = 640, 280, 70, 16, 16, 48
    plot_w, plot_h = width - left - right, height - top - bottom
    values = [float(p["hellinger_fidelity"]) for p in done]  # type: ignore[arg-type]
    values += [
        1 - FLOOR_MULTIPLE * float(p["noise_floor"])  # type: ignore[arg-type]
        for p in done
        if isinstance(p.get("noise_floor"), int | float)
    ]
    lo = min([*values, 1.0])
    lo = max(0.0, lo - max(1 - lo, 0.001) * 0.25)
    max_days = max([float(p["days"]) for p in done] + [1.0])  # type: ignore[arg-type]

    def x(days: float) -> float:
        return left + 14 + (plot_w - 28) * days / max_days

    def y(v: float) -> float:
        return top + plot_h * (1 - (v - lo) / (1 - lo or 1))

    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" role="img"'
        f' aria-label="{escape(title)}" class="fidelity" font-family="system-ui, sans-serif" font-size="17">',
        f"<title>{escape(title)}</title>",
    ]
    for i in range(5):
        v = lo + (1 - lo) * i / 4
        out.append(f'<line x1="{left}" y1="{y(v):.1f}" x2="{width - right}" y2="{y(v):.1f}" stroke="#e3e6eb"/>')
        out.append(f'<text x="{left - 4}" y="{y(v) + 4:.1f}" text-anchor="end" fill="#5b6473">{v:.4g}</text>')
    out.append(
        f'<text x="{left + plot_w / 2:.0f}" y="{height - 6}" text-anchor="middle" fill="#5b6473">days of drift</text>'
    )
    for d in sorted({0.0, max_days / 2, max_days}):
        out.append(f'<text x="{x(d):.1f}" y="{top + plot_h + 20}" text-anchor="middle">{d:.0f}</text>')
    for p in done:
        cx, f = x(float(p["days"])), float(p["hellinger_fidelity"])  # type: ignore[arg-type]
        floor = p.get("noise_floor")
        if isinstance(floor, int | float):
            need = y(1 - FLOOR_MULTIPLE * float(floor))
            out.append(
                f'<line x1="{cx - 12:.1f}" y1="{need:.1f}" x2="{cx + 12:.1f}" y2="{need:.1f}"'
                ' stroke="#5b6473" stroke-width="2" stroke-dasharray="3 2"/>'
            )
        color = VERDICT_COLORS.get(str(p.get("verdict")), "#6a3fa0")
        label = f"{p.get('days')} days, {p.get('profile')}: fidelity {f:.4f}, {p.get('verdict')}"
        out.append(
            f'<circle cx="{cx:.1f}" cy="{y(f):.1f}" r="6" fill="{color}"><title>{escape(label)}</title></circle>'
        )
    out.append(f'<line x1="{left}" y1="{top + plot_h}" x2="{width - right}" y2="{top + plot_h}" stroke="#1d2330"/>')
    out.append("</svg>")
    return "".join(out)


def _path_order(ids: Sequence[int], couplers: Sequence[Mapping[str, object]]) -> list[int] | None:
    """The qubits in chain order when their couplers form one simple path, else ``None``."""
    nodes = set(ids)
    edges = set()
    for g in couplers:
        pair = [v for v in g.get("qubits") or [] if isinstance(v, int)]  # type: ignore[attr-defined]
        if len(pair) == 2 and set(pair) <= nodes and pair[0] != pair[1]:
            edges.add(frozenset(pair))
    if len(nodes) < 2 or len(edges) != len(nodes) - 1:
        return None
    degree = {q: sum(q in e for e in edges) for q in nodes}
    ends = [q for q, d in degree.items() if d == 1]
    if len(ends) != 2 or any(d > 2 for d in degree.values()):
        return None
    order, prev = [min(ends)], None
    while len(order) < len(nodes):
        here = order[-1]
        nxt = [next(iter(e - {here})) for e in edges if here in e and next(iter(e - {here})) != prev]
        if not nxt:
            return None
        prev = here
        order.append(nxt[0])
    return order


def coupling_svg(
    qubits: Sequence[Mapping[str, object]], couplers: Sequence[Mapping[str, object]], *, title: str
) -> str:
    """The qubits a run used as a graph on the device's coupling map: a node per qubit (its
    readout error written under it, darker red for a larger error), an edge per coupler between
    them (its two-qubit gate error written on it)."""
    ids = [int(q["qubit"]) for q in qubits if isinstance(q.get("qubit"), int)]  # type: ignore[call-overload]
    ids = _path_order(ids, couplers) or ids
    n = len(ids)
    line = n <= 2 or _path_order(ids, couplers) is not None
    width, height = 640, 170 if line else 320
    cx, cy, r = width / 2, height / 2, min(width, height) / 2 - 50
    pos: dict[int, tuple[float, float]] = {}
    for i, q in enumerate(ids):
        if line:  # a chain (a GHZ on a line of qubits): drawn as one
            pos[q] = (width * (i + 1) / (n + 1), cy)
        else:
            angle = 2 * math.pi * i / n - math.pi / 2
            pos[q] = (cx + r * math.cos(angle) * 1.6, cy + r * math.sin(angle))
    readout = {
        int(q["qubit"]): q.get("readout_error")  # type: ignore[call-overload]
        for q in qubits
        if isinstance(q.get("qubit"), int)
    }
    worst = max([float(v) for v in readout.values() if isinstance(v, int | float)] + [1e-9])
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" role="img"'
        f' aria-label="{escape(title)}" class="coupling" font-family="system-ui, sans-serif" font-size="16">',
        f"<title>{escape(title)}</title>",
    ]
    for g in couplers:
        pair = [int(v) for v in g.get("qubits") or [] if isinstance(v, int)]  # type: ignore[attr-defined]
        if len(pair) != 2 or pair[0] not in pos or pair[1] not in pos:
            continue
        (x1, y1), (x2, y2) = pos[pair[0]], pos[pair[1]]
        err = g.get("error")
        out.append(f'<line x1="{x1:.1f}" y1="{y1:.1f}" x2="{x2:.1f}" y2="{y2:.1f}" stroke="#8a93a3" stroke-width="4"/>')
        if isinstance(err, int | float):
            out.append(
                f'<text x="{(x1 + x2) / 2:.1f}" y="{(y1 + y2) / 2 - 8:.1f}" text-anchor="middle" fill="#1d2330">'
                f"{escape(str(g.get('gate') or ''))} {float(err):.2g}</text>"
            )
    for q, (x0, y0) in pos.items():
        err = readout.get(q)
        share = float(err) / worst if isinstance(err, int | float) else 0.0
        fill = f"rgb({int(255 - 40 * share)},{int(235 - 150 * share)},{int(235 - 150 * share)})"
        note = f"readout {float(err):.2g}" if isinstance(err, int | float) else "readout —"
        out.append(
            f'<circle cx="{x0:.1f}" cy="{y0:.1f}" r="18" fill="{fill}" stroke="#1d2330">'
            f"<title>qubit {q}: {escape(note)}</title></circle>"
        )
        out.append(f'<text x="{x0:.1f}" y="{y0 + 5:.1f}" text-anchor="middle" font-weight="700">{q}</text>')
        out.append(f'<text x="{x0:.1f}" y="{y0 + 36:.1f}" text-anchor="middle" fill="#5b6473">{escape(note)}</text>')
    out.append("</svg>")
    return "".join(out)
