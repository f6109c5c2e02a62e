"""Composition root of the gateway: its settings, the identity runtime the commands use, the
HTTP app's dependencies, the identity read model, the operator operations and the HTTP server,
built once at start."""

from __future__ import annotations

from dataclasses import dataclass

from qlcore.service import Runtime, ServiceSpec

from services.gateway import store
from services.gateway.config import POOL_SIZE, GatewayConfig, load_config
from services.gateway.deps import Gateway
from services.gateway.domain.sealing import load_seal_keys
from services.gateway.handlers import OPERATIONS
from services.gateway.http import serve_http
from services.gateway.identity.runtime import IdentityRuntime, mail_transport
from services.gateway.projection import IdentityProjection

__all__ = ["Deps", "build", "spec"]


@dataclass(frozen=True)
class Deps:
    rt: Runtime
    config: GatewayConfig
    identity: IdentityRuntime  # what the identity commands run on (accounts, keys, orgs)
    http: Gateway  # what the routes use, on the app's state (``deps.gw_of``)


async def build(rt: Runtime) -> Deps:
    """Load the settings and the sealing keys (made on a first embedded start), give the keys to the
    identity projection (the runner made it before the dependencies; it applies nothing before
    this returns), ensure the throttle table beside the read model."""
    config = load_config(rt.settings)
    keys = load_seal_keys(config.identity_keys_file, config.keys_home)
    if rt.runner is not None:
        projection = rt.runner.p
        if not isinstance(projection, IdentityProjection):
            raise TypeError(f"the gateway's projection is a {type(projection).__name__}")
        projection.keys = keys
    await store.ensure_throttle_table(rt.pool)
    identity = IdentityRuntime(
        settings=rt.settings,
        bus=rt.bus,
        pool=rt.pool,
        wait=rt.applied,
        mail=mail_transport(config),
        keys=keys,
        sender=config.mail_from,
    )
    http = Gateway(rt.settings, rt.bus.nc, rt.pool, identity=identity, statements=rt.statements)
    return Deps(rt, config, identity, http)


def spec() -> ServiceSpec[Deps]:
    return ServiceSpec(
        name="gateway",
        build=build,
        projection=IdentityProjection,
        operations=OPERATIONS,
        tasks=(serve_http,),
        pool_size=POOL_SIZE,
    )
