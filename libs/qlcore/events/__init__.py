"""The run log's event types (see ``registry`` for the union and the codec)."""

from qlcore.events.envelope import Event, new_event_id, utcnow
from qlcore.events.identity import ApiKeyCreated, ApiKeyRevoked, OrgCreated, WorkspaceCreated
from qlcore.events.registry import EVENT_TYPES, UnknownEvent, decode_event, encode_event
from qlcore.events.runs import RunIngested

__all__ = [
    "EVENT_TYPES",
    "ApiKeyCreated",
    "ApiKeyRevoked",
    "Event",
    "OrgCreated",
    "RunIngested",
    "UnknownEvent",
    "WorkspaceCreated",
    "decode_event",
    "encode_event",
    "new_event_id",
    "utcnow",
]
