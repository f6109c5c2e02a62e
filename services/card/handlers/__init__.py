"""The card service's operations over NATS, one module per group: ``reads`` (the public card:
JSON, citation, embed, page, provenance document, badges), ``lifecycle`` (publish, unpublish),
``reproductions`` (a reproduction submitted to a card) and ``read_your_writes`` (another service
waits for the card read model to apply its event); ``responses`` holds the problems and cacheable
replies they share.

Reads need no caller (a published card is public); commands act on the caller's own runs.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from qlcore.service import Operation

from services.card.handlers import lifecycle, read_your_writes, reads, reproductions

if TYPE_CHECKING:
    from services.card.bootstrap import Deps

__all__ = ["OPERATIONS"]

OPERATIONS: tuple[Operation[Deps], ...] = (
    Operation("cards.get", reads.get_card),
    Operation("cards.citation", reads.citation),
    Operation("cards.embed", reads.embed),
    Operation("cards.page", reads.page),
    Operation("cards.provenance", reads.provenance),
    Operation("cards.badge", reads.badge),
    Operation("cards.publish", lifecycle.publish_card),
    Operation("cards.unpublish", lifecycle.unpublish_card),
    Operation("cards.reproduce", reproductions.submit),
    Operation("cards.applied", read_your_writes.applied),
)
