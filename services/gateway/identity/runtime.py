"""What the identity commands run on: the bus, the pool, the wait for the gateway's own
projection, password hashing, the mail transport and the login throttle, built once per
gateway process from its :class:`~qlcore.service.ServiceContext`.

Mail: SMTP when ``QL_SMTP_HOST`` is set (``QL_SMTP_PORT``, ``QL_SMTP_USER``,
``QL_SMTP_PASSWORD``, ``QL_SMTP_STARTTLS``, ``QL_SMTP_TLS``), otherwise the ``.eml`` file sink
under ``$QL_HOME/outbox/``; the sender is ``QL_MAIL_FROM``. The environment is read when the
runtime is built, never at import.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from email.message import EmailMessage
from typing import Any

import structlog
from psycopg_pool import AsyncConnectionPool
from qlcore.bus import Bus
from qlcore.config import Settings
from qlcore.errors import Unavailable
from qlcore.events import Event
from qlcore.service import ServiceContext

from services.gateway.identity.mail import FileSinkTransport, MailTransport, SmtpSettings, SmtpTransport
from services.gateway.identity.passwords import PasswordHashing
from services.gateway.identity.plans import PlanCatalog, default_catalog
from services.gateway.identity.ratelimit import LoginThrottle
from services.gateway.identity.sealing import SealKeys, load_seal_keys, seal_event
from services.gateway.identity.store import PgThrottleStore
from services.gateway.identity.timing import EqualTime

__all__ = ["DEFAULT_SENDER", "IdentityRuntime", "identity_of", "mail_transport", "wait_applied"]

log = structlog.get_logger("gateway.identity")

DEFAULT_SENDER = "QuantumLedger <no-reply@quantumledger.dev>"
_TRUE = {"1", "true", "yes", "on"}


def mail_transport(settings: Settings, env: Mapping[str, str]) -> MailTransport:
    """SMTP when ``QL_SMTP_HOST`` is set, else the file sink under ``<home>/outbox``."""
    host = env.get("QL_SMTP_HOST")
    if not host:
        return FileSinkTransport(settings.home / "outbox")
    implicit = env.get("QL_SMTP_TLS", "").lower() in _TRUE
    return SmtpTransport(
        SmtpSettings(
            host=host,
            port=int(env.get("QL_SMTP_PORT", "465" if implicit else "587")),
            user=env.get("QL_SMTP_USER") or None,
            password=env.get("QL_SMTP_PASSWORD") or None,
            starttls=env.get("QL_SMTP_STARTTLS", "true").lower() in _TRUE,
            implicit_tls=implicit,
        )
    )


async def wait_applied(ctx: ServiceContext, seq: int, timeout: float = 10.0) -> None:
    """Wait until the identity projection has applied ``seq``, so the caller's next request sees the
    command's effect (see ``ServiceContext.applied``)."""
    await ctx.applied(seq, timeout)


@dataclass
class IdentityRuntime:
    settings: Settings
    bus: Bus
    pool: AsyncConnectionPool
    wait: Callable[[int], Awaitable[None]]
    mail: MailTransport
    keys: SealKeys  # seals the secrets of identity events before they enter the log (sealing.py)
    hashing: PasswordHashing = field(default_factory=PasswordHashing)
    catalog: PlanCatalog = field(default_factory=default_catalog)
    throttle: LoginThrottle | None = None
    sender: str = DEFAULT_SENDER
    # Serializes identity creations in this process before they take the PostgreSQL advisory
    # lock (see ``orgs.identity_lock``), so waiters never hold more than one pooled connection:
    # the projection they wait for needs the pool too.
    write_lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    # How long a new account's write took, recently: a known address's registration lasts as long.
    registration_time: EqualTime = field(default_factory=EqualTime)

    def __post_init__(self) -> None:
        if self.throttle is None:
            self.throttle = LoginThrottle(PgThrottleStore(self.pool))

    @property
    def login_throttle(self) -> LoginThrottle:
        assert self.throttle is not None
        return self.throttle

    async def append(self, *events: Event) -> int:
        """Append events in order (each de-duplicated by its id, its secrets sealed); return the last
        sequence."""
        seq = 0
        for e in events:
            seq = (await self.bus.append(seal_event(e, self.keys), msg_id=e.event_id)).seq
        return seq

    async def commit(self, *events: Event) -> int:
        """Append, then wait until the gateway's own read model has applied them."""
        seq = await self.append(*events)
        try:
            await self.wait(seq)
        except TimeoutError as exc:
            raise Unavailable("the change is recorded but not yet applied; retry in a moment") from exc
        return seq

    async def send(self, message: EmailMessage) -> None:
        """Send in a worker thread (transports are synchronous); a failure is logged, not raised,
        so a mail outage never turns a committed registration into an error."""
        try:
            await asyncio.to_thread(self.mail.send, message)
        except Exception as exc:
            log.error("mail.send_failed", alert=True, to=message["To"], subject=message["Subject"], error=repr(exc))

    async def hash_password(self, password: str) -> str:
        return await asyncio.to_thread(self.hashing.hash, password)

    async def verify_password(self, password_hash: str | None, password: str) -> bool:
        """Verify off the event loop (argon2id costs ~0.1 s); ``None`` spends the same on no account."""
        if password_hash is None:
            return await asyncio.to_thread(self.hashing.verify_unknown, password)
        return await asyncio.to_thread(self.hashing.verify, password_hash, password)


def identity_of(ctx: ServiceContext, env: Mapping[str, str] | None = None, **overrides: Any) -> IdentityRuntime:
    """The process's runtime, built on first use and kept on ``ctx.state``."""
    rt = ctx.state.get("identity")
    if isinstance(rt, IdentityRuntime):
        return rt
    e = os.environ if env is None else env

    async def wait(seq: int) -> None:
        await wait_applied(ctx, seq)

    rt = IdentityRuntime(
        settings=ctx.settings,
        bus=ctx.bus,
        pool=ctx.pool,
        wait=wait,
        mail=mail_transport(ctx.settings, e),
        keys=load_seal_keys(ctx.settings, e),
        sender=e.get("QL_MAIL_FROM") or DEFAULT_SENDER,
        **overrides,
    )
    ctx.state["identity"] = rt
    return rt
