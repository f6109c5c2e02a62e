"""Operator commands on the identity model, over NATS (``ql admin``, the dev bootstrap, tests).

Each command appends events and waits until the identity read model has applied them, so a
key it returns works on the very next request. The actor of an operator's event is
``operator:<name>`` (the name the CLI sends, its OS user by default).
"""

from __future__ import annotations

import msgspec
import structlog
from qlcore.errors import Unprocessable
from qlcore.rpc import RpcReply, RpcRequest, RpcServer, json_reply
from qlcore.service import ServiceContext

from services.gateway.identity.access import SCOPES
from services.gateway.identity.orgs import CreateOrg, api_key_event, create_org, create_workspace, set_plan
from services.gateway.identity.plans import DEV_PLAN
from services.gateway.identity.runtime import identity_of, wait_applied
from services.gateway.identity.store import ensure_throttle_table
from services.gateway.projection import IdentityProjection

__all__ = ["CreateOrg", "CreateWorkspace", "SetPlan", "Unlock", "on_start", "register", "wait_applied"]

log = structlog.get_logger("gateway.admin")

OPERATOR = "operator:ql"
DEV_SLUG = "dev"


class SetPlan(msgspec.Struct, forbid_unknown_fields=True):
    org: str  # slug or id
    plan: str
    reason: str | None = None
    operator: str | None = None


class CreateWorkspace(msgspec.Struct, forbid_unknown_fields=True):
    org: str  # slug or id
    name: str
    operator: str | None = None


class Unlock(msgspec.Struct, forbid_unknown_fields=True):
    email: str
    operator: str | None = None


def _actor(operator: str | None) -> str:
    return f"operator:{operator}" if operator else OPERATOR


async def on_start(ctx: ServiceContext) -> None:
    """The gateway's operational table (login throttle) beside its read model, and the sealing keys
    its projection opens identity secrets with (loaded, or made on a first embedded start)."""
    await ensure_throttle_table(ctx.pool)
    keys = identity_of(ctx).keys
    if ctx.runner is not None and isinstance(ctx.runner.p, IdentityProjection):
        ctx.runner.p.keys = keys


def register(rpc: RpcServer, ctx: ServiceContext) -> None:
    async def create(req: RpcRequest) -> RpcReply:
        return json_reply(await create_org(identity_of(ctx), req.json(CreateOrg), OPERATOR), status=201)

    async def workspace(req: RpcRequest) -> RpcReply:
        cmd: CreateWorkspace = req.json(CreateWorkspace)
        return json_reply(await create_workspace(identity_of(ctx), cmd.org, cmd.name, _actor(cmd.operator)), status=201)

    async def plan(req: RpcRequest) -> RpcReply:
        cmd: SetPlan = req.json(SetPlan)
        return json_reply(await set_plan(identity_of(ctx), cmd.org, cmd.plan, _actor(cmd.operator), cmd.reason))

    async def dev_key(_: RpcRequest) -> RpcReply:
        """A fresh key for the dev org (created on first use, on the plan with every feature)."""
        rt = identity_of(ctx)
        async with ctx.pool.connection() as conn:
            row = await (
                await conn.execute(
                    "SELECT o.org_id, w.workspace_id FROM orgs o JOIN workspaces w ON w.org_id = o.org_id"
                    " WHERE o.slug = %s ORDER BY w.is_default DESC, w.created_at LIMIT 1",
                    (DEV_SLUG,),
                )
            ).fetchone()
        if row is None:
            cmd = CreateOrg(name="Dev", slug=DEV_SLUG, plan=DEV_PLAN, workspace="dev", key_name="dev")
            return json_reply(await create_org(rt, cmd, OPERATOR), status=201)
        key, event = api_key_event(
            actor=OPERATOR, org_id=row[0], workspace_id=row[1], name="dev", scopes=SCOPES, account_id=None
        )
        await rt.commit(event)
        return json_reply(
            {
                "org_id": row[0],
                "org_slug": DEV_SLUG,
                "workspace_id": row[1],
                "key_id": event.key_id,
                "api_key": key.token,
            },
            status=201,
        )

    async def unlock(req: RpcRequest) -> RpcReply:
        """Forget the failed logins counted against an address (``ql admin unlock EMAIL``)."""
        cmd: Unlock = req.json(Unlock)
        email = cmd.email.strip().lower()
        if not email or len(email) > 254 or "\x00" in email:
            raise Unprocessable("email must be an address", field="email")
        cleared = await identity_of(ctx).login_throttle.unlock(email)
        log.info("login.unlocked", email=email, operator=_actor(cmd.operator), cleared=cleared)
        return json_reply({"email": email, "cleared": cleared})

    rpc.add("admin.create_org", create)
    rpc.add("admin.create_workspace", workspace)
    rpc.add("admin.set_plan", plan)
    rpc.add("admin.dev_key", dev_key)
    rpc.add("admin.unlock", unlock)
