"""Auth & accounts: register, verify the email address, log in (a session), log out."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response, post
from litestar.datastructures import Cookie

from services.gateway.deps import gw_of, principal_of
from services.gateway.domain.tokens import SESSION_TTL
from services.gateway.identity.accounts import Login, Register, VerifyEmail, login, logout, register, verify_email
from services.gateway.principal import SESSION_COOKIE

__all__ = ["AuthController"]

NO_STORE = {"Cache-Control": "no-store"}


def _session_cookie(token: str, max_age: int) -> Cookie:
    """HttpOnly (no script reads it), Secure (HTTPS only), SameSite=Lax (not sent on cross-site
    POSTs, which keeps cookie-authenticated commands safe from CSRF)."""
    return Cookie(
        key=SESSION_COOKIE, value=token, path="/", max_age=max_age, httponly=True, secure=True, samesite="lax"
    )


class AuthController(Controller):
    path = "/api/v1/auth"
    tags = ["auth"]

    @post(
        "/register",
        operation_id="register",
        status_code=202,
        summary="Create an account, its org and default workspace; a verification mail follows",
    )
    async def register(self, request: Request[Any, Any, Any], data: Register) -> Response[dict[str, str]]:
        return Response(await register(gw_of(request).ident, data), status_code=202, headers=NO_STORE)

    @post(
        "/verify-email",
        operation_id="verifyEmail",
        status_code=200,
        summary="Redeem the single-use token from the verification mail",
    )
    async def verify_email(self, request: Request[Any, Any, Any], data: VerifyEmail) -> dict[str, object]:
        return await verify_email(gw_of(request).ident, data)

    @post(
        "/login",
        operation_id="login",
        status_code=200,
        summary="Start a session: a bearer token and an HttpOnly, Secure, SameSite=Lax cookie",
    )
    async def login(self, request: Request[Any, Any, Any], data: Login) -> Response[dict[str, Any]]:
        client_ip = request.client.host if request.client else "unknown"
        s = await login(gw_of(request).ident, data, client_ip, request.headers.get("user-agent"))
        expires_at = s.expires_at.isoformat().replace("+00:00", "Z")
        body = {
            "token": s.token,
            "token_type": "bearer",
            "session_id": s.session_id,
            "expires_at": expires_at,
            "account_id": s.account_id,
            "org_id": s.org_id,
            "workspace_id": s.workspace_id,
        }
        cookie = _session_cookie(s.token, int(SESSION_TTL.total_seconds()))
        return Response(body, status_code=200, headers=NO_STORE, cookies=[cookie])

    @post(
        "/logout",
        operation_id="logout",
        status_code=204,
        summary="End the session at once (bearer session token or cookie)",
    )
    async def logout(self, request: Request[Any, Any, Any]) -> Response[None]:
        p = await principal_of(request)
        await logout(gw_of(request).ident, p)
        gone = Cookie(key=SESSION_COOKIE, value="", path="/", max_age=0, httponly=True, secure=True, samesite="lax")
        return Response(None, status_code=204, cookies=[gone])
