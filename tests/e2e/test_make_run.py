"""The stack as `make run` starts it (``ql dev run``: separate processes, embedded servers unless
QL_NATS_URL/QL_DATABASE_URL are set), driven over HTTP and through the CLI like a user."""

from __future__ import annotations

import json
import os
import signal
import stat
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from qlcore.embedded import free_port
from qlprov.hashing import run_hash

from services.registry import SERVICES

pytestmark = pytest.mark.e2e

BIN = Path(sys.executable).parent


@dataclass
class Running:
    proc: subprocess.Popen[bytes]
    home: Path
    url: str
    env: dict[str, str]

    @property
    def key(self) -> str:
        return (self.home / "dev-api-key").read_text().strip()

    def http(self, key: str | None = "dev") -> httpx.Client:
        headers = {"Authorization": f"Bearer {self.key if key == 'dev' else key}"} if key else {}
        return httpx.Client(base_url=self.url, headers=headers, timeout=60)

    def ql(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(BIN / "ql"), *args], env=self.env, capture_output=True, text=True, check=check, timeout=300
        )


def start(home: Path, port: int) -> Running:
    env = {**os.environ, "QL_HOME": str(home), "QL_PORT": str(port), "QL_URL": f"http://127.0.0.1:{port}"}
    env.pop("QL_TOKEN", None)
    proc = subprocess.Popen([str(BIN / "ql"), "dev", "run"], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"ql dev run exited: {proc.stdout.read().decode() if proc.stdout else ''}")
        try:
            if httpx.get(url + "/api/v1/health", timeout=2).status_code == 200 and (home / "dev-api-key").exists():
                return Running(proc, home, url, env)
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    proc.kill()
    raise RuntimeError("stack did not come up")


def stop(r: Running) -> str:
    r.proc.send_signal(signal.SIGINT)
    out, _ = r.proc.communicate(timeout=60)
    return out.decode()


@pytest.fixture(scope="module")
def bundles(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from quantumledger.examples import bell_bundle, ghz_bundle

    d = tmp_path_factory.mktemp("bundles")
    for i, b in enumerate([ghz_bundle(3), ghz_bundle(5), bell_bundle()]):
        (d / f"run{i}.qlprov.json").write_text(json.dumps(b, indent=2))
    return d


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Running]:
    r = start(tmp_path_factory.mktemp("qlhome"), free_port())
    yield r
    if r.proc.poll() is None:
        stop(r)


def test_seed_curl_examples(stack: Running, bundles: Path) -> None:
    doc = json.loads((bundles / "run0.qlprov.json").read_text())
    with stack.http() as c:
        me = c.get("/api/v1/me").json()
        assert me["org"]["slug"] == "dev"
        r = c.post(
            "/api/v1/ingest/runs",
            content=(bundles / "run0.qlprov.json").read_bytes(),
            headers={"Content-Type": "application/json"},
        )
        assert r.status_code == 201, r.text
        out = r.json()
        assert set(out) == {"run_id", "run_hash", "deduplicated"} and out["run_hash"] == run_hash(doc)
        again = c.post("/api/v1/ingest/runs", json=doc).json()
        assert again == {**out, "deduplicated": True}
        tampered = {**doc, "results": {"counts": {**doc["results"]["counts"], "000": 1}}}
        assert c.post("/api/v1/ingest/runs", json=tampered).status_code == 422
        deadline = time.monotonic() + 10
        while not (runs := c.get("/api/v1/runs").json()) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert runs[0]["run_id"] == out["run_id"] and runs[0]["backend"] == "ibm/ibm_kyiv"
        assert runs[0]["shots"] == 4096 and runs[0]["status"] == "completed"
        full = c.get(f"/api/v1/runs/{out['run_id']}").json()
        assert run_hash(full) == out["run_hash"] == full["run_hash"]
        assert c.get("/api/v1/health").status_code == 200
    with stack.http(key=None) as anon:
        r = anon.get("/api/v1/runs")
        assert r.status_code == 401 and r.headers["content-type"].startswith("application/problem+json")


def test_cli_ingest_ls_verify_and_ops(stack: Running, bundles: Path) -> None:
    out = stack.ql("ingest", str(bundles))
    assert "failed" in out.stdout and " 0 failed" in out.stdout
    ls = stack.ql("runs", "ls", "--json")
    assert len(json.loads(ls.stdout)) == 3
    assert "OK" in stack.ql("verify", *map(str, sorted(bundles.iterdir()))).stdout
    bad = bundles.parent / "bad.json"
    doc = json.loads((bundles / "run1.qlprov.json").read_text())
    doc["execution"]["shots"] += 1
    bad.write_text(json.dumps(doc))
    assert stack.ql("verify", str(bad), check=False).returncode == 3  # verification failed
    digest = stack.ql("ops", "digest", "provenance").stdout.split()[0]
    replay = stack.ql("ops", "replay", "provenance").stdout
    assert f"digest {digest}" in replay
    for cmd in (["--help"], ["ingest", "--help"], ["runs", "ls", "--help"], ["ops", "replay", "--help"]):
        assert stack.ql(*cmd).stdout.startswith("Usage:")


def test_the_bus_of_make_run_is_closed(stack: Running) -> None:
    """NATS admits only the stack's users: their seeds are private files under QL_HOME, each service
    process was given its own, and a client without one is refused (issue 11)."""
    import asyncio

    import nats

    running = json.loads((stack.home / "stack.json").read_text())
    folder = Path(running["nats_credentials_dir"])
    assert folder.is_relative_to(stack.home) and stat.S_IMODE(folder.stat().st_mode) == 0o700
    seeds = sorted(p.name for p in folder.glob("*.nk"))
    assert seeds == sorted(f"{u}.nk" for u in (*SERVICES, "operator"))
    assert all(stat.S_IMODE((folder / s).stat().st_mode) == 0o600 for s in seeds)
    assert stat.S_IMODE((stack.home / "keys" / "identity.keys").stat().st_mode) == 0o600

    async def anonymous() -> None:
        async def quiet(_: Exception) -> None:
            return None

        nc = await nats.connect(running["nats_url"], allow_reconnect=False, max_reconnect_attempts=0, error_cb=quiet)
        await nc.close()

    with pytest.raises(nats.errors.Error, match="Authorization Violation"):
        asyncio.run(anonymous())
    conf = (stack.home / "nats" / "nats.conf").read_text()
    assert 'listen: "127.0.0.1:' in conf and "\nhttp" not in conf and "authorization {" in conf
    status = json.loads(stack.ql("ops", "status", "gateway").stdout)  # the operator's credential works
    assert status["service"] == "gateway" and status["dead_letters"] == 0


def test_state_survives_restart_and_two_stacks_side_by_side(stack: Running, tmp_path: Path) -> None:
    with stack.http() as c:
        before = c.get("/api/v1/runs").json()
    assert before
    log = stop(stack)
    assert "stopped" in log
    again = start(stack.home, int(stack.url.rsplit(":", 1)[1]))
    other = start(tmp_path / "second", free_port())
    try:
        with again.http() as c:
            assert c.get("/api/v1/runs").json() == before  # the same dev key, the same runs
        with other.http() as c2:
            assert c2.get("/api/v1/runs").json() == []
            assert other.key != again.key
    finally:
        stop(other)
        stop(again)
