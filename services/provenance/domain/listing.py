"""The run list: its query parameters, their validation, and opaque keyset cursors.

A cursor is the (created_at, run_id) of the last row of a page, base64url-encoded JSON: the next
page starts strictly after it in the list's order (most recent first), so pages never skip or
repeat a run while new runs arrive.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from datetime import datetime

import msgspec
import orjson
from qlcore.errors import Unprocessable

__all__ = ["ListQuery", "RunFilter", "decode_cursor", "encode_cursor", "run_filter"]


class ListQuery(msgspec.Struct, forbid_unknown_fields=True):
    limit: int | None = None
    cursor: str | None = None
    backend: str | None = None  # provider/name
    status: str | None = None


@dataclass(frozen=True)
class RunFilter:
    """A validated list query: the page size and the conditions, ready for the store."""

    limit: int
    provider: str | None = None
    backend_name: str | None = None
    status: str | None = None
    after: tuple[str, str] | None = None  # (created_at, run_id) of the previous page's last row


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
    return RunFilter(limit, provider, name, q.status or None, after)


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
