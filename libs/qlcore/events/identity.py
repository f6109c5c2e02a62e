"""Identity and tenancy events: the audit trail of who may do what, and the only source of the
gateway's identity read model.

Conventions, as for every event: the envelope (:class:`qlcore.events.envelope.Event`) carries
the event id, time, ``workspace_id``, ``actor`` (who did it, named as the gateway's Principal
names it: ``account:<id>``, ``api_key:<id>``, ``system`` or ``operator:<name>``) and the
correlation id; one registration appends AccountRegistered, OrgCreated, WorkspaceCreated,
MemberAdded and EmailVerificationIssued under one correlation id. A workspace-scoped event
(WorkspaceCreated, ApiKeyCreated, SessionStarted) names its workspace in the envelope's
``workspace_id``, not in its body. Times are RFC 3339 strings. Roles, scopes and reasons are
plain ``str``, not ``Literal``: a new role must not make old consumers fail to decode the log.

**What secrets the log holds.** Never a password, an API key, a session token or a
verification token; their hashes, because the read model is rebuilt by replay and must then
still accept the same credentials; and those hashes only sealed (:data:`SEALED_FIELDS`):

* ``password_hash`` (argon2id PHC string) is in AccountRegistered and PasswordChanged. Left
  out, every account would be locked out after a replay. Since the log is append-only, old
  hashes stay after a password change (erasure of an account, when needed, is crypto-shredding
  of its personal fields, a later design).
* ``key_hash``/``token_hash`` are SHA-256 of 256-bit random secrets (see
  :mod:`services.gateway.domain.tokens`).
* Every service reads the whole log, so these fields hold ``sealed.v1.<kid>.<...>`` values that
  only the gateway can open (:mod:`services.gateway.domain.sealing`, decision 0010): an argon2id
  hash is still a guessing target offline, and a token hash must never be a lookup key for anyone
  but the gateway.

Login throttling counters are deliberately not events: they are operational state, and a
replay must not re-lock anyone.
"""

from __future__ import annotations

from qlcore.events.envelope import Event

__all__ = [
    "IDENTITY_EVENTS",
    "SEALED_FIELDS",
    "AccountRegistered",
    "ApiKeyCreated",
    "ApiKeyRevoked",
    "EmailVerificationIssued",
    "EmailVerified",
    "InvitationAccepted",
    "InvitationIssued",
    "InvitationRevoked",
    "MemberAdded",
    "MemberRemoved",
    "MemberRoleChanged",
    "OrgCreated",
    "OrgPlanChanged",
    "PasswordChanged",
    "SessionEnded",
    "SessionStarted",
    "WorkspaceCreated",
]


class AccountRegistered(Event, frozen=True, tag="account.registered"):
    """A person registered; the account cannot log in until EmailVerified."""

    account_id: str
    email: str
    name: str
    password_hash: str


class EmailVerificationIssued(Event, frozen=True, tag="account.verification_issued"):
    """A verification mail was sent; a newer one supersedes older ones for the account."""

    account_id: str
    email: str
    token_hash: str
    expires_at: str


class EmailVerified(Event, frozen=True, tag="account.email_verified"):
    """The token was redeemed: single use, so replay marks the same token used again."""

    account_id: str
    email: str
    token_hash: str


class PasswordChanged(Event, frozen=True, tag="account.password_changed"):
    """A new hash: ``reason`` is ``rehash`` (new argon2 parameters at login), ``change`` or ``reset``."""

    account_id: str
    password_hash: str
    reason: str = "change"


class OrgCreated(Event, frozen=True, tag="org.created"):
    org_id: str
    slug: str
    name: str
    plan: str = "free"
    created_by: str | None = None


class WorkspaceCreated(Event, frozen=True, tag="workspace.created"):
    """The new workspace's id is the envelope's ``workspace_id``."""

    org_id: str
    name: str
    slug: str
    is_default: bool = False


class MemberAdded(Event, frozen=True, tag="member.added"):
    org_id: str
    account_id: str
    role: str


class ApiKeyCreated(Event, frozen=True, tag="api_key.created"):
    """The key itself is never logged: only its SHA-256 and visible prefix. Its workspace is
    the envelope's ``workspace_id``; its creator the envelope's ``actor`` and ``created_by``.

    ``account_id`` is the member the key acts for: its scopes are narrowed to that member's
    role at every request. ``None`` for an operator's key, which acts for the org as its owner.
    """

    key_id: str
    org_id: str
    name: str
    prefix: str
    key_hash: str
    scopes: list[str]
    expires_at: str | None = None
    created_by: str | None = None
    account_id: str | None = None


class ApiKeyRevoked(Event, frozen=True, tag="api_key.revoked"):
    key_id: str
    org_id: str
    reason: str | None = None


class SessionStarted(Event, frozen=True, tag="session.started"):
    """A login. ``client_ip``/``user_agent`` are for the audit trail ("where was I logged in?")."""

    session_id: str
    account_id: str
    org_id: str
    token_hash: str
    expires_at: str
    client_ip: str | None = None
    user_agent: str | None = None


class SessionEnded(Event, frozen=True, tag="session.ended"):
    """``reason``: ``logout``, ``revoked`` (by an admin or a password change) or ``expired``."""

    session_id: str
    account_id: str
    reason: str = "logout"


class OrgPlanChanged(Event, frozen=True, tag="org.plan_changed"):
    """An operator moved an org to another plan (``ql admin``); the actor is ``operator:<name>``."""

    org_id: str
    plan: str
    previous_plan: str
    reason: str | None = None


class MemberRoleChanged(Event, frozen=True, tag="member.role_changed"):
    """An owner or admin changed a member's role (never leaving the org without an owner)."""

    org_id: str
    account_id: str
    role: str
    previous_role: str


class MemberRemoved(Event, frozen=True, tag="member.removed"):
    """The member left or was removed: their sessions in the org and their keys stop working."""

    org_id: str
    account_id: str
    previous_role: str


class InvitationIssued(Event, frozen=True, tag="invitation.issued"):
    """An owner or admin invited an address with a role; the link went to that address only.
    ``token_hash`` is sealed like every credential hash; a newer invitation of the same address
    to the same org supersedes the pending one."""

    invitation_id: str
    org_id: str
    email: str
    role: str
    token_hash: str
    expires_at: str
    invited_by: str | None = None


class InvitationAccepted(Event, frozen=True, tag="invitation.accepted"):
    """The invitee (signed in with the invited address) accepted; a MemberAdded follows."""

    invitation_id: str
    org_id: str
    account_id: str


class InvitationRevoked(Event, frozen=True, tag="invitation.revoked"):
    invitation_id: str
    org_id: str


IDENTITY_EVENTS: tuple[type[Event], ...] = (
    AccountRegistered,
    EmailVerificationIssued,
    EmailVerified,
    PasswordChanged,
    OrgCreated,
    WorkspaceCreated,
    MemberAdded,
    ApiKeyCreated,
    ApiKeyRevoked,
    SessionStarted,
    SessionEnded,
    OrgPlanChanged,
    MemberRoleChanged,
    MemberRemoved,
    InvitationIssued,
    InvitationAccepted,
    InvitationRevoked,
)

# The fields the gateway seals before appending and opens when applying (by event type).
SEALED_FIELDS: dict[str, tuple[str, ...]] = {
    "account.registered": ("password_hash",),
    "account.password_changed": ("password_hash",),
    "account.verification_issued": ("token_hash",),
    "account.email_verified": ("token_hash",),
    "api_key.created": ("key_hash",),
    "session.started": ("token_hash",),
    "invitation.issued": ("token_hash",),
}
