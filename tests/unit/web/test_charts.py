"""The web app's pure parts: the histogram SVG, Hellinger fidelity, the run list's filters."""

from __future__ import annotations

import re
from xml.etree import ElementTree

import pytest
from qiskit.quantum_info import hellinger_fidelity as qiskit_hellinger
from qlcore.errors import Unprocessable

from services.gateway.csrf import same_origin
from services.gateway.web.charts import MAX_BARS, hellinger_fidelity, histogram_svg, outcomes
from services.gateway.web.common import safe_next
from services.provenance.domain import ListQuery, run_filter
from services.provenance.store import list_query

GHZ4 = {"0000": 976, "1111": 918, "0100": 24, "0111": 19, "1000": 19, "0001": 5, "1110": 7}


@pytest.mark.parametrize(
    ("a", "b"),
    [
        (GHZ4, GHZ4),
        (GHZ4, {"00": 2000, "11": 2096}),
        ({"0": 10, "1": 90}, {"0": 50, "1": 50}),
        (GHZ4, {"0000": 500, "1111": 500, "1010": 200}),
    ],
)
def test_hellinger_fidelity_is_qiskits(a: dict[str, int], b: dict[str, int]) -> None:
    assert hellinger_fidelity(a, b) == pytest.approx(qiskit_hellinger(a, b), abs=1e-12)
    assert hellinger_fidelity(a, {}) is None


def test_the_histogram_labels_its_largest_bins_and_scales() -> None:
    svg = histogram_svg([("this run", GHZ4)], title="Counts of ghz_4")
    root = ElementTree.fromstring(svg)
    assert root.get("viewBox") is not None and root.get("width") is None  # scales to its container
    texts = [t.text for t in root.iter("{http://www.w3.org/2000/svg}text")]
    assert "1111" in texts and "0000" in texts
    values = [t for t in texts if t and re.fullmatch(r"0\.\d\d", t)]
    total = sum(GHZ4.values())
    assert f"{976 / total:.2f}" in values and f"{918 / total:.2f}" in values  # the peaks carry their probability


def test_many_outcomes_are_pooled() -> None:
    counts = {format(i, "010b"): 1000 - i for i in range(300)}
    cols = outcomes([counts])
    assert len(cols) == MAX_BARS and cols[-1] == "other"
    ElementTree.fromstring(histogram_svg([("a", counts), ("b", {"0000000000": 5})]))  # well-formed


def test_every_text_is_escaped() -> None:
    hostile = '<script>alert(1)</script>"&'
    svg = histogram_svg([(hostile, {hostile: 3, "1": 1}), ("b", {"1": 2})], title=hostile)
    assert "<script>" not in svg
    ElementTree.fromstring(svg)  # still well-formed XML


def test_run_list_filters() -> None:
    f = run_filter(
        ListQuery(program="ghz_4", since="2025-02-01", until="2025-02-28", q="01ab", kind="original"),
        default_page=50,
        max_page=200,
    )
    assert f.since == "2025-02-01T00:00:00+00:00" and f.until == "2025-03-01T00:00:00+00:00"  # the whole last day
    sql, args = list_query("ws", f)
    assert "program = %s" in sql and "reproduction_of IS NULL" in sql and "LIKE" in sql
    assert "01ab%" in args and "ghz_4" in args
    _, args = list_query("ws", run_filter(ListQuery(q="a_b%"), default_page=50, max_page=200))
    assert "a\\_b\\%%" in args  # LIKE wildcards in the search are literal
    for bad in (
        ListQuery(since="yesterday"),
        ListQuery(until="2025-01-01T00:00:00"),
        ListQuery(kind="x"),
        ListQuery(q="a\x00"),
    ):
        with pytest.raises(Unprocessable):
            run_filter(bad, default_page=50, max_page=200)


def test_same_origin_and_next() -> None:
    scope = {"scheme": "http"}
    assert same_origin(scope, {"host": "lab:8000", "origin": "http://lab:8000"})  # type: ignore[arg-type]
    assert not same_origin(scope, {"host": "lab:8000", "origin": "http://lab:8001"})  # type: ignore[arg-type]
    assert not same_origin(scope, {"host": "lab:8000", "origin": "null"})  # type: ignore[arg-type]
    assert same_origin(scope, {"host": "x", "origin": "https://ql.example"}, "https://ql.example/")  # type: ignore[arg-type]
    assert same_origin(scope, {"host": "lab", "referer": "http://lab/settings"})  # type: ignore[arg-type]
    assert safe_next("/runs?x=1") == "/runs?x=1"
    for bad in ("//evil.example", "https://evil.example", "/\\evil", "/\t/evil.example", "/\n/evil", None, ""):
        assert safe_next(bad) == "/runs"


def test_fidelity_and_coupling_pictures() -> None:
    from services.gateway.web.charts import coupling_svg, fidelity_svg

    points = [
        {"days": 0, "profile": "typical", "hellinger_fidelity": 0.998, "noise_floor": 0.001, "verdict": "reproduced"},
        {
            "days": 90,
            "profile": "bad_day",
            "hellinger_fidelity": 0.93,
            "noise_floor": 0.001,
            "verdict": "failed",
        },
        {"days": 30, "status": "pending"},
    ]
    root = ElementTree.fromstring(fidelity_svg(points))
    circles = list(root.iter("{http://www.w3.org/2000/svg}circle"))
    assert [c.get("fill") for c in circles] == ["#2e7d32", "#b3261e"]  # pending ones are not drawn
    assert float(circles[0].get("cy") or 0) < float(circles[1].get("cy") or 0)  # higher fidelity is higher up
    qubits = [{"qubit": q, "readout_error": e} for q, e in ((5, 0.01), (3, 0.02), (4, 0.05))]
    couplers = [{"gate": "ecr", "qubits": [3, 4], "error": 0.007}, {"gate": "ecr", "qubits": [4, 5], "error": 0.009}]
    svg = coupling_svg(qubits, couplers, title="<used>")
    root = ElementTree.fromstring(svg)
    xs = {
        c.findtext("{http://www.w3.org/2000/svg}title"): float(c.get("cx") or 0)
        for c in root.iter("{http://www.w3.org/2000/svg}circle")
    }
    order = sorted(xs, key=xs.__getitem__)
    assert [t.split(":")[0] for t in order] == ["qubit 3", "qubit 4", "qubit 5"]  # a chain, drawn in chain order
    assert "ecr 0.007" in svg and "&lt;used&gt;" in svg
