"""Where the signing key comes from, and how its public half reaches the JWKS.

The private key is configured for the service and never enters the log or the database:

* ``QL_ATTESTATION_KEY_FILE``: a secret (PKCS#8 PEM, or a 32-byte Ed25519 seed raw or in
  base64), as a secrets manager mounts it; refused when readable by group or others. Rotate by
  replacing the secret and restarting: the old public key stays published (below).
* otherwise ``QL_ATTESTATION_KEY_DIR`` (default ``$QL_HOME/keys/attestation``): a keyring
  directory (mode 0700, key files 0600) created with a fresh key on first start, rotated with
  the ``keys.rotate`` operator command.

Public keys are events (``signing_key.published``, ``Nats-Msg-Id`` = kid, so publishing is
idempotent); the JWKS is every key in the read model, so a retired key stays published and old
attestations keep verifying after any rotation, on any instance.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import msgspec
from qlcore.config import Settings
from qlcore.events import utcnow
from qlcore.events.attestation import SigningKeyPublished
from qlcore.service import ServiceContext

from services.attestation import store
from services.attestation.domain import Jwks, Keyring, KeyringError

__all__ = ["keyring_of", "load_keyring", "merged_jwks", "publish_active_key", "rotate"]

KEY_FILE_ENV = "QL_ATTESTATION_KEY_FILE"
KEY_DIR_ENV = "QL_ATTESTATION_KEY_DIR"
ACTOR = "system:attestation"


def load_keyring(settings: Settings, env: Mapping[str, str]) -> Keyring:
    """The configured keyring (see the module docstring); read when the service starts."""
    secret = env.get(KEY_FILE_ENV)
    if secret:
        path = Path(secret)
        try:
            if path.stat().st_mode & 0o077:
                raise KeyringError(f"{path}: private key readable by group or others (chmod 600)")
            return Keyring.from_private_key(path.read_bytes())
        except OSError as exc:
            raise KeyringError(f"{KEY_FILE_ENV}={path}: {exc}") from exc
    directory = Path(env.get(KEY_DIR_ENV) or settings.home / "keys" / "attestation")
    return Keyring.open(directory)


def keyring_of(ctx: ServiceContext) -> Keyring:
    keyring = ctx.state.get("keyring")
    if not isinstance(keyring, Keyring):
        raise RuntimeError("the attestation service started without its keyring")
    return keyring


async def _published(ctx: ServiceContext, kid: str) -> bool:
    async with ctx.pool.connection() as conn:
        row = await (await conn.execute("SELECT 1 FROM signing_keys WHERE kid = %s", (kid,))).fetchone()
    return row is not None


async def publish_active_key(ctx: ServiceContext) -> int | None:
    """Append the active public key unless the read model has it; returns the event's sequence."""
    keyring = keyring_of(ctx)
    if await _published(ctx, keyring.keyid):
        return None
    event = SigningKeyPublished.new(
        actor=ACTOR, workspace_id=None, kid=keyring.keyid, jwk=msgspec.to_builtins(keyring.active.jwk)
    )
    return (await ctx.bus.append(event, msg_id=f"signing-key:{keyring.keyid}")).seq


async def rotate(ctx: ServiceContext) -> tuple[str, str, int]:
    """A new active key; the old one is published again as retired. Returns (old, new, last seq)."""
    keyring = keyring_of(ctx)
    old = keyring.active.jwk
    new_kid = keyring.rotate()  # KeyringError for a key from a secret: replace the secret instead
    seq = await publish_active_key(ctx) or 0
    retired = SigningKeyPublished.new(
        actor=ACTOR, workspace_id=None, kid=old.kid, jwk=msgspec.to_builtins(old), retired_at=utcnow()
    )
    seq = max(seq, (await ctx.bus.append(retired, msg_id=f"signing-key:{old.kid}:retired")).seq)
    return old.kid, new_kid, seq


async def merged_jwks(ctx: ServiceContext) -> Jwks:
    """The active key first (it signs from now on, even before the read model has it), then
    every other published key, newest first."""
    keyring = keyring_of(ctx)
    async with ctx.pool.connection() as conn:
        published = await store.published_keys(conn)
    return Jwks(keys=[keyring.active.jwk, *(k for k in published if k.kid != keyring.keyid)])
