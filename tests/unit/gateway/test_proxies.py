"""Whose ``X-Forwarded-For`` the gateway believes (``QL_GATEWAY_TRUSTED_PROXIES``): nobody's by
default, the named proxies' when set; a malformed or wildcard value stops the start."""

from __future__ import annotations

from pathlib import Path

import pytest
from qlcore.config import load_settings

from services.gateway.config import load_config
from services.gateway.http import proxy_options


def _config(value: str | None) -> object:
    env = {"QL_HOME": str(Path("/tmp/ql-proxies-test"))}
    if value is not None:
        env["QL_GATEWAY_TRUSTED_PROXIES"] = value
    return load_config(load_settings(env=env), env)


def test_by_default_nobody_is_believed() -> None:
    assert proxy_options(_config(None)) == {"proxy_headers": False, "forwarded_allow_ips": ""}  # type: ignore[arg-type]


def test_the_named_proxies_are_believed() -> None:
    options = proxy_options(_config(" 10.0.0.5, 172.18.0.0/16 ,::1"))  # type: ignore[arg-type]
    assert options == {"proxy_headers": True, "forwarded_allow_ips": ["10.0.0.5", "172.18.0.0/16", "::1"]}


@pytest.mark.parametrize("value", ["*", "10.0.0.300", "10.0.0.5/16", "proxy.example"])
def test_a_bad_value_stops_the_start(value: str) -> None:
    with pytest.raises(ValueError):
        _config(value)
