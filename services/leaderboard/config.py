"""The leaderboard service's own settings (``QL_LEADERBOARD_*``), read when it starts, never on import."""

from __future__ import annotations

import os
from collections.abc import Mapping

import msgspec

__all__ = ["LeaderboardConfig", "load_config"]


class LeaderboardConfig(msgspec.Struct, frozen=True, kw_only=True):
    reply_cache_entries: int = 512  # replies cached per read-model position (few distinct queries are hot)
    import_wait_s: float = 30.0  # how long corpus.import waits for its read model (then 503 + Retry-After)
    append_concurrency: int = 32  # corpus.import's appends in flight at once


def load_config(env: Mapping[str, str] | None = None) -> LeaderboardConfig:
    e = os.environ if env is None else env
    cfg = LeaderboardConfig(
        reply_cache_entries=int(e.get("QL_LEADERBOARD_REPLY_CACHE_ENTRIES", "512")),
        import_wait_s=float(e.get("QL_LEADERBOARD_IMPORT_WAIT_S", "30")),
        append_concurrency=int(e.get("QL_LEADERBOARD_APPEND_CONCURRENCY", "32")),
    )
    if cfg.reply_cache_entries < 1 or cfg.import_wait_s <= 0 or cfg.append_concurrency < 1:
        raise ValueError(f"invalid leaderboard settings: {cfg}")
    return cfg
