"""Typed settings, read from the environment when asked (never at import time)."""

from __future__ import annotations

import os
import re
from pathlib import Path

import msgspec

__all__ = ["ALL_CARDS", "BACKEND_SERVICES", "SERVICES", "Settings", "load_settings"]


# The services of the stack, in start order (the gateway last): the supervisor of `make run`, the
# test fixtures, the gateway's health checks and the operator commands use this one list
# (``services.registry`` loads each one's bootstrap by name).
BACKEND_SERVICES: tuple[str, ...] = ("ingest", "provenance", "leaderboard", "attestation", "card", "reproduce", "tlog")
SERVICES: tuple[str, ...] = (*BACKEND_SERVICES, "gateway")
ALL_CARDS = "*"  # the payload of a card-changed notice that concerns every card


class Settings(msgspec.Struct, frozen=True, kw_only=True):
    """Everything a process needs to find its peers.

    ``namespace`` separates stacks that share a NATS server or a PostgreSQL database (tests,
    two `make run` side by side): it prefixes the stream, every subject, every durable
    consumer and every PostgreSQL schema.
    """

    nats_url: str
    database_url: str
    home: Path = Path(".ql")
    host: str = "127.0.0.1"
    port: int = 8000
    namespace: str = "ql"
    log_format: str = "auto"  # auto | json | console
    log_level: str = "info"
    max_bundle_bytes: int = 4 * 1024 * 1024
    public_base_url: str = ""
    request_timeout: float = 10.0
    stream_replicas: int = 1  # 3 on the production JetStream cluster
    # the gateway binds its port with SO_REUSEPORT: two gateway processes share it and the kernel
    # spreads connections between them (`ql dev run --cluster`); when one dies the other takes all
    http_reuse_port: bool = False
    # a file the service process touches every few seconds while its event loop runs: the container's
    # health check (compose.yaml) reads its age
    heartbeat_file: Path | None = None
    projection_linger_ms: float = 25.0  # wait this long for a fuller batch (qlcore.projection)
    # JetStream's de-duplication window of the run log (``Nats-Msg-Id``), set when the stream is made
    # or started with another value (``qlcore.bus``); tests shorten it to resend outside it
    dedup_window_s: float = 120.0
    gc_tuning: bool = False  # service processes (qlcore.service.main) turn it on; in-process tests do not
    # SHA-256 (hex) of the operator token that unlocks operator-only HTTP details (health); never the
    # token itself. `make run` generates one in $QL_HOME/operator-token; empty: nobody has one.
    operator_token_sha256: str = ""
    # NATS credentials (qlcore.busauth.client): this process's seed file, or a folder of every
    # user's seeds; and the CA that signs the servers' TLS certificates (tls:// URLs)
    nats_credentials: Path | None = None
    nats_credentials_dir: Path | None = None
    nats_ca_file: Path | None = None

    @property
    def stream(self) -> str:
        """The run log's JetStream stream name."""
        return f"{self.namespace.upper()}_LOG"

    @property
    def log_subject_prefix(self) -> str:
        return f"{self.namespace}.log"

    @property
    def document_subject_prefix(self) -> str:
        return f"{self.namespace}.doc"

    @property
    def document_subject(self) -> str:
        """Subject of whole run documents in the run log (``RunIngested.document_seq``)."""
        return f"{self.document_subject_prefix}.run"

    @property
    def card_changed_subject(self) -> str:
        """Core NATS notices of changed Result Cards (payload: a slug, or ``*`` for every card): the
        card service publishes them once committed, gateways drop cached badges on them."""
        return f"{self.namespace}.card.changed"

    def rpc_subject(self, service: str, op: str) -> str:
        """Subject of a request/reply operation of a service."""
        return f"{self.namespace}.rpc.{service}.{op}"

    def schema(self, service: str) -> str:
        """The PostgreSQL schema a service owns."""
        return f"{self.namespace}_{service}"

    def base_url(self) -> str:
        return self.public_base_url or f"http://{self.host}:{self.port}"


_NS = re.compile(r"^[a-z][a-z0-9_]{0,30}$")


def _path(value: str | None) -> Path | None:
    return Path(value) if value else None


def load_settings(env: dict[str, str] | None = None, **overrides: object) -> Settings:
    """Build settings from ``QL_*`` variables; keyword overrides win."""
    e = os.environ if env is None else env
    values: dict[str, object] = {
        "nats_url": e.get("QL_NATS_URL", "nats://127.0.0.1:4222"),
        "database_url": e.get("QL_DATABASE_URL", "postgresql://127.0.0.1:5432/postgres"),
        "home": Path(e.get("QL_HOME", ".ql")),
        "host": e.get("QL_HOST", "127.0.0.1"),
        "port": int(e.get("QL_PORT", "8000")),
        "namespace": e.get("QL_NAMESPACE", "ql"),
        "log_format": e.get("QL_LOG_FORMAT", "auto"),
        "log_level": e.get("QL_LOG_LEVEL", "info"),
        "max_bundle_bytes": int(e.get("QL_MAX_BUNDLE_BYTES", str(4 * 1024 * 1024))),
        "public_base_url": e.get("QL_PUBLIC_BASE_URL", ""),
        "stream_replicas": int(e.get("QL_STREAM_REPLICAS", "1")),
        "http_reuse_port": e.get("QL_HTTP_REUSE_PORT", "") in ("1", "true", "yes"),
        "heartbeat_file": _path(e.get("QL_HEARTBEAT_FILE")),
        "projection_linger_ms": float(e.get("QL_PROJECTION_LINGER_MS", "25")),
        "dedup_window_s": float(e.get("QL_DEDUP_WINDOW_S", "120")),
        "operator_token_sha256": e.get("QL_OPERATOR_TOKEN_SHA256", ""),
        "nats_credentials": _path(e.get("QL_NATS_CREDENTIALS")),
        "nats_credentials_dir": _path(e.get("QL_NATS_CREDENTIALS_DIR")),
        "nats_ca_file": _path(e.get("QL_NATS_CA_FILE")),
    }
    values.update(overrides)
    ns = str(values["namespace"])
    if not _NS.match(ns):
        raise ValueError(f"QL_NAMESPACE must match {_NS.pattern}, got {ns!r}")
    return msgspec.convert(values, Settings, strict=False)
