"""The embedded default: one foreground command that runs the whole stack (``make run``).

Starts NATS (JetStream) and PostgreSQL unless ``QL_NATS_URL``/``QL_DATABASE_URL`` name
servers to use, then every service as its own process, then the gateway; waits for health;
on the first start asks the gateway for a dev org, workspace and API key and writes the key
to ``$QL_HOME/dev-api-key``. SIGINT/SIGTERM stop everything it started, in reverse order.
State lives under ``$QL_HOME`` and survives a restart.

It supervises what it started: a service process that exits, or an embedded nats-server or
PostgreSQL that dies, is restarted after a backoff (0.5 s, doubling, at most 15 s) and the
restart is logged. A part that fails ``QL_RESTART_MAX_FAILURES`` times (5) within
``QL_RESTART_WINDOW_S`` seconds (60) is not restarted again: the supervisor names it, stops the
stack and exits with status 1. ``$QL_HOME/stack.json`` lists every part's process id.

NATS is closed: the embedded server admits only the stack's users, whose nkeys are generated
once under ``$QL_HOME/nats/credentials/<namespace>`` (``qlcore.busauth``), and each service
process is given its own seed and no other. With ``QL_NATS_URL``, the seeds are those of
``QL_NATS_CREDENTIALS_DIR`` (none: a server without authentication).
"""

from __future__ import annotations

import asyncio
import functools
import hashlib
import json
import os
import secrets
import signal
import subprocess
import sys
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import nats.errors
import nats.js.errors

from qlcore import rpc
from qlcore.bus import Bus, connect_nats
from qlcore.busauth import OPERATOR, CredentialStore, nats_env
from qlcore.busauth.serverconf import SYNC_INTERVAL
from qlcore.config import Settings, load_settings
from qlcore.embedded import EmbeddedNats, EmbeddedNatsCluster, EmbeddedPostgres

__all__ = ["GaveUp", "RestartPolicy", "StackSupervisor", "read_stack_file"]


def read_stack_file(home: Path) -> dict[str, str]:
    f = home / "stack.json"
    return json.loads(f.read_text()) if f.exists() else {}


@dataclass(frozen=True)
class RestartPolicy:
    """When to restart a part that died, and when to stop trying."""

    max_failures: int = 5  # failures within ``window`` seconds that make the supervisor give up
    window: float = 60.0
    base_delay: float = 0.5  # the first restart's delay, doubled for each failure within the window
    max_delay: float = 15.0

    @classmethod
    def from_env(cls, env: dict[str, str]) -> RestartPolicy:
        return cls(
            max_failures=int(env.get("QL_RESTART_MAX_FAILURES", "5")),
            window=float(env.get("QL_RESTART_WINDOW_S", "60")),
        )

    def delay(self, failures: int) -> float:
        return min(self.max_delay, self.base_delay * 2 ** max(0, failures - 1))


class GaveUp(RuntimeError):
    """A part failed too often: the supervisor stops the stack."""


@dataclass
class _Part:
    """Something the supervisor restarts: a service process, the embedded nats-server or PostgreSQL."""

    name: str
    alive: Callable[[], bool]
    restart: Callable[[], object]
    pid: Callable[[], int | None]
    log: Path
    failures: deque[float] = field(default_factory=deque)
    restart_at: float | None = None
    last_error: str = ""


class StackSupervisor:
    def __init__(
        self,
        settings: Settings | None = None,
        *,
        services: tuple[str, ...],
        module: str = "{}",
        env: dict[str, str] | None = None,
        cluster: bool = False,
    ) -> None:
        self.env = dict(os.environ if env is None else env)
        # `ql dev run --cluster`: a 3-node JetStream cluster on loopback, every stream and consumer at 3
        # replicas, two processes of each service (the gateways share the HTTP port)
        self.cluster = cluster
        self.settings = settings or load_settings(self.env)
        self.home = self.settings.home.resolve()
        self.services = services
        self.module = module  # a service's module: module.format(name), run as `python -m` it
        self.procs: dict[str, subprocess.Popen[bytes]] = {}
        self.embedded: list[EmbeddedNats | EmbeddedNatsCluster | EmbeddedPostgres] = []
        self.policy = RestartPolicy.from_env(self.env)
        self.parts: dict[str, _Part] = {}  # in the order they are checked: servers first
        self._child_env: dict[str, str] = {}
        self._stack_info: dict[str, object] = {}

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
            if self.cluster:
                c = EmbeddedNatsCluster(
                    self.home / "nats-cluster", authorization=store.authorization(), sync_interval=self._sync_interval()
                ).start()
                self.embedded.append(c)
                nats_url = c.url
                for node in c.nodes:
                    log = node.data_dir / "nats-server.log"
                    self._watch(f"nats-{node.server_name}", node.alive, node.start, node.get_pid, log)
                where = c.data_dir
            else:
                n = EmbeddedNats(
                    self.home / "nats", authorization=store.authorization(), sync_interval=self._sync_interval()
                ).start()
                self.embedded.append(n)
                nats_url = n.url
                self._watch("nats-server", n.alive, n.start, n.get_pid, n.data_dir / "nats-server.log")
                where = n.data_dir
            self._say(f"embedded NATS JetStream at {nats_url} (data in {where}, credentials in {credentials})")
        elif not credentials:
            self._say(f"NATS at {nats_url} without credentials (set QL_NATS_CREDENTIALS_DIR for a closed bus)")
        if not db_url:
            pg = EmbeddedPostgres(self.home / "pg").start()
            self.embedded.append(pg)
            db_url = pg.url
            self._watch("postgresql", pg.alive, pg.restart, pg.get_pid, pg.data_dir / "log")
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
            **({"QL_STREAM_REPLICAS": "3", "QL_HTTP_REUSE_PORT": "1"} if self.cluster else {}),
        }
        for var in ("QL_NATS_CREDENTIALS", "QL_NATS_CREDENTIALS_DIR"):
            child_env.pop(var, None)  # each child gets its own seed, below
        # the supervisor itself acts as the operator: every seed's folder, the operator's seed used
        self.settings = load_settings(
            {**child_env, **({"QL_NATS_CREDENTIALS_DIR": credentials} if credentials else {})}
        )
        asyncio.run(self._ensure_log())
        self._child_env = child_env
        logs = self.home / "logs"
        logs.mkdir(exist_ok=True)
        for name in self.process_names():
            self._spawn(name)
            self._watch(
                name,
                functools.partial(self._running, name),
                functools.partial(self._spawn, name),
                functools.partial(self._pid, name),
                logs / f"{name}.log",
            )
        self._say(f"started {', '.join(self.services)} (logs in {logs})")
        self._wait_healthy()
        self._stack_info = {
            "url": self.settings.base_url(),
            "nats_url": nats_url,
            "database_url": db_url,
            "namespace": self.settings.namespace,
            **({"nats_credentials_dir": credentials} if credentials else {}),
            "pid": os.getpid(),
        }
        self._write_stack_file()
        key_file = self.home / "dev-api-key"
        if key_file.exists():
            return None
        key = asyncio.run(self._dev_key())
        key_file.write_text(key + "\n")
        key_file.chmod(0o600)
        return key

    def _sync_interval(self) -> str:
        """JetStream's fsync policy of the embedded servers: the decided one (``SYNC_INTERVAL``), or
        ``QL_NATS_SYNC_INTERVAL`` (a duration such as ``2m``, or ``always``) for a measurement."""
        return self.env.get("QL_NATS_SYNC_INTERVAL") or SYNC_INTERVAL

    def process_names(self) -> list[str]:
        """One process per service (``ingest``), or two in cluster mode (``ingest.1``, ``ingest.2``)."""
        if not self.cluster:
            return list(self.services)
        return [f"{s}.{i}" for s in self.services for i in (1, 2)]

    def _spawn(self, name: str) -> None:
        service = name.split(".", 1)[0]
        out = open(self.home / "logs" / f"{name}.log", "ab")  # the child holds its own copy
        try:
            self.procs[name] = subprocess.Popen(
                [sys.executable, "-m", self.module.format(service)],
                env={**self._child_env, **nats_env(self.settings, service)},
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        finally:
            out.close()

    def _running(self, name: str) -> bool:
        return self.procs[name].poll() is None

    def _pid(self, name: str) -> int | None:
        return self.procs[name].pid

    def _watch(
        self,
        name: str,
        alive: Callable[[], bool],
        restart: Callable[[], object],
        pid: Callable[[], int | None],
        log: Path,
    ) -> None:
        self.parts[name] = _Part(name, alive, restart, pid, log)

    def _write_stack_file(self) -> None:
        parts = {p.name: p.pid() for p in self.parts.values()}
        tmp = self.home / "stack.json.tmp"
        tmp.write_text(json.dumps({**self._stack_info, "parts": parts}, indent=2))
        tmp.replace(self.home / "stack.json")

    def supervise(self, now: float | None = None) -> None:
        """One round: restart what died (after its backoff); :class:`GaveUp` naming a part that failed
        ``policy.max_failures`` times within ``policy.window`` seconds."""
        now = time.monotonic() if now is None else now
        changed = False
        for part in self.parts.values():
            if part.restart_at is not None:
                if now < part.restart_at:
                    continue
                part.restart_at = None
                try:
                    part.restart()
                except Exception as exc:  # e.g. nats-server cannot listen yet: a failure like a crash
                    self._failed(part, now, f"could not be restarted: {exc}")
                    continue
                self._say(f"{part.name} restarted (pid {part.pid()})")
                changed = True
            elif not part.alive():
                proc = self.procs.get(part.name)
                how = f"exited with {proc.returncode}" if proc is not None else "died"
                self._failed(part, now, how)
        if changed and self._stack_info:
            self._write_stack_file()

    def _failed(self, part: _Part, now: float, how: str) -> None:
        part.failures.append(now)
        while part.failures and part.failures[0] < now - self.policy.window:
            part.failures.popleft()
        part.last_error = how
        n = len(part.failures)
        if n >= self.policy.max_failures:
            raise GaveUp(
                f"giving up on {part.name}: it failed {n} times within {self.policy.window:g} s "
                f"(last: {how}); see {part.log}"
            )
        delay = self.policy.delay(n)
        part.restart_at = now + delay
        self._say(
            f"{part.name} {how}; restarting it in {delay:g} s "
            f"(failure {n} of {self.policy.max_failures} allowed within {self.policy.window:g} s; see {part.log})"
        )

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
            deadline = time.monotonic() + 60
            while True:
                try:
                    await bus.ensure_stream()
                    return
                except (nats.errors.TimeoutError, nats.js.errors.ServiceUnavailableError):
                    # a new cluster elects its JetStream meta leader first (a few seconds)
                    if time.monotonic() > deadline:
                        raise
                    await asyncio.sleep(0.5)
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
            # supervised from the start: a process that loses a start-up race (two twins creating the
            # same table) is restarted; one that cannot start at all fails repeatedly and is named
            self.supervise()
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
        """Supervise until a signal (exit code 0) or until a part failed too often (1, naming it)."""
        stop = {"sig": 0}

        def handler(signum: int, _: object) -> None:
            stop["sig"] = signum

        signal.signal(signal.SIGINT, handler)
        signal.signal(signal.SIGTERM, handler)
        while not stop["sig"]:
            try:
                self.supervise()
            except GaveUp as exc:
                self._say(f"{exc}; stopping")
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
