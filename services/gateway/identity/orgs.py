"""Org commands: create an org (operator or registration), add a workspace, change the plan.

Creating an org checks a unique slug, then appends events, then waits for the read model: two
concurrent creations could both find a slug free. They are serialized by a transaction-level
PostgreSQL advisory lock (:func:`identity_lock`), held from the check until the gateway's own
projection has applied the events, so the second one sees the first. Org creation and
registration are rare; one lock for both costs nothing.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager

import msgspec
from psycopg import AsyncConnection
from qlcore.errors import Conflict, NotFound, Unprocessable
from qlcore.events import Event
from qlcore.events.identity import ApiKeyCreated, OrgCreated, OrgPlanChanged, WorkspaceCreated
from ulid import ULID

from services.gateway import store
from services.gateway.domain.access import SCOPES
from services.gateway.domain.errors import PlanFeatureMissing
from services.gateway.domain.plans import check_limit
from services.gateway.domain.slugs import RESERVED_SLUGS, slug_candidates, slugify
from services.gateway.domain.tokens import IssuedToken, issue_api_key
from services.gateway.identity.runtime import IdentityRuntime

__all__ = [
    "DEFAULT_WORKSPACE",
    "CreateOrg",
    "api_key_event",
    "create_org",
    "create_workspace",
    "identity_lock",
    "new_org_events",
    "pick_slug",
    "set_plan",
]

DEFAULT_WORKSPACE = "default"


class CreateOrg(msgspec.Struct, forbid_unknown_fields=True):
    """``admin.create_org``: an org with its default workspace and an API key (shown once)."""

    name: str
    slug: str | None = None
    plan: str = "free"
    workspace: str = DEFAULT_WORKSPACE
    key_name: str = "default"
    scopes: list[str] = msgspec.field(default_factory=lambda: list(SCOPES))


@asynccontextmanager
async def identity_lock(rt: IdentityRuntime) -> AsyncIterator[AsyncConnection]:
    """Serialize identity creations across every gateway instance (see the module docstring)."""
    async with rt.write_lock, rt.pool.connection() as conn, conn.transaction():
        key = rt.settings.schema("gateway") + ":identity-write"
        await conn.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", (key,))
        yield conn


async def pick_slug(conn: AsyncConnection, name: str, requested: str | None) -> str:
    """The requested slug (409 if taken, 422 if malformed or reserved), else a free one from ``name``."""
    if requested is not None:
        if slugify(requested) != requested or requested in RESERVED_SLUGS:
            raise Unprocessable(f"{requested!r} is not a usable slug: lowercase letters, digits and hyphens")
        if await store.slug_taken(conn, requested):
            raise Conflict(f"an org with slug {requested!r} exists", slug=requested)
        return requested
    for candidate in slug_candidates(name):
        if not await store.slug_taken(conn, candidate):
            return candidate
    raise Conflict(f"no free slug for {name!r}")


def api_key_event(
    *,
    actor: str,
    org_id: str,
    workspace_id: str,
    name: str,
    scopes: Iterable[str],
    account_id: str | None,
    expires_at: str | None = None,
    correlation_id: str | None = None,
) -> tuple[IssuedToken, ApiKeyCreated]:
    """A fresh ``ql_live_`` key and the event that records only its hash and visible prefix."""
    key, wanted = issue_api_key(), set(scopes)
    event = ApiKeyCreated.new(
        actor=actor,
        workspace_id=workspace_id,
        correlation_id=correlation_id,
        key_id=f"key_{key.token_id}",
        org_id=org_id,
        name=name,
        prefix=key.prefix,
        key_hash=key.token_hash,
        scopes=[s for s in SCOPES if s in wanted],
        expires_at=expires_at,
        created_by=actor,
        account_id=account_id,
    )
    return key, event


def new_org_events(
    *,
    actor: str,
    name: str,
    slug: str,
    plan: str,
    workspace: str = DEFAULT_WORKSPACE,
    correlation_id: str | None = None,
) -> tuple[OrgCreated, WorkspaceCreated]:
    org_id, ws_id = f"org_{ULID()}", f"ws_{ULID()}"
    org = OrgCreated.new(
        actor=actor,
        workspace_id=None,
        correlation_id=correlation_id,
        org_id=org_id,
        slug=slug,
        name=name,
        plan=plan,
        created_by=actor,
    )
    ws = WorkspaceCreated.new(
        actor=actor,
        workspace_id=ws_id,
        correlation_id=correlation_id or org.event_id,
        org_id=org_id,
        name=workspace,
        slug=slugify(workspace),
        is_default=True,
    )
    return org, ws


async def create_org(rt: IdentityRuntime, cmd: CreateOrg, actor: str) -> dict[str, str]:
    """The operator's way to make an org: returns the ids and an API key acting as the org's owner."""
    rt.catalog.get(cmd.plan)  # UnknownPlan (422) before anything is appended
    unknown = sorted(set(cmd.scopes) - set(SCOPES))
    if unknown:
        raise Unprocessable(f"unknown scopes {unknown}; known: {list(SCOPES)}")
    async with identity_lock(rt) as conn:
        slug = await pick_slug(conn, cmd.name, cmd.slug)
        org, ws = new_org_events(actor=actor, name=cmd.name, slug=slug, plan=cmd.plan, workspace=cmd.workspace)
        assert ws.workspace_id is not None
        key, key_event = api_key_event(
            actor=actor,
            org_id=org.org_id,
            workspace_id=ws.workspace_id,
            name=cmd.key_name,
            scopes=cmd.scopes,
            account_id=None,
            correlation_id=org.event_id,
        )
        await rt.commit(org, ws, key_event)
    return {
        "org_id": org.org_id,
        "org_slug": slug,
        "workspace_id": ws.workspace_id,
        "key_id": key_event.key_id,
        "api_key": key.token,
    }


async def create_workspace(rt: IdentityRuntime, org_ref: str, name: str, actor: str) -> dict[str, str]:
    """A further workspace in an org (plan feature ``multiple_workspaces``, limit ``workspaces``),
    with an owner-level API key for it."""
    async with identity_lock(rt) as conn:
        org = await store.org_by_id_or_slug(conn, org_ref)
        if org is None:
            raise NotFound(f"no org {org_ref!r}")
        plan = rt.catalog.get(org.plan)
        used = await store.workspace_count(conn, org.org_id)
        if used >= 1 and not plan.has("multiple_workspaces"):
            raise PlanFeatureMissing("multiple_workspaces", plan.name)
        check_limit(plan, "workspaces", used)
        slug = slugify(name)
        if await store.workspace_in_org(conn, org.org_id, slug) is not None:
            raise Conflict(f"the org has a workspace {slug!r}", slug=slug)
        ws_id = f"ws_{ULID()}"
        ws = WorkspaceCreated.new(actor=actor, workspace_id=ws_id, org_id=org.org_id, name=name, slug=slug)
        key, key_event = api_key_event(
            actor=actor,
            org_id=org.org_id,
            workspace_id=ws_id,
            name=f"{slug} default",
            scopes=SCOPES,
            account_id=None,
            correlation_id=ws.event_id,
        )
        await rt.commit(ws, key_event)
    return {
        "org_id": org.org_id,
        "org_slug": org.slug,
        "workspace_id": ws_id,
        "key_id": key_event.key_id,
        "api_key": key.token,
    }


async def set_plan(
    rt: IdentityRuntime, org_ref: str, plan_name: str, actor: str, reason: str | None
) -> dict[str, object]:
    """Move an org to another plan (``ql admin set-plan``); the same plan again changes nothing."""
    plan = rt.catalog.get(plan_name)
    async with identity_lock(rt) as conn:
        org = await store.org_by_id_or_slug(conn, org_ref)
        if org is None:
            raise NotFound(f"no org {org_ref!r}")
        changed = org.plan != plan.name
        if changed:
            events: list[Event] = [
                OrgPlanChanged.new(
                    actor=actor,
                    workspace_id=None,
                    org_id=org.org_id,
                    plan=plan.name,
                    previous_plan=org.plan,
                    reason=reason,
                )
            ]
            await rt.commit(*events)
    return {
        "org_id": org.org_id,
        "org_slug": org.slug,
        "plan": plan.name,
        "previous_plan": org.plan,
        "changed": changed,
    }
