"""Composition root of the attestation service: its dependencies, built once at start (the
framework catalog and the signing keyring are read from disk then, never at import)."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from qlcore.objects import Objects
from qlcore.service import Runtime, ServiceSpec

from services.attestation.adapters.framework_files import load_catalog
from services.attestation.adapters.keyring_files import load_keyring
from services.attestation.config import POOL_SIZE, AttestationConfig, load_config
from services.attestation.domain import FrameworkCatalog, Keyring
from services.attestation.handlers import OPERATIONS
from services.attestation.handlers.keys import publish_active_key
from services.attestation.projection import AttestationProjection

__all__ = ["Deps", "build", "spec"]


@dataclass(frozen=True)
class Deps:
    rt: Runtime
    config: AttestationConfig
    catalog: FrameworkCatalog
    keyring: Keyring  # a rotation (keys.rotate) switches its active key in place
    locked_sections: asyncio.Semaphore  # evaluations holding a workspace lock (handlers.compliance)
    objects: Objects  # evidence pages and gaps, too large for events (qlcore.objects)


async def build(rt: Runtime) -> Deps:
    """Load the frameworks and the key, ensure the object bucket; publish the public key unless
    the read model has it."""
    config = load_config()
    keyring = load_keyring(config.key_file_path(), config.key_dir_path(rt.settings.home))
    objects = Objects(rt.bus.js, rt.settings)
    await objects.ensure()
    deps = Deps(rt, config, load_catalog(), keyring, asyncio.Semaphore(config.locked_sections), objects)
    await publish_active_key(deps)
    return deps


def spec() -> ServiceSpec[Deps]:
    # a locked evaluation holds a pooled connection while it waits for the projection (compliance)
    return ServiceSpec(
        name="attestation",
        build=build,
        projection=AttestationProjection,
        operations=OPERATIONS,
        pool_size=POOL_SIZE,
    )
