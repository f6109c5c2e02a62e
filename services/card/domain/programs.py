"""When two runs ran "the same program": the normalized program hash.

A reproduction must run the card's program. Two OpenQASM sources are the same program when
their *normalized* texts are identical; ``program_hash`` is BLAKE3 (hex) of that text. The
normalization removes only what OpenQASM ignores, so it never merges different circuits:

* ``//`` line comments and ``/* … */`` block comments are removed (not inside ``"…"``);
* line endings, tabs and runs of whitespace become one space, and whitespace next to
  punctuation (``; , ( ) [ ] { } = + - * / < > : @``) is removed;
* leading and trailing whitespace is removed.

Identifiers, gate order, angles as written, register names and the ``OPENQASM`` version line
all stay significant: ``rz(pi/2)`` and ``rz(1.5707963)`` are different programs, and so are an
OpenQASM 2 and an OpenQASM 3 text of one circuit. The program's *name* is not part of the
hash. Transpiled circuits are not compared: a reproduction on another device transpiles
differently by design.
"""

from __future__ import annotations

import re

import blake3

__all__ = ["normalize_program", "program_hash"]

_TOKENS = re.compile(r'"(?:[^"\\]|\\.)*"|//[^\n]*|/\*.*?\*/|\s+|[^"/\s]+|/', re.DOTALL)
_PUNCTUATION = set(";,()[]{}=+-*/<>:@")


def normalize_program(source: str) -> str:
    """The program text with comments and insignificant whitespace removed."""
    pieces: list[str] = []
    pending_space = False
    for match in _TOKENS.finditer(source.replace("\r\n", "\n").replace("\r", "\n")):
        token = match.group()
        if token.startswith("//") or token.startswith("/*") or token.isspace():
            pending_space = True
            continue
        if pending_space and pieces and not (_PUNCTUATION & {pieces[-1][-1], token[0]}):
            pieces.append(" ")
        pending_space = False
        pieces.append(token)
    return "".join(pieces).strip()


def program_hash(source: str) -> str:
    """BLAKE3 hex of the normalized program (see the module docstring for the equivalence)."""
    return blake3.blake3(normalize_program(source).encode("utf-8")).hexdigest()
