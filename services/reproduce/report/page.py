"""The run report as a page for people: the report's JSON rendered as HTML, with the counts
histogram inline (SVG). Pure; every value from a document or a user goes through
:func:`html.escape`, nothing else is interpolated. No script; styles inline.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from html import escape
from typing import Any

from qlcore.site import SITE_NAV_CSS, site_nav

from services.reproduce.report.histogram import render_histogram

__all__ = ["CSP", "render_report_page"]

CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src 'self'"  # the site's icon from /static

_STYLE = (
    """
body{font:15px/1.5 system-ui,sans-serif;margin:0;color:#1b1f24;background:#fafafa}
main{max-width:980px;margin:0 auto;padding:24px}
h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;margin:28px 0 8px;border-bottom:1px solid #ddd}
table{border-collapse:collapse;font-size:13px}td,th{padding:3px 10px;border-bottom:1px solid #eee;text-align:left}
th{background:#f0f0f0}code{font:12px ui-monospace,monospace;word-break:break-all}
dl{display:grid;grid-template-columns:max-content 1fr;gap:2px 16px;margin:0}dt{color:#555}
.verdict{padding:1px 8px;border-radius:10px;color:#fff;font-size:12px}
.reproduced{background:#2e8b57}.drifted{background:#c9a000}.failed{background:#c0392b}
.model_mismatch{background:#7d3c98}
.pending{background:#888}.ok{color:#2e8b57}.bad{color:#c0392b}.muted{color:#666}
.badges img{margin-right:6px;vertical-align:middle}figure{margin:0;overflow-x:auto}
"""
    + SITE_NAV_CSS
)


def _fmt(value: Any, digits: int = 4) -> str:
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:.{digits}g}"
    return escape(str(value))


def _dl(items: Sequence[tuple[str, str]]) -> str:
    return "<dl>" + "".join(f"<dt>{escape(k)}</dt><dd>{v}</dd>" for k, v in items) + "</dl>"


def _provenance(r: Mapping[str, Any]) -> str:
    p = r["provenance"]
    backend = p.get("backend") or {}
    execution = p.get("execution") or {}
    env = p.get("environment") or {}
    sdk = env.get("sdk") or {}
    verified = '<span class="ok">verified</span>' if r["hash_verified"] else '<span class="bad">does not match</span>'
    items = [
        ("run id", f"<code>{escape(r['run_id'])}</code>"),
        ("run hash", f"<code>{escape(r['run_hash'])}</code> ({verified})"),
        ("program", _fmt((p.get("program") or {}).get("name"))),
        (
            "backend",
            f"{_fmt(backend.get('provider'))}/{_fmt(backend.get('name'))} ({_fmt(backend.get('num_qubits'))} qubits)",
        ),
        ("created", _fmt(p.get("created_at"))),
        ("shots", _fmt(execution.get("shots"))),
        ("status", _fmt(execution.get("status"))),
        ("SDK", f"{_fmt(sdk.get('name'))} {_fmt(sdk.get('version'))}, Python {_fmt(env.get('python'))}"),
    ]
    packages = env.get("packages") or {}
    if packages:
        items.append(("packages", ", ".join(f"{escape(str(k))} {escape(str(v))}" for k, v in sorted(packages.items()))))
    if r.get("reproduction_of"):
        of = r["reproduction_of"]
        link = (
            f'<a href="/api/v1/runs/{escape(of["run_id"])}/report?format=html">{escape(of["run_id"])}</a>'
            if of.get("run_id")
            else f"<code>{escape(of['run_hash'])}</code>"
        )
        repro = p.get("reproduction") or {}
        items.append(
            (
                "reproduction of",
                f"{link} ({_fmt(repro.get('days'))} days, {_fmt(repro.get('profile'))},"
                f" seed {_fmt(repro.get('seed'))})",
            )
        )
    items.append(("document", f'<a href="{escape(r["links"]["document"])}">qlprov/run/1.0 JSON</a>'))
    return "<h2>Provenance</h2>" + _dl(items)


def _calibration(cal: Mapping[str, Any] | None) -> str:
    if cal is None:
        return '<h2>Calibration</h2><p class="muted">The run records no calibration.</p>'
    dev = cal["device"]
    head = (
        f"<p>Taken at {_fmt(cal.get('taken_at'))}; device medians over {dev['qubits']} qubits: "
        f"T1 {_fmt(dev['median_t1_us'])} µs, T2 {_fmt(dev['median_t2_us'])} µs, readout error "
        f"{_fmt(dev['median_readout_error'])}, 1q error {_fmt(dev['median_1q_error'])}, "
        f"2q error {_fmt(dev['median_2q_error'])}"
        + (f" ({dev['failed_2q_gates']} 2q gate entries marked failed, error 1)" if dev["failed_2q_gates"] else "")
        + ".</p>"
    )
    if cal.get("physical_qubits") is None:
        return "<h2>Calibration</h2>" + head + '<p class="muted">The transpiled circuit could not be read.</p>'
    rows = "".join(
        f"<tr><td>{_fmt(q['qubit'])}</td><td>{_fmt(q['t1_us'])}</td><td>{_fmt(q['t2_us'])}</td>"
        f"<td>{_fmt(q['readout_error'])}</td><td>{_fmt(q['error_1q'])}</td></tr>"
        for q in cal["qubits"]
    )
    gates = "".join(
        f"<tr><td>{_fmt(g['gate'])}</td><td>{escape('-'.join(str(i) for i in g['qubits']))}</td>"
        f"<td>{_fmt(g['error'])}</td><td>{_fmt(g['duration_ns'])}</td></tr>"
        for g in cal["couplers"]
    )
    return (
        "<h2>Calibration of the qubits used</h2>"
        + head
        + "<table><tr><th>qubit</th><th>T1 (µs)</th><th>T2 (µs)</th><th>readout error</th><th>1q error</th></tr>"
        + rows
        + "</table>"
        + (
            "<p></p><table><tr><th>2q gate</th><th>qubits</th><th>error</th><th>duration (ns)</th></tr>"
            + gates
            + "</table>"
            if gates
            else ""
        )
    )


def _verdict(value: str | None, status: str) -> str:
    word = value if status == "completed" and value else status
    return f'<span class="verdict {escape(word)}">{escape(word)}</span>'


def _reproductions(items: Sequence[Mapping[str, Any]]) -> str:
    if not items:
        return (
            '<h2>Reproductions</h2><p class="muted">None yet: <code>POST /api/v1/runs/{run_id}/reproduce'
            ' {"days": 90, "profile": "bad_day"}</code></p>'
        )
    rows = []
    for j in items:
        run = j.get("reproduced_run_id")
        link = f'<a href="/api/v1/runs/{escape(run)}/report?format=html">{escape(run)}</a>' if run else "—"
        rows.append(
            f"<tr><td>{_fmt(j.get('requested_at'))}</td><td>{_fmt(j.get('kind'))}</td>"
            f"<td>{_fmt(j.get('requested_by'))}</td><td>{_fmt(j['days'])}</td><td>{_fmt(j['profile'])}</td>"
            f"<td>{_fmt(j['seed'])}</td><td>{_verdict(j.get('verdict'), j['status'])}</td>"
            f"<td>{_fmt(j.get('hellinger_fidelity'))}</td><td>{_fmt(j.get('noise_floor'), 2)}</td>"
            f"<td>{_fmt(j.get('p_value'), 3)} / {_fmt(j.get('threshold'), 3)} (&alpha; {_fmt(j.get('alpha'), 3)})</td>"
            f"<td>{_fmt(j.get('baseline_fidelity'))} (p {_fmt(j.get('baseline_p_value'), 3)})</td>"
            f"<td>{_fmt(j.get('detectable'))}</td><td>{link}"
            f"{'<br><span class=muted>' + escape(str(j['error'])) + '</span>' if j.get('error') else ''}</td></tr>"
        )
        if j.get("explanation"):
            rows.append(f'<tr><td></td><td colspan="12" class="bad">{escape(str(j["explanation"]))}</td></tr>')
    return (
        "<h2>Reproductions</h2>"
        '<p class="muted">Drift simulations requested by this workspace: <em>simulated</em> reproductions,'
        " never independent ones (a card's <code>reproduced</code> badge does not count them).</p>"
        "<table><tr><th>requested</th><th>kind</th><th>requested by</th><th>days</th><th>profile</th><th>seed</th>"
        "<th>verdict</th><th>Hellinger fidelity</th><th>noise floor</th><th>p-value / threshold</th>"
        "<th>baseline HF</th><th>drift detectable</th><th>reproduced run</th></tr>" + "".join(rows) + "</table>"
        '<p class="muted">Each verdict is a test at level &alpha; (the false-&ldquo;drifted&rdquo; rate of an'
        " unchanged device): the threshold is the (1 &minus; &alpha;) quantile of 1 &minus; HF between two samples"
        " of the unchanged device (parametric bootstrap). model_mismatch: the re-run of the run's own calibration"
        " already fails the test, so the noise model does not explain the original; reproduced: 1 &minus; HF"
        " &le; threshold; drifted: above it with HF &ge; 0.90; failed: below 0.90.</p>"
    )


def _badges(badges: Sequence[Mapping[str, str]], card_url: str | None) -> str:
    if not badges:
        return ""
    imgs = "".join(f'<img src="{escape(b["svg"])}" alt="{escape(b["type"])} badge" height="20">' for b in badges)
    link = f' <a href="{escape(card_url)}">Result Card</a>' if card_url else ""
    return f'<p class="badges">{imgs}{link}</p>'


def _older(report: Mapping[str, Any]) -> str:
    older = report["links"].get("older")
    if not older:
        return ""
    total = (report.get("summary") or {}).get("total")
    return (
        f'<p class="muted">{len(report["reproductions"])} of {escape(str(total))} reproductions listed;'
        f' <a href="{escape(older)}&amp;format=html">older ones</a>.</p>'
    )


def render_report_page(report: Mapping[str, Any]) -> str:
    p = report["provenance"]
    backend = p.get("backend") or {}
    title = (
        f"Run report: {(p.get('program') or {}).get('name') or report['run_id']} on "
        f"{backend.get('provider', '?')}/{backend.get('name', '?')}"
    )
    series = [(s["label"], s["counts"]) for s in report["histogram"]]
    svg = render_histogram(series, title="Counts: the original run and its reproductions")
    return (
        '<!doctype html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        '<link rel="icon" href="/static/favicon.svg">'
        f"<title>{escape(title)}</title><style>{_STYLE}</style></head><body>{site_nav()}<main>"
        f"<h1>{escape(title)}</h1>"
        + _badges(report["badges"], report["links"].get("card"))
        + _provenance(report)
        + _calibration(report["calibration"])
        + "<h2>Counts</h2><figure>"
        + svg
        + "</figure>"
        + _reproductions(report["reproductions"])
        + _older(report)
        + f'<p class="muted"><a href="{escape(report["links"]["self"])}">this report as JSON</a></p>'
        + "</main></body></html>\n"
    )
