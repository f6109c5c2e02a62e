"""RFC 9457 problem+json for every error the gateway returns."""

from __future__ import annotations

from typing import Any

import orjson
import structlog
from litestar import Request, Response
from litestar.exceptions import HTTPException, ValidationException
from qlcore.errors import Problem, QLError, problem_type
from qlcore.outage import RETRY_AFTER_S, as_unavailable

from services.gateway.validation import named_in

__all__ = ["exception_handlers", "problem_response"]

log = structlog.get_logger("gateway")
MEDIA = "application/problem+json"


def problem_response(problem: dict[str, Any], headers: dict[str, str] | None = None) -> Response[bytes]:
    return Response(orjson.dumps(problem), status_code=int(problem["status"]), media_type=MEDIA, headers=headers)


def _ql(request: Request[Any, Any, Any], exc: QLError) -> Response[bytes]:
    headers: dict[str, str] = {}
    if exc.status == 401:
        headers["WWW-Authenticate"] = 'Bearer realm="quantumledger"'
    retry_after = exc.extra.get("retry_after", RETRY_AFTER_S if exc.status == 503 else None)
    if isinstance(retry_after, int | float):  # 429 and 503 tell the client when to come back
        headers["Retry-After"] = str(max(1, int(retry_after + 0.999)))
    return problem_response(exc.problem(instance=request.url.path), headers or None)


_TITLES = {
    400: "Bad request",
    401: "Authentication required",
    403: "Forbidden",
    404: "Not found",
    405: "Method not allowed",
    413: "Payload too large",
    415: "Unsupported media type",
    422: "Unprocessable content",
    429: "Too many requests",
}


def _http(request: Request[Any, Any, Any], exc: HTTPException) -> Response[bytes]:
    status = exc.status_code
    if isinstance(exc, ValidationException):
        status = 422  # parsed, but a parameter or the body does not fit (decision 0018-validation-400-422)
    title = _TITLES.get(status, "Error")
    extra: dict[str, Any] = {}
    if isinstance(exc, ValidationException) and exc.extra:
        extra["errors"] = exc.extra
        extra.update(named_in(exc.extra))  # "member" (a JSON Pointer) or "parameter"
    slug = "unprocessable" if status == 422 else title.lower().replace(" ", "-")  # as qlcore.errors names it
    p = Problem(
        type=problem_type(slug),
        title=title,
        status=status,
        detail=exc.detail if exc.detail != title else None,
        instance=request.url.path,
    )
    return problem_response(p.to_dict(extra), dict(exc.headers or {}))


def _unexpected(request: Request[Any, Any, Any], exc: Exception) -> Response[bytes]:
    unavailable = as_unavailable(exc)  # PostgreSQL or NATS down: 503 with Retry-After, not 500
    if unavailable is not None:
        log.warning("http.unavailable", path=request.url.path, error=repr(exc))
        return _ql(request, unavailable)
    log.exception("http.unhandled", path=request.url.path)
    p = Problem(
        type=problem_type("internal"),
        title="Internal error",
        status=500,
        detail="unexpected error; it has been logged",
        instance=request.url.path,
    )
    return problem_response(p.to_dict())


exception_handlers: dict[Any, Any] = {QLError: _ql, HTTPException: _http, Exception: _unexpected}
