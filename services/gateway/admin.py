"""Operator commands on the identity model, over NATS (``ql admin``, the dev bootstrap, tests).

Each command appends events and waits until the identity read model has applied them, so
a key it returns works on the very next request.
"""

from __future__ import annotations

import asyncio
import re
import unicodedata

import msgspec
from qlcore.errors import Conflict, Unprocessable
from qlcore.events import ApiKeyCreated, Event, OrgCreated, WorkspaceCreated
from qlcore.rpc import RpcReply, RpcRequest, RpcServer, json_reply
from qlcore.service import ServiceContext
from ulid import ULID

from services.gateway.principal import ALL_SCOPES, new_api_key

__all__ = ["CreateOrg", "register", "slugify"]

OPERATOR = "operator"


class CreateOrg(msgspec.Struct, forbid_unknown_fields=True):
    name: str
    slug: str | None = None
    plan: str = "free"
    workspace: str = "default"
    key_name: str = "default"
    scopes: list[str] = msgspec.field(default_factory=lambda: list(ALL_SCOPES))


def slugify(text: str) -> str:
    ascii_ = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_.lower()).strip("-")[:48] or "org"


async def wait_applied(ctx: ServiceContext, seq: int, timeout: float = 10.0) -> None:
    """Wait until the identity projection has applied ``seq`` (leader in-process, else poll)."""
    runner = ctx.runner
    assert runner is not None
    if runner.leader:
        await runner.wait_for(seq, timeout)
        return
    deadline = asyncio.get_running_loop().time() + timeout
    while await runner.stored_position() < seq:
        if asyncio.get_running_loop().time() > deadline:
            raise TimeoutError(f"identity model did not reach {seq}")
        await asyncio.sleep(0.02)


async def create_org(ctx: ServiceContext, cmd: CreateOrg, actor: str = OPERATOR) -> dict[str, str]:
    slug = cmd.slug or slugify(cmd.name)
    async with ctx.pool.connection() as conn:
        taken = await (await conn.execute("SELECT 1 FROM orgs WHERE slug = %s", (slug,))).fetchone()
    if taken:
        raise Conflict(f"an org with slug {slug!r} exists", slug=slug)
    unknown = set(cmd.scopes) - set(ALL_SCOPES)
    if unknown:
        raise Unprocessable(f"unknown scopes: {sorted(unknown)}")
    org_id, ws_id, key_id = f"org_{ULID()}", f"ws_{ULID()}", f"key_{ULID()}"
    key, prefix, key_hash = new_api_key()
    org = OrgCreated.new(actor=actor, workspace_id=None, org_id=org_id, slug=slug, name=cmd.name, plan=cmd.plan)
    events: list[Event] = [
        org,
        WorkspaceCreated.new(actor=actor, workspace_id=ws_id, correlation_id=org.event_id, org_id=org_id,
                             name=cmd.workspace, slug=slugify(cmd.workspace)),
        ApiKeyCreated.new(actor=actor, workspace_id=ws_id, correlation_id=org.event_id, key_id=key_id,
                          org_id=org_id, name=cmd.key_name, prefix=prefix, key_hash=key_hash,
                          scopes=list(cmd.scopes), created_by=actor),
    ]
    seq = 0
    for e in events:
        seq = (await ctx.bus.append(e, msg_id=e.event_id)).seq
    await wait_applied(ctx, seq)
    return {"org_id": org_id, "org_slug": slug, "workspace_id": ws_id, "key_id": key_id, "api_key": key}


def register(rpc: RpcServer, ctx: ServiceContext) -> None:
    async def create(req: RpcRequest) -> RpcReply:
        return json_reply(await create_org(ctx, req.json(CreateOrg)), status=201)

    async def dev_key(_: RpcRequest) -> RpcReply:
        """A fresh key for the dev org (created on first use, on the plan with every feature)."""
        async with ctx.pool.connection() as conn:
            row = await (await conn.execute(
                "SELECT o.org_id, w.workspace_id FROM orgs o JOIN workspaces w ON w.org_id = o.org_id"
                " WHERE o.slug = 'dev' ORDER BY w.created_at LIMIT 1")).fetchone()
        if row is None:
            return json_reply(await create_org(ctx, CreateOrg(name="Dev", slug="dev", plan="dev",
                                                              workspace="dev", key_name="dev")), status=201)
        key_id = f"key_{ULID()}"
        key, prefix, key_hash = new_api_key()
        e = ApiKeyCreated.new(actor=OPERATOR, workspace_id=row[1], key_id=key_id, org_id=row[0], name="dev",
                              prefix=prefix, key_hash=key_hash, scopes=list(ALL_SCOPES), created_by=OPERATOR)
        await wait_applied(ctx, (await ctx.bus.append(e, msg_id=e.event_id)).seq)
        return json_reply({"org_id": row[0], "org_slug": "dev", "workspace_id": row[1], "key_id": key_id,
                           "api_key": key}, status=201)

    rpc.add("admin.create_org", create)
    rpc.add("admin.dev_key", dev_key)
