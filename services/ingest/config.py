"""The ingest service's own settings (``QL_INGEST_*``), read when it starts, never on import.

The size limit of a bundle is the stack's ``QL_MAX_BUNDLE_BYTES`` (``qlcore.config``): the gateway
checks it too, before reading a body.
"""

from __future__ import annotations

import os
from collections.abc import Mapping

import msgspec

__all__ = ["MAX_BATCH", "IngestConfig", "load_config"]

MAX_BATCH = 64  # bundles in one ``runs.ingest_many`` request (the streaming endpoint sends up to 16)


class IngestConfig(msgspec.Struct, frozen=True, kw_only=True):
    max_batch: int = MAX_BATCH
    # how long a bundle waits for the claims projection to reach the log's end before ingest answers
    # 503 + Retry-After (a stalled or replaying projection); under the gateway's request timeout
    claims_wait_s: float = 5.0


def load_config(env: Mapping[str, str] | None = None) -> IngestConfig:
    e = os.environ if env is None else env
    cfg = IngestConfig(
        max_batch=int(e.get("QL_INGEST_MAX_BATCH", str(MAX_BATCH))),
        claims_wait_s=float(e.get("QL_INGEST_CLAIMS_WAIT_S", "5")),
    )
    if cfg.max_batch < 1 or cfg.claims_wait_s <= 0:
        raise ValueError(f"invalid ingest settings: {cfg}")
    return cfg
