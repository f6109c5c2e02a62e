"""Composition root of the attestation service: the read model, the handlers, the framework
catalog and the signing keyring (loaded at start, never at import)."""

from __future__ import annotations

import os

from qlcore.service import LegacySpec, ServiceContext

from services.attestation.domain import load_catalog
from services.attestation.handlers import register
from services.attestation.keys import load_keyring, publish_active_key
from services.attestation.projection import AttestationProjection

__all__ = ["on_start", "spec"]


async def on_start(ctx: ServiceContext) -> None:
    """Load the frameworks and the key; publish the public key unless the read model has it."""
    ctx.state["catalog"] = load_catalog()
    ctx.state["keyring"] = load_keyring(ctx.settings, os.environ)
    await publish_active_key(ctx)


def spec() -> LegacySpec:
    # a locked evaluation holds a pooled connection while it waits for the projection (compliance)
    return LegacySpec(
        name="attestation", projection=AttestationProjection, register=register, on_start=on_start, pool_size=10
    )
