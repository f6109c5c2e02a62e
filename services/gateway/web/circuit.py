"""The run's circuit drawn as inline SVG, from its OpenQASM 2 or 3 source (no qiskit: the gateway
must not import it).

:func:`parse` reads the simple statements circuits are made of: register declarations
(``qreg q[4];`` / ``qubit[4] q;``, ``creg``/``bit``), gate applications with optional parameters
on indexed qubits or whole registers (broadcast), ``measure`` in both syntaxes, ``barrier`` and
``reset``; ``include``, ``OPENQASM`` and the bodies of ``gate`` definitions are skipped (a defined
gate is drawn as a box). Anything else (classical control, loops, subroutines) makes it give up:
:func:`circuit_svg` then returns ``None`` and the page says the circuit is not drawn, rather
than drawing something wrong.

:func:`circuit_svg` lays the operations out in columns (each as early as its qubits allow), one
wire per qubit: boxes with the gate's name, CNOT as a dot and a target, CZ as two dots, SWAP as
two crosses, measurements as a meter box naming the classical bit. The SVG has a fixed width;
its container scrolls horizontally on a narrow screen. Every text is escaped.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html import escape

__all__ = ["Circuit", "Op", "circuit_svg", "parse"]

MAX_QUBITS = 64
MAX_OPS = 2000
COL, ROW, LEFT, TOP = 46, 40, 56, 24
BOX_W, BOX_H = 34, 26

_COMMENT = re.compile(r"//[^\n]*|/\*.*?\*/", re.S)
_GATE_DEF = re.compile(r"\b(?:gate|opaque)\s+[^{;]*(\{[^{}]*\}|;)", re.S)
_NAME = r"[A-Za-z_][A-Za-z0-9_]*"
_REG2 = re.compile(rf"^(qreg|creg)\s+({_NAME})\s*\[\s*(\d+)\s*\]$")
_REG3 = re.compile(rf"^(qubit|bit)\s*(?:\[\s*(\d+)\s*\])?\s+({_NAME})$")
_ARG = re.compile(rf"^({_NAME})(?:\s*\[\s*(\d+)\s*\])?$")
_MEASURE2 = re.compile(r"^measure\s+(.+?)\s*->\s*(.+)$")
_MEASURE3 = re.compile(r"^(.+?)\s*=\s*measure\s+(.+)$")
_APPLY = re.compile(rf"^({_NAME})\s*(?:\((.*)\))?\s+(.+)$", re.S)


class Unparsed(ValueError):
    """A statement this small reader does not understand."""


@dataclass(frozen=True)
class Op:
    name: str
    qubits: tuple[int, ...]
    params: str = ""
    clbit: str = ""  # a measurement's classical bit, as written


@dataclass
class Circuit:
    wires: list[str] = field(default_factory=list)
    ops: list[Op] = field(default_factory=list)


def _statements(source: str) -> list[str]:
    text = _GATE_DEF.sub(";", _COMMENT.sub("", source))
    if "{" in text or "}" in text:
        raise Unparsed("blocks (if, for, def) are not drawn")
    return [" ".join(s.split()) for s in text.split(";") if s.strip()]


def parse(source: str) -> Circuit:
    """The wires and operations of a circuit (:class:`Unparsed` for what cannot be read)."""
    c = Circuit()
    qregs: dict[str, list[int]] = {}
    cregs: dict[str, int] = {}

    def qubits(arg: str) -> list[int]:
        m = _ARG.match(arg.strip())
        if not m or m.group(1) not in qregs:
            raise Unparsed(f"not a qubit: {arg[:40]}")
        reg = qregs[m.group(1)]
        if m.group(2) is None:
            return list(reg)
        i = int(m.group(2))
        if i >= len(reg):
            raise Unparsed(f"index out of range: {arg[:40]}")
        return [reg[i]]

    def clbits(arg: str) -> list[str]:
        m = _ARG.match(arg.strip())
        if not m or m.group(1) not in cregs:
            raise Unparsed(f"not a classical bit: {arg[:40]}")
        if m.group(2) is None:
            return [f"{m.group(1)}[{i}]" for i in range(cregs[m.group(1)])]
        return [f"{m.group(1)}[{m.group(2)}]"]

    def add_qreg(name: str, size: int) -> None:
        if size > MAX_QUBITS or len(c.wires) + size > MAX_QUBITS:
            raise Unparsed("too many qubits to draw")
        qregs[name] = list(range(len(c.wires), len(c.wires) + size))
        c.wires.extend(f"{name}[{i}]" for i in range(size))

    for st in _statements(source):
        if len(c.ops) > MAX_OPS:
            raise Unparsed("too many operations to draw")
        head = st.split(" ", 1)[0]
        if head in ("OPENQASM", "include"):
            continue
        if m := _REG2.match(st):
            if m.group(1) == "qreg":
                add_qreg(m.group(2), int(m.group(3)))
            else:
                cregs[m.group(2)] = int(m.group(3))
            continue
        if m := _REG3.match(st):
            size = int(m.group(2)) if m.group(2) else 1
            if m.group(1) == "qubit":
                add_qreg(m.group(3), size)
            else:
                cregs[m.group(3)] = size
            continue
        measured: tuple[list[int], list[str]] | None = None
        if m := _MEASURE2.match(st):
            measured = qubits(m.group(1)), clbits(m.group(2))
        elif m := _MEASURE3.match(st):
            measured = qubits(m.group(2)), clbits(m.group(1))
        if measured is not None:
            qs, cs = measured
            if len(qs) != len(cs):
                raise Unparsed("measure of registers of different sizes")
            c.ops.extend(Op("measure", (q,), clbit=b) for q, b in zip(qs, cs, strict=True))
            continue
        if head in ("barrier", "reset"):
            rest = st[len(head) :].strip()
            listed = [q for a in rest.split(",") for q in qubits(a)] if rest else list(range(len(c.wires)))
            if head == "barrier":
                c.ops.append(Op("barrier", tuple(listed)))
            else:
                c.ops.extend(Op("reset", (q,)) for q in listed)
            continue
        m = _APPLY.match(st)
        if not m or m.group(1) in ("if", "for", "while", "def", "let", "const", "input", "output", "return", "gate"):
            raise Unparsed(f"not drawn: {st[:40]}")
        name, params = m.group(1), (m.group(2) or "").strip()
        operands = [qubits(a) for a in m.group(3).split(",")]
        width = max(len(a) for a in operands)
        if any(len(a) not in (1, width) for a in operands):
            raise Unparsed("registers of different sizes")
        for i in range(width):  # broadcast over whole registers
            on = tuple(a[0] if len(a) == 1 else a[i] for a in operands)
            if len(set(on)) != len(on):
                raise Unparsed("a gate on the same qubit twice")
            c.ops.append(Op(name.lower(), on, params))
    if not c.wires:
        raise Unparsed("no qubits")
    return c


def _layout(c: Circuit) -> list[tuple[int, Op]]:
    level = [0] * len(c.wires)
    placed: list[tuple[int, Op]] = []
    for op in c.ops:
        lo, hi = min(op.qubits), max(op.qubits)
        span = range(lo, hi + 1)
        col = max(level[q] for q in span)
        placed.append((col, op))
        for q in span:
            level[q] = col + 1
    return placed


_SHORT = {"measure": "M", "reset": "|0⟩", "sdg": "S†", "tdg": "T†", "sx": "√X", "sxdg": "√X†", "id": "I"}


def _label(op: Op) -> str:
    name = _SHORT.get(op.name, op.name.upper() if len(op.name) <= 2 else op.name)
    return name if len(name) <= 7 else name[:6] + "…"


def circuit_svg(source: str, *, title: str) -> str | None:
    """The circuit as an SVG (fixed size: its container scrolls), or ``None`` if it cannot be read."""
    try:
        c = parse(source)
    except (Unparsed, RecursionError):
        return None
    placed = _layout(c)
    cols = max((col for col, _ in placed), default=-1) + 1
    width = LEFT + max(cols, 1) * COL + 16
    height = TOP + len(c.wires) * ROW + 8

    def y(q: int) -> int:
        return TOP + q * ROW + ROW // 2

    def x(col: int) -> int:
        return LEFT + col * COL + COL // 2

    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="circuit-svg" role="img" aria-label="{escape(title)}"'
        f' width="{width}" height="{height}" viewBox="0 0 {width} {height}" font-family="ui-monospace, monospace"'
        ' font-size="12">',
        f"<title>{escape(title)}</title>",
        f"<desc>{len(c.wires)} qubits, {len(c.ops)} operations in {cols} steps</desc>",
    ]
    for q, wire in enumerate(c.wires):
        out.append(f'<text x="4" y="{y(q) + 4}" fill="#444">{escape(wire)}</text>')
        out.append(f'<line x1="{LEFT - 6}" y1="{y(q)}" x2="{width - 8}" y2="{y(q)}" stroke="#888" stroke-width="1"/>')
    for col, op in placed:
        cx = x(col)
        tip = escape(f"{op.name}({op.params})" if op.params else op.name)
        qs = op.qubits
        if op.name == "barrier":
            y0, y1 = y(min(qs)) - ROW // 2 + 4, y(max(qs)) + ROW // 2 - 4
            out.append(
                f'<line x1="{cx}" y1="{y0}" x2="{cx}" y2="{y1}" stroke="#999" stroke-width="2"'
                ' stroke-dasharray="4 3"><title>barrier</title></line>'
            )
            continue
        out.append(f'<g class="op"><title>{tip} on {escape(", ".join(c.wires[q] for q in qs))}</title>')
        if op.name in ("cx", "cnot", "cz", "swap") and len(qs) == 2:
            out.append(f'<line x1="{cx}" y1="{y(qs[0])}" x2="{cx}" y2="{y(qs[1])}" stroke="#1f5fbf" stroke-width="2"/>')
            if op.name == "swap":
                for q in qs:
                    out.append(
                        f'<path d="M{cx - 6} {y(q) - 6}l12 12M{cx - 6} {y(q) + 6}l12 -12" stroke="#1f5fbf"'
                        ' stroke-width="2"/>'
                    )
            else:
                out.append(f'<circle cx="{cx}" cy="{y(qs[0])}" r="5" fill="#1f5fbf"/>')
                if op.name == "cz":
                    out.append(f'<circle cx="{cx}" cy="{y(qs[1])}" r="5" fill="#1f5fbf"/>')
                else:
                    t = y(qs[1])
                    out.append(
                        f'<circle class="target" cx="{cx}" cy="{t}" r="10" fill="#fff" stroke="#1f5fbf"'
                        f' stroke-width="2"/><path d="M{cx - 10} {t}h20M{cx} {t - 10}v20" stroke="#1f5fbf"'
                        ' stroke-width="2"/>'
                    )
        elif op.name == "measure":
            q = qs[0]
            out.append(
                f'<rect x="{cx - BOX_W // 2}" y="{y(q) - BOX_H // 2}" width="{BOX_W}" height="{BOX_H}" rx="3"'
                ' fill="#fff4e5" stroke="#e0701b"/>'
                f'<path d="M{cx - 10} {y(q) + 6}a10 10 0 0 1 20 0M{cx} {y(q) + 6}l7 -11" fill="none"'
                ' stroke="#e0701b" stroke-width="1.5"/>'
                f'<text x="{cx}" y="{y(q) + BOX_H // 2 + 10}" text-anchor="middle" font-size="9"'
                f' fill="#8a4a10">{escape(op.clbit)}</text>'
            )
        else:
            lo, hi = min(qs), max(qs)
            if hi > lo:
                out.append(f'<line x1="{cx}" y1="{y(lo)}" x2="{cx}" y2="{y(hi)}" stroke="#1f5fbf" stroke-width="2"/>')
            top, bottom = y(lo) - BOX_H // 2, y(hi) + BOX_H // 2
            label = _label(op)
            w = max(BOX_W, min(COL - 4, 8 * len(label) + 6))
            out.append(
                f'<rect x="{cx - w // 2}" y="{top}" width="{w}" height="{bottom - top}" rx="3" fill="#e8f0fb"'
                ' stroke="#1f5fbf"/>'
                f'<text x="{cx}" y="{(top + bottom) // 2 + 4}" text-anchor="middle"'
                f' fill="#0d2c5a">{escape(label)}</text>'
            )
        out.append("</g>")
    out.append("</svg>")
    return "".join(out)
