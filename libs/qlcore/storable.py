"""What the read models can store: every command is checked against it before its event is appended.

A command accepted with a 2xx becomes an event that every projection applies; a value a
projection cannot write (PostgreSQL refuses it) would dead-letter the event, and the command
would have been accepted although it could not take effect. So commands are refused first,
with 422 naming the member (JSON Pointer), for:

* **text PostgreSQL cannot hold**: U+0000 (NUL) in ``text`` and ``jsonb`` (every other
  character of valid UTF-8 is storable), and lone surrogates (not UTF-8 at all), in any
  string or member name of the command, at any depth;
* **integers beyond ``bigint``**: ±(2^63) and beyond, wherever they are (I-JSON input holds
  none; this guards commands built in code);
* **the run document's typed columns** (:func:`check_run_document`): ``integer`` columns
  (``execution.shots``, ``backend.num_qubits``) and ``timestamptz`` columns (``created_at``,
  ``calibration.taken_at``, ``execution.submitted_at``/``completed_at``), whose text must
  be a real date and time (the schema's pattern admits month 13 and hour 25).

Every ``text`` column of the read models is unbounded (no ``varchar(n)``): lengths are the
types' own limits (``qlprov.document`` and each command's msgspec type).

:func:`check_json` is cheap on the common path: NUL and lone surrogates can only appear in
JSON text as ``\\u0000`` and ``\\uD800``-``\\uDFFF`` escapes (raw control characters and
invalid UTF-8 are not JSON), so text without such an escape is storable and needs no walk.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

import msgspec
from qlprov.ijson import pointer

from qlcore.errors import Unprocessable

__all__ = [
    "INT4_MAX",
    "INT8_MAX",
    "Unstorable",
    "check_json",
    "check_run_document",
    "check_value",
    "storable_text",
]

INT4_MAX = 2**31 - 1
INT8_MAX = 2**63 - 1
_MAX_OFFSET = timedelta(hours=15, minutes=59)
_SUSPECT = re.compile(rb"\\u(?:0000|[dD][89a-fA-F])")


class Unstorable(Unprocessable):
    """422: a member holds a value the read models cannot store (``member`` names it)."""

    slug, title = "unstorable-value", "Unstorable value"

    def __init__(self, path: list[str | int] | str, reason: str) -> None:
        member = path if isinstance(path, str) else pointer(path)
        super().__init__(f"{member or 'the request body'}: {reason}", member=member)


def storable_text(text: str) -> str | None:
    """Why ``text`` cannot be stored (``None`` when it can)."""
    if "\x00" in text:
        return "holds U+0000 (NUL), which PostgreSQL text cannot store"
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as exc:
        return f"holds a lone surrogate (U+{ord(text[exc.start]):04X}), which is not UTF-8"
    return None


def check_value(value: Any, path: list[str | int] | None = None) -> None:
    """Raise :class:`Unstorable` for the first string, member name or integer (see the module
    docstring) a read model cannot store, anywhere in ``value`` (parsed JSON or msgspec Structs)."""
    _walk(value, [] if path is None else path)


def check_json(raw: bytes | str, decoded: Any = None) -> None:
    """:func:`check_value` for JSON text; ``decoded`` is its parsed value when the caller has it.

    Text with no ``\\u0000`` nor surrogate escape is storable without a walk (``decoded`` is
    then not looked at); otherwise the value is walked to name the member."""
    data = raw.encode("utf-8", "surrogatepass") if isinstance(raw, str) else raw
    if isinstance(raw, str) and ("\x00" in raw or _has_surrogate(raw)):
        pass  # a str may hold the characters themselves: walk
    elif _SUSPECT.search(data) is None:
        return
    if not isinstance(decoded, dict | list | str):  # typed values may hold msgspec.Raw: walk the text
        try:
            decoded = json.loads(data)  # keeps lone surrogates, which msgspec and orjson refuse
        except (ValueError, RecursionError):
            return  # not JSON: the decoder the caller uses reports that
    check_value(decoded)


def _has_surrogate(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def _walk(value: Any, path: list[str | int]) -> None:
    if isinstance(value, str):
        reason = storable_text(value)
        if reason:
            raise Unstorable(path, reason)
    elif isinstance(value, bool) or value is None or isinstance(value, float):
        return
    elif isinstance(value, int):
        if not -INT8_MAX - 1 <= value <= INT8_MAX:
            raise Unstorable(path, "integer beyond the 64-bit range the read models store")
    elif isinstance(value, Mapping):
        for key, member in value.items():
            path.append(key)
            if isinstance(key, str) and (reason := storable_text(key)):
                raise Unstorable(path, f"member name {reason}")
            _walk(member, path)
            path.pop()
    elif isinstance(value, list | tuple):
        for i, item in enumerate(value):
            path.append(i)
            _walk(item, path)
            path.pop()
    elif isinstance(value, msgspec.Struct):
        for name in value.__struct_fields__:
            path.append(_encoded_name(type(value), name))
            _walk(getattr(value, name), path)
            path.pop()
    elif isinstance(value, bytes | bytearray | memoryview):
        return  # binary members are stored as bytea
    # other leaves (datetimes, enums, UUIDs) are produced by code, not by clients


def _encoded_name(cls: type[msgspec.Struct], field: str) -> str:
    fields = cls.__struct_fields__
    encoded = getattr(cls, "__struct_encode_fields__", fields)
    return str(encoded[fields.index(field)])


# -- the run document's typed columns ----------------------------------------------------------

#: ``integer`` columns fed from a run document: provenance ``runs.shots``, card and reproduce
#: ``shots``, leaderboard and card ``num_qubits``
_INT4_MEMBERS: tuple[tuple[str, ...], ...] = (("execution", "shots"), ("backend", "num_qubits"))
#: ``timestamptz`` columns, or times the projections parse: provenance ``runs.created_at``,
#: leaderboard ``taken_at``; the execution's times are read by reports and cards
_TIME_MEMBERS: tuple[tuple[str, ...], ...] = (
    ("created_at",),
    ("calibration", "taken_at"),
    ("execution", "submitted_at"),
    ("execution", "completed_at"),
)


def check_run_document(document: Mapping[str, Any]) -> None:
    """Refuse a run document (already schema-valid) whose values its projections cannot store:
    integers beyond ``integer`` and date-times that are not real instants (see the module docstring)."""
    for path in _INT4_MEMBERS:
        value = _member(document, path)
        if isinstance(value, int) and not isinstance(value, bool) and not -INT4_MAX - 1 <= value <= INT4_MAX:
            raise Unstorable(pointer(path), f"{value} is beyond the 32-bit integer the read models store")
    for path in _TIME_MEMBERS:
        value = _member(document, path)
        if isinstance(value, str) and (reason := _instant_problem(value)):
            raise Unstorable(pointer(path), reason)


def _member(document: Mapping[str, Any], path: tuple[str, ...]) -> Any:
    value: Any = document
    for key in path:
        if not isinstance(value, Mapping):
            return None
        value = value.get(key)
    return value


def _instant_problem(text: str) -> str | None:
    """Why ``text`` (matching the RFC 3339 pattern) is not an instant PostgreSQL and Python read."""
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00").replace("t", "T"))
    except ValueError as exc:
        return f"{text!r} is not a real date and time ({exc})"
    offset = parsed.utcoffset()
    if offset is None:
        return f"{text!r} has no UTC offset"
    if abs(offset) > _MAX_OFFSET:
        return f"{text!r} has a UTC offset beyond ±15:59, which PostgreSQL refuses"
    try:
        parsed.astimezone(UTC)
    except OverflowError:
        return f"{text!r} is out of the range of representable times in UTC"
    return None
