"""The event envelope shared by every event in the run log.

Events are frozen msgspec Structs tagged by ``type`` (``run.ingested``); the envelope fields
live on the base class, each event adds its typed body fields. Schema evolution follows
msgspec's rules: only add fields, always with defaults, never change a field's type; an
incompatible change is a new ``schema_version`` with a pure upcast function (see ``registry``).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, Self

import msgspec
from ulid import ULID

__all__ = ["Event", "new_event_id", "utcnow"]


def new_event_id() -> str:
    return str(ULID())


def utcnow() -> str:
    """Current time, RFC 3339 with microseconds, UTC."""
    return datetime.now(UTC).isoformat().replace("+00:00", "Z")


class Event(msgspec.Struct, frozen=True, kw_only=True, tag_field="type", omit_defaults=False):
    """Envelope: identity, time, tenancy, who, and the causal chain."""

    event_id: str
    occurred_at: str
    workspace_id: str | None
    actor: str
    correlation_id: str
    causation_id: str | None = None
    schema_version: int = 1  # of this event type's body; bumped only with an upcaster (registry)

    @classmethod
    def new(
        cls,
        *,
        actor: str,
        workspace_id: str | None,
        correlation_id: str | None = None,
        causation_id: str | None = None,
        **body: Any,
    ) -> Self:
        """Create an event with a fresh id and timestamp."""
        eid = new_event_id()
        return cls(
            event_id=eid,
            occurred_at=utcnow(),
            workspace_id=workspace_id,
            actor=actor,
            correlation_id=correlation_id or eid,
            causation_id=causation_id,
            **body,
        )

    @property
    def type(self) -> str:
        return str(self.__struct_config__.tag)

    @property
    def subject_suffix(self) -> str | None:
        """A last token of the event's log subject (``{ns}.log.<type>.<suffix>``), for the few
        types each service appends for itself: the bus's permissions then keep a service to its own."""
        return None
