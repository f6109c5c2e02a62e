"""RFC 8785 (JCS) canonical JSON, with a fast path.

The reference implementation (the pure-Python ``rfc8785`` package) costs ~18 ms on a 75 KB
bundle. The fast path serializes with orjson (sorted keys, compact, UTF-8, the same escapes
as JCS) and then checks the output for every construct where orjson and JCS may differ:

* floats whose ECMAScript form differs from orjson's (integral floats such as ``1.0``,
  exponent notation such as ``1e-07`` or ``1e+16``);
* integers outside the IEEE-754 safe range (JCS serializes them as doubles);
* non-ASCII text anywhere (key order is by UTF-16 code units in JCS, by code points in
  orjson; they differ above U+FFFF).

The checks are a conservative textual scan of the whole output, strings included, so a
suspicious-looking string only costs a fallback, never a wrong answer. Output that passes
is byte-identical to RFC 8785 (proved against ``rfc8785`` by property tests in
``tests/unit/test_canonical.py``). When the scan finds a suspect, floats are re-formatted
in ECMAScript form in a tree walk (``orjson.Fragment``) if the only suspects are numbers,
and otherwise the reference implementation is used.
"""

from __future__ import annotations

import math
import re
from typing import Any

import orjson
import rfc8785

__all__ = ["canonicalize", "canonicalize_reference", "es6_number"]

_SORT = orjson.OPT_SORT_KEYS
# a digit followed by e/E and a digit or sign: exponent notation (may also hit strings: fine)
# ".0" closing a number: an integral float; 16+ digits: maybe beyond 2**53
_NUMBER_SUSPECT = re.compile(rb"\d[eE][-+]?\d|\d\.0(?:[,\]}]|$)|\d{16,}")
_NON_ASCII = re.compile(rb"[\x80-\xff]")
_SAFE_INT = 2**53 - 1


def canonicalize(obj: Any) -> bytes:
    """Return the RFC 8785 canonical UTF-8 bytes of a parsed JSON value."""
    try:
        out = orjson.dumps(obj, option=_SORT)
    except (TypeError, orjson.JSONEncodeError):
        return canonicalize_reference(obj)
    if _NON_ASCII.search(out) is not None:
        return canonicalize_reference(obj)
    if _NUMBER_SUSPECT.search(out) is None:
        return out
    try:
        return orjson.dumps(_with_es6_floats(obj), option=_SORT)
    except _Unsure:
        return canonicalize_reference(obj)


def canonicalize_reference(obj: Any) -> bytes:
    """The reference implementation (``rfc8785``); slow, used as the fallback and in tests."""
    return rfc8785.dumps(obj)


class _Unsure(Exception):
    """Raised by the tree walk where it cannot be sure of the JCS form."""


def _with_es6_floats(value: Any) -> Any:
    if isinstance(value, float):
        return orjson.Fragment(es6_number(value).encode())
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return value
    if isinstance(value, int):
        if -_SAFE_INT <= value <= _SAFE_INT:
            return value
        raise _Unsure
    if isinstance(value, dict):
        return {k: _with_es6_floats(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_with_es6_floats(v) for v in value]
    raise _Unsure


def es6_number(x: float) -> str:
    """Format a float as ECMAScript's Number.prototype.toString (RFC 8785 section 3.2.2.3)."""
    if math.isnan(x) or math.isinf(x):
        raise ValueError("NaN and Infinity are not JSON numbers")
    if x == 0:
        return "0"
    sign = "-" if x < 0 else ""
    r = repr(abs(x))  # shortest round-trip digits, as ECMAScript requires
    mantissa, _, exp_part = r.partition("e")
    exp = int(exp_part) if exp_part else 0
    int_part, _, frac_part = mantissa.partition(".")
    if frac_part == "0":
        frac_part = ""
    digits = (int_part + frac_part).lstrip("0")
    # n: position of the decimal point relative to the start of `digits`
    lead_zeros = len(int_part + frac_part) - len((int_part + frac_part).lstrip("0"))
    n = len(int_part) + exp - lead_zeros
    digits = digits.rstrip("0") or "0"
    k = len(digits)
    if k <= n <= 21:
        body = digits + "0" * (n - k)
    elif 0 < n <= 21:
        body = digits[:n] + "." + digits[n:]
    elif -6 < n <= 0:
        body = "0." + "0" * (-n) + digits
    else:
        e = n - 1
        e_str = f"e+{e}" if e >= 0 else f"e-{-e}"
        body = digits + e_str if k == 1 else digits[0] + "." + digits[1:] + e_str
    return sign + body
