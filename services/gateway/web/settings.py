"""Settings: API keys (create, shown once; list; revoke), members, plan and usage."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from litestar import Controller, Request, Response, get, post
from qlcore.errors import QLError

from services.gateway.deps import USAGE, gw_of, plan_of, usage
from services.gateway.domain.access import ROLES, SCOPES, Principal, role_at_least, roles
from services.gateway.identity.apikeys import CreateKey, create_key, list_keys, revoke_key
from services.gateway.identity.members import (
    INVITABLE,
    AcceptInvitation,
    ChangeRole,
    Invite,
    accept_invitation,
    change_role,
    invitation_preview,
    invite,
    list_invitations,
    list_members,
    remove_member,
    revoke_invitation,
)
from services.gateway.web.common import error_page, require_viewer, see_other
from services.gateway.web.render import page

__all__ = ["InvitationPages", "SettingsPages"]

SCOPE_HELP = {
    "runs:read": "read runs, reports and reproductions",
    "runs:write": "ingest runs, start reproductions",
    "cards:publish": "publish and withdraw Result Cards",
    "attest:write": "create compliance attestations",
    "admin": "administer the org's keys (not a superset of the others)",
}
NOTICES = {
    "revoked": "The key is revoked: the next request with it is refused.",
    "invited": "The invitation is on its way: its link works for seven days, for that address only.",
    "withdrawn": "The invitation is withdrawn: its link no longer works.",
    "role": "The role is changed: it applies from the member's next request.",
    "removed": "The member is removed: their sessions in this org and their keys stop working.",
}


async def _members(request: Request[Any, Any, Any], who: Principal) -> list[dict[str, Any]]:
    return await list_members(gw_of(request).ident, who, who.org_id)


async def _settings(
    request: Request[Any, Any, Any],
    who: Principal,
    *,
    created: dict[str, Any] | None = None,
    error: str | None = None,
    status: int = 200,
    notice: str | None = None,
    form: dict[str, Any] | None = None,
) -> Response[str]:
    keys = await list_keys(gw_of(request).ident, who, who.org_id)
    manages = role_at_least(who.role, "admin") and (who.via == "session" or "admin" in who.scopes)
    plan = plan_of(request, who)
    used = {name: await usage(request, who, name) for name in USAGE}
    grantable = [s for s in SCOPES if s in who.scopes]
    return page(
        request,
        "settings.html",
        title="Settings",
        who=who,
        status=status,
        keys=keys,
        created=created,
        error=error,
        notice=notice,
        grantable=grantable,
        scope_help=SCOPE_HELP,
        form=form or {"name": "", "scopes": ["runs:read", "runs:write"]},
        members=await _members(request, who),
        invitations=await list_invitations(gw_of(request).ident, who, who.org_id) if manages else [],
        manages=manages,
        invitable=[r for r in INVITABLE if role_at_least(who.role, r)],
        assignable=[r for r in ROLES if role_at_least(who.role, r)],
        roles=sorted(roles().items(), key=lambda kv: -kv[1].rank),
        plan=plan,
        used=used,
        sees_all=who.role in ("owner", "admin"),
    )


async def _act(
    request: Request[Any, Any, Any],
    action: Callable[[Principal], Awaitable[object]],
    done: str | Callable[[Principal], str],
) -> Response[Any]:
    """A settings form post: the signed-in viewer does ``action``; its refusal is the error page,
    its success a redirect to ``done`` (post/redirect/get)."""
    who = await require_viewer(request)
    if isinstance(who, Response):
        return who
    try:
        await action(who)
    except QLError as err:
        return error_page(request, err, who, back="/settings")
    return see_other(done(who) if callable(done) else done)


class SettingsPages(Controller):
    path = "/settings"
    include_in_schema = False

    @get("/")
    async def show(self, request: Request[Any, Any, Any], notice: str | None = None) -> Response[Any]:
        who = await require_viewer(request)
        if isinstance(who, Response):
            return who
        try:
            return await _settings(request, who, notice=NOTICES.get(notice or ""))
        except QLError as err:  # e.g. an API key without the admin scope: keys are not its to list
            return error_page(request, err, who)

    @post("/keys", status_code=200)
    async def create(self, request: Request[Any, Any, Any]) -> Response[Any]:
        """The new key is in this response only (``no-store``): never in a URL, never again."""
        who = await require_viewer(request)
        if isinstance(who, Response):
            return who
        form = await request.form()
        name = str(form.get("name") or "")[:200]
        scopes = [str(s) for s in form.getall("scopes")] if "scopes" in form else []
        try:
            created = await create_key(gw_of(request).ident, who, who.org_id, CreateKey(name=name, scopes=scopes))
        except QLError as err:
            try:
                return await _settings(
                    request,
                    who,
                    error=err.detail or err.title,
                    status=err.status,
                    form={"name": name, "scopes": scopes},
                )
            except QLError as again:
                return error_page(request, again, who)
        return await _settings(request, who, created=created)

    @post("/keys/{key_id:str}/revoke", status_code=200)
    async def revoke(self, request: Request[Any, Any, Any], key_id: str) -> Response[Any]:
        async def run(who: Principal) -> None:
            await revoke_key(gw_of(request).ident, who, who.org_id, key_id)

        return await _act(request, run, "/settings?notice=revoked")

    @post("/invitations", status_code=200)
    async def invite(self, request: Request[Any, Any, Any]) -> Response[Any]:
        form = await request.form()
        cmd = Invite(email=str(form.get("email") or "")[:300], role=str(form.get("role") or "member")[:20])

        async def run(who: Principal) -> None:
            await invite(gw_of(request).ident, who, who.org_id, cmd)

        return await _act(request, run, "/settings?notice=invited#h-members")

    @post("/invitations/{invitation_id:str}/revoke", status_code=200)
    async def withdraw(self, request: Request[Any, Any, Any], invitation_id: str) -> Response[Any]:
        async def run(who: Principal) -> None:
            await revoke_invitation(gw_of(request).ident, who, who.org_id, invitation_id)

        return await _act(request, run, "/settings?notice=withdrawn#h-members")

    @post("/members/{account_id:str}/role", status_code=200)
    async def role(self, request: Request[Any, Any, Any], account_id: str) -> Response[Any]:
        form = await request.form()

        async def run(who: Principal) -> None:
            cmd = ChangeRole(role=str(form.get("role") or "")[:20])
            await change_role(gw_of(request).ident, who, who.org_id, account_id, cmd)

        return await _act(request, run, "/settings?notice=role#h-members")

    @post("/members/{account_id:str}/remove", status_code=200)
    async def remove(self, request: Request[Any, Any, Any], account_id: str) -> Response[Any]:
        async def run(who: Principal) -> None:
            await remove_member(gw_of(request).ident, who, who.org_id, account_id)

        def done(who: Principal) -> str:  # leaving the org: signed out of it
            return "/signin" if account_id == who.account_id else "/settings?notice=removed#h-members"

        return await _act(request, run, done)


class InvitationPages(Controller):
    """The invitation link of the mail: signed in with the invited address, one button accepts."""

    path = "/invitations/accept"
    include_in_schema = False

    @get("/")
    async def show(self, request: Request[Any, Any, Any], token: str = "") -> Response[Any]:
        who = await require_viewer(request)  # signed out: the sign-in page (register from there), then back
        if isinstance(who, Response):
            return who
        try:
            offer = await invitation_preview(gw_of(request).ident, token[:200])
        except QLError as err:
            return error_page(request, err, who)
        return page(request, "invitation.html", title="Invitation", who=who, offer=offer, token=token, done=None)

    @post("/", status_code=200)
    async def accept(self, request: Request[Any, Any, Any]) -> Response[Any]:
        who = await require_viewer(request)
        if isinstance(who, Response):
            return who
        form = await request.form()
        try:
            done = await accept_invitation(
                gw_of(request).ident, who, AcceptInvitation(token=str(form.get("token") or "")[:200])
            )
        except QLError as err:
            return error_page(request, err, who)
        return page(request, "invitation.html", title="Invitation accepted", who=who, offer=None, token="", done=done)
