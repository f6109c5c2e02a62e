"""The card service's own settings (``QL_CARD_*``), read when it starts, never on import."""

from __future__ import annotations

import os
from collections.abc import Mapping

import msgspec

__all__ = ["CardConfig", "load_config"]


class CardConfig(msgspec.Struct, frozen=True, kw_only=True):
    """How long a command waits.

    ``applied_timeout_s`` bounds read-your-writes waits (a command waiting for its own event in the
    read model, a miss waiting for the log's end): a stalled projection answers 503, never hangs.
    ``ingest_timeout_s`` bounds the ingest of a reproduction bundle submitted to a card.
    """

    applied_timeout_s: float = 10.0
    ingest_timeout_s: float = 60.0


_ENV = {"applied_timeout_s": "QL_CARD_APPLIED_TIMEOUT_S", "ingest_timeout_s": "QL_CARD_INGEST_TIMEOUT_S"}


def load_config(env: Mapping[str, str] | None = None) -> CardConfig:
    e = os.environ if env is None else env
    values = {field: e[name] for field, name in _ENV.items() if e.get(name)}
    cfg = msgspec.convert(values, CardConfig, strict=False)
    if cfg.applied_timeout_s <= 0 or cfg.ingest_timeout_s <= 0:
        raise ValueError(f"invalid card settings: {cfg}")
    return cfg
