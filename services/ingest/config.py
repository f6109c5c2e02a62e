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


def load_config(env: Mapping[str, str] | None = None) -> IngestConfig:
    e = os.environ if env is None else env
    cfg = IngestConfig(max_batch=int(e.get("QL_INGEST_MAX_BATCH", str(MAX_BATCH))))
    if cfg.max_batch < 1:
        raise ValueError(f"invalid ingest settings: {cfg}")
    return cfg
