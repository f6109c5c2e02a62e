"""compose.yaml and deploy/ describe the production-like stack: every service, a 3-node JetStream cluster."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]


def service_folders() -> set[str]:
    return {p.parent.name for p in (ROOT / "services").glob("*/bootstrap.py")}


def test_every_service_folder_has_a_compose_entry_running_it() -> None:
    compose = yaml.safe_load((ROOT / "compose.yaml").read_text())
    services = compose["services"]
    folders = service_folders()
    assert {"ingest", "provenance", "gateway"} <= folders
    for name in folders:
        assert name in services, f"compose.yaml has no entry for services/{name}"
        assert services[name]["command"] == ["python", "-m", f"services.{name}"]
        env = services[name]["environment"]
        assert env["QL_NATS_URL"].count("tls://") == 3 and env["QL_DATABASE_URL"].startswith("postgresql://")
    assert "8000:8000" in services["gateway"]["ports"]
    assert {"nats-1", "nats-2", "nats-3", "postgres"} <= set(services)


def test_registry_lists_exactly_the_service_folders() -> None:
    from services.registry import SERVICES

    assert set(SERVICES) == service_folders()


def test_nats_cluster_of_three_with_jetstream() -> None:
    confs = sorted((ROOT / "deploy" / "nats").glob("nats-*.conf"))
    assert len(confs) == 3
    names = set()
    for conf in confs:
        text = conf.read_text()
        assert "jetstream" in text and "cluster" in text
        names.add(re.search(r"server_name:\s*(\S+)", text).group(1))  # type: ignore[union-attr]
        routes = re.findall(r"nats-route://(nats-\d):6222", text)
        assert sorted(routes) == ["nats-1", "nats-2", "nats-3"]
    assert names == {"nats-1", "nats-2", "nats-3"}


def test_postgres_init_gives_each_service_its_own_schema_and_role() -> None:
    sql = (ROOT / "deploy" / "postgres" / "init.sql").read_text()
    for name in service_folders():
        assert f"'{name}'" in sql, f"init.sql has no role/schema for {name}"


def test_each_process_connects_over_tls_with_only_its_own_nats_seed() -> None:
    compose = yaml.safe_load((ROOT / "compose.yaml").read_text())
    secrets = compose["secrets"]
    for name in (*service_folders(), "ops"):
        user = "operator" if name == "ops" else name
        svc = compose["services"][name]
        env = svc["environment"]
        assert (
            env["QL_NATS_CREDENTIALS"] == f"/run/secrets/nats-{user}"
            and env["QL_NATS_CA_FILE"] == "/run/secrets/nats-ca"
        )
        seeds = [s for s in svc["secrets"] if secrets[s]["file"].endswith(".nk")]
        assert seeds == [f"nats-{user}"] and secrets[f"nats-{user}"]["file"] == f"deploy/secrets/nats/{user}.nk"
        assert ("identity-keys" in svc["secrets"]) == (name == "gateway")  # the sealing keys: the gateway's alone
    assert compose["services"]["gateway"]["environment"]["QL_IDENTITY_KEYS_FILE"] == "/run/secrets/identity-keys"
    for node in ("nats-1", "nats-2", "nats-3"):
        assert "ports" not in compose["services"][node]  # reachable from the stack's network only
        assert compose["services"][node]["env_file"] == ["deploy/secrets/nats-users.env"]


def test_nats_nodes_are_closed_tls_on_clients_and_routes_monitoring_on_loopback() -> None:
    for conf in sorted((ROOT / "deploy" / "nats").glob("nats-*.conf")):
        text = conf.read_text()
        assert re.search(r"^http: 127\.0\.0\.1:8222$", text, re.M), conf.name
        assert 'include "auth.conf"' in text and text.count("tls {") == 2
        cluster = text[text.index("cluster {") :]
        assert "verify: true" in cluster and "ca_file" in cluster  # routes: mutual TLS
        assert "no_auth_user" not in text and "authorization" not in text.replace('include "auth.conf"', "")


def test_the_clusters_users_are_the_permission_sets_of_the_code() -> None:
    from qlcore.busauth.serverconf import deploy_authorization

    checked_in = (ROOT / "deploy" / "nats" / "auth.conf").read_text()
    assert checked_in == deploy_authorization(), "regenerate: python -m qlcore.busauth deploy-auth"


def test_every_part_restarts_by_itself_and_has_a_health_check() -> None:
    """The deploy spec's equivalent of `make run`'s supervisor (issue 13): Docker restarts what exits,
    and every long-running process says whether it is alive."""
    compose = yaml.safe_load((ROOT / "compose.yaml").read_text())
    services = compose["services"]
    for name in (*service_folders(), "nats-1", "nats-2", "nats-3", "postgres"):
        svc = services[name]
        assert svc["restart"] == "unless-stopped", name
        assert svc["healthcheck"]["test"][0] == "CMD", name
    for name in service_folders():
        svc = services[name]
        heartbeat = svc["environment"]["QL_HEARTBEAT_FILE"]
        assert heartbeat in " ".join(svc["healthcheck"]["test"]), name
        assert {n: c["condition"] for n, c in svc["depends_on"].items()} == {
            "nats-1": "service_healthy",
            "nats-2": "service_healthy",
            "nats-3": "service_healthy",
            "postgres": "service_healthy",
        }
    for node in ("nats-1", "nats-2", "nats-3"):
        assert "/healthz" in " ".join(services[node]["healthcheck"]["test"])
    assert services["ops"]["healthcheck"] == {"disable": True}


def test_jetstream_fsync_policy_is_the_decided_one_everywhere(tmp_path: Path) -> None:
    from qlcore.busauth.serverconf import SYNC_INTERVAL, embedded_config

    for conf in sorted((ROOT / "deploy" / "nats").glob("nats-*.conf")):
        assert re.search(rf"^\s*sync_interval: {SYNC_INTERVAL}$", conf.read_text(), re.M), conf.name
    assert f'sync_interval: "{SYNC_INTERVAL}"' in embedded_config(4222, tmp_path, "authorization {}")
