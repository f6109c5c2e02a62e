"""Operator commands on the identity model, over NATS (``ql admin``, the dev bootstrap, tests).

Each command appends events and waits until the identity read model has applied them, so a
key it returns works on the very next request. The actor of an operator's event is
``operator:<name>`` (the name the CLI sends, ``operator:ql`` when none).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import msgspec
import structlog
from qlcore.errors import Unprocessable
from qlcore.rpc import RpcReply, RpcRequest, json_reply

from services.gateway import store
from services.gateway.domain.access import SCOPES
from services.gateway.domain.plans import DEV_PLAN
from services.gateway.identity import orgs
from services.gateway.identity.orgs import CreateOrg

if TYPE_CHECKING:
    from services.gateway.bootstrap import Deps

__all__ = [
    "DEV_SLUG",
    "OPERATOR",
    "CreateWorkspace",
    "SetPlan",
    "Unlock",
    "create_org",
    "create_workspace",
    "dev_key",
    "set_plan",
    "unlock",
]

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


async def create_org(deps: Deps, req: RpcRequest) -> RpcReply:
    """An org with its default workspace and an API key acting as its owner (shown once)."""
    return json_reply(await orgs.create_org(deps.identity, req.json(CreateOrg), OPERATOR), status=201)


async def create_workspace(deps: Deps, req: RpcRequest) -> RpcReply:
    cmd = req.json(CreateWorkspace)
    out = await orgs.create_workspace(deps.identity, cmd.org, cmd.name, _actor(cmd.operator))
    return json_reply(out, status=201)


async def set_plan(deps: Deps, req: RpcRequest) -> RpcReply:
    cmd = req.json(SetPlan)
    return json_reply(await orgs.set_plan(deps.identity, cmd.org, cmd.plan, _actor(cmd.operator), cmd.reason))


async def dev_key(deps: Deps, _: RpcRequest) -> RpcReply:
    """A fresh key for the dev org (created on first use, on the plan with every feature)."""
    async with deps.rt.pool.connection() as conn:
        found = await store.dev_workspace(conn, DEV_SLUG)
    if found is None:
        cmd = CreateOrg(name="Dev", slug=DEV_SLUG, plan=DEV_PLAN, workspace="dev", key_name="dev")
        return json_reply(await orgs.create_org(deps.identity, cmd, OPERATOR), status=201)
    org_id, workspace_id = found
    key, event = orgs.api_key_event(
        actor=OPERATOR, org_id=org_id, workspace_id=workspace_id, name="dev", scopes=SCOPES, account_id=None
    )
    await deps.identity.commit(event)
    body = {"org_id": org_id, "org_slug": DEV_SLUG, "workspace_id": workspace_id, "key_id": event.key_id}
    return json_reply({**body, "api_key": key.token}, status=201)


async def unlock(deps: Deps, req: RpcRequest) -> RpcReply:
    """Forget the failed logins counted against an address (``ql admin unlock EMAIL``)."""
    cmd = req.json(Unlock)
    email = cmd.email.strip().lower()
    if not email or len(email) > 254 or "\x00" in email:
        raise Unprocessable("email must be an address", field="email")
    cleared = await deps.identity.login_throttle.unlock(email)
    log.info("login.unlocked", email=email, operator=_actor(cmd.operator), cleared=cleared)
    return json_reply({"email": email, "cleared": cleared})
