"""Time bounds of the leaderboard's queries (``as_of``, ``from``, ``to``)."""

from __future__ import annotations

from datetime import UTC, datetime

from qlcore.corpus.model import parse_rfc3339

__all__ = ["parse_bound"]


def parse_bound(value: datetime | str | None, *, end: bool) -> datetime | None:
    """A time filter: a datetime, an RFC 3339 time, or a date (``YYYY-MM-DD``).

    A bare date means the whole day: its start for a lower bound, its last instant for an upper
    bound (``as_of=2025-02-26`` includes snapshots taken that afternoon).
    """
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.astimezone(UTC) if value.tzinfo else value.replace(tzinfo=UTC)
    text = value.strip()
    if len(text) == 10:
        day = datetime.fromisoformat(text).replace(tzinfo=UTC)
        return day.replace(hour=23, minute=59, second=59, microsecond=999999) if end else day
    return parse_rfc3339(text)
