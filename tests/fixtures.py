"""Real NATS and PostgreSQL for integration tests, and the stack running in-process.

Servers come from ``QL_TEST_NATS_URL``/``QL_TEST_DATABASE_URL`` (or ``QL_NATS_URL``/
``QL_DATABASE_URL``) when set, otherwise embedded ones are started under a temporary folder
(``qlcore.embedded``). Each test session gets its own namespace (stream, subjects, consumers)
and its own database, so sessions never collide with each other or with a running stack.

The embedded NATS is closed as ``make run``'s is: every namespace the tests make gets its users'
nkeys (``qlcore.busauth``), the server reloads them, and every in-process service connects as
its own user, so the whole suite runs under the production permission sets. The tests' own
connections are the ``test`` harness user's (everything), which exists only in a test server.
"""

from __future__ import annotations

import asyncio
import hashlib
import os
import secrets
import shutil
import tempfile
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import msgspec
import psycopg
from psycopg import sql
from qlcore import rpc
from qlcore.bus import connect_nats
from qlcore.busauth import TEST, CredentialStore
from qlcore.config import Settings, load_settings
from qlcore.embedded import EmbeddedNats, EmbeddedPostgres, free_port
from qlcore.service import run_service

__all__ = ["Infra", "Stack", "Tenant", "infra_context", "stack_context"]


@dataclass
class Infra:
    nats_url: str
    database_url: str
    home: Path
    nats: EmbeddedNats | None = None  # the closed embedded server (None: the environment's NATS)
    credentials: CredentialStore | None = None
    postgres: EmbeddedPostgres | None = None  # the embedded server (None: the environment's PostgreSQL)

    def settings(self, **overrides: Any) -> Settings:
        ns = overrides.pop("namespace", None) or f"t{uuid.uuid4().hex[:10]}"
        if self.credentials is not None and "nats_credentials_dir" not in overrides:
            overrides["nats_credentials_dir"] = self.admit(ns)
        return load_settings(
            env={},
            nats_url=self.nats_url,
            database_url=self.database_url,
            namespace=ns,
            home=self.home / ns,
            log_format="console",
            **overrides,
        )

    def admit(self, namespace: str) -> Path:
        """The namespace's users' seeds, known to the running server (reloaded when new)."""
        assert self.credentials is not None and self.nats is not None
        directory = self.credentials.directory(namespace)
        if not directory.exists():
            self.credentials.ensure(namespace)
            self.nats.reconfigure(self.credentials.authorization())
        return directory


def _env(*names: str) -> str | None:
    return next((os.environ[n] for n in names if os.environ.get(n)), None)


def infra_context(own_servers: bool = False) -> Iterator[Infra]:
    """``own_servers``: embedded NATS and PostgreSQL of this context alone, whatever the environment
    says (outage tests stop and start them: never the machine's shared servers)."""
    home = Path(tempfile.mkdtemp(prefix="ql-test-"))
    nats_url = None if own_servers else _env("QL_TEST_NATS_URL", "QL_NATS_URL")
    db_url = None if own_servers else _env("QL_TEST_DATABASE_URL", "QL_DATABASE_URL")
    started: list[Any] = []
    dbname = f"ql_test_{uuid.uuid4().hex[:10]}"
    try:
        embedded, credentials = None, None
        if nats_url is None:
            credentials = CredentialStore(home / "nats-credentials", test=True)
            credentials.ensure(f"t{uuid.uuid4().hex[:10]}")  # a server never starts without users
            embedded = EmbeddedNats(home / "nats", authorization=credentials.authorization()).start()
            started.append(embedded)
            nats_url = embedded.url
        pg = None
        if db_url is None:
            pg = EmbeddedPostgres(home / "pg", dbname=dbname).start()
            started.append(pg)
            db_url = pg.url
        else:
            with psycopg.connect(db_url, autocommit=True) as conn:
                conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(dbname)))
            db_url = psycopg.conninfo.make_conninfo(db_url, dbname=dbname)
            started.append(("db", _env("QL_TEST_DATABASE_URL", "QL_DATABASE_URL"), dbname))
        yield Infra(nats_url, db_url, home, embedded, credentials, pg)
        if embedded is not None and credentials is not None:
            _assert_nothing_refused(embedded, credentials)
    finally:
        for s in reversed(started):
            if isinstance(s, tuple):
                with psycopg.connect(s[1], autocommit=True) as conn:
                    conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(s[2])))
            else:
                s.stop()
        shutil.rmtree(home, ignore_errors=True)


def _assert_nothing_refused(server: EmbeddedNats, credentials: CredentialStore) -> None:
    """The suite ran under the production permission sets: a refusal is a missing permission (or a
    service doing what it must not), even when no test noticed it."""
    refused = server.violations()
    names = {u.nkey: u.label for u in credentials.users()}
    for nkey, label in names.items():
        refused = [line.replace(nkey, label) for line in refused]
    assert not refused, "NATS refused the stack:\n" + "\n".join(refused[:20])


@dataclass
class Tenant:
    org_id: str
    org_slug: str
    workspace_id: str
    key_id: str
    api_key: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.api_key}"}


@dataclass
class Stack:
    settings: Settings
    base_url: str
    nc: Any
    stop: asyncio.Event
    tasks: list[asyncio.Task[None]] = field(default_factory=list)
    operator_token: str = ""  # unlocks operator-only HTTP details (health)

    async def call(self, service: str, op: str, body: Any = b"", timeout: float = 30.0) -> rpc.RpcReply:
        return await rpc.call(self.nc, self.settings, service, op, body, timeout=timeout)

    async def tenant(self, name: str | None = None, plan: str = "dev") -> Tenant:
        """A fresh org + workspace + API key: every test works in its own tenant."""
        name = name or f"Lab {uuid.uuid4().hex[:8]}"
        reply = await self.call("gateway", "admin.create_org", {"name": name, "plan": plan})
        assert reply.status == 201, reply.body
        return Tenant(**reply.json())

    def client(self, tenant: Tenant | None = None, **kw: Any) -> httpx.AsyncClient:
        return httpx.AsyncClient(base_url=self.base_url, headers=tenant.headers if tenant else None, timeout=60.0, **kw)

    async def wait_caught_up(self, service: str, timeout: float = 30.0) -> None:
        """Wait (with a timeout, no bare sleep) until a service's read model reached the log's end."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            st = (await self.call(service, "ops.status")).json()
            if st["lag"] == 0:
                return
            if loop.time() > deadline:
                raise TimeoutError(f"{service} still {st['lag']} events behind")
            await asyncio.sleep(0.02)


async def stack_context(
    infra: Infra, services: tuple[str, ...] | None = None, settings: Settings | None = None
) -> AsyncIterator[Stack]:
    """Run the services and the gateway in this event loop, on a free port; stop them at the end.

    ``settings``: to start a stack again on the state of an earlier one (same namespace, database
    and port); by default a fresh namespace."""
    from services.registry import SERVICES, load_spec

    operator_token = "ql_op_" + secrets.token_urlsafe(24)
    if settings is None:
        settings = infra.settings(
            port=free_port(), operator_token_sha256=hashlib.sha256(operator_token.encode()).hexdigest()
        )
    else:
        settings = msgspec.structs.replace(
            settings, operator_token_sha256=hashlib.sha256(operator_token.encode()).hexdigest()
        )
    stop = asyncio.Event()
    tasks = []
    for name in services or SERVICES:
        started = asyncio.Event()
        tasks.append(asyncio.create_task(run_service(load_spec(name), settings, stop, started)))
        await asyncio.wait_for(started.wait(), 30)
    nc = await connect_nats(settings, "pytest", user=TEST)
    stack = Stack(settings, f"http://{settings.host}:{settings.port}", nc, stop, tasks, operator_token)
    async with httpx.AsyncClient() as c:
        for _ in range(200):
            try:
                await c.get(stack.base_url + "/api/v1/health")
                break
            except httpx.TransportError:
                await asyncio.sleep(0.05)
    try:
        yield stack
    finally:
        stop.set()
        await asyncio.gather(*tasks, return_exceptions=True)
        await nc.close()
