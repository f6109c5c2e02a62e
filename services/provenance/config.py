"""The provenance service's own settings (``QL_PROVENANCE_*``), read when it starts, never on import."""

from __future__ import annotations

import os
from collections.abc import Mapping

import msgspec

__all__ = ["ProvenanceConfig", "load_config"]


class ProvenanceConfig(msgspec.Struct, frozen=True, kw_only=True):
    max_page: int = 200  # the largest ``limit`` of a run list page
    default_page: int = 50


def load_config(env: Mapping[str, str] | None = None) -> ProvenanceConfig:
    e = os.environ if env is None else env
    cfg = ProvenanceConfig(
        max_page=int(e.get("QL_PROVENANCE_MAX_PAGE", "200")),
        default_page=int(e.get("QL_PROVENANCE_DEFAULT_PAGE", "50")),
    )
    if not 1 <= cfg.default_page <= cfg.max_page:
        raise ValueError(f"invalid provenance settings: {cfg}")
    return cfg
