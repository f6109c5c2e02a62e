"""Account commands: register, verify the email address, log in, log out.

Registration never reveals whether an address has an account: a new address and a known one
get the same answer after the same work (one argon2id hash, the same reads, the events built, one
mail through the same transport), and the one step that differs, the write, lasts as long on
every path (:mod:`.timing`). The mail goes to the address itself: a fresh verification link
when the account is still unverified, a "you already have an account" note otherwise. Only the
owner of the mailbox learns which.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import parseaddr

import msgspec
from qlcore.errors import Forbidden, QLError, Unprocessable
from qlcore.events import Event
from qlcore.events.identity import (
    AccountRegistered,
    EmailVerificationIssued,
    EmailVerified,
    MemberAdded,
    PasswordChanged,
    SessionEnded,
    SessionStarted,
)
from ulid import ULID

from services.gateway import store
from services.gateway.adapters.mail import build_already_registered_mail, build_verification_mail
from services.gateway.domain.access import Principal
from services.gateway.domain.errors import InvalidToken, TokenExpired
from services.gateway.domain.passwords import check_password_policy
from services.gateway.domain.tokens import (
    SESSION_TTL,
    VerificationTicket,
    issue_session_token,
    new_verification,
    parse_token,
    redeem_verification,
)
from services.gateway.identity.orgs import identity_lock, new_org_events, pick_slug
from services.gateway.identity.runtime import IdentityRuntime

__all__ = [
    "EmailNotVerified",
    "InvalidCredentials",
    "Login",
    "Register",
    "Session",
    "VerifyEmail",
    "login",
    "logout",
    "normalize_email",
    "register",
    "verify_email",
]

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
REGISTERED = {
    "status": "verification_pending",
    "detail": "If the address can be registered, a message is on its way to it: follow its link to verify.",
}


class Register(msgspec.Struct, forbid_unknown_fields=True):
    email: str
    password: str
    name: str
    org_name: str


class VerifyEmail(msgspec.Struct, forbid_unknown_fields=True):
    token: str


class Login(msgspec.Struct, forbid_unknown_fields=True):
    email: str
    password: str
    org: str | None = None  # id or slug; the oldest membership when omitted


class InvalidCredentials(QLError):
    status, slug, title = 401, "invalid-credentials", "Invalid email or password"


class EmailNotVerified(Forbidden):
    slug, title = "email-not-verified", "Email address not verified"


@dataclass(frozen=True)
class Session:
    token: str
    session_id: str
    account_id: str
    org_id: str
    workspace_id: str
    expires_at: datetime


def _now() -> datetime:
    return datetime.now(UTC)


def _rfc3339(t: datetime) -> str:
    return t.astimezone(UTC).isoformat().replace("+00:00", "Z")


def normalize_email(email: str) -> str:
    """Addresses compare case-insensitively (as every mail provider treats them in practice)."""
    address = email.strip().lower()
    if len(address) > 254 or not _EMAIL.match(address) or parseaddr(address)[1] != address:
        raise Unprocessable("not an email address", field="email")
    return address


def _required(value: str, field: str, limit: int = 200) -> str:
    value = value.strip()
    if not value or len(value) > limit:
        raise Unprocessable(f"{field} must be 1 to {limit} characters", field=field)
    return value


def _verification(
    rt: IdentityRuntime, account_id: str, email: str, name: str, actor: str, correlation_id: str | None
) -> tuple[EmailVerificationIssued, EmailMessage]:
    now = _now()
    issued, ticket = new_verification(account_id, email, now=now)
    event = EmailVerificationIssued.new(
        actor=actor,
        workspace_id=None,
        correlation_id=correlation_id,
        account_id=account_id,
        email=email,
        token_hash=ticket.token_hash,
        expires_at=_rfc3339(ticket.expires_at),
    )
    mail = build_verification_mail(
        to=email,
        sender=rt.sender,
        name=name,
        token=issued.token,
        public_url=rt.settings.base_url(),
        expires_at=ticket.expires_at,
        now=now,
    )
    return event, mail


async def register(rt: IdentityRuntime, cmd: Register) -> dict[str, str]:
    email = normalize_email(cmd.email)
    name, org_name = _required(cmd.name, "name"), _required(cmd.org_name, "org_name")
    check_password_policy(cmd.password, email=email)
    password_hash = await rt.hash_password(cmd.password)  # spent on every path
    async with identity_lock(rt) as conn:
        existing = await store.account_by_email(conn, email)
        slug = await pick_slug(conn, org_name, None)  # read on every path, used by a new account
        account_id = existing.account_id if existing else f"acc_{ULID()}"
        actor = f"account:{account_id}"
        account = AccountRegistered.new(
            actor=actor,
            workspace_id=None,
            account_id=account_id,
            email=email,
            name=name,
            password_hash=password_hash,
        )
        org, ws = new_org_events(
            actor=actor, name=org_name, slug=slug, plan=rt.catalog.default_plan, correlation_id=account.event_id
        )
        member = MemberAdded.new(
            actor=actor,
            workspace_id=None,
            correlation_id=account.event_id,
            org_id=org.org_id,
            account_id=account_id,
            role="owner",
        )
        if existing is None:
            issued, mail = _verification(rt, account_id, email, name, actor, account.event_id)
            events: list[Event] = [account, org, ws, member, issued]
        elif existing.verified:
            login = f"{rt.settings.base_url()}/api/v1/auth/login"
            mail = build_already_registered_mail(
                to=email, sender=rt.sender, name=existing.name, login_url=login, now=_now()
            )
            events = []
        else:  # a second chance to receive the link: a new one supersedes the old
            issued, mail = _verification(rt, account_id, email, existing.name, actor, None)
            events = [issued]
        started = time.perf_counter()
        if events:
            await rt.commit(*events)
        spent = time.perf_counter() - started
        if existing is None:
            rt.registration_time.record(spent)
        else:
            await rt.registration_time.pad(spent)
    await rt.send(mail)
    return REGISTERED


async def verify_email(rt: IdentityRuntime, cmd: VerifyEmail) -> dict[str, object]:
    token_hash = parse_token(cmd.token.strip(), "verification")
    async with identity_lock(rt) as conn:  # single use even when two requests race
        row = await store.ticket_by_hash(conn, token_hash)
        if row is None:
            raise InvalidToken("unknown verification token")
        ticket = VerificationTicket(
            account_id=row.account_id,
            email=row.email,
            token_hash=row.token_hash,
            expires_at=row.expires_at,
            used_at=row.used_at,
        )
        redeem_verification(ticket, cmd.token.strip(), now=_now())  # TokenUsed / TokenExpired
        if row.superseded:
            raise TokenExpired("a newer verification link was sent; use the latest one")
        await rt.commit(
            EmailVerified.new(
                actor=f"account:{row.account_id}",
                workspace_id=None,
                account_id=row.account_id,
                email=row.email,
                token_hash=token_hash,
            )
        )
    return {"verified": True, "email": row.email}


async def login(rt: IdentityRuntime, cmd: Login, client_ip: str, user_agent: str | None) -> Session:
    """Throttle first, then one password verification whether or not the address exists."""
    email = cmd.email.strip().lower()
    throttle = rt.login_throttle
    await throttle.ensure_allowed(email, client_ip)  # 429 before any password is checked
    async with rt.pool.connection() as conn:
        account = await store.account_by_email(conn, email)
    ok = await rt.verify_password(account.password_hash if account else None, cmd.password)
    if account is None or not ok:
        await throttle.record_failure(email, client_ip)
        raise InvalidCredentials("the email address or the password is wrong")
    if not account.verified:
        raise EmailNotVerified("verify your email address first: follow the link in the message we sent")
    async with rt.pool.connection() as conn:
        found = await store.membership(conn, account.account_id, cmd.org)
        workspace = await store.workspace_in_org(conn, found[0].org_id, None) if found else None
    if found is None or workspace is None:
        raise Forbidden("this account is not a member of that org" if cmd.org else "this account has no org")
    await throttle.record_success(email, client_ip)
    actor = f"account:{account.account_id}"
    token = issue_session_token()
    expires = _now() + SESSION_TTL
    started = SessionStarted.new(
        actor=actor,
        workspace_id=workspace.workspace_id,
        session_id=f"sess_{token.token_id}",
        account_id=account.account_id,
        org_id=found[0].org_id,
        token_hash=token.token_hash,
        expires_at=_rfc3339(expires),
        client_ip=client_ip,
        user_agent=(user_agent or "")[:300] or None,
    )
    events: list[Event] = [started]
    if rt.hashing.needs_rehash(account.password_hash):  # parameters changed since it was stored
        events.insert(
            0,
            PasswordChanged.new(
                actor=actor,
                workspace_id=None,
                account_id=account.account_id,
                password_hash=await rt.hash_password(cmd.password),
                reason="rehash",
            ),
        )
    await rt.commit(*events)
    return Session(
        token=token.token,
        session_id=started.session_id,
        account_id=account.account_id,
        org_id=found[0].org_id,
        workspace_id=workspace.workspace_id,
        expires_at=expires,
    )


async def logout(rt: IdentityRuntime, principal: Principal) -> None:
    """End the caller's session; every check reads the same table, so it is over everywhere."""
    if principal.via != "session" or principal.session_id is None or principal.account_id is None:
        raise Unprocessable(
            "logout ends a session; revoke an API key with DELETE /api/v1/orgs/{org_id}/api-keys/{key_id}"
        )
    await rt.commit(
        SessionEnded.new(
            actor=principal.actor,
            workspace_id=principal.workspace_id,
            session_id=principal.session_id,
            account_id=principal.account_id,
            reason="logout",
        )
    )
