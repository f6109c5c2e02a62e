"""The embedded default: one foreground command that runs the whole stack (``make run``).

Starts NATS (JetStream) and PostgreSQL unless ``QL_NATS_URL``/``QL_DATABASE_URL`` name
servers to use, then every service as its own process, then the gateway; waits for health;
on the first start asks the gateway for a dev org, workspace and API key and writes the key
to ``$QL_HOME/dev-api-key``. SIGINT/SIGTERM stop everything it started, in reverse order.
State lives under ``$QL_HOME`` and survives a restart.

NATS is closed: the embedded server admits only the stack's users, whose nkeys are generated
once under ``$QL_HOME/nats/credentials/<namespace>`` (``qlcore.busauth``), and each service
process is given its own seed and no other. With ``QL_NATS_URL``, the seeds are those of
``QL_NATS_CREDENTIALS_DIR`` (none: a server without authentication).
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import os
import secrets
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx

from qlcore import rpc
from qlcore.bus import Bus, connect_nats
from qlcore.busauth import OPERATOR, CredentialStore, nats_env
from qlcore.config import Settings, load_settings
from qlcore.embedded import EmbeddedNats, EmbeddedPostgres

__all__ = ["StackSupervisor", "read_stack_file"]


def read_stack_file(home: Path) -> dict[str, str]:
    f = home / "stack.json"
    return json.loads(f.read_text()) if f.exists() else {}


class StackSupervisor:
    def __init__(
        self,
        settings: Settings | None = None,
        *,
        services: tuple[str, ...],
        module: str = "{}",
        env: dict[str, str] | None = None,
    ) -> None:
        self.env = dict(os.environ if env is None else env)
        self.settings = settings or load_settings(self.env)
        self.home = self.settings.home.resolve()
        self.services = services
        self.module = module  # a service's module: module.format(name), run as `python -m` it
        self.procs: dict[str, subprocess.Popen[bytes]] = {}
        self.embedded: list[EmbeddedNats | EmbeddedPostgres] = []

    def _say(self, msg: str) -> None:
        print(f"[ql] {msg}", file=sys.stderr, flush=True)

    def start(self) -> str | None:
        """Start everything; returns the dev API key when one was created now."""
        self.home.mkdir(parents=True, exist_ok=True)
        nats_url, db_url = self.env.get("QL_NATS_URL"), self.env.get("QL_DATABASE_URL")
        credentials = self.env.get("QL_NATS_CREDENTIALS_DIR") or None
        if not nats_url:
            store = CredentialStore(self.home / "nats" / "credentials")
            credentials = str(store.ensure(self.settings.namespace))
            n = EmbeddedNats(self.home / "nats", authorization=store.authorization()).start()
            self.embedded.append(n)
            nats_url = n.url
            self._say(f"embedded NATS JetStream at {nats_url} (data in {n.data_dir}, credentials in {credentials})")
        elif not credentials:
            self._say(f"NATS at {nats_url} without credentials (set QL_NATS_CREDENTIALS_DIR for a closed bus)")
        if not db_url:
            pg = EmbeddedPostgres(self.home / "pg").start()
            self.embedded.append(pg)
            db_url = pg.url
            self._say(f"embedded PostgreSQL (data in {pg.data_dir})")
        child_env = {
            **self.env,
            "QL_NATS_URL": nats_url,
            "QL_DATABASE_URL": db_url,
            "QL_HOME": str(self.home),
            "QL_PORT": str(self.settings.port),
            "QL_NAMESPACE": self.settings.namespace,
            "PYTHONUNBUFFERED": "1",
            "QL_OPERATOR_TOKEN_SHA256": self._operator_token_sha256(),
        }
        for var in ("QL_NATS_CREDENTIALS", "QL_NATS_CREDENTIALS_DIR"):
            child_env.pop(var, None)  # each child gets its own seed, below
        # the supervisor itself acts as the operator: every seed's folder, the operator's seed used
        self.settings = load_settings(
            {**child_env, **({"QL_NATS_CREDENTIALS_DIR": credentials} if credentials else {})}
        )
        asyncio.run(self._ensure_log())
        logs = self.home / "logs"
        logs.mkdir(exist_ok=True)
        for name in self.services:
            out = open(logs / f"{name}.log", "ab")
            self.procs[name] = subprocess.Popen(
                [sys.executable, "-m", self.module.format(name)],
                env={**child_env, **nats_env(self.settings, name)},
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        self._say(f"started {', '.join(self.services)} (logs in {logs})")
        self._wait_healthy()
        (self.home / "stack.json").write_text(
            json.dumps(
                {
                    "url": self.settings.base_url(),
                    "nats_url": nats_url,
                    "database_url": db_url,
                    "namespace": self.settings.namespace,
                    **({"nats_credentials_dir": credentials} if credentials else {}),
                    "pid": os.getpid(),
                },
                indent=2,
            )
        )
        key_file = self.home / "dev-api-key"
        if key_file.exists():
            return None
        key = asyncio.run(self._dev_key())
        key_file.write_text(key + "\n")
        key_file.chmod(0o600)
        return key

    def _operator_token_sha256(self) -> str:
        """The operator token (``$QL_HOME/operator-token``, 0600, made on the first start) unlocks the
        operator-only HTTP details (``/api/v1/health``); the services get only its SHA-256."""
        f = self.home / "operator-token"
        if not f.exists():
            f.touch(mode=0o600)
            f.write_text("ql_op_" + secrets.token_urlsafe(32) + "\n")
        return hashlib.sha256(f.read_text().strip().encode()).hexdigest()

    async def _ensure_log(self) -> None:
        """Create the run log (or bring an older one up to date) as the operator, before any service
        starts: services may create a missing log, but only the operator may change one."""
        bus = Bus(
            await connect_nats(self.settings, "ql-supervisor", user=OPERATOR, allow_reconnect=False), self.settings
        )
        try:
            await bus.ensure_stream()
        finally:
            await bus.close()

    async def _dev_key(self) -> str:
        nc = await connect_nats(self.settings, "ql-supervisor", user=OPERATOR, allow_reconnect=False)
        try:
            reply = await rpc.call(nc, self.settings, "gateway", "admin.dev_key", b"", timeout=30)
        finally:
            await nc.close()
        if reply.status >= 400:
            raise RuntimeError(f"could not create the dev key: {reply.body!r}")
        return str(reply.json()["api_key"])

    def _wait_healthy(self, timeout: float = 90.0) -> None:
        url = self.settings.base_url() + "/api/v1/health"
        deadline = time.monotonic() + timeout
        last = ""
        while time.monotonic() < deadline:
            for name, p in self.procs.items():
                if p.poll() is not None:
                    raise RuntimeError(f"{name} exited with {p.returncode}; see {self.home}/logs/{name}.log")
            try:
                r = httpx.get(url, timeout=3)
                if r.status_code == 200:  # up, or degraded: serving, with dead letters to handle
                    if r.json().get("status") == "degraded":
                        self._say("the stack serves, DEGRADED: dead letters to handle (ql ops dead-letters ls SERVICE)")
                    return
                last = r.text
            except httpx.HTTPError as exc:
                last = repr(exc)
            time.sleep(0.2)
        raise RuntimeError(f"the stack did not become healthy in {timeout}s: {last[:500]}")

    def wait(self) -> int:
        """Block until a signal or until a service dies; returns the exit code for the command."""
        stop = {"sig": 0}

        def handler(signum: int, _: object) -> None:
            stop["sig"] = signum

        signal.signal(signal.SIGINT, handler)
        signal.signal(signal.SIGTERM, handler)
        while not stop["sig"]:
            for name, p in self.procs.items():
                if p.poll() is not None:
                    self._say(f"{name} exited with {p.returncode}; stopping (see {self.home}/logs/{name}.log)")
                    return 1
            time.sleep(0.2)
        self._say(f"received {signal.Signals(stop['sig']).name}, stopping")
        return 0

    def stop(self) -> None:
        for name in reversed(list(self.procs)):
            p = self.procs[name]
            if p.poll() is None:
                p.terminate()
        for name, p in self.procs.items():
            try:
                p.wait(15)
            except subprocess.TimeoutExpired:
                self._say(f"{name} did not stop in 15 s; killing it")
                p.kill()
                p.wait()
        for e in reversed(self.embedded):
            e.stop()
        (self.home / "stack.json").unlink(missing_ok=True)
        self._say("stopped")
