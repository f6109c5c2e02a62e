"""A new user's steps, as the tests take them: register, read the outbox, verify, log in."""

from __future__ import annotations

import asyncio
import re
import uuid
from dataclasses import dataclass
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import httpx

from tests.fixtures import Stack
from tests.integration.platform.bundles import bundle as platform_bundle

__all__ = ["User", "bundle", "outbox_mails", "read_mail", "signup", "verification_token", "wait_for_mail"]

PASSWORD = "correct horse battery staple"
_TOKEN = re.compile(r"ql_verify_[0-9A-Za-z]+")


def bundle(tag: str) -> dict[str, Any]:
    """The smallest valid run document; ``tag`` makes its run_hash unique."""
    return platform_bundle(tag)


def outbox(stack: Stack) -> Path:
    return stack.settings.home / "outbox"


def read_mail(path: Path) -> EmailMessage:
    msg = message_from_bytes(path.read_bytes(), policy=policy.default)
    assert isinstance(msg, EmailMessage)
    return msg


def outbox_mails(stack: Stack, to: str) -> list[EmailMessage]:
    """Every message in the outbox addressed to ``to``, oldest first (names sort by time)."""
    box = outbox(stack)
    files = sorted(box.glob("*.eml")) if box.is_dir() else []
    return [m for m in map(read_mail, files) if m["To"] == to]


async def wait_for_mail(stack: Stack, to: str, count: int = 1, timeout: float = 10.0) -> EmailMessage:
    """The ``count``-th message to ``to``, waiting (with a timeout) until it is there."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        mails = outbox_mails(stack, to)
        if len(mails) >= count:
            return mails[count - 1]
        if loop.time() > deadline:
            raise TimeoutError(f"no message #{count} to {to} in {outbox(stack)}")
        await asyncio.sleep(0.02)


def verification_token(msg: EmailMessage) -> str:
    body = msg.get_body(preferencelist=("plain",))
    assert body is not None
    found = _TOKEN.findall(body.get_content())
    assert found, "no verification token in the mail"
    return str(found[0])


@dataclass
class User:
    email: str
    password: str
    session: str
    org_id: str
    org_slug: str
    workspace_id: str
    account_id: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.session}"}


async def signup(stack: Stack, c: httpx.AsyncClient, org_name: str | None = None) -> User:
    """Register, verify from the outbox, log in: a new verified owner of a new org (plan free)."""
    email = f"u{uuid.uuid4().hex[:10]}@lab.example"
    r = await c.post(
        "/api/v1/auth/register",
        json={"email": email, "password": PASSWORD, "name": "Ada Lovelace", "org_name": org_name or f"Lab {email[:6]}"},
    )
    assert r.status_code == 202, r.text
    token = verification_token(await wait_for_mail(stack, email))
    r = await c.post("/api/v1/auth/verify-email", json={"token": token})
    assert r.status_code == 200, r.text
    r = await c.post("/api/v1/auth/login", json={"email": email, "password": PASSWORD})
    assert r.status_code == 200, r.text
    s = r.json()
    me = (await c.get("/api/v1/me", headers={"Authorization": f"Bearer {s['token']}"})).json()
    return User(email, PASSWORD, s["token"], s["org_id"], me["org"]["slug"], s["workspace_id"], s["account_id"])
