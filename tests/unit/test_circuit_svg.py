"""The run page's circuit drawing (services.gateway.web.circuit): GHZ and Bell circuits in
OpenQASM 2 and 3, broadcasting, what it refuses to draw, and hostile names escaped."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from services.gateway.web.circuit import circuit_svg, parse

SVG = "{http://www.w3.org/2000/svg}"

GHZ3_QASM2 = """OPENQASM 2.0;
include "qelib1.inc";
qreg q[3];
creg c[3];
h q[0];
cx q[0],q[1];
cx q[1],q[2];
barrier q[0],q[1],q[2];
measure q[0] -> c[0];
measure q[1] -> c[1];
measure q[2] -> c[2];
"""

BELL_QASM3 = """OPENQASM 3.0;
include "stdgates.inc";
qubit[2] q;
bit[2] c;
// a Bell pair
h q[0];
cx q[0], q[1];
c = measure q;
"""


def _svg(source: str, title: str = "Circuit") -> ET.Element:
    drawn = circuit_svg(source, title=title)
    assert drawn is not None
    return ET.fromstring(drawn)  # well-formed XML


def test_ghz_is_three_wires_a_hadamard_two_cnots_and_three_measurements() -> None:
    c = parse(GHZ3_QASM2)
    assert c.wires == ["q[0]", "q[1]", "q[2]"]
    assert [(op.name, op.qubits) for op in c.ops if op.name != "measure"] == [
        ("h", (0,)),
        ("cx", (0, 1)),
        ("cx", (1, 2)),
        ("barrier", (0, 1, 2)),
    ]
    assert [op.clbit for op in c.ops if op.name == "measure"] == ["c[0]", "c[1]", "c[2]"]
    root = _svg(GHZ3_QASM2, "Circuit of ghz-3")
    assert root.get("role") == "img" and root.get("aria-label") == "Circuit of ghz-3"
    assert root.find(f"{SVG}title").text == "Circuit of ghz-3"  # type: ignore[union-attr]
    texts = [t.text for t in root.iter(f"{SVG}text")]
    assert texts[:3] == ["q[0]", "q[1]", "q[2]"]  # the wires' labels
    assert "H" in texts and texts.count("c[0]") == 1
    assert len([c for c in root.iter(f"{SVG}circle") if c.get("class") == "target"]) == 2  # two CNOT targets
    assert len([c for c in root.iter(f"{SVG}circle") if c.get("r") == "5"]) == 2  # and their control dots
    # h, cx, cx, barrier, then the measurements: five steps; fixed width for a scrolling box
    assert "in 5 steps" in root.find(f"{SVG}desc").text  # type: ignore[union-attr,operator]
    assert int(root.get("width", "0")) == 56 + 5 * 46 + 16


def test_bell_in_openqasm_3_with_a_broadcast_measure() -> None:
    c = parse(BELL_QASM3)
    assert c.wires == ["q[0]", "q[1]"]
    assert [(op.name, op.qubits, op.clbit) for op in c.ops] == [
        ("h", (0,), ""),
        ("cx", (0, 1), ""),
        ("measure", (0,), "c[0]"),
        ("measure", (1,), "c[1]"),
    ]
    root = _svg(BELL_QASM3)
    assert len([c for c in root.iter(f"{SVG}circle") if c.get("class") == "target"]) == 1


def test_parameters_broadcast_and_defined_gates() -> None:
    source = """OPENQASM 2.0;
    qreg a[2]; qreg b[2]; creg m[2];
    gate mine x, y { cx x, y; }
    rz(pi/4) a;
    mine a[0], b[1];
    cz a[1], b[0];
    swap a[0], a[1];
    u3(0.1, 0.2, 0.3) b[0];
    reset b;
    measure b -> m;
    """
    c = parse(source)
    assert c.wires == ["a[0]", "a[1]", "b[0]", "b[1]"]
    names = [(op.name, op.qubits, op.params) for op in c.ops]
    assert names[:2] == [("rz", (0,), "pi/4"), ("rz", (1,), "pi/4")]
    assert ("mine", (0, 3), "") in names and ("cz", (1, 2), "") in names and ("swap", (0, 1), "") in names
    assert ("u3", (2,), "0.1, 0.2, 0.3") in names
    assert _svg(source) is not None


def test_what_it_cannot_read_is_not_drawn() -> None:
    for source in (
        "OPENQASM 2.0; qreg q[1]; creg c[1]; if (c==1) x q[0];",
        "OPENQASM 3.0; qubit[2] q; for int i in [0:1] { h q[i]; }",
        "OPENQASM 2.0; qreg q[2]; cx q[0], q[5];",  # out of range
        "OPENQASM 2.0; qreg q[2]; cx q[0], q[0];",
        "OPENQASM 2.0; h r[0];",  # no such register
        "",
        "qreg q[100000];",  # too many wires
        "not qasm at all",
    ):
        assert circuit_svg(source, title="x") is None, source


def test_hostile_names_are_escaped() -> None:
    hostile = '<script>alert(1)</script>"&'
    drawn = circuit_svg(
        "OPENQASM 2.0; qreg q[2]; creg c[2]; h q[0]; cx q[0], q[1]; measure q[0] -> c[0];", title=hostile
    )
    assert drawn is not None and "<script>" not in drawn and "&lt;script&gt;" in drawn
    ET.fromstring(drawn)
    # markup smuggled into a statement is no gate name nor register: not drawn at all
    assert circuit_svg('OPENQASM 2.0; qreg q[1]; <img src=x onerror="alert(1)"> q[0];', title="x") is None
    assert circuit_svg("OPENQASM 2.0; qreg q[1]; h q[0]; x</text><script>1</script> q[0];", title="x") is None
    # a long gate name is shortened, and its (escaped) parameters are in the tooltip only
    drawn = circuit_svg("OPENQASM 2.0; qreg q[1]; averyveryverylongname(a<b) q[0];", title="x")
    assert drawn is not None and "a&lt;b" in drawn and "averyv…" in drawn and "a<b" not in drawn
    assert not re.search(r"<(?!/?(svg|title|desc|text|line|g|rect|circle|path)\b)", drawn)
