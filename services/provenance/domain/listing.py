"""The run list: its query parameters, their validation, and opaque keyset cursors.

The list shows a workspace's own experiments: a simulated reproduction (``kind`` ``simulated``) is
listed only when asked for (``kind=simulated`` or ``kind=all``); every item says its kind.

A cursor is the (created_at, run_id) of the last row of a page, base64url-encoded JSON: the next
page starts strictly after it in the list's order (most recent first), so pages never skip or
repeat a run while new runs arrive.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Literal

import msgspec
import orjson
from qlcore.errors import Unprocessable

__all__ = [
    "KINDS",
    "ListQuery",
    "RunFilter",
    "RunKind",
    "decode_cursor",
    "encode_cursor",
    "item_kind",
    "run_filter",
    "run_kind",
]


class ListQuery(msgspec.Struct, forbid_unknown_fields=True):
    limit: int | None = None
    cursor: str | None = None
    backend: str | None = None  # provider/name
    status: str | None = None
    program: str | None = None  # the program's name, exactly
    since: str | None = None  # created at or after (a date: its 00:00 UTC; or an RFC 3339 time)
    until: str | None = None  # created before (a date: the whole day is included)
    q: str | None = None  # a prefix of the run id, the run hash or the program name
    kind: str | None = None  # (default: every run but the simulated reproductions) | KINDS


RunKind = Literal["original", "simulated"]  # the read model's column: a simulated reproduction or not
#: ``experiments`` (the default): every run but the simulated reproductions; ``original``: runs that
#: reproduce nothing; ``reproduction``: runs that reproduce another (simulated ones included);
#: ``simulated``: the simulated reproductions alone; ``all``: every run
KINDS = ("experiments", "original", "reproduction", "simulated", "all")


@dataclass(frozen=True)
class RunFilter:
    """A validated list query: the page size and the conditions, ready for the store."""

    limit: int
    provider: str | None = None
    backend_name: str | None = None
    status: str | None = None
    after: tuple[str, str] | None = None  # (created_at, run_id) of the previous page's last row
    program: str | None = None
    since: str | None = None  # RFC 3339, inclusive
    until: str | None = None  # RFC 3339, exclusive
    search: str | None = None
    kind: RunKind | None = "original"  # the column's value; None: both (simulated reproductions listed)
    lineage: Literal["original", "reproduction"] | None = None  # reproduction_of null / not null


def run_filter(q: ListQuery, *, default_page: int, max_page: int) -> RunFilter:
    """Check a list query (422 naming the parameter when it is invalid)."""
    limit = default_page if q.limit is None else q.limit
    if not 1 <= limit <= max_page:
        raise Unprocessable(f"limit must be between 1 and {max_page}")
    provider = name = None
    if q.backend:
        provider, _, name = q.backend.partition("/")
        if not provider or not name:
            raise Unprocessable("backend filter is provider/name, e.g. ibm/ibm_kyiv")
    after = decode_cursor(q.cursor) if q.cursor else None
    kind = q.kind or "experiments"
    if kind not in KINDS:
        raise Unprocessable(f"kind must be one of {', '.join(KINDS)}")
    search = (q.q or "").strip() or None
    if search is not None and (len(search) > 200 or "\x00" in search):
        raise Unprocessable("q must be at most 200 characters, without NUL")
    program = q.program or None
    if program is not None and (len(program) > 256 or "\x00" in program):
        raise Unprocessable("program must be at most 256 characters, without NUL")
    column: RunKind | None = {"experiments": "original", "original": "original", "simulated": "simulated"}.get(kind)  # type: ignore[assignment]
    return RunFilter(
        limit,
        provider,
        name,
        q.status or None,
        after,
        program=program,
        since=_instant("since", q.since, end_of_day=False),
        until=_instant("until", q.until, end_of_day=True),
        search=search,
        kind=column,
        lineage="original" if kind == "original" else ("reproduction" if kind == "reproduction" else None),
    )


def run_kind(simulated_reproduction: bool) -> RunKind:
    """A run's kind column: ``simulated`` for a simulated reproduction (a drift simulation by the
    run's owner, ``qlprov.document.is_simulated_reproduction``), else ``original``."""
    return "simulated" if simulated_reproduction else "original"


def item_kind(kind: str, reproduction_of: str | None) -> str:
    """What a list item says it is: ``simulated`` (a simulated reproduction), ``reproduction``
    (reproduces another run, e.g. on hardware) or ``original``."""
    if kind == "simulated":
        return "simulated"
    return "reproduction" if reproduction_of is not None else "original"


def _instant(name: str, value: str | None, *, end_of_day: bool) -> str | None:
    """A date (``YYYY-MM-DD``: its start, or the next day's start for an inclusive end) or an
    RFC 3339 time with its offset, as an RFC 3339 text; 422 naming ``name`` otherwise."""
    if not value:
        return None
    text = value.strip()
    try:
        if len(text) == 10:
            day = date.fromisoformat(text)
            if end_of_day:
                day += timedelta(days=1)
            return f"{day.isoformat()}T00:00:00+00:00"
        t = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise Unprocessable(f"{name} must be a date (YYYY-MM-DD) or an RFC 3339 time") from None
    if t.tzinfo is None:
        raise Unprocessable(f"{name} needs a time zone (e.g. 2026-01-01T00:00:00Z)")
    return t.isoformat()


def encode_cursor(created_at: datetime, run_id: str) -> str:
    return base64.urlsafe_b64encode(orjson.dumps([created_at.isoformat(), run_id])).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[str, str]:
    """The (created_at, run_id) a cursor holds; 422 for anything this service did not make."""
    try:
        created, run_id = orjson.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        datetime.fromisoformat(created)
    except (ValueError, TypeError, binascii.Error, orjson.JSONDecodeError) as exc:
        raise Unprocessable("invalid cursor") from exc
    if not isinstance(created, str) or not isinstance(run_id, str):
        raise Unprocessable("invalid cursor")
    return created, run_id
