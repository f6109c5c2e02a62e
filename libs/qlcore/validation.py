"""Reading a command from JSON text: the one path every request body takes (decision 0018-validation-400-422).

1. **I-JSON** (``qlprov.ijson``): text that is not JSON at all (malformed, not UTF-8) is a
   400 ``malformed-json``; JSON that I-JSON refuses (duplicate member names, integers beyond
   ±(2^53-1), overflowing numbers, lone surrogates) is a 422 ``not-i-json`` naming the member;
2. **the command's type** (msgspec): a value of the wrong shape is a 422 naming the member;
3. **storable** (``qlcore.storable``): text or numbers a read model cannot store are a 422
   naming the member.

A 2xx therefore means every read model can apply the command's event.
"""

from __future__ import annotations

import re
from typing import Any, TypeVar

import msgspec
from qlprov.ijson import IJsonError, loads

from qlcore.errors import BadRequest, Unprocessable
from qlcore.storable import check_json

__all__ = ["MalformedJson", "NotIJson", "decode_command", "invalid_member", "parse_json"]

T = TypeVar("T")
_AT = re.compile(r"at `\$((?:\.[^.\[`]+|\[\d+\])*)`")


class MalformedJson(BadRequest):
    """400: the body is not JSON text (syntax, encoding)."""

    slug, title = "malformed-json", "Malformed JSON"


class NotIJson(Unprocessable):
    """422: JSON that I-JSON (RFC 7493) refuses; ``member`` is the JSON Pointer of the member."""

    slug, title = "not-i-json", "Not I-JSON"


def parse_json(raw: bytes | str) -> Any:
    """Parse I-JSON text (see the module docstring for the errors)."""
    try:
        return loads(raw)
    except IJsonError as exc:
        if exc.syntax:
            raise MalformedJson(f"the request body is not JSON: {exc}") from exc
        raise NotIJson(str(exc), member=exc.path) from exc


def invalid_member(exc: msgspec.ValidationError) -> Unprocessable:
    """A msgspec validation error as a 422 whose ``member`` is a JSON Pointer (``$.a[0].b`` -> ``/a/0/b``)."""
    text = str(exc)
    m = _AT.search(text)
    member = None
    if m:
        member = "".join(
            "/" + (part[1:-1] if part.startswith("[") else part[1:]).replace("~", "~0").replace("/", "~1")
            for part in re.findall(r"\.[^.\[]+|\[\d+\]", m.group(1))
        )
    return Unprocessable(text, member=member) if member is not None else Unprocessable(text)


def decode_command(raw: bytes | str, type_: type[T]) -> T:
    """Parse, type-check and storable-check one command (see the module docstring)."""
    value = parse_json(raw)
    try:
        command = msgspec.convert(value, type_)
    except msgspec.ValidationError as exc:
        raise invalid_member(exc) from exc
    check_json(raw, value)
    return command
