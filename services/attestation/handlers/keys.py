"""The public keys (JWKS) and the operator's key rotation.

The private key is configured for the service (``services.attestation.config``,
``adapters.keyring_files``) and never enters the log or the database. Public keys are events
(``signing_key.published``, ``Nats-Msg-Id`` = kid, so publishing is idempotent); the JWKS is
every key in the read model, so a retired key stays published and old attestations keep
verifying after any rotation, on any instance.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import msgspec
from qlcore.errors import Conflict
from qlcore.events import utcnow
from qlcore.events.attestation import SigningKeyPublished
from qlcore.rpc import RpcReply, RpcRequest, json_reply
from qlprov.attest import Jwks

from services.attestation import store
from services.attestation.domain import KeyringError

if TYPE_CHECKING:
    from services.attestation.bootstrap import Deps

__all__ = ["jwks", "merged_jwks", "publish_active_key", "rotate"]

ACTOR = "system:attestation"


async def publish_active_key(deps: Deps) -> int | None:
    """Append the active public key unless the read model has it; returns the event's sequence."""
    keyring = deps.keyring
    async with deps.rt.pool.connection() as conn:
        if await store.key_published(conn, keyring.keyid):
            return None
    event = SigningKeyPublished.new(
        actor=ACTOR, workspace_id=None, kid=keyring.keyid, jwk=msgspec.to_builtins(keyring.active.jwk)
    )
    return (await deps.rt.bus.append(event, msg_id=f"signing-key:{keyring.keyid}")).seq


async def merged_jwks(deps: Deps) -> Jwks:
    """The active key first (it signs from now on, even before the read model has it), then
    every other published key, newest first."""
    keyring = deps.keyring
    async with deps.rt.pool.connection() as conn:
        published = await store.published_keys(conn)
    return Jwks(keys=[keyring.active.jwk, *(k for k in published if k.kid != keyring.keyid)])


async def jwks(deps: Deps, _: RpcRequest) -> RpcReply:
    return json_reply(await merged_jwks(deps), headers={"Cache-Control": "public, max-age=300"})


async def rotate(deps: Deps, _: RpcRequest) -> RpcReply:
    """Operator command (NATS only, no HTTP route): a new active key; the old one is published
    again as retired, so it stays in the JWKS."""
    keyring = deps.keyring
    old = keyring.active.jwk
    try:
        new_kid = keyring.rotate()  # a key from a secret: replace the secret instead (409)
    except KeyringError as exc:
        raise Conflict(str(exc)) from exc
    seq = await publish_active_key(deps) or 0
    retired = SigningKeyPublished.new(
        actor=ACTOR, workspace_id=None, kid=old.kid, jwk=msgspec.to_builtins(old), retired_at=utcnow()
    )
    seq = max(seq, (await deps.rt.bus.append(retired, msg_id=f"signing-key:{old.kid}:retired")).seq)
    await deps.rt.applied(seq)
    return json_reply({"retired": old.kid, "active": new_kid})
