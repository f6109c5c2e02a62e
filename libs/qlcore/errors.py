"""Typed errors that every layer raises and the gateway renders as RFC 9457 problem details."""

from __future__ import annotations

from typing import Any

import msgspec

__all__ = [
    "BadRequest",
    "Conflict",
    "Forbidden",
    "MethodNotAllowed",
    "NotAcceptable",
    "NotFound",
    "PayloadTooLarge",
    "Problem",
    "QLError",
    "Unauthorized",
    "Unavailable",
    "Unprocessable",
    "problem_type",
]

PROBLEM_BASE = "https://quantumledger.dev/problems/"


def problem_type(slug: str) -> str:
    return PROBLEM_BASE + slug


class Problem(msgspec.Struct, omit_defaults=True):
    """RFC 9457 problem details (``application/problem+json``); extension members in ``extra``."""

    type: str
    title: str
    status: int
    detail: str | None = None
    instance: str | None = None

    def to_dict(self, extra: dict[str, Any] | None = None) -> dict[str, Any]:
        out: dict[str, Any] = msgspec.to_builtins(self)
        if extra:
            out.update(extra)
        return out


class QLError(Exception):
    """Base class: carries what a problem document needs."""

    status = 500
    slug = "internal"
    title = "Internal error"

    def __init__(self, detail: str | None = None, **extra: Any) -> None:
        super().__init__(detail or self.title)
        self.detail = detail
        self.extra = extra

    def problem(self, instance: str | None = None) -> dict[str, Any]:
        p = Problem(
            type=problem_type(self.slug), title=self.title, status=self.status, detail=self.detail, instance=instance
        )
        return p.to_dict(self.extra)


class BadRequest(QLError):
    status, slug, title = 400, "bad-request", "Bad request"


class Unauthorized(QLError):
    status, slug, title = 401, "unauthorized", "Authentication required"


class Forbidden(QLError):
    status, slug, title = 403, "forbidden", "Forbidden"


class NotFound(QLError):
    status, slug, title = 404, "not-found", "Not found"


class MethodNotAllowed(QLError):
    status, slug, title = 405, "method-not-allowed", "Method not allowed"


class NotAcceptable(QLError):
    status, slug, title = 406, "not-acceptable", "Not acceptable"


class Conflict(QLError):
    status, slug, title = 409, "conflict", "Conflict"


class Unprocessable(QLError):
    status, slug, title = 422, "unprocessable", "Unprocessable content"


class PayloadTooLarge(QLError):
    status, slug, title = 413, "payload-too-large", "Payload too large"


class Unavailable(QLError):
    status, slug, title = 503, "unavailable", "Service unavailable"
