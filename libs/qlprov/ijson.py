"""Strict I-JSON (RFC 7493) parsing, with the member path of the first violation.

RFC 8785 (the canonical form ``run_hash`` is computed over) assumes I-JSON, and so does
everything that stores or re-reads a document: a value two parsers read differently is a
document that hashes one way and reads another. :func:`loads` accepts JSON text only when

* it is UTF-8 (no invalid byte sequence, no lone surrogate, escaped or not);
* no object has two members of the same name, at any depth;
* every integer is within ±(2^53-1) (IEEE 754 doubles hold them exactly);
* every number is finite as a double (``1e400`` overflows; ``NaN``/``Infinity`` are not JSON).

Anything else raises :class:`IJsonError` naming the member by its JSON Pointer (RFC 6901),
e.g. ``/circuit/metadata/shots``, and saying whether the text was not JSON at all
(``syntax``: the caller answers 400) or JSON that I-JSON refuses (the caller answers 422).

The fast path costs one ``orjson`` parse and one ``orjson`` serialization (C speed, ~0.1 ms
on a 75 KB bundle beyond the parse), and two byte counts:

* ``orjson`` refuses invalid UTF-8, lone surrogates, NaN/Infinity and overflowing numbers
  itself; serializing with ``OPT_STRICT_INTEGER`` refuses integers beyond ±(2^53-1);
* an integer beyond 64 bits is parsed by ``orjson`` as a float of magnitude >= 2^63, written
  back with an exponent of 18 or more: such output goes to the slow path, which sees the token;
* a duplicate member disappears in the parse (the last wins), so the text then has more
  name separators (``:``) than its re-serialization: colons in strings are written back as
  they were read, unless the text escapes one (``\\u003a``), which also takes the slow path.

The slow path (a parse with Python's ``json`` and hooks, then a walk that keeps the path) runs
only for text that fails or looks suspect; it is the authority on what is refused.
"""

from __future__ import annotations

import json
import math
import re
from typing import Any

import orjson

__all__ = ["MAX_SAFE_INTEGER", "IJsonError", "loads", "pointer"]

MAX_SAFE_INTEGER = 2**53 - 1
_ESCAPED_COLON = re.compile(rb"\\u003[aA]")
_BIG_EXPONENT = re.compile(rb"e\+(?:1[89]|[2-9]\d|\d{3})")
_MAX_INT_DIGITS = 16  # 2^53 - 1 has 16 digits: longer tokens are out of range without int()


class IJsonError(ValueError):
    """Text that is not I-JSON. ``path`` is the JSON Pointer of the offending member ("" for
    the whole text, ``None`` when the text is not JSON at all); ``syntax`` is True when the
    text is not JSON (malformed, not UTF-8) rather than JSON that I-JSON refuses."""

    def __init__(self, reason: str, path: str | None, *, syntax: bool = False) -> None:
        where = f" at {path}" if path else ""
        super().__init__(f"{reason}{where}")
        self.reason = reason
        self.path = path
        self.syntax = syntax


def pointer(parts: tuple[str | int, ...] | list[str | int]) -> str:
    """The RFC 6901 JSON Pointer of a path: ``("a", 0, "b/c")`` -> ``/a/0/b~1c``."""
    return "".join("/" + str(p).replace("~", "~0").replace("/", "~1") for p in parts)


def loads(data: bytes | bytearray | memoryview | str) -> Any:
    """Parse I-JSON text; raise :class:`IJsonError` (see the module docstring)."""
    if isinstance(data, str):
        try:
            raw = data.encode("utf-8")
        except UnicodeEncodeError:
            return _strict(data)  # a lone surrogate in the str itself: the slow path names it
    else:
        raw = bytes(data)
    try:
        obj = orjson.loads(raw)
        out = orjson.dumps(obj, option=orjson.OPT_STRICT_INTEGER)
    except (orjson.JSONDecodeError, orjson.JSONEncodeError) as exc:
        return _strict(raw, exc)
    if raw.count(b":") != out.count(b":") or _ESCAPED_COLON.search(raw) or _BIG_EXPONENT.search(out):
        return _strict(raw)
    return obj


# -- the slow path -------------------------------------------------------------------------


class _Pairs(list):  # type: ignore[type-arg]
    """An object's members as parsed, in order, duplicates included."""


class _Bad:
    """A number I-JSON refuses, kept in place so the walk can name its member."""

    __slots__ = ("reason", "syntax")

    def __init__(self, reason: str, *, syntax: bool = False) -> None:
        self.reason = reason
        self.syntax = syntax  # NaN and Infinity: not JSON at all


def _int(token: str) -> Any:
    digits = token.lstrip("-")
    if len(digits) > _MAX_INT_DIGITS or abs(int(token)) > MAX_SAFE_INTEGER:
        shown = token if len(token) <= 24 else token[:20] + "..."
        return _Bad(f"integer {shown} is outside the I-JSON range ±(2^53-1)")
    return int(token)


def _float(token: str) -> Any:
    value = float(token)
    if not math.isfinite(value):
        shown = token if len(token) <= 24 else token[:20] + "..."
        return _Bad(f"number {shown} overflows an IEEE 754 double")
    return value


def _constant(name: str) -> Any:
    return _Bad(f"{name} is not a JSON number", syntax=True)


_DECODER = json.JSONDecoder(object_pairs_hook=_Pairs, parse_int=_int, parse_float=_float, parse_constant=_constant)


def _strict(data: bytes | str, orjson_error: Exception | None = None) -> Any:
    if isinstance(data, bytes):
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise IJsonError(f"not UTF-8: invalid byte sequence at byte {exc.start}", None, syntax=True) from exc
    else:
        text = data
    try:
        parsed = _DECODER.decode(text)
    except json.JSONDecodeError as exc:
        raise IJsonError(f"not valid JSON: {exc}", None, syntax=True) from exc
    except RecursionError as exc:
        raise IJsonError("not valid JSON: nested too deeply", None, syntax=True) from exc
    value = _walk(parsed, [])
    if orjson_error is not None:  # orjson refused what the walk accepts (e.g. its depth limit)
        raise IJsonError(f"not accepted: {orjson_error}", "", syntax=False)
    return value


def _walk(value: Any, path: list[str | int]) -> Any:
    if isinstance(value, _Pairs):
        out: dict[str, Any] = {}
        for key, member in value:
            path.append(key)
            _check_text(key, path, "member name")
            if key in out:
                raise IJsonError(f"duplicate member name {key!r}", pointer(path))
            out[key] = _walk(member, path)
            path.pop()
        return out
    if isinstance(value, list):
        items = []
        for i, item in enumerate(value):
            path.append(i)
            items.append(_walk(item, path))
            path.pop()
        return items
    if isinstance(value, str):
        _check_text(value, path, "string")
        return value
    if isinstance(value, _Bad):
        raise IJsonError(value.reason, pointer(path), syntax=value.syntax)
    return value


def _check_text(text: str, path: list[str | int], what: str) -> None:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise IJsonError(f"{what} holds a lone surrogate (U+{ord(text[exc.start]):04X})", pointer(path)) from exc
