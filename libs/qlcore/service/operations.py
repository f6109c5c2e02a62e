"""Operations every service answers, for operators: status, digest, replay, dead letters.

They are reached over NATS only (``ql ops``); the bus's permissions keep them to operators.
"""

from __future__ import annotations

import dataclasses

import msgspec

from qlcore.errors import Conflict, NotFound, Unprocessable
from qlcore.events.ops import DeadLetterSkipped
from qlcore.projection import ProjectionRunner
from qlcore.rpc import RpcReply, RpcRequest, RpcServer, json_reply
from qlcore.runlog import event_at
from qlcore.service.runtime import Runtime

__all__ = ["NO_REPLY", "register_operator_ops"]


class _Seq(msgspec.Struct, forbid_unknown_fields=True):
    seq: int


class _Skip(msgspec.Struct, forbid_unknown_fields=True):
    seq: int
    reason: str
    operator: str


NO_REPLY = RpcReply(status=0)  # a handler's way to stay silent (another instance answers)


async def status(rt: Runtime, _: RpcRequest) -> RpcReply:
    """The projection's position, lag and dead letters, and the service's own figures if it has some."""
    own = await rt.status_figures() if rt.status_figures is not None else {}
    r = rt.runner
    if r is None:
        return json_reply({"service": rt.name, "projection": False, **own})
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
            **own,
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


def _runner(rt: Runtime) -> ProjectionRunner:
    if rt.runner is None:
        raise Conflict(f"{rt.name} has no read model")
    return rt.runner


async def dead_letters_list(rt: Runtime, _: RpcRequest) -> RpcReply:
    letters = await _runner(rt).dead_letters.list(limit=1000)
    return json_reply([dataclasses.asdict(d) for d in letters])


async def dead_letters_show(rt: Runtime, req: RpcRequest) -> RpcReply:
    """One dead letter with the event itself, decoded (what the operator needs to decide)."""
    seq = req.json(_Seq).seq
    letter = await _runner(rt).dead_letters.get(seq)
    if letter is None:
        raise NotFound(f"{rt.name} has no dead letter at sequence {seq}")
    event = await event_at(rt.bus, seq)
    return json_reply({**dataclasses.asdict(letter), "event": msgspec.json.decode(msgspec.json.encode(event))})


async def dead_letters_retry(rt: Runtime, req: RpcRequest) -> RpcReply:
    runner = _runner(rt)
    if not runner.leader:
        return NO_REPLY  # broadcast: the leader applies it
    seq = req.json(_Seq).seq
    try:
        await runner.retry_dead_letter(seq)
    except LookupError as exc:
        raise NotFound(str(exc)) from exc
    except Exception as exc:  # the event still cannot be applied: say why, keep the dead letter
        raise Unprocessable(f"sequence {seq} still fails: {exc!r}"[:1000]) from exc
    return json_reply({"service": rt.name, "seq": seq, "retried": True})


async def dead_letters_skip(rt: Runtime, req: RpcRequest) -> RpcReply:
    """Record the operator's decision in the run log and wait until this service applied it."""
    cmd = req.json(_Skip)
    if not cmd.reason.strip() or not cmd.operator.strip():
        raise Unprocessable("a skip needs a reason and the operator's name")
    runner = _runner(rt)
    letter = await runner.dead_letters.get(cmd.seq)
    if letter is None:
        raise NotFound(f"{rt.name} has no dead letter at sequence {cmd.seq}")
    event = DeadLetterSkipped.new(
        actor=f"operator:{cmd.operator}",
        workspace_id=None,
        correlation_id=req.ctx.request_id,
        service=rt.name,
        seq=cmd.seq,
        event_type=letter.event_type,
        dead_event_id=letter.event_id,
        reason=cmd.reason,
    )
    appended = await rt.bus.append(event, msg_id=f"skip:{rt.name}:{cmd.seq}")
    await rt.applied(appended.seq)
    return json_reply({"service": rt.name, "seq": cmd.seq, "skipped": True, "decision_seq": appended.seq})


def register_operator_ops(rpc: RpcServer, rt: Runtime) -> None:
    rpc.add("ops.status", lambda req: status(rt, req))
    rpc.add("ops.digest", lambda req: digest(rt, req))
    rpc.add("ops.replay", lambda req: replay(rt, req), broadcast=True)
    rpc.add("ops.dead_letters.list", lambda req: dead_letters_list(rt, req))
    rpc.add("ops.dead_letters.show", lambda req: dead_letters_show(rt, req))
    rpc.add("ops.dead_letters.retry", lambda req: dead_letters_retry(rt, req), broadcast=True)
    rpc.add("ops.dead_letters.skip", lambda req: dead_letters_skip(rt, req))
