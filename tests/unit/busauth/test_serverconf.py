"""The rendered nats-server configuration is one nats-server accepts, and never an open one."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from qlcore.busauth import CredentialStore
from qlcore.busauth.serverconf import authorization, embedded_config
from qlcore.config import SERVICES
from qlcore.embedded import nats_server_binary


def check(conf: Path) -> subprocess.CompletedProcess[str]:
    """``nats-server -t``: parse and validate a configuration, then exit."""
    return subprocess.run([nats_server_binary(), "-t", "-c", str(conf)], capture_output=True, text=True, timeout=30)


def test_no_users_is_refused_because_nats_would_open_the_server() -> None:
    with pytest.raises(ValueError, match="empty users list"):
        authorization([])


def test_the_embedded_configuration_is_valid_loopback_only_and_without_monitoring(tmp_path: Path) -> None:
    store = CredentialStore(tmp_path / "creds", test=True)
    store.ensure("ql")
    store.ensure("t0123456789")
    text = embedded_config(4333, tmp_path / "js", store.authorization())
    conf = tmp_path / "nats.conf"
    conf.write_text(text)
    result = check(conf)
    assert result.returncode == 0, result.stderr + result.stdout
    assert 'listen: "127.0.0.1:4333"' in text
    for monitoring in ("http", "https", "monitor", "cluster", "leafnode", "websocket", "no_auth_user"):
        assert f"\n{monitoring}" not in text and not text.startswith(monitoring)
    # two namespaces: every service, the operator and the harness each
    assert text.count("nkey:") == 2 * (len(SERVICES) + 2)


def test_a_broken_configuration_is_caught_by_the_check(tmp_path: Path) -> None:
    conf = tmp_path / "bad.conf"
    conf.write_text('authorization { users = [ { nkey: "UNOTAKEY" } ] }\n')
    assert check(conf).returncode != 0
