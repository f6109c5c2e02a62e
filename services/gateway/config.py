"""The gateway's own settings (``QL_SMTP_*``, ``QL_MAIL_FROM``, ``QL_IDENTITY_KEYS_FILE``,
``QL_GATEWAY_*``), read when it starts, never on import.

Behind a reverse proxy, ``QL_GATEWAY_TRUSTED_PROXIES`` (comma-separated addresses or networks, e.g.
``10.0.0.5,172.18.0.0/16``) names the proxies whose ``X-Forwarded-For`` gives the client's address;
nobody else's is believed (a client could otherwise pick the address its wrong passwords count
against). Unset, the TCP peer is the client. The shared ones (port, NATS, PostgreSQL,
``QL_HOME``) are :class:`qlcore.config.Settings`.

Mail: SMTP when ``QL_SMTP_HOST`` is set (``QL_SMTP_PORT``, ``QL_SMTP_USER``, ``QL_SMTP_PASSWORD``,
``QL_SMTP_STARTTLS``, ``QL_SMTP_TLS`` for TLS from the first byte), otherwise ``.eml`` files under
``$QL_HOME/outbox/``; the sender is ``QL_MAIL_FROM``. The identity sealing keys are
``QL_IDENTITY_KEYS_FILE``, else ``$QL_HOME/keys/identity.keys`` (made on a first embedded start).
"""

from __future__ import annotations

import ipaddress
import os
from collections.abc import Mapping
from pathlib import Path

import msgspec
from qlcore.config import Settings

from services.gateway.adapters.mail import SmtpSettings
from services.gateway.domain.sealing import KEYS_FILE_ENV

__all__ = ["DEFAULT_SENDER", "POOL_SIZE", "GatewayConfig", "load_config"]

DEFAULT_SENDER = "QuantumLedger <no-reply@quantumledger.dev>"
POOL_SIZE = 16  # every request resolves its caller with one query; identity commands hold one
_TRUE = {"1", "true", "yes", "on"}


class GatewayConfig(msgspec.Struct, frozen=True, kw_only=True):
    smtp: SmtpSettings | None  # None: the file sink at ``outbox``
    outbox: Path
    mail_from: str = DEFAULT_SENDER
    identity_keys_file: Path | None = None  # None: ``keys_home/identity.keys``, made when missing
    keys_home: Path = Path(".ql/keys")
    http_limit_concurrency: int = 2048
    http_backlog: int = 2048
    http_graceful_seconds: int = 5
    # addresses (or CIDR networks) of reverse proxies whose X-Forwarded-For / -Proto name the client;
    # empty: none, the TCP peer is the client (throttling and logs key on it)
    trusted_proxies: tuple[str, ...] = ()


def _smtp(env: Mapping[str, str]) -> SmtpSettings | None:
    host = env.get("QL_SMTP_HOST")
    if not host:
        return None
    implicit = env.get("QL_SMTP_TLS", "").lower() in _TRUE
    return SmtpSettings(
        host=host,
        port=int(env.get("QL_SMTP_PORT", "465" if implicit else "587")),
        user=env.get("QL_SMTP_USER") or None,
        password=env.get("QL_SMTP_PASSWORD") or None,
        starttls=env.get("QL_SMTP_STARTTLS", "true").lower() in _TRUE,
        implicit_tls=implicit,
    )


def load_config(settings: Settings, env: Mapping[str, str] | None = None) -> GatewayConfig:
    e = os.environ if env is None else env
    keys = e.get(KEYS_FILE_ENV)
    cfg = GatewayConfig(
        smtp=_smtp(e),
        outbox=settings.home / "outbox",
        mail_from=e.get("QL_MAIL_FROM") or DEFAULT_SENDER,
        identity_keys_file=Path(keys) if keys else None,
        keys_home=settings.home / "keys",
        http_limit_concurrency=int(e.get("QL_GATEWAY_LIMIT_CONCURRENCY", "2048")),
        http_backlog=int(e.get("QL_GATEWAY_BACKLOG", "2048")),
        http_graceful_seconds=int(e.get("QL_GATEWAY_GRACEFUL_SECONDS", "5")),
        trusted_proxies=_networks(e.get("QL_GATEWAY_TRUSTED_PROXIES", "")),
    )
    if cfg.http_limit_concurrency < 1 or cfg.http_backlog < 1 or cfg.http_graceful_seconds < 0:
        raise ValueError(f"invalid gateway settings: {cfg}")
    return cfg


def _networks(value: str) -> tuple[str, ...]:
    """``QL_GATEWAY_TRUSTED_PROXIES``: each item an IP address or network, checked now (a typo must
    not silently trust nobody, or everybody)."""
    items = tuple(v.strip() for v in value.split(",") if v.strip())
    for item in items:
        if item == "*":
            raise ValueError("QL_GATEWAY_TRUSTED_PROXIES: '*' would let any client pick its address; name the proxies")
        ipaddress.ip_network(item)  # ValueError names the bad item (host bits set in a network, too)
    return items
