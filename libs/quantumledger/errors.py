"""The errors the SDK raises.

Two families:

* :class:`APIError` and its subclasses: the server answered with an RFC 9457 problem document.
  The class says what kind of failure it is (by HTTP status), the problem says exactly which:
  ``type`` (a URI), ``title``, ``status``, ``detail``, ``instance`` and the extension members
  (``scope``, ``feature``, ``valid_metrics``, ...) in ``extensions``. Catch the class; branch on
  ``type`` when one status covers several problems.
* :class:`VerificationError` and its subclasses: a document or an attestation failed offline
  verification, so callers can tell a malformed document from a tampered one without parsing
  messages.

:class:`ConnectionFailedError` is the server not answering at all (refused, reset, timed out).
"""

from __future__ import annotations

from email.utils import parsedate_to_datetime
from typing import Any

__all__ = [
    "APIError",
    "AuthError",
    "BadRequestError",
    "ConflictError",
    "ConnectionFailedError",
    "ForbiddenError",
    "GoneError",
    "HashMismatchError",
    "InvalidDocumentError",
    "MissingHashError",
    "NotFoundError",
    "PayloadTooLargeError",
    "PlanError",
    "QuantumLedgerError",
    "RateLimitError",
    "ReproductionFailedError",
    "ServerError",
    "UnauthenticatedError",
    "UnavailableError",
    "ValidationError",
    "VerificationError",
    "WaitTimeoutError",
    "error_for",
    "retry_after_seconds",
]

PROBLEM_MEMBERS = ("type", "title", "status", "detail", "instance")


class QuantumLedgerError(Exception):
    """Base of every error the SDK raises on purpose."""


class APIError(QuantumLedgerError):
    """The server answered with a problem document (RFC 9457).

    ``status`` is the HTTP status, ``problem`` the whole document; its standard members are
    attributes and the rest are ``extensions``. ``retry_after`` is the ``Retry-After`` header in
    seconds when the server sent one.
    """

    def __init__(self, status: int, problem: dict[str, Any], *, retry_after: float | None = None) -> None:
        self.status = status
        self.problem = problem
        self.type: str = str(problem.get("type") or "about:blank")
        self.title: str = str(problem.get("title") or "")
        self.detail: str | None = problem.get("detail") if isinstance(problem.get("detail"), str) else None
        self.instance: str | None = problem.get("instance") if isinstance(problem.get("instance"), str) else None
        self.extensions: dict[str, Any] = {k: v for k, v in problem.items() if k not in PROBLEM_MEMBERS}
        self.retry_after = retry_after
        super().__init__(f"{status} {self.title}: {self.detail or ''}".rstrip(": "))

    @property
    def slug(self) -> str:
        """The last segment of ``type``, e.g. ``missing-scope`` (``about:blank`` for none)."""
        return self.type.rstrip("/").rsplit("/", 1)[-1]


class BadRequestError(APIError):
    """400: the request is malformed (a parameter of the wrong type, an unknown format)."""


class AuthError(APIError):
    """401 or 403: no valid credential, or the credential may not do this."""


class UnauthenticatedError(AuthError):
    """401: the key or session is missing, unknown, revoked or expired."""


class ForbiddenError(AuthError):
    """403: the credential lacks a scope (``extensions["scope"]``) or a role."""


class PlanError(APIError):
    """402: the org's plan lacks a feature (``extensions["feature"]``) or a limit is reached."""


class NotFoundError(APIError):
    """404: no such resource in your workspace (another workspace's is not found either)."""


class GoneError(NotFoundError):
    """410: the resource was withdrawn (a Result Card); the problem carries its tombstone."""


class ConflictError(APIError):
    """409: the state does not allow it yet (e.g. attesting to a framework not enabled)."""


class PayloadTooLargeError(APIError):
    """413: the bundle is over the server's size limit (``extensions["limit"]``)."""


class ValidationError(APIError):
    """422: the request is well-formed but invalid (a bad bundle, a run_hash that does not match)."""


class RateLimitError(APIError):
    """429: too many requests; ``retry_after`` says when to come back."""


class UnavailableError(APIError):
    """503: a service is down or behind; ``retry_after`` says when to come back."""


class ServerError(APIError):
    """Any other 5xx."""


class ReproductionFailedError(APIError):
    """A reproduction job ended ``failed``: the problem carries the job (``extensions``)."""


class ConnectionFailedError(QuantumLedgerError):
    """The server could not be reached or did not answer in time."""


class WaitTimeoutError(QuantumLedgerError):
    """A long-running operation (a reproduction) was still running when the wait ended.

    ``last`` is the last state the server reported (its ``location`` can be polled later)."""

    def __init__(self, message: str, last: Any) -> None:
        super().__init__(message)
        self.last = last


_BY_STATUS: dict[int, type[APIError]] = {
    400: BadRequestError,
    401: UnauthenticatedError,
    402: PlanError,
    403: ForbiddenError,
    404: NotFoundError,
    409: ConflictError,
    410: GoneError,
    413: PayloadTooLargeError,
    422: ValidationError,
    429: RateLimitError,
    503: UnavailableError,
}


def error_for(status: int, problem: dict[str, Any], *, retry_after: float | None = None) -> APIError:
    """The most specific :class:`APIError` for a status and its problem document."""
    if str(problem.get("type", "")).endswith("/reproduction-failed"):
        return ReproductionFailedError(status, problem, retry_after=retry_after)
    cls = _BY_STATUS.get(status) or (ServerError if status >= 500 else APIError)
    return cls(status, problem, retry_after=retry_after)


def retry_after_seconds(value: str | None, now: float | None = None) -> float | None:
    """``Retry-After`` (RFC 9110 section 10.2.3) in seconds: delay-seconds or an HTTP-date."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    import time

    return max(0.0, when.timestamp() - (time.time() if now is None else now))


class VerificationError(QuantumLedgerError):
    """A document or an attestation failed offline verification."""


class InvalidDocumentError(VerificationError):
    """Not a ``qlprov/run/1.0`` document: unreadable, not JSON, not I-JSON, or off schema."""


class MissingHashError(VerificationError):
    """The document carries no ``run_hash`` to verify against."""


class HashMismatchError(VerificationError):
    """The document's ``run_hash`` is not the hash of its content: it was changed."""

    def __init__(self, claimed: str, computed: str) -> None:
        super().__init__(f"run_hash mismatch: the document claims {claimed}, its content hashes to {computed}")
        self.claimed = claimed
        self.computed = computed
