"""The card service's request handlers over NATS: public queries, lifecycle commands and
reproduction submissions (each in its own module; this one registers them all)."""

from __future__ import annotations

from qlcore.rpc import RpcServer
from qlcore.service import ServiceContext

from services.card.commands import register_commands
from services.card.queries import register_queries
from services.card.reproductions import register_reproductions

__all__ = ["register"]


def register(rpc: RpcServer, ctx: ServiceContext) -> None:
    register_queries(rpc, ctx)
    register_commands(rpc, ctx)
    register_reproductions(rpc, ctx)
