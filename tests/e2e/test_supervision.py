"""`make run` heals itself (issue 13, item 1): a service process, nats-server or PostgreSQL killed with
SIGKILL is restarted by the supervisor and the stack serves again; a part that keeps failing makes
the supervisor give up, naming it.

One stack for the file (starting one costs seconds); the give-up test ends it, so it runs last.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from qlcore.embedded import free_port

from tests.e2e.test_make_run import BIN, Running
from tests.integration.platform.bundles import bundle

pytestmark = pytest.mark.e2e

MAX_FAILURES = 3  # the give-up test kills one service this many times


def _parts(r: Running) -> dict[str, int]:
    return dict(json.loads((r.home / "stack.json").read_text())["parts"])


def _log(r: Running) -> str:
    return (r.home / "supervisor.out").read_text(errors="replace")


def _wait(predicate: object, what: str, timeout: float = 90.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if predicate():  # type: ignore[operator]
                return
        except (OSError, ValueError, KeyError, httpx.HTTPError):
            pass
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:  # a zombie (not reaped yet) is dead too
        return Path(f"/proc/{pid}/stat").read_text().split()[2] != "Z"
    except OSError:
        return True


def _restarted(r: Running, part: str, old_pid: int) -> int:
    _wait(lambda: _parts(r)[part] != old_pid and _alive(_parts(r)[part]), f"{part} to be restarted")
    return _parts(r)[part]


def _serves(r: Running) -> str:
    """Ingest a new run and read it back, retrying while the stack reconnects; the run id."""
    doc = bundle(f"sup-{uuid.uuid4().hex[:12]}")
    out: dict[str, str] = {}

    def ingest_and_read() -> bool:
        with r.http() as c:
            if not out:
                resp = c.post("/api/v1/ingest/runs", json=doc, timeout=15)
                if resp.status_code != 201:
                    return False
                out.update(resp.json())
            return c.get(f"/api/v1/runs/{out['run_id']}", timeout=15).status_code == 200

    _wait(ingest_and_read, "the stack to ingest and serve a run", timeout=120)
    return out["run_id"]


@pytest.fixture(scope="module")
def supervised(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Running]:
    home = tmp_path_factory.mktemp("qlsup")
    port = free_port()
    env = {
        **os.environ,
        "QL_HOME": str(home),
        "QL_PORT": str(port),
        "QL_URL": f"http://127.0.0.1:{port}",
        "QL_RESTART_MAX_FAILURES": str(MAX_FAILURES),
        "QL_RESTART_WINDOW_S": "120",
    }
    for var in ("QL_TOKEN", "QL_NATS_URL", "QL_DATABASE_URL"):  # its own embedded servers, to kill
        env.pop(var, None)
    out = open(home / "supervisor.out", "wb")  # the supervisor writes to it until the end
    proc = subprocess.Popen([str(BIN / "ql"), "dev", "run"], env=env, stdout=out, stderr=subprocess.STDOUT)
    r = Running(proc, home, f"http://127.0.0.1:{port}", env)
    try:
        _wait(
            lambda: (
                proc.poll() is None and (home / "dev-api-key").exists() and "parts" in (home / "stack.json").read_text()
            ),
            "the stack",
            180,
        )
        yield r
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGINT)
            proc.wait(90)
        out.close()


def test_a_killed_service_is_restarted_and_serves(supervised: Running) -> None:
    _serves(supervised)
    old = _parts(supervised)["provenance"]
    os.kill(old, signal.SIGKILL)
    new = _restarted(supervised, "provenance", old)
    assert new != old
    run_id = _serves(supervised)
    with supervised.http() as c:  # the restarted provenance service answers reads of old and new runs
        assert c.get(f"/api/v1/runs/{run_id}").status_code == 200
        assert len(c.get("/api/v1/runs").json()) >= 2
    log = _log(supervised)
    assert "provenance exited with -9; restarting it in" in log and f"provenance restarted (pid {new})" in log


def test_a_killed_nats_server_is_restarted_and_services_reconnect(supervised: Running) -> None:
    old = _parts(supervised)["nats-server"]
    os.kill(old, signal.SIGKILL)
    _restarted(supervised, "nats-server", old)
    _serves(supervised)  # every service reconnected: the gateway, ingest, provenance
    assert "nats-server died; restarting it in" in _log(supervised)
    services = {k: v for k, v in _parts(supervised).items() if k not in ("nats-server", "postgresql")}
    assert all(_alive(pid) for pid in services.values())  # nobody had to be restarted for it


def test_a_killed_postgresql_is_restarted_and_the_stack_serves(supervised: Running) -> None:
    old = _parts(supervised)["postgresql"]
    os.kill(old, signal.SIGKILL)
    _restarted(supervised, "postgresql", old)
    _serves(supervised)
    assert "postgresql died; restarting it in" in _log(supervised)


def test_the_supervisor_gives_up_on_a_part_that_keeps_failing_and_names_it(supervised: Running) -> None:
    for _ in range(MAX_FAILURES):
        pid = _parts(supervised)["card"]
        _wait(lambda pid=pid: _alive(pid), "card to run")  # type: ignore[misc]
        os.kill(pid, signal.SIGKILL)
        if len([1 for line in _log(supervised).splitlines() if "card exited" in line]) < MAX_FAILURES - 1:
            _restarted(supervised, "card", pid)
    assert supervised.proc.wait(60) == 1
    log = _log(supervised)
    assert f"giving up on card: it failed {MAX_FAILURES} times within 120 s" in log
    assert log.rstrip().endswith("stopped")
    assert not (supervised.home / "stack.json").exists()
