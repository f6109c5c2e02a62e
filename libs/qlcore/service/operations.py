"""Operations every service answers, for operators: status, digest, replay."""

from __future__ import annotations

import dataclasses

from qlcore.errors import Conflict
from qlcore.rpc import RpcReply, RpcRequest, RpcServer, json_reply
from qlcore.service.runtime import Runtime

__all__ = ["NO_REPLY", "register_operator_ops"]

NO_REPLY = RpcReply(status=0)  # a handler's way to stay silent (another instance answers)


async def status(rt: Runtime, _: RpcRequest) -> RpcReply:
    r = rt.runner
    if r is None:
        return json_reply({"service": rt.name, "projection": False})
    st = await r.status()
    last = await rt.bus.last_event_seq()
    return json_reply(
        {
            "service": rt.name,
            "projection": True,
            "leader": st.leader,
            "position": st.position,
            "last_event_seq": last,
            "lag": max(0, last - st.position),
            "dead_letters": st.dead_letters,
        }
    )


async def digest(rt: Runtime, _: RpcRequest) -> RpcReply:
    if rt.runner is None:
        raise Conflict(f"{rt.name} has no read model")
    return json_reply(
        {"service": rt.name, "digest": await rt.runner.digest(), "position": await rt.runner.stored_position()}
    )


async def replay(rt: Runtime, _: RpcRequest) -> RpcReply:
    if rt.runner is None:
        raise Conflict(f"{rt.name} has no read model")
    if not rt.runner.leader:
        return NO_REPLY  # broadcast: the leader answers
    return json_reply(dataclasses.asdict(await rt.runner.replay()))


def register_operator_ops(rpc: RpcServer, rt: Runtime) -> None:
    rpc.add("ops.status", lambda req: status(rt, req))
    rpc.add("ops.digest", lambda req: digest(rt, req))
    rpc.add("ops.replay", lambda req: replay(rt, req), broadcast=True)
