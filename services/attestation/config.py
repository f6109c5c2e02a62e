"""The attestation service's own settings (``QL_ATTESTATION_*``), read when it starts, never on import.

* ``QL_ATTESTATION_KEY_FILE``: the signing key as a secret file (PKCS#8 PEM, or a 32-byte seed
  raw or base64), refused when readable by group or others; rotate by replacing it.
* ``QL_ATTESTATION_KEY_DIR``: otherwise, a keyring directory created with a fresh key on first
  start (default ``$QL_HOME/keys/attestation``), rotated with the ``keys.rotate`` operation.
* ``QL_ATTESTATION_LOCKED_SECTIONS``: how many evaluations may hold a workspace lock at once.
  Each holds a pooled connection while it waits for its own projection, so the cap stays below
  the pool size (:data:`POOL_SIZE`) and the projection always finds a connection.
* ``QL_ATTESTATION_GAPS_PAGE`` / ``QL_ATTESTATION_GAPS_MAX_PAGE``: how many failing subjects a
  gap lists by default, and at most when one control is asked for (``/gaps?control_id=``). A
  workspace of 20,000 failing runs must not make a reply larger than NATS's ``max_payload``.
* ``QL_ATTESTATION_TRUST_PAGE``: how many attestations and cards the trust center lists at once.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

import msgspec

__all__ = ["POOL_SIZE", "AttestationConfig", "load_config"]

POOL_SIZE = 10  # the service's PostgreSQL pool (bootstrap.spec)


class AttestationConfig(msgspec.Struct, frozen=True, kw_only=True):
    key_file: str | None = None
    key_dir: str | None = None
    locked_sections: int = 6
    caught_up_timeout_s: float = 30.0  # an evaluation waits this long for the read model to catch up
    gaps_page: int = 50
    gaps_max_page: int = 1000
    trust_page: int = 100

    def key_file_path(self) -> Path | None:
        return Path(self.key_file) if self.key_file else None

    def key_dir_path(self, home: Path) -> Path:
        """The keyring directory: configured, or under the stack's home folder."""
        return Path(self.key_dir) if self.key_dir else home / "keys" / "attestation"


def load_config(env: Mapping[str, str] | None = None) -> AttestationConfig:
    e = os.environ if env is None else env
    cfg = AttestationConfig(
        key_file=e.get("QL_ATTESTATION_KEY_FILE") or None,
        key_dir=e.get("QL_ATTESTATION_KEY_DIR") or None,
        locked_sections=int(e.get("QL_ATTESTATION_LOCKED_SECTIONS", "6")),
        caught_up_timeout_s=float(e.get("QL_ATTESTATION_CAUGHT_UP_TIMEOUT_S", "30")),
        gaps_page=int(e.get("QL_ATTESTATION_GAPS_PAGE", "50")),
        gaps_max_page=int(e.get("QL_ATTESTATION_GAPS_MAX_PAGE", "1000")),
        trust_page=int(e.get("QL_ATTESTATION_TRUST_PAGE", "100")),
    )
    if (
        not 1 <= cfg.locked_sections < POOL_SIZE - 1
        or cfg.caught_up_timeout_s <= 0
        or not 1 <= cfg.gaps_page <= cfg.gaps_max_page <= 10_000
        or not 1 <= cfg.trust_page <= 1000
    ):
        raise ValueError(f"invalid attestation settings: {cfg}")
    return cfg
