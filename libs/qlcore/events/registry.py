"""Every event type of the run log, one union, one decoder built once.

Adding an event type: define it in the domain's module under ``qlcore.events`` and list it
in ``EVENT_TYPES``; ``python -m qlcore.schemas --write`` regenerates its JSON Schema.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Union

import msgspec

from qlcore.events.attestation import ATTESTATION_EVENTS
from qlcore.events.cards import CARD_EVENTS
from qlcore.events.corpus import CORPUS_EVENTS
from qlcore.events.envelope import Event
from qlcore.events.identity import IDENTITY_EVENTS
from qlcore.events.ops import OPS_EVENTS
from qlcore.events.reproduce import REPRODUCE_EVENTS
from qlcore.events.runs import RunIngested
from qlcore.events.transparency import TRANSPARENCY_EVENTS

__all__ = ["EVENT_TYPES", "TYPE_NAMES", "UPCASTERS", "UnknownEvent", "decode_event", "encode_event"]

EVENT_TYPES: tuple[type[Event], ...] = (
    RunIngested,
    *IDENTITY_EVENTS,
    *CARD_EVENTS,
    *REPRODUCE_EVENTS,
    *CORPUS_EVENTS,
    *ATTESTATION_EVENTS,
    *OPS_EVENTS,
    *TRANSPARENCY_EVENTS,
)
TYPE_NAMES: frozenset[str] = frozenset(str(t.__struct_config__.tag) for t in EVENT_TYPES)

AnyEvent = Union[EVENT_TYPES]  # type: ignore[valid-type]  # noqa: UP007

_encoder = msgspec.json.Encoder()
_decoder: msgspec.json.Decoder[Any] = msgspec.json.Decoder(AnyEvent)

# (type, stored version) -> pure function lifting the raw dict one version up
UPCASTERS: dict[tuple[str, int], Callable[[dict[str, Any]], dict[str, Any]]] = {}


class UnknownEvent(Exception):
    """An event type this code does not know: consumers skip it (and advance)."""


def encode_event(event: Event) -> bytes:
    return _encoder.encode(event)


def decode_event(data: bytes, type_name: str | None = None, version: int | None = None) -> Event:
    """Decode an event; unknown types raise :class:`UnknownEvent`, stale versions are upcast."""
    if type_name is not None and type_name not in TYPE_NAMES:
        raise UnknownEvent(type_name)
    if type_name is not None and version is not None and (type_name, version) in UPCASTERS:
        raw: dict[str, Any] = msgspec.json.decode(data)
        while (type_name, raw.get("schema_version", 1)) in UPCASTERS:
            raw = UPCASTERS[(type_name, raw.get("schema_version", 1))](raw)
        return msgspec.convert(raw, AnyEvent)  # type: ignore[no-any-return]
    return _decoder.decode(data)  # type: ignore[no-any-return]
