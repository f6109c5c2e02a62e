"""API keys of an org: create (the key is shown once), list, revoke (effective on the next call)."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response, delete, get, post

from services.gateway.deps import gw_of, principal_of
from services.gateway.identity.apikeys import CreateKey, create_key, list_keys, revoke_key

__all__ = ["ApiKeysController"]


class ApiKeysController(Controller):
    path = "/api/v1/orgs/{org_id:str}/api-keys"
    tags = ["api-keys"]

    @post(
        "/",
        operation_id="createApiKey",
        status_code=201,
        summary="Create an API key (ql_live_...); the key is in this response only",
    )
    async def create(self, request: Request[Any, Any, Any], org_id: str, data: CreateKey) -> Response[dict[str, Any]]:
        p = await principal_of(request)
        body = await create_key(gw_of(request).ident, p, org_id, data)
        return Response(body, status_code=201, headers={"Cache-Control": "no-store"})

    @get("/", operation_id="listApiKeys", summary="The org's API keys (a member sees their own), newest first")
    async def list(self, request: Request[Any, Any, Any], org_id: str) -> list[dict[str, Any]]:
        return await list_keys(gw_of(request).ident, await principal_of(request), org_id)

    @delete(
        "/{key_id:str}",
        operation_id="revokeApiKey",
        status_code=204,
        summary="Revoke an API key; the next request with it is refused",
    )
    async def revoke(self, request: Request[Any, Any, Any], org_id: str, key_id: str) -> None:
        await revoke_key(gw_of(request).ident, await principal_of(request), org_id, key_id)
