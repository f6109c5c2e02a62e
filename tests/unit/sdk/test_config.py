"""Where the credential comes from, and the credentials file ``ql login`` writes."""

from __future__ import annotations

import stat
from pathlib import Path

from quantumledger.config import (
    credentials_path,
    default_base_url,
    forget_session,
    load_credentials,
    normalize_url,
    resolve_api_key,
    save_session,
)


def test_the_url_comes_from_ql_url_else_the_port_make_run_uses() -> None:
    assert default_base_url({}) == "http://127.0.0.1:8000"
    assert default_base_url({"QL_PORT": "9001"}) == "http://127.0.0.1:9001"
    assert default_base_url({"QL_URL": "HTTPS://Ledger.Example/", "QL_PORT": "9001"}) == "https://ledger.example"
    assert normalize_url("http://H:1/api/") == "http://h:1/api"


def test_qltoken_then_the_stored_session_then_the_dev_key(tmp_path: Path) -> None:
    env = {"QL_CONFIG_DIR": str(tmp_path / "cfg"), "QL_HOME": str(tmp_path / "home")}
    assert resolve_api_key("http://127.0.0.1:8000", env) == (None, "none")
    (tmp_path / "home").mkdir()
    (tmp_path / "home" / "dev-api-key").write_text("ql_live_dev\n")
    assert resolve_api_key("http://127.0.0.1:8000", env)[0] == "ql_live_dev"
    save_session("http://127.0.0.1:8000/", {"token": "ql_sess_ada", "email": "ada@lab.example"}, env)
    key, source = resolve_api_key("http://127.0.0.1:8000", env)
    assert key == "ql_sess_ada" and "ql login" in source
    assert resolve_api_key("http://other:8000", env)[0] == "ql_live_dev"  # sessions are per server
    assert resolve_api_key("http://127.0.0.1:8000", {**env, "QL_TOKEN": "ql_live_env"})[0] == "ql_live_env"
    assert forget_session("http://127.0.0.1:8000", env) and not forget_session("http://127.0.0.1:8000", env)
    assert resolve_api_key("http://127.0.0.1:8000", env)[0] == "ql_live_dev"


def test_the_credentials_file_is_private_and_survives_junk(tmp_path: Path) -> None:
    env = {"XDG_CONFIG_HOME": str(tmp_path)}
    path = save_session("http://a", {"token": "t1"}, env)
    save_session("http://b", {"token": "t2"}, env)
    assert path == credentials_path(env) == tmp_path / "quantumledger" / "credentials"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600 and stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert set(load_credentials(env)) == {"http://a", "http://b"}
    assert [p.name for p in path.parent.iterdir()] == ["credentials"]  # no temporary file left
    path.write_text("not json")
    assert load_credentials(env) == {}
