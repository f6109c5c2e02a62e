"""What a service supplies to the projection runner, and helpers for batched projections."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterator, Sequence
from typing import Protocol

import psycopg

from qlcore.events.envelope import Event

__all__ = ["Items", "Projection", "apply_grouped", "consecutive"]


class Projection(Protocol):
    """A service's read model: its tables, its DDL and how one event changes them.

    ``apply`` must be deterministic and idempotent (upserts): never read the wall clock or random
    numbers; use the event's fields. An error it raises is the runner's to handle: retried, then
    dead-lettered (``qlcore.projection.dead_letters``); never swallow one here.
    """

    service: str
    ddl: str  # CREATE TABLE IF NOT EXISTS ... with unqualified names
    tables: Sequence[tuple[str, str]]  # (table, ORDER BY) for digest and reset
    handles: frozenset[str] | None  # event types applied; None = every known type

    async def apply(self, cur: psycopg.AsyncCursor, event: Event, seq: int) -> None: ...

    # Optional: ``async def apply_batch(self, cur, items: list[tuple[Event, int]]) -> None`` applies a
    # batch's events (in log order) at once, e.g. with a pipelined ``executemany``; when present it is
    # used instead of ``apply``. It must have the same effect as applying them one by one.
    # Optional: ``def bind(self, bus: Bus) -> None`` gives the projection the run log, to read whole
    # documents back (``qlcore.runlog``) for the rare event that needs more than its head.


Items = list[tuple[Event, int]]


def consecutive(items: Sequence[tuple[Event, int]], kind: type[Event]) -> Iterator[tuple[bool, Items]]:
    """Split a batch, in order, into maximal runs of ``kind`` events ``(True, run)`` and single other
    events ``(False, [item])``: an ``apply_batch`` applies the runs at once and the rest one by one."""
    run: Items = []
    for item in items:
        if isinstance(item[0], kind):
            run.append(item)
            continue
        if run:
            yield True, run
            run = []
        yield False, [item]
    if run:
        yield True, run


async def apply_grouped(
    cur: psycopg.AsyncCursor,
    items: Items,
    kind: type[Event],
    many: Callable[[psycopg.AsyncCursor, Items], Awaitable[None]],
    one: Callable[[psycopg.AsyncCursor, Event, int], Awaitable[None]],
) -> None:
    """An ``apply_batch`` in log order: each run of consecutive ``kind`` events with ``many`` (one
    statement for the run), every other event with ``one`` (the projection's ``apply``)."""
    for together, group in consecutive(items, kind):
        if together:
            await many(cur, group)
        else:
            await one(cur, *group[0])
