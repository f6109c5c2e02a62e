"""The tlog service's own settings (``QL_TLOG_*``), read when it starts, never on import.

* ``QL_TLOG_ORIGIN``: the log's name, the first line of every checkpoint and its key's name. By
  default ``<host of the public base URL>/log``, the scheme-less URL prefix the gateway serves the
  log under (``/log/checkpoint``, ``/log/tile/...``), as c2sp.org/tlog-tiles recommends.
  Changing it makes a new log (a new key ID): set it once for a deployment.
* ``QL_TLOG_KEY_FILE``: the log's Ed25519 key as a secret (Go's ``PRIVATE+KEY+<origin>+...``
  encoding, or a 32-byte seed raw or in base64), refused when readable by group or others;
  otherwise ``QL_TLOG_KEY_DIR`` (default ``$QL_HOME/keys/tlog``) where a key is made on first start.
* ``QL_TLOG_CHECKPOINT_INTERVAL``: seconds between checkpoints while the tree grows (default 1).
* ``QL_TLOG_WITNESSES``: JSON ``[{"url": <submission prefix>, "vkey": <witness vkey>}, ...]``.
* ``QL_TLOG_WITNESS_TIMEOUT``: seconds to wait for a witness's answer (default 5).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from qlcore.config import Settings
from qlprov.tlog.checkpoint import log_origin

from services.tlog.domain.witnesses import WitnessEndpoint, parse_witnesses

__all__ = ["LOG_PATH", "TlogConfig", "load_config"]

LOG_PATH = "log"  # the gateway serves the log under /log


@dataclass(frozen=True)
class TlogConfig:
    origin: str
    key_file: Path | None
    key_dir: Path
    checkpoint_interval: float = 1.0
    witnesses: tuple[WitnessEndpoint, ...] = ()
    witness_timeout: float = 5.0


def default_origin(settings: Settings) -> str:
    host = urlsplit(settings.base_url()).netloc or f"{settings.host}:{settings.port}"
    return log_origin(host, LOG_PATH)


def load_config(settings: Settings, env: Mapping[str, str] | None = None) -> TlogConfig:
    e = os.environ if env is None else env
    interval = float(e.get("QL_TLOG_CHECKPOINT_INTERVAL", "1"))
    timeout = float(e.get("QL_TLOG_WITNESS_TIMEOUT", "5"))
    if not (0.05 <= interval <= 3600 and 0.1 <= timeout <= 120):
        raise ValueError("QL_TLOG_CHECKPOINT_INTERVAL must be 0.05-3600 s and QL_TLOG_WITNESS_TIMEOUT 0.1-120 s")
    origin = e.get("QL_TLOG_ORIGIN") or default_origin(settings)
    key_file = e.get("QL_TLOG_KEY_FILE")
    return TlogConfig(
        origin=log_origin(origin, ""),  # checks the spelling: no scheme, no trailing slash, no spaces
        key_file=Path(key_file) if key_file else None,
        key_dir=Path(e.get("QL_TLOG_KEY_DIR") or settings.home / "keys" / "tlog"),
        checkpoint_interval=interval,
        witnesses=parse_witnesses(e.get("QL_TLOG_WITNESSES", "")),
        witness_timeout=timeout,
    )
