"""The reproduce service's pure parts: settings, the job's views, the report (JSON, page, SVG),
the gateway's Prefer/Accept handling, and that validating a request does not import qiskit."""

from __future__ import annotations

import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from html import escape
from typing import Any

import orjson
import pytest
from qlcore.events.reproduce import ReproductionCompleted, ReproductionFailed

from services.gateway.routes.reproduce import prefer_wait, wants_html
from services.reproduce.adapters.jobs import Job, decode_job
from services.reproduce.config import load_config
from services.reproduce.report.histogram import OTHER, outcomes_of, render_histogram
from services.reproduce.report.model import ReportInputs, build_report, calibration_summary
from services.reproduce.report.page import render_report_page
from services.reproduce.store import CardRow, JobRow, RunRow
from services.reproduce.views import view_of_event, view_of_job, view_of_row

SVG = "{http://www.w3.org/2000/svg}"


def _job(**kw: Any) -> JobRow:
    base: dict[str, Any] = dict(
        job_id="J1",
        workspace_id="ws",
        run_id="R1",
        days=90.0,
        profile="bad_day",
        seed=7,
        actor="a",
        correlation_id="c",
        requested_at="2026-01-01T00:00:00Z",
        status="completed",
        reproduced_run_id="R2",
        reproduced_run_hash="h2",
        verdict="drifted",
        hellinger_fidelity=0.95,
        noise_floor=0.001,
        baseline_fidelity=0.999,
        detectable=True,
        drift_effect=0.04,
        drift_model="ql-drift/1.0",
        error=None,
        error_status=None,
        worker="w:1",
        attempts=1,
        finished_at="2026-01-01T00:00:01Z",
    )
    return JobRow(**{**base, **kw})


def _calibration() -> dict[str, Any]:
    return {
        "taken_at": "2025-02-26T08:00:00Z",
        "qubits": [{"qubit": i, "t1_us": 100.0 + i, "t2_us": 80.0, "readout_error": 0.01 * (i + 1)} for i in range(5)],
        "gates": [
            *({"gate": "sx", "qubits": [i], "error": 0.001 * (i + 1), "duration_ns": 35.0} for i in range(5)),
            {"gate": "ecr", "qubits": [0, 1], "error": 0.007, "duration_ns": 600.0},
            {"gate": "ecr", "qubits": [1, 2], "error": 0.009, "duration_ns": 600.0},
            {"gate": "ecr", "qubits": [3, 4], "error": 1.0, "duration_ns": 600.0},  # a failed coupler
            {"gate": "measure", "qubits": [0], "error": 0.02, "duration_ns": 1000.0},
        ],
    }


def _inputs(**kw: Any) -> ReportInputs:
    doc = {
        "schema": "qlprov/run/1.0",
        "created_at": "2025-02-26T10:00:00Z",
        "program": {"name": "<ghz>&", "format": "openqasm3", "source": "..."},
        "backend": {"provider": "ibm", "name": "ibm_kyiv", "num_qubits": 127},
        "calibration": _calibration(),
        "execution": {"shots": 100, "status": "completed"},
        "results": {"counts": {"000": 50, "111": 50}},
        "environment": {"sdk": {"name": "sdk", "version": "1"}, "packages": {"qiskit": "2"}, "python": "3.11"},
    }
    run = RunRow("R1", "ws", "h1", None, "ghz", "ibm", "ibm_kyiv", 100, "completed", doc["created_at"], 7)
    base: dict[str, Any] = dict(
        run=run,
        document=doc,
        hash_verified=True,
        used_qubits=[0, 1, 2],
        jobs=[_job(), _job(job_id="J2", status="pending", verdict=None)],
        reproduced_counts={"R2": {"000": 40, "111": 45, "010": 15}},
        original=None,
        card=CardRow("ghz-3", withdrawn=False),
    )
    return ReportInputs(**{**base, **kw})


def test_config_from_environment() -> None:
    cfg = load_config({"QL_REPRODUCE_WAIT_S": "0.5", "QL_REPRODUCE_ACK_WAIT_S": "6"})
    assert (cfg.wait_s, cfg.ack_wait_s, cfg.heartbeat_s, cfg.concurrency) == (0.5, 6.0, 2.0, 1)
    assert load_config({}).wait_s == 8.0
    with pytest.raises(ValueError):
        load_config({"QL_REPRODUCE_CONCURRENCY": "0"})


def test_job_round_trips() -> None:
    job = Job(job_id="J", run_id="R", workspace_id="ws", days=1.5, profile="typical", seed=3, requested_at="t")
    assert (
        decode_job(
            orjson.dumps(
                {
                    "job_id": "J",
                    "run_id": "R",
                    "workspace_id": "ws",
                    "days": 1.5,
                    "profile": "typical",
                    "seed": 3,
                    "requested_at": "t",
                }
            )
        )
        == job
    )
    with pytest.raises(ValueError):
        decode_job(b'{"job_id": "J"}')


def test_views_agree_whether_from_the_row_or_the_event() -> None:
    row = _job()
    job = Job(
        job_id="J1",
        run_id="R1",
        workspace_id="ws",
        days=90.0,
        profile="bad_day",
        seed=7,
        requested_at=row.requested_at,
        actor=row.actor,
    )
    event = ReproductionCompleted(
        event_id="e",
        occurred_at=str(row.finished_at),
        workspace_id="ws",
        actor="a",
        correlation_id="c",
        job_id="J1",
        run_id="R1",
        run_hash="h1",
        reproduced_run_id="R2",
        reproduced_run_hash="h2",
        days=90.0,
        profile="bad_day",
        seed=7,
        verdict="drifted",
        hellinger_fidelity=0.95,
        baseline_fidelity=0.999,
        noise_floor=0.001,
        detectable=True,
        drift_model="ql-drift/1.0",
        drift_effect=0.04,
    )
    assert view_of_event(event, job) == view_of_row(row)
    assert view_of_row(row)["kind"] == "simulated" and view_of_row(row)["requested_by"] == row.actor
    assert view_of_row(row)["days"] == 90 and isinstance(view_of_row(row)["days"], int)
    assert view_of_job(job)["status"] == "pending" and view_of_job(job)["location"] == "/api/v1/reproductions/J1"
    failed = ReproductionFailed(
        event_id="f",
        occurred_at="t2",
        workspace_id="ws",
        actor="a",
        correlation_id="c",
        job_id="J1",
        run_id="R1",
        error="boom",
        status=500,
    )
    failed_row = _job(status="failed", error="boom", error_status=500, finished_at="t2")
    assert view_of_event(failed, job) == view_of_row(failed_row)


def test_calibration_summary_of_the_used_qubits() -> None:
    s = calibration_summary(_calibration(), [2, 0, 1])
    assert s is not None
    assert [q["qubit"] for q in s["qubits"]] == [0, 1, 2] and s["physical_qubits"] == [0, 1, 2]
    assert s["qubits"][1]["error_1q"] == pytest.approx(0.002)
    assert [g["qubits"] for g in s["couplers"]] == [[0, 1], [1, 2]]  # not 3-4, and no measure entry
    assert s["device"]["median_2q_error"] == pytest.approx(0.008)  # the failed coupler is left out ...
    assert s["device"]["failed_2q_gates"] == 1  # ... and counted
    assert calibration_summary(_calibration(), None)["physical_qubits"] is None  # type: ignore[index]
    assert calibration_summary(None, [0]) is None


def test_report_json() -> None:
    r = build_report(_inputs(), "https://ql.example")
    assert r["links"]["html"] == "https://ql.example/api/v1/runs/R1/report?format=html"
    assert r["links"]["card"] == "https://ql.example/cards/ghz-3"
    assert [s["label"] for s in r["histogram"]] == ["original", "90 d bad_day (seed 7)"]
    assert r["summary"] == {
        "total": 2,
        "pending": 1,
        "completed": 1,
        "failed": 0,
        "verdicts": {"drifted": 1},
        "best_fidelity": 0.95,
    }
    assert r["badges"][0]["svg"] == "/badge/ghz-3/provenance.svg" and len(r["badges"]) == 5
    assert "source" not in (r["provenance"]["transpiled"] or {})
    withdrawn = build_report(_inputs(card=CardRow("ghz-3", withdrawn=True)), "")
    assert withdrawn["badges"] == [] and withdrawn["links"]["card"] is None


def test_report_page_escapes_and_embeds_the_histogram() -> None:
    page = render_report_page(build_report(_inputs(), ""))
    assert "<ghz>" not in page and "&lt;ghz&gt;&amp;" in page
    assert page.count('<rect class="bar"') == 3 * 2  # outcomes 000, 010, 111 x two series
    assert '<link rel="icon" href="/static/favicon.svg">' in page and "<script" not in page
    assert page.count('<img src="/badge/ghz-3/') == 5
    # the site's navigation back to the web app, styled by the page's own (inline) style
    assert '<nav class="site" aria-label="Site"><a class="brand" href="/">QuantumLedger</a>' in page
    assert '<a href="/leaderboard">Leaderboard</a><a href="/docs">API docs</a></nav>' in page
    assert "nav.site{" in page


def test_report_carries_the_test_and_explains_a_model_mismatch() -> None:
    sentence = "The noise model of the run's own calibration does not explain the original counts <x>."
    mismatch = _job(
        job_id="J3",
        verdict="model_mismatch",
        detectable=None,
        alpha=0.01,
        p_value=0.0005,
        threshold=0.002,
        baseline_p_value=0.0005,
        baseline_threshold=0.002,
        explanation=sentence,
    )
    report = build_report(_inputs(jobs=[_job(alpha=0.05, p_value=0.01, threshold=0.003), mismatch]), "")
    first, second = report["reproductions"]
    assert (first["alpha"], first["p_value"], first["threshold"], first["model_mismatch"]) == (0.05, 0.01, 0.003, False)
    assert "explanation" not in first
    assert second["verdict"] == "model_mismatch" and second["model_mismatch"] is True
    assert second["explanation"] == sentence and second["baseline_p_value"] == 0.0005
    assert report["summary"]["verdicts"] == {"drifted": 1, "model_mismatch": 1}
    page = render_report_page(report)
    assert '<span class="verdict model_mismatch">model_mismatch</span>' in page
    assert escape(sentence) in page and sentence not in page  # shown, escaped
    # a verdict from before the test (no alpha stored) shows the default level, no p-value
    old = build_report(_inputs(jobs=[_job()]), "")["reproductions"][0]
    assert old["alpha"] == 0.01 and old["p_value"] is None


def test_histogram_is_valid_svg_with_bars_in_proportion() -> None:
    svg = render_histogram([("original", {"00": 75, "11": 25}), ("copy <1>", {"00": 50, "11": 50})])
    root = ET.fromstring(svg)
    bars = root.findall(f"{SVG}rect[@class='bar']")
    heights = [float(b.attrib["height"]) for b in bars]
    assert len(bars) == 4
    assert heights[0] == pytest.approx(3 * heights[2])  # P(00) 0.75 vs P(11) 0.25 in the first series
    assert heights[1] == pytest.approx(heights[3])
    assert "copy &lt;1&gt;" in svg


def test_many_outcomes_pool_the_rare_ones() -> None:
    counts = {format(i, "06b"): 64 - i for i in range(64)}
    shown = outcomes_of([("original", counts)], limit=8)
    assert shown[-1] == OTHER and shown[:7] == [format(i, "06b") for i in range(7)]
    root = ET.fromstring(render_histogram([("original", counts)]))
    assert len(root.findall(f"{SVG}rect[@class='bar']")) == 24


@pytest.mark.parametrize(
    ("prefer", "wait"),
    [
        (None, None),
        ("respond-async", 0.0),
        ("wait=3", 3.0),
        ("handling=lenient, wait=0.5", 0.5),
        ("wait=9999", 60.0),
        ("return=minimal", None),
    ],
)
def test_prefer_wait(prefer: str | None, wait: float | None) -> None:
    assert prefer_wait(prefer) == wait


def test_accept_negotiation() -> None:
    assert wants_html("text/html,application/xhtml+xml,*/*;q=0.8", None)
    assert not wants_html("application/json, text/html", None)
    assert not wants_html(None, None) and wants_html("application/json", "html")
    assert not wants_html("text/html", "json")
    with pytest.raises(Exception, match="format"):
        wants_html(None, "xml")


def test_validating_a_request_does_not_import_qiskit() -> None:
    code = (
        "import sys\n"
        "from services.reproduce.handlers import _validated\n"
        'body = b\'{"days": 3, "profile": "stable", "seed": 1, "alpha": 0.05}\'\n'
        "print(_validated(body), 'qiskit' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert re.fullmatch(r"\(3\.0, 'stable', 1, 0\.05\) False\n", out), out


@pytest.mark.parametrize("alpha", ["0", "0.0005", "0.2", "1", "-0.01", "1e308", "true", '"0.01"', "null"])
def test_alpha_outside_its_bounds_is_a_422(alpha: str) -> None:
    from qlcore.errors import Unprocessable

    from services.reproduce.handlers import _validated

    body = ('{"days": 3, "alpha": ' + alpha + "}").encode()
    if alpha == "null":  # absent or null: the default
        assert _validated(body)[3] == 0.01
        return
    with pytest.raises(Unprocessable) as info:
        _validated(body)
    assert info.value.status == 422
