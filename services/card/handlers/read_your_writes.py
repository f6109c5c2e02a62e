"""``cards.applied``: another service's read-your-writes through the card read model.

A service that appended an event a card shows (the reproduce service's ``reproduction.completed``)
and answers its caller at once asks this operation to return only once the card read model has
applied that event (``Runtime.applied``, decision 0013): the caller's next read of the card, its
page or its badges then shows it. Bounded: a position beyond the log's end is a 422 (nothing to
wait for), a stalled projection a 503 after ``applied_timeout_s``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import msgspec
from qlcore.errors import Unprocessable
from qlcore.rpc import RpcReply, RpcRequest, json_reply

if TYPE_CHECKING:
    from services.card.bootstrap import Deps

__all__ = ["AppliedQuery", "applied"]


class AppliedQuery(msgspec.Struct, forbid_unknown_fields=True):
    seq: Annotated[int, msgspec.Meta(ge=1)]


async def applied(deps: Deps, req: RpcRequest) -> RpcReply:
    seq = req.json(AppliedQuery).seq
    last = await deps.rt.bus.last_event_seq()
    if seq > last:
        raise Unprocessable(f"sequence {seq} is beyond the run log's last event ({last})")
    await deps.rt.applied(seq, deps.config.applied_timeout_s)
    return json_reply({"seq": seq, "applied": True})
