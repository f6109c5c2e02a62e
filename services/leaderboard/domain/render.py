"""Server-side rendering of the leaderboard page and of a device's trend chart (SVG, no JS).

Pure functions returning ``str``. The markup is well-formed XML (polyglot HTML5), so it can be
served as ``text/html`` and also parsed by an XML parser in tests.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from html import escape
from urllib.parse import quote, urlencode

from qlcore.corpus.methodology import METRICS, MetricDefinition, metric_definition
from qlcore.corpus.model import parse_rfc3339
from qlcore.site import SITE_NAV_CSS, site_nav

from services.leaderboard.domain.ranking import Leaderboard, LeaderboardRow
from services.leaderboard.domain.trend import TrendBucket

__all__ = ["format_value", "render_leaderboard_html", "render_trend_html", "render_trend_svg", "trend_href"]

_CSS = (
    """
body{font-family:system-ui,sans-serif;margin:2rem;color:#1a1a2e}
table{border-collapse:collapse;width:100%}th,td{padding:.35rem .6rem;border-bottom:1px solid #ddd;text-align:left}
td.num{text-align:right;font-variant-numeric:tabular-nums}nav a{margin-right:.8rem}nav a.current{font-weight:bold}
.stand-in{color:#8a5a00}.meta{color:#555;font-size:.9rem}svg .band{fill:#9ec5fe;opacity:.5}
svg .median{fill:none;stroke:#0d6efd;stroke-width:2}svg .point{fill:#0d6efd}svg .axis{stroke:#333}
svg .grid{stroke:#e5e5e5}svg text{font-size:11px;fill:#333}
""".strip()
    + SITE_NAV_CSS
)
# the trend chart's own style, inside the SVG: it renders the same opened on its own (trend.svg)
_SVG_CSS = (
    ".band{fill:#9ec5fe;opacity:.5}.median{fill:none;stroke:#0d6efd;stroke-width:2}.point{fill:#0d6efd}"
    ".axis{stroke:#333}.grid{stroke:#e5e5e5}text{font:11px system-ui,sans-serif;fill:#333}"
    ".caption{font-size:13px;font-weight:600}.empty{font-size:14px;fill:#666}"
)


def format_value(value: float | int | None, definition: MetricDefinition) -> str:
    """Errors and fractions as percentages, times in us, counts as integers."""
    if value is None:
        return "—"
    if definition.unit == "":
        return f"{value * 100:.3g} %"
    if definition.unit == "us":
        return f"{value:.1f} µs"
    if isinstance(value, int) or float(value).is_integer():
        return str(int(value))
    return f"{value:.3g}"


def trend_href(provider: str, backend: str, metric: str, base: str = "/backends") -> str:
    return f"{base}/{quote(provider, safe='')}/{quote(backend, safe='')}/trend?{urlencode({'metric': metric})}"


def _page(title: str, body: str, current: str | None = None) -> str:
    return (
        '<!DOCTYPE html>\n<html xmlns="http://www.w3.org/1999/xhtml" lang="en">'
        f'<head><meta charset="utf-8"/><meta name="viewport" content="width=device-width, initial-scale=1"/>'
        '<link rel="icon" href="/static/favicon.svg"/>'
        f"<title>{escape(title)}</title><style>{_CSS}</style></head><body>{site_nav(current)}{body}</body></html>\n"
    )


def _row(row: LeaderboardRow, definition: MetricDefinition, metric: str, trend_base: str) -> str:
    stand_in = ' class="stand-in" title="undated source: a stand-in date"' if row.snapshot_time_is_stand_in else ""
    mark = " ≈" if row.snapshot_time_is_stand_in else ""
    source = f"{row.source.package} {row.source.version}"
    conversion = f' title="{escape(row.conversion)}"' if row.conversion else ""
    href = escape(trend_href(row.provider, row.backend, metric, trend_base))
    return (
        f'<tr data-provider="{escape(row.provider)}" data-backend="{escape(row.backend)}" data-value="{row.value!r}">'
        f'<td class="num">{row.rank}</td><td>{escape(row.provider)}</td>'
        f'<td><a href="{href}">{escape(row.backend)}</a></td>'
        f'<td class="num"{conversion}>{escape(format_value(row.value, definition))}</td>'
        f'<td class="num">{row.qubits}</td><td{stand_in}>{escape(row.snapshot_time)}{mark}</td>'
        f'<td title="{escape(row.source.path)}">{escape(source)}</td></tr>'
    )


def render_leaderboard_html(
    board: Leaderboard,
    *,
    page_path: str = "/leaderboard",
    trend_base: str = "/backends",
    methodology_href: str = "/docs/leaderboard-methodology",
) -> str:
    """The leaderboard page: metric tabs, filter form, ranked table, left-out devices."""
    definition = metric_definition(board.metric)
    current = ' class="current"'
    tabs = "".join(
        f'<a href="{escape(page_path)}?{escape(urlencode({"metric": name}))}"'
        f"{current if name == board.metric else ''}>{escape(m.label)}</a>"
        for name, m in METRICS.items()
    )
    better = "lower is better" if definition.lower_is_better else "higher is better"
    form = (
        f'<form method="get" action="{escape(page_path)}">'
        f'<input type="hidden" name="metric" value="{escape(board.metric)}"/>'
        f'<label>Provider <input name="provider" value="{escape(board.provider or "")}"/></label> '
        f'<label>Min qubits <input name="min_qubits" type="number" min="1" value="{board.min_qubits or ""}"/></label> '
        f'<label>As of <input name="as_of" type="date" value="{escape((board.as_of or "")[:10])}"/></label> '
        '<button type="submit">Filter</button></form>'
    )
    columns = ("Rank", "Provider", "Backend", escape(definition.label), "Qubits", "Snapshot", "Source")
    head = "".join(f"<th>{h}</th>" for h in columns)
    rows = "".join(_row(r, definition, board.metric, trend_base) for r in board.rows)
    left_out = (
        f'<p class="meta" id="left-out">Left out (no {escape(board.metric)} in their latest snapshot): '
        f"{escape(', '.join(board.left_out))}</p>"
        if board.left_out
        else ""
    )
    body = (
        f"<h1>Hardware leaderboard: {escape(definition.label)}</h1><nav aria-label='Metrics'>{tabs}</nav>"
        f'<p class="meta">{escape(definition.definition)} ({better}). Methodology '
        f'<a href="{escape(methodology_href)}"><code id="methodology">{escape(board.methodology_version)}</code></a>. '
        "≈ marks an undated source whose date is a stand-in.</p>"
        f'{form}<table id="leaderboard" data-metric="{escape(board.metric)}" data-direction="{board.direction}">'
        f"<thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>{left_out}"
    )
    return _page(f"QuantumLedger leaderboard — {definition.label}", body, "/leaderboard")


def _scale(value: float, lo: float, hi: float, out_lo: float, out_hi: float) -> float:
    return out_lo if hi == lo else out_lo + (value - lo) * (out_hi - out_lo) / (hi - lo)


def render_trend_svg(
    buckets: Sequence[TrendBucket], metric: str, *, title: str = "", width: int = 640, height: int = 320
) -> str:
    """A line chart of the bucket medians with the p10-p90 band, x proportional to time."""
    definition = metric_definition(metric)
    caption = title or definition.label
    left, right, top, bottom = 70.0, 20.0, 30.0, 40.0
    x0, x1, y0, y1 = left, width - right, height - bottom, top
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" viewBox="0 0 {width} {height}" '
        f'role="img" aria-labelledby="trend-title trend-desc" data-metric="{escape(metric)}">',
        f"<style>{_SVG_CSS}</style>",
        f'<title id="trend-title">{escape(caption)}</title>',
        f'<desc id="trend-desc">{escape(definition.label)} per bucket: median with p10-p90 band; '
        f"{len(buckets)} buckets.</desc>",
        f'<line class="axis" x1="{x0}" y1="{y0}" x2="{x1}" y2="{y0}"/>',
        f'<line class="axis" x1="{x0}" y1="{y0}" x2="{x0}" y2="{y1}"/>',
    ]
    if not buckets:
        parts.append(f'<text class="empty" x="{(x0 + x1) / 2}" y="{(y0 + y1) / 2}" text-anchor="middle">No data</text>')
        return "".join(parts) + "</svg>"
    times = [parse_rfc3339(b.start).timestamp() for b in buckets]
    lo, hi = min(b.p10 for b in buckets), max(b.p90 for b in buckets)
    pad = (hi - lo) * 0.1 or abs(hi) * 0.1 or 1.0
    lo, hi = lo - pad, hi + pad
    t_lo, t_hi = min(times), max(times)

    def px(t: float) -> float:
        return round((x0 + x1) / 2 if t_hi == t_lo else _scale(t, t_lo, t_hi, x0 + 10, x1 - 10), 2)

    def py(v: float) -> float:
        return round(_scale(v, lo, hi, y0, y1), 2)

    for i in range(5):
        value = lo + (hi - lo) * i / 4
        y = py(value)
        parts.append(f'<line class="grid" x1="{x0}" y1="{y}" x2="{x1}" y2="{y}"/>')
        tick = escape(format_value(value, definition))
        parts.append(f'<text class="y-tick" x="{x0 - 6}" y="{y + 4}" text-anchor="end">{tick}</text>')
    band = [f"{px(t)},{py(b.p90)}" for t, b in zip(times, buckets, strict=True)]
    band += [f"{px(t)},{py(b.p10)}" for t, b in reversed(list(zip(times, buckets, strict=True)))]
    parts.append(f'<polygon class="band" points="{" ".join(band)}"/>')
    median_points = " ".join(f"{px(t)},{py(b.median)}" for t, b in zip(times, buckets, strict=True))
    parts.append(f'<polyline class="median" points="{median_points}"/>')
    for t, b in zip(times, buckets, strict=True):
        label = f"{b.start[:10]}: median {format_value(b.median, definition)}, n={b.n}"
        parts.append(
            f'<circle class="point" cx="{px(t)}" cy="{py(b.median)}" r="3.5" data-start="{escape(b.start)}" '
            f'data-median="{b.median!r}" data-n="{b.n}"><title>{escape(label)}</title></circle>'
        )
    tick_times = [t_lo] if t_hi == t_lo else [t_lo + (t_hi - t_lo) * i / 3 for i in range(4)]
    for t in tick_times:
        day = datetime.fromtimestamp(t, UTC).strftime("%Y-%m-%d")
        parts.append(f'<text class="x-tick" x="{px(t)}" y="{y0 + 18}" text-anchor="middle">{day}</text>')
    parts.append(f'<text class="caption" x="{x0}" y="{top - 10}">{escape(caption)}</text>')
    return "".join(parts) + "</svg>"


def render_trend_html(
    provider: str, backend: str, metric: str, buckets: Sequence[TrendBucket], *, bucket: str = "day",
    leaderboard_href: str = "/leaderboard", svg_href: str | None = None,
) -> str:  # fmt: skip
    """A device's trend page: the inline SVG chart (and a link to it alone) and the bucket table."""
    definition = metric_definition(metric)
    title = f"{provider}/{backend} — {definition.label} per {bucket}"
    rows = "".join(
        f'<tr><td>{escape(b.start)}</td><td class="num">{escape(format_value(b.median, definition))}</td>'
        f'<td class="num">{escape(format_value(b.p10, definition))}</td>'
        f'<td class="num">{escape(format_value(b.p90, definition))}</td><td class="num">{b.n}</td></tr>'
        for b in buckets
    )
    caption = f'<figcaption><a href="{escape(svg_href)}">SVG</a></figcaption>' if svg_href else ""
    body = (
        f"<h1>{escape(title)}</h1>"
        f'<p><a href="{escape(leaderboard_href)}?{escape(urlencode({"metric": metric}))}">'
        "Back to the leaderboard</a></p>"
        f"<figure>{render_trend_svg(buckets, metric, title=title)}{caption}</figure>"
        '<table id="trend"><thead><tr><th>Bucket start</th><th>Median</th><th>p10</th><th>p90</th>'
        "<th>n</th></tr></thead>"
        f"<tbody>{rows}</tbody></table>"
    )
    return _page(title, body)
