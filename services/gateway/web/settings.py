"""Settings: API keys (create, shown once; list; revoke), members, plan and usage."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response, get, post
from qlcore.errors import QLError

from services.gateway.deps import USAGE, gw_of, plan_of, usage
from services.gateway.identity.access import SCOPES, Principal, roles
from services.gateway.identity.apikeys import CreateKey, create_key, list_keys, revoke_key
from services.gateway.web.common import error_page, require_viewer, see_other
from services.gateway.web.render import page

__all__ = ["SettingsPages"]

SCOPE_HELP = {
    "runs:read": "read runs, reports and reproductions",
    "runs:write": "ingest runs, start reproductions",
    "cards:publish": "publish and withdraw Result Cards",
    "attest:write": "create compliance attestations",
    "admin": "administer the org's keys (not a superset of the others)",
}
NOTICES = {"revoked": "The key is revoked: the next request with it is refused."}


async def _members(request: Request[Any, Any, Any], who: Principal) -> list[dict[str, Any]]:
    async with gw_of(request).pool.connection() as conn:
        rows = await (
            await conn.execute(
                "SELECT a.name, a.email, m.role, m.added_at FROM members m JOIN accounts a"
                " ON a.account_id = m.account_id WHERE m.org_id = %s ORDER BY m.added_at, a.email",
                (who.org_id,),
            )
        ).fetchall()
    return [{"name": r[0], "email": r[1], "role": r[2], "added_at": r[3].isoformat()} for r in rows]


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
        roles=sorted(roles().items(), key=lambda kv: -kv[1].rank),
        plan=plan,
        used=used,
        sees_all=who.role in ("owner", "admin"),
    )


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
        who = await require_viewer(request)
        if isinstance(who, Response):
            return who
        try:
            await revoke_key(gw_of(request).ident, who, who.org_id, key_id)
        except QLError as err:
            return error_page(request, err, who, back="/settings")
        return see_other("/settings?notice=revoked")
