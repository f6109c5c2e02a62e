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
from datetime import datetime
from typing import Literal

import msgspec
import orjson
from qlcore.errors import Unprocessable

__all__ = ["KINDS", "ListQuery", "RunFilter", "RunKind", "decode_cursor", "encode_cursor", "run_filter", "run_kind"]


class ListQuery(msgspec.Struct, forbid_unknown_fields=True):
    limit: int | None = None
    cursor: str | None = None
    backend: str | None = None  # provider/name
    status: str | None = None
    kind: str | None = None  # original (default) | simulated | all


RunKind = Literal["original", "simulated"]
KINDS: frozenset[str] = frozenset({"original", "simulated", "all"})


@dataclass(frozen=True)
class RunFilter:
    """A validated list query: the page size and the conditions, ready for the store."""

    limit: int
    provider: str | None = None
    backend_name: str | None = None
    status: str | None = None
    after: tuple[str, str] | None = None  # (created_at, run_id) of the previous page's last row
    kind: RunKind | None = "original"  # None: every kind. Simulated reproductions are hidden unless asked for


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
    kind = q.kind or "original"
    if kind not in KINDS:
        raise Unprocessable("kind is original, simulated or all")
    return RunFilter(limit, provider, name, q.status or None, after, None if kind == "all" else kind)  # type: ignore[arg-type]


def run_kind(simulated_reproduction: bool) -> RunKind:
    """A run's kind in the list: ``simulated`` for a simulated reproduction (a drift simulation by
    the run's owner, ``qlprov.document.is_simulated_reproduction``), else ``original``."""
    return "simulated" if simulated_reproduction else "original"


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
