"""What the identity commands run on: the bus, the pool, the wait for the gateway's own
projection, password hashing, the mail transport and the login throttle, built once per
gateway process by :func:`services.gateway.bootstrap.build` (mail settings in
:mod:`services.gateway.config`).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from email.message import EmailMessage

import structlog
from psycopg_pool import AsyncConnectionPool
from qlcore.bus import Bus
from qlcore.config import Settings
from qlcore.errors import Unavailable
from qlcore.events import Event

from services.gateway.adapters.mail import FileSinkTransport, MailTransport, SmtpTransport
from services.gateway.config import DEFAULT_SENDER, GatewayConfig
from services.gateway.domain.passwords import PasswordHashing
from services.gateway.domain.plans import PlanCatalog, default_catalog
from services.gateway.domain.ratelimit import LoginThrottle
from services.gateway.domain.sealing import SealKeys, seal_event
from services.gateway.identity.timing import EqualTime
from services.gateway.store import PgThrottleStore

__all__ = ["IdentityRuntime", "mail_transport"]

log = structlog.get_logger("gateway.identity")


def mail_transport(config: GatewayConfig) -> MailTransport:
    """SMTP when configured (``QL_SMTP_HOST``), else the file sink at ``config.outbox``."""
    if config.smtp is None:
        return FileSinkTransport(config.outbox)
    return SmtpTransport(config.smtp)


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
