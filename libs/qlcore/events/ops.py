"""Operator decisions recorded in the run log, so a replay makes the same ones."""

from __future__ import annotations

from qlcore.events.envelope import Event

__all__ = ["OPS_EVENTS", "DeadLetterSkipped"]


class DeadLetterSkipped(Event, frozen=True, tag="ops.dead_letter_skipped"):
    """An operator decided that ``service``'s read model goes on without the event at ``seq``
    (which it could not apply). ``actor`` is ``operator:<name>``; ``reason`` says why.

    The projection runner of ``service`` drops the dead letter when it applies this event, and on
    a replay (which reads every such decision first) skips the event at ``seq`` without retrying.
    """

    service: str
    seq: int
    event_type: str
    reason: str
    dead_event_id: str | None = None  # the skipped event's own id

    @property
    def subject_suffix(self) -> str | None:
        """Each service records the skips of its own dead letters on its own subject
        (``{ns}.log.ops.dead_letter_skipped.<service>``): no service can skip another's."""
        return self.service


OPS_EVENTS: tuple[type[Event], ...] = (DeadLetterSkipped,)
