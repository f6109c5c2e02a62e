"""The litestar application: routes, problem details, request ids, OpenAPI at /schema."""

from __future__ import annotations

import time
import uuid
from typing import Any

import structlog
from litestar import Litestar
from litestar.openapi import OpenAPIConfig
from litestar.types import ASGIApp, Message, Receive, Scope, Send

from services.gateway.deps import Gateway
from services.gateway.headers import security_headers
from services.gateway.openapi import render_plugins
from services.gateway.problems import exception_handlers
from services.gateway.routes import CONTROLLERS
from services.gateway.validation import StrictRequest, screen_params
from services.gateway.web import PAGES, DocsRenderPlugin, html_errors
from services.gateway.web import middleware as web_middleware

__all__ = ["create_app"]

log = structlog.get_logger("gateway.http")


def request_context(app: ASGIApp) -> ASGIApp:
    """Bind a request id (from ``X-Request-Id`` or new) to every log line, echo it, log the request."""

    async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await app(scope, receive, send)
            return
        rid = next((v.decode() for k, v in scope["headers"] if k == b"x-request-id"), None) or uuid.uuid4().hex
        structlog.contextvars.clear_contextvars()
        structlog.contextvars.bind_contextvars(request_id=rid)
        t0 = time.perf_counter()
        status = 0

        async def send_wrapper(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message["headers"] = [*message.get("headers", []), (b"x-request-id", rid.encode())]
            await send(message)

        try:
            await app(scope, receive, send_wrapper)
        finally:
            log.info(
                "http.request",
                method=scope.get("method"),
                path=scope["path"],
                status=status,
                ms=round((time.perf_counter() - t0) * 1000, 2),
            )
            structlog.contextvars.clear_contextvars()

    return middleware


def create_app(gw: Gateway, extra_controllers: list[Any] | None = None) -> Litestar:
    app = Litestar(
        route_handlers=[*CONTROLLERS, *PAGES, *(extra_controllers or [])],
        exception_handlers=exception_handlers,
        middleware=[request_context, screen_params, *web_middleware(gw.settings.public_base_url)],
        before_send=[html_errors, security_headers],  # the HTML 404 first, then every response's headers
        request_class=StrictRequest,
        openapi_config=OpenAPIConfig(
            title="QuantumLedger API",
            version="1.0.0",
            path="/schema",
            render_plugins=[DocsRenderPlugin(), *render_plugins()],  # server-rendered docs: no CDN assets
        ),
        request_max_body_size=gw.settings.max_bundle_bytes + 1024,
        debug=False,
        logging_config=None,
    )
    app.state.gw = gw
    return app
