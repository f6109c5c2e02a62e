"""Composition root of the tlog service: its settings, the log's key, the witness client, the
projection that builds the tree, the operations that serve it and the task that signs it."""

from __future__ import annotations

from dataclasses import dataclass

from qlcore.service import Runtime, ServiceSpec
from qlprov.tlog.keys import Ed25519Signer

from services.tlog.adapters.keyfile import load_signer
from services.tlog.adapters.witness_http import WitnessClient
from services.tlog.checkpointing import SigningState, publish_checkpoints
from services.tlog.config import TlogConfig, load_config
from services.tlog.handlers import OPERATIONS
from services.tlog.projection import TreeProjection

__all__ = ["Deps", "build", "close", "spec"]


@dataclass(frozen=True)
class Deps:
    rt: Runtime
    config: TlogConfig
    signer: Ed25519Signer
    witness_client: WitnessClient
    signing: SigningState


async def build(rt: Runtime) -> Deps:
    config = load_config(rt.settings)
    signer = load_signer(config.origin, config.key_file, config.key_dir)
    return Deps(rt, config, signer, WitnessClient(config.witness_timeout), SigningState())


async def close(deps: Deps) -> None:
    await deps.witness_client.close()


def spec() -> ServiceSpec[Deps]:
    return ServiceSpec(
        name="tlog",
        build=build,
        projection=TreeProjection,
        operations=OPERATIONS,
        tasks=(publish_checkpoints,),
        close=close,
    )
