"""Pages of the account: landing, register, verify the address, sign in, sign out."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.datastructures import Cookie
from qlcore.errors import QLError

from services.gateway.deps import gw_of
from services.gateway.domain.tokens import SESSION_TTL
from services.gateway.identity.accounts import Login, Register, VerifyEmail, login, logout, register, verify_email
from services.gateway.principal import SESSION_COOKIE
from services.gateway.web.common import safe_next, see_other
from services.gateway.web.render import page, viewer

__all__ = ["AccountPages", "session_cookie"]

FIELD_MAX = 1000  # form fields longer than this are refused before any work


def _secure(request: Request[Any, Any, Any]) -> bool:
    """``Secure`` when the site is served over https (directly or by its public URL)."""
    return request.url.scheme == "https" or gw_of(request).settings.base_url().startswith("https://")


def session_cookie(request: Request[Any, Any, Any], token: str, max_age: int) -> Cookie:
    """HttpOnly, SameSite=Lax, Secure over https: the same cookie the API's login sets."""
    return Cookie(
        key=SESSION_COOKIE,
        value=token,
        path="/",
        max_age=max_age,
        httponly=True,
        secure=_secure(request),
        samesite="lax",
    )


async def _form(request: Request[Any, Any, Any]) -> dict[str, str]:
    data = await request.form()
    out: dict[str, str] = {}
    for k in data:
        v = data.get(k)
        out[k] = v[:FIELD_MAX] if isinstance(v, str) else ""
    return out


class AccountPages(Controller):
    path = "/"
    include_in_schema = False

    @get("/", name="web.landing")
    async def landing(self, request: Request[Any, Any, Any]) -> Response[str]:
        return page(request, "landing.html", title="Provenance for quantum runs", who=await viewer(request))

    @get("/signin")
    async def signin_form(
        self, request: Request[Any, Any, Any], next: str | None = None, signedout: str | None = None
    ) -> Response[Any]:
        who = await viewer(request)
        if who is not None:
            return see_other(safe_next(next))
        notice = "You are signed out." if signedout else None
        return page(request, "signin.html", title="Sign in", next=safe_next(next), email="", error=None, notice=notice)

    @post("/signin", status_code=200)
    async def signin(self, request: Request[Any, Any, Any]) -> Response[Any]:
        form = await _form(request)
        target = safe_next(form.get("next"))
        email = form.get("email", "")
        client_ip = request.client.host if request.client else "unknown"
        try:
            s = await login(
                gw_of(request).ident,
                Login(email=email, password=form.get("password", "")),
                client_ip,
                request.headers.get("user-agent"),
            )
        except QLError as err:
            return page(
                request,
                "signin.html",
                title="Sign in",
                status=err.status,
                next=target,
                email=email,
                error=err.detail or err.title,
                notice=None,
            )
        response = see_other(target)
        response.cookies.append(session_cookie(request, s.token, int(SESSION_TTL.total_seconds())))
        return response

    @post("/signout", status_code=200)
    async def signout(self, request: Request[Any, Any, Any]) -> Response[Any]:
        who = await viewer(request)
        if who is not None and who.via == "session":
            await logout(gw_of(request).ident, who)
        response = see_other("/signin?signedout=1")
        response.cookies.append(session_cookie(request, "", 0))
        return response

    @get("/register")
    async def register_form(self, request: Request[Any, Any, Any]) -> Response[str]:
        form = {"name": "", "email": "", "org_name": ""}
        return page(request, "register.html", title="Register", who=await viewer(request), form=form, error=None)

    @post("/register", status_code=200)
    async def register(self, request: Request[Any, Any, Any]) -> Response[str]:
        form = await _form(request)
        kept = {k: form.get(k, "") for k in ("name", "email", "org_name")}
        try:
            out = await register(
                gw_of(request).ident,
                Register(
                    email=kept["email"], password=form.get("password", ""), name=kept["name"], org_name=kept["org_name"]
                ),
            )
        except QLError as err:
            return page(
                request, "register.html", title="Register", status=err.status, form=kept, error=err.detail or err.title
            )
        return page(request, "register.html", title="Check your mail", form=kept, error=None, sent=out["detail"])

    @get("/verify-email")
    async def verify_form(self, request: Request[Any, Any, Any], token: str = "") -> Response[str]:
        """Following the link only shows a button: mail scanners fetch links too, and must not
        spend the single-use token before its owner clicks."""
        if not token:
            return page(
                request,
                "verify.html",
                title="Verification link incomplete",
                status=400,
                heading="Verification link incomplete",
                error="Open the whole link from the message we sent.",
                token="",
                done=None,
            )
        return page(
            request,
            "verify.html",
            title="Confirm your email address",
            heading="Confirm your email address",
            error=None,
            token=token[:FIELD_MAX],
            done=None,
        )

    @post("/verify-email", status_code=200)
    async def verify(self, request: Request[Any, Any, Any]) -> Response[str]:
        token = (await _form(request)).get("token", "")
        try:
            out = await verify_email(gw_of(request).ident, VerifyEmail(token=token))
        except QLError as err:
            return page(
                request,
                "verify.html",
                title=err.title,
                status=err.status,
                heading=err.title,
                error=err.detail or err.title,
                token="",
                done=None,
            )
        return page(
            request,
            "verify.html",
            title="Email address verified",
            heading="Email address verified",
            error=None,
            token="",
            done=f"{out['email']} is verified. You can now sign in.",
        )
