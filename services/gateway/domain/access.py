"""Who is calling and what they may do: scopes, roles (``roles.yaml``), the Principal, authorize.

Two checks stand between a request and an operation, and both must pass:

* **scope** - what the *credential* allows. An API key carries the scopes it was created with,
  narrowed at every request to what its creator's role still permits (demoting a member narrows
  their keys at once); a session carries every scope of the member's role. Scopes do not imply
  one another (the lattice is flat): ``admin`` (org administration: API keys, workspace
  settings) does not grant ``runs:write`` nor any other scope (``docs/security.md``).
* **role** - what the *member* is in the org: owner > admin > member > viewer, by rank.

Privileges hold (:func:`check_grantable`): a credential grants only what it holds itself. A new
API key's scopes must be among the scopes of the credential that creates it (a session: its
role's; a key: its own effective ones), and a key creates keys only for its own workspace and
expiring no later than itself, so no chain of keys ever ends with more than it started from.

The plan (what the org pays for) is a third, separate check in :mod:`.plans`.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Any, Literal, get_args

import msgspec
import yaml

from services.gateway.domain.errors import MissingRole, MissingScope, NotHeld

__all__ = [
    "ROLES",
    "SCOPES",
    "Principal",
    "Role",
    "RoleSpec",
    "Scope",
    "authorize",
    "check_expiry_grantable",
    "check_grantable",
    "check_workspace_grantable",
    "effective_scopes",
    "load_roles",
    "role_at_least",
    "roles",
    "session_scopes",
]

Scope = Literal["runs:read", "runs:write", "cards:publish", "attest:write", "admin"]
SCOPES: tuple[Scope, ...] = get_args(Scope)
Role = Literal["owner", "admin", "member", "viewer"]
ROLES: tuple[Role, ...] = get_args(Role)


class RoleSpec(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    rank: int
    description: str
    permissions: frozenset[Scope]


def load_roles(path: Path | None = None) -> dict[Role, RoleSpec]:
    """Load and validate a roles file (the packaged ``roles.yaml`` by default)."""
    path = path or Path(__file__).with_name("roles.yaml")
    data: Any = yaml.safe_load(path.read_text("utf-8"))
    loaded = msgspec.convert(data, dict[Role, RoleSpec])
    if set(loaded) != set(ROLES):
        raise ValueError(f"roles file must define exactly {sorted(ROLES)}")
    if len({spec.rank for spec in loaded.values()}) != len(loaded):
        raise ValueError("role ranks must be distinct")
    return loaded


@cache
def roles() -> dict[Role, RoleSpec]:
    """The packaged roles, loaded on first use."""
    return load_roles()


class Principal(msgspec.Struct, frozen=True, kw_only=True):
    """The authenticated caller of one request, as the gateway resolved it (one type for both
    credentials, so a route never cares whether a person or a script is calling).

    ``account_id`` is the person behind a session, or the member an API key acts for (``None``
    for an operator's key, which acts for the org as its owner); ``key_id`` is set when
    ``via == "api_key"``, ``session_id`` when ``via == "session"``. ``scopes`` are the effective
    ones: a key's own narrowed to its member's current role, or every scope of a session's role.
    """

    org_id: str
    org_slug: str
    org_name: str
    plan: str
    workspace_id: str
    workspace_slug: str
    workspace_name: str
    scopes: frozenset[str]
    role: Role
    via: Literal["api_key", "session"] = "api_key"
    account_id: str | None = None
    key_id: str | None = None
    session_id: str | None = None
    expires_at: datetime | None = None  # when the key or session stops working (None: a key without expiry)

    @property
    def actor(self) -> str:
        """Who did it, as events name it: the credential for a key, the person for a session."""
        if self.via == "session" and self.account_id:
            return f"account:{self.account_id}"
        return f"api_key:{self.key_id}"


def role_at_least(role: Role, required: Role) -> bool:
    table = roles()
    return table[role].rank >= table[required].rank


def session_scopes(role: Role) -> frozenset[Scope]:
    """A session may use every scope its member's role permits."""
    return roles()[role].permissions


def effective_scopes(role: Role, key_scopes: Iterable[str]) -> frozenset[Scope]:
    """An API key's scopes as they apply now: its own, less what its creator's role no longer permits."""
    permitted = roles()[role].permissions
    return frozenset(s for s in permitted if s in set(key_scopes))


def check_grantable(principal: Principal, scopes: Iterable[str]) -> frozenset[Scope]:
    """Validate the scopes asked for a new API key: known, and held by the creating credential.

    ``principal.scopes`` already is the most the caller may use: a session's are its role's, a
    key's are its own narrowed to its member's role. Returns the scopes typed; raises
    :class:`NotHeld` (403) naming the first scope the caller does not hold, and ``ValueError``
    for a name that is no scope at all (the API turns it into a 422).
    """
    wanted = list(scopes)
    unknown = sorted({s for s in wanted if s not in SCOPES})
    if unknown:
        raise ValueError(f"unknown scopes {unknown}; known: {list(SCOPES)}")
    held = principal.scopes & roles()[principal.role].permissions
    for scope in SCOPES:
        if scope in wanted and scope not in held:
            raise NotHeld(scope=scope, held=held)
    return frozenset(s for s in SCOPES if s in wanted)


def check_workspace_grantable(principal: Principal, workspace_id: str) -> None:
    """A key is bound to its workspace: it makes keys for that workspace only (:class:`NotHeld`).

    A session is a member acting in the org, whose role spans every workspace of it.
    """
    if principal.via == "api_key" and workspace_id != principal.workspace_id:
        raise NotHeld(workspace=workspace_id, held_workspace=principal.workspace_id)


def check_expiry_grantable(principal: Principal, expires_at: datetime | None) -> None:
    """A key makes keys that expire no later than itself (:class:`NotHeld`): a key that works until
    Friday cannot leave behind one that works for ever. A session is the member, whose keys are
    theirs to keep: its own 14 days do not bound them."""
    if principal.via != "api_key" or principal.expires_at is None:
        return
    if expires_at is None or expires_at > principal.expires_at:
        raise NotHeld(expires_at=expires_at, held_expires_at=principal.expires_at)


def authorize(principal: Principal, *, scope: Scope | None = None, role: Role | None = None) -> None:
    """Raise a typed ``Forbidden`` naming what is missing: the ``scope`` or the ``role``.

    The role is checked first: a member who lacks the role cannot fix that with another key.
    """
    if role is not None and not role_at_least(principal.role, role):
        raise MissingRole(role, principal.role)
    if scope is not None and scope not in principal.scopes:
        raise MissingScope(scope, principal.scopes)
