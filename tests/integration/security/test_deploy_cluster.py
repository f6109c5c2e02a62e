"""deploy/nats as it is checked in, run as a real 3-node cluster on this machine: the configs pass
``nats-server -t`` with the secrets ``ql ops bus-secrets`` makes, a node refuses to start without
its users' keys, routes form over mutual TLS, and the stack's users reach it over TLS only as
themselves (throwaway CA and keys; only ports, hosts and paths are rewritten)."""

from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import nats
import pytest
from click.testing import CliRunner
from qlcore.bus import Bus, connect_nats
from qlcore.busauth import OPERATOR, nats_options
from qlcore.config import Settings, load_settings
from qlcore.embedded import free_port, nats_server_binary
from quantumledger.cli.main import cli

pytestmark = pytest.mark.integration

DEPLOY = Path(__file__).resolve().parents[3] / "deploy" / "nats"
NODES = (1, 2, 3)


@dataclass
class Cluster:
    settings: Settings
    procs: list[subprocess.Popen[bytes]]
    confs: list[Path]
    env: dict[str, str]


def _users_env(secrets: Path) -> dict[str, str]:
    lines = (secrets / "nats-users.env").read_text().splitlines()
    return dict(line.split("=", 1) for line in lines if line and not line.startswith("#"))


def _localize(tmp: Path, secrets: Path) -> list[Path]:
    """The checked-in configs with this machine's ports and folders in place of the containers'."""
    conf_dir = tmp / "conf"
    conf_dir.mkdir()
    shutil.copy(DEPLOY / "auth.conf", conf_dir / "auth.conf")
    client, route, http = ({n: free_port() for n in NODES} for _ in range(3))
    out = []
    for n in NODES:
        text = (DEPLOY / f"nats-{n}.conf").read_text()
        for a, b in (
            ("listen: 0.0.0.0:4222", f"listen: 127.0.0.1:{client[n]}"),
            ("listen: 0.0.0.0:6222", f"listen: 127.0.0.1:{route[n]}"),
            ("http: 127.0.0.1:8222", f"http: 127.0.0.1:{http[n]}"),
            ("/etc/nats-tls/", f"{secrets / 'tls'}/"),
            ("store_dir: /data/jetstream", f'store_dir: "{tmp / f"data-{n}"}"'),
            ("max_file_store: 200GB", "max_file_store: 1GB"),
            *((f"nats-route://nats-{m}:6222", f"nats-route://localhost:{route[m]}") for m in NODES),
        ):
            assert a in text, a
            text = text.replace(a, b)
        path = conf_dir / f"nats-{n}.conf"
        path.write_text(text)
        out.append(path)
    (tmp / "ports").write_text(",".join(f"tls://localhost:{client[n]}" for n in NODES))
    return out


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    tmp = tmp_path_factory.mktemp("deploy-cluster")
    secrets = tmp / "secrets"
    made = CliRunner().invoke(cli, ["ops", "bus-secrets", str(secrets)], catch_exceptions=False)
    assert made.exit_code == 0, made.output
    confs = _localize(tmp, secrets)
    env = {**os.environ, **_users_env(secrets)}
    procs = [
        subprocess.Popen([nats_server_binary(), "-c", str(c), "-l", str(tmp / f"{c.stem}.log")], env=env) for c in confs
    ]
    settings = load_settings(
        env={},
        nats_url=(tmp / "ports").read_text(),
        namespace="ql",
        nats_credentials_dir=secrets / "nats",
        nats_ca_file=secrets / "tls" / "ca.pem",
        stream_replicas=3,
    )
    try:
        yield Cluster(settings, procs, confs, env)
    finally:
        for p in procs:
            p.terminate()
        for p in procs:
            p.wait(15)


def _check(conf: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [nats_server_binary(), "-t", "-c", str(conf)], env=env, capture_output=True, text=True, timeout=30
    )


def test_the_configs_are_valid_and_a_node_without_its_users_keys_does_not_start(cluster: Cluster) -> None:
    for conf in cluster.confs:
        ok = _check(conf, cluster.env)
        assert ok.returncode == 0, ok.stderr + ok.stdout
    without = {k: v for k, v in cluster.env.items() if k != "QL_NATS_NKEY_GATEWAY"}
    refused = _check(cluster.confs[0], without)
    assert refused.returncode != 0 and "QL_NATS_NKEY_GATEWAY" in refused.stderr + refused.stdout


async def test_the_cluster_forms_over_tls_and_admits_only_its_users(cluster: Cluster) -> None:
    s = cluster.settings
    operator = await connect_nats(s, "deploy-operator", user=OPERATOR)
    try:
        bus = Bus(operator, s)
        async with asyncio.timeout(60):  # routes up and a JetStream meta leader elected
            while True:
                try:
                    await bus.ensure_stream()
                    break
                except (nats.errors.Error, nats.js.errors.Error):
                    await asyncio.sleep(0.2)
        assert operator.connected_url is not None and operator.connected_url.scheme == "tls"
    finally:
        await operator.close()

    ingest = await connect_nats(s, "deploy-ingest", user="ingest")
    try:
        ack = await ingest.jetstream().publish("ql.log.run.ingested", b"{}", stream=s.stream)
        info = await ingest.jetstream().stream_info(s.stream)
        assert info.config.num_replicas == 3 and info.cluster is not None
        async with asyncio.timeout(30):  # both followers hold the entry: the routes carry it
            while not (info.cluster.replicas and len(info.cluster.replicas) == 2 and all(
                r.current and (r.lag or 0) == 0 for r in info.cluster.replicas
            )):  # fmt: skip
                await asyncio.sleep(0.1)
                info = await ingest.jetstream().stream_info(s.stream)
        assert ack.seq == info.state.last_seq
    finally:
        await ingest.close()

    async def quiet(_: Exception) -> None:
        return None

    with pytest.raises(nats.errors.Error, match="Authorization Violation"):  # TLS alone admits no one
        await nats.connect(
            s.nats_url.split(","),
            tls=nats_options(s, "ingest")["tls"],
            allow_reconnect=False,
            max_reconnect_attempts=0,
            error_cb=quiet,
        )
