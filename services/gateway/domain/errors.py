"""Typed errors of the identity domain, each rendered by the gateway as RFC 9457 problem+json.

They extend the platform's :mod:`qlcore.errors` classes, so the gateway's one exception handler
renders them; the extension members (``scope``, ``feature``, ``retry_after``...) name exactly what
is missing so that a client can act on it without parsing prose.

Plan errors answer **402 Payment Required**, not 403: a client (and the person behind it) must be
able to tell "your role or key does not allow this" (403, ask an admin) from "your plan does not
include this" (402, upgrade), and the problem's ``feature``/``limit`` member says which.
"""

from __future__ import annotations

from datetime import UTC, datetime

from qlcore.errors import Forbidden, QLError, Unauthorized, Unprocessable

__all__ = [
    "Forbidden",
    "InvalidToken",
    "LoginThrottled",
    "MissingRole",
    "MissingScope",
    "NotHeld",
    "PasswordPolicyViolation",
    "PlanFeatureMissing",
    "PlanLimitReached",
    "TokenExpired",
    "TokenRevoked",
    "TokenUsed",
    "UnknownPlan",
]


class MissingScope(Forbidden):
    """The credential (API key or session) lacks a scope the operation needs."""

    slug, title = "missing-scope", "Missing scope"

    def __init__(self, scope: str, granted: frozenset[str]) -> None:
        super().__init__(f"this credential lacks the scope {scope!r}", scope=scope, granted=sorted(granted))
        self.scope = scope
        self.granted = granted


class NotHeld(Forbidden):
    """A credential tried to grant more than it holds: a scope it lacks, or (an API key) a workspace
    other than its own or a later expiry than its own. ``scope``, ``workspace`` or ``expires_at``
    names what it asked for."""

    slug, title = "privilege-not-held", "Cannot grant a privilege the credential does not hold"

    def __init__(
        self,
        *,
        scope: str | None = None,
        held: frozenset[str] | None = None,
        workspace: str | None = None,
        held_workspace: str | None = None,
        expires_at: datetime | None = None,
        held_expires_at: datetime | None = None,
        role: str | None = None,
        held_role: str | None = None,
    ) -> None:
        if held_role is not None:
            super().__init__(
                f"a {held_role} cannot grant nor manage the role {role!r}: privileges hold",
                role=role,
                held_role=held_role,
            )
        elif held_expires_at is not None:
            super().__init__(
                "an API key can only create keys that expire no later than itself",
                expires_at=_rfc3339(expires_at),
                held_expires_at=_rfc3339(held_expires_at),
            )
        elif scope is not None:
            super().__init__(
                f"this credential does not hold the scope {scope!r}, so it cannot grant it",
                scope=scope,
                held=sorted(held or ()),
            )
        else:
            super().__init__(
                "an API key can only create keys for its own workspace",
                workspace=workspace,
                held_workspace=held_workspace,
            )
        self.scope = scope
        self.role = role
        self.workspace = workspace
        self.expires_at = expires_at


def _rfc3339(t: datetime | None) -> str | None:
    return t.astimezone(UTC).isoformat().replace("+00:00", "Z") if t else None


class MissingRole(Forbidden):
    """The member's role in the org is below the one the operation needs."""

    slug, title = "missing-role", "Missing role"

    def __init__(self, required: str, role: str) -> None:
        super().__init__(
            f"this needs the role {required!r} or higher; yours is {role!r}", required_role=required, role=role
        )
        self.required = required
        self.role = role


class PlanFeatureMissing(QLError):
    """The org's plan does not include a feature."""

    status, slug, title = 402, "plan-feature-missing", "Plan does not include this feature"

    def __init__(self, feature: str, plan: str) -> None:
        super().__init__(f"the {plan!r} plan does not include {feature!r}", feature=feature, plan=plan)
        self.feature = feature
        self.plan = plan


class PlanLimitReached(QLError):
    """A counted resource is at the plan's limit (``value`` is the limit, ``used`` the count)."""

    status, slug, title = 402, "plan-limit-reached", "Plan limit reached"

    def __init__(self, limit: str, plan: str, value: int, used: int | None = None) -> None:
        super().__init__(
            f"the {plan!r} plan allows {value} for {limit!r}", limit=limit, plan=plan, value=value, used=used
        )
        self.limit = limit
        self.plan = plan
        self.value = value
        self.used = used


class UnknownPlan(Unprocessable):
    slug, title = "unknown-plan", "Unknown plan"

    def __init__(self, plan: str) -> None:
        super().__init__(f"no plan named {plan!r}", plan=plan)
        self.plan = plan


class PasswordPolicyViolation(Unprocessable):
    """A new password breaks the policy; ``rule`` is machine-readable (``too_short``...)."""

    slug, title = "password-policy", "Password does not meet the policy"

    def __init__(self, rule: str, detail: str) -> None:
        super().__init__(detail, rule=rule)
        self.rule = rule


class InvalidToken(Unauthorized):
    """Malformed, unknown or mismatching token: deliberately says no more than that."""

    slug, title = "invalid-token", "Invalid token"


class TokenExpired(Unauthorized):
    slug, title = "token-expired", "Token expired"


class TokenRevoked(Unauthorized):
    slug, title = "token-revoked", "Token revoked"


class TokenUsed(Unauthorized):
    """A single-use token (email verification) presented a second time."""

    slug, title = "token-used", "Token already used"


class LoginThrottled(QLError):
    """Too many failed logins for this address or client; retry after ``retry_after`` seconds."""

    status, slug, title = 429, "login-throttled", "Too many failed logins"

    def __init__(self, retry_after: float) -> None:
        seconds = max(1, int(retry_after + 0.999))
        super().__init__(f"try again in {seconds} s", retry_after=seconds)
        self.retry_after = seconds
