"""Outgoing mail: a transport interface, SMTP for production, an ``.eml`` file sink for the
embedded default, and the verification mail.

Transports are synchronous (smtplib is); the gateway calls ``send`` in a worker thread. Nothing
connects or touches the disk until ``send`` is called.
"""

from __future__ import annotations

import html
import os
import smtplib
import ssl
import tempfile
from collections.abc import Callable
from datetime import UTC, datetime
from email import policy
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid, parseaddr
from pathlib import Path
from typing import Protocol
from urllib.parse import urlencode

import msgspec
from ulid import ULID

__all__ = [
    "FileSinkTransport",
    "MailTransport",
    "SmtpSettings",
    "SmtpTransport",
    "build_already_registered_mail",
    "build_invitation_mail",
    "build_verification_mail",
]


class MailTransport(Protocol):
    def send(self, message: EmailMessage) -> None: ...


class SmtpSettings(msgspec.Struct, frozen=True, kw_only=True):
    """How to reach the SMTP submission server.

    ``starttls`` upgrades a plain connection (port 587); ``implicit_tls`` connects with TLS from
    the first byte (port 465). Credentials are optional (a local relay may need none).
    """

    host: str
    port: int = 587
    user: str | None = None
    password: str | None = None
    starttls: bool = True
    implicit_tls: bool = False
    timeout: float = 10.0

    def __repr__(self) -> str:  # the password must never reach a log line
        return f"SmtpSettings(host={self.host!r}, port={self.port}, user={self.user!r}, password=***)"


class SmtpTransport:
    """Send each message over a new SMTP connection (a verification mail is rare; no pool).

    ``connect`` is injectable for tests; by default it is :class:`smtplib.SMTP` or, with
    ``implicit_tls``, :class:`smtplib.SMTP_SSL`.
    """

    def __init__(self, settings: SmtpSettings, connect: Callable[..., smtplib.SMTP] | None = None) -> None:
        self.settings = settings
        self._connect = connect

    def send(self, message: EmailMessage) -> None:
        s = self.settings
        context = ssl.create_default_context() if (s.starttls or s.implicit_tls) else None
        if self._connect is not None:
            client = self._connect(s.host, s.port, timeout=s.timeout)
        elif s.implicit_tls:
            client = smtplib.SMTP_SSL(s.host, s.port, timeout=s.timeout, context=context)
        else:
            client = smtplib.SMTP(s.host, s.port, timeout=s.timeout)
        with client:
            if s.starttls and not s.implicit_tls:
                client.starttls(context=context)
            if s.user:
                client.login(s.user, s.password or "")
            client.send_message(message)


class FileSinkTransport:
    """Write each message as an RFC 5322 ``.eml`` file (CRLF line ends) under ``outbox``.

    The write is atomic: a hidden temporary file in the same directory, fsynced, then renamed,
    so a reader globbing ``*.eml`` never sees half a message. Names sort by time of sending.
    """

    def __init__(self, outbox: Path) -> None:
        self.outbox = outbox

    def send(self, message: EmailMessage) -> None:
        self.outbox.mkdir(parents=True, exist_ok=True)
        data = message.as_bytes(policy=policy.SMTP)
        final = self.outbox / f"{ULID()}.eml"
        fd, tmp = tempfile.mkstemp(prefix=".", suffix=".tmp", dir=self.outbox)
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, final)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise


def build_verification_mail(
    *,
    to: str,
    sender: str,
    name: str,
    token: str,
    public_url: str,
    expires_at: datetime,
    now: datetime,
) -> EmailMessage:
    """The "confirm your email address" mail: a link for browsers, the token and a curl line
    for people who live in a terminal. ``public_url`` is the gateway's external base URL."""
    base = public_url.rstrip("/")
    link = f"{base}/verify-email?{urlencode({'token': token})}"
    api = f"{base}/api/v1/auth/verify-email"
    until = expires_at.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")
    text = (
        f"Hello {name},\n\n"
        "Confirm your email address to activate your QuantumLedger account:\n\n"
        f"  {link}\n\n"
        "Or from a terminal:\n\n"
        f"  curl -X POST {api} -H 'Content-Type: application/json' -d '{{\"token\": \"{token}\"}}'\n\n"
        f"Verification token: {token}\n"
        f"The link works once and expires at {until}.\n\n"
        "If you did not register, ignore this message: no account is activated without it.\n"
    )
    msg = EmailMessage()
    msg["Subject"] = "Confirm your email address for QuantumLedger"
    msg["From"] = sender
    msg["To"] = to
    msg["Date"] = format_datetime(now)
    msg["Message-ID"] = make_msgid(domain=parseaddr(sender)[1].rpartition("@")[2] or None)
    msg.set_content(text)
    msg.add_alternative(
        f"<p>Hello {html.escape(name)},</p>"
        "<p>Confirm your email address to activate your QuantumLedger account:</p>"
        f'<p><a href="{html.escape(link)}">Confirm my email address</a></p>'
        f"<p>Verification token: <code>{html.escape(token)}</code><br>"
        f"The link works once and expires at {html.escape(until)}.</p>"
        "<p>If you did not register, ignore this message.</p>",
        subtype="html",
    )
    return msg


def build_already_registered_mail(*, to: str, sender: str, name: str, login_url: str, now: datetime) -> EmailMessage:
    """What a second registration of a known, verified address sends to that address instead of
    telling the registering party: only the mailbox's owner learns that the account exists."""
    msg = EmailMessage()
    msg["Subject"] = "You already have a QuantumLedger account"
    msg["From"] = sender
    msg["To"] = to
    msg["Date"] = format_datetime(now)
    msg["Message-ID"] = make_msgid(domain=parseaddr(sender)[1].rpartition("@")[2] or None)
    msg.set_content(
        f"Hello {name},\n\n"
        "Someone (perhaps you) tried to register a QuantumLedger account with this address.\n"
        f"It already has one: log in at {login_url}.\n\n"
        "If this was not you, you can ignore this message; nothing has changed.\n"
    )
    return msg


def build_invitation_mail(
    *,
    to: str,
    sender: str,
    inviter: str,
    org_name: str,
    role: str,
    token: str,
    public_url: str,
    expires_at: datetime,
    now: datetime,
) -> EmailMessage:
    """ "You are invited to an org": a link that opens the acceptance page (sign in or register with
    this address, then accept), and the token for a terminal."""
    base = public_url.rstrip("/")
    link = f"{base}/invitations/accept?{urlencode({'token': token})}"
    api = f"{base}/api/v1/invitations/accept"
    until = expires_at.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")
    text = (
        "Hello,\n\n"
        f'{inviter} invites you to the QuantumLedger org "{org_name}" as {role}.\n\n'
        "Accept (sign in, or register, with this email address first):\n\n"
        f"  {link}\n\n"
        "Or from a terminal, signed in with this address:\n\n"
        f"  curl -X POST {api} -H 'Content-Type: application/json' -d '{{\"token\": \"{token}\"}}'\n\n"
        f"Invitation token: {token}\n"
        f"The invitation works once and expires at {until}.\n\n"
        "If you do not know the sender, ignore this message: nothing happens without your acceptance.\n"
    )
    msg = EmailMessage()
    msg["Subject"] = f"You are invited to {org_name} on QuantumLedger"
    msg["From"] = sender
    msg["To"] = to
    msg["Date"] = format_datetime(now)
    msg["Message-ID"] = make_msgid(domain=parseaddr(sender)[1].rpartition("@")[2] or None)
    msg.set_content(text)
    msg.add_alternative(
        "<p>Hello,</p>"
        f"<p>{html.escape(inviter)} invites you to the QuantumLedger org <strong>{html.escape(org_name)}</strong>"
        f" as <strong>{html.escape(role)}</strong>.</p>"
        f'<p><a href="{html.escape(link)}">Accept the invitation</a> (sign in, or register, with this address).</p>'
        f"<p>Invitation token: <code>{html.escape(token)}</code><br>"
        f"The invitation works once and expires at {html.escape(until)}.</p>"
        "<p>If you do not know the sender, ignore this message.</p>",
        subtype="html",
    )
    return msg
