"""Signing keys: Ed25519 private keys that sign and tell their public JWK, and nothing else.

A :class:`Keyring` is the active key plus every retired public key (``KeyRecord``): the JWKS
publishes them all, so old attestations keep verifying after a rotation. This module is pure:
where keys are kept (a keyring directory, a configured secret) is the service's adapter
(``services.attestation.adapters.keyring_files``); here are the key, the records, the manifest
format of a keyring directory and the parsing of a configured secret (PEM, or a 32-byte seed raw
or in base64).

Private keys never leave this module's objects: ``SigningKey`` signs but has no accessor, no
repr and no pickling of the secret; :func:`private_pem` is for the adapter writing a key to its
own 0600 file.
"""

from __future__ import annotations

from collections.abc import Iterable

import msgspec
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from nacl.signing import SigningKey as NaclSigningKey
from nacl.signing import VerifyKey
from qlprov.attest import Jwk, Jwks, b64decode, public_jwk, verify_key_from_jwk

from services.attestation.domain.errors import KeyringError

__all__ = ["KeyRecord", "Keyring", "KeyringManifest", "SigningKey", "private_pem", "seed_from"]


class SigningKey:
    """An Ed25519 private key that can sign and tell its public JWK, and nothing else."""

    __slots__ = ("_key", "jwk")

    def __init__(self, seed: bytes) -> None:
        self._key = NaclSigningKey(seed)
        self.jwk: Jwk = public_jwk(bytes(self._key.verify_key))

    @property
    def keyid(self) -> str:
        return self.jwk.kid

    def sign(self, message: bytes) -> bytes:
        return self._key.sign(message).signature

    def __repr__(self) -> str:
        return f"SigningKey(kid={self.keyid!r})"

    def __reduce__(self) -> None:  # type: ignore[override]
        raise TypeError("a signing key is not serializable")


class KeyRecord(msgspec.Struct, frozen=True, kw_only=True):
    kid: str
    x: str
    created_at: str | None = None
    retired_at: str | None = None


class KeyringManifest(msgspec.Struct, kw_only=True):
    """A keyring directory's public ``keyring.json``: the active kid and every key's record."""

    active: str
    keys: list[KeyRecord]


def seed_from(data: bytes) -> bytes:
    """A 32-byte Ed25519 seed from PKCS#8 PEM, raw bytes, or base64 text."""
    if data.lstrip().startswith(b"-----BEGIN"):
        try:
            key = serialization.load_pem_private_key(data, password=None)
        except (ValueError, TypeError) as exc:
            raise KeyringError("unreadable PEM private key") from exc
        if not isinstance(key, Ed25519PrivateKey):
            raise KeyringError("the private key is not Ed25519")
        return key.private_bytes_raw()
    if len(data) == 32:
        return data
    try:
        seed = b64decode(data.decode("ascii"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise KeyringError("a private key must be PEM, 32 raw bytes or base64 of 32 bytes") from exc
    if len(seed) != 32:
        raise KeyringError("an Ed25519 seed is 32 bytes")
    return seed


def private_pem(seed: bytes) -> bytes:
    """The seed as PKCS#8 PEM, the format of a key file."""
    return Ed25519PrivateKey.from_private_bytes(seed).private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


class Keyring:
    """The active signing key plus every retired public key.

    A keyring from a configured secret cannot rotate (replace the secret); a keyring kept in a
    directory can (``KeyringDirectory`` in the adapters overrides :meth:`rotate`).
    """

    def __init__(self, active: SigningKey, records: Iterable[KeyRecord]) -> None:
        self._active = active
        self._records = list(records)
        if active.keyid not in {r.kid for r in self._records}:
            raise KeyringError("the active key is not in the keyring's records")

    @classmethod
    def from_private_key(cls, data: bytes, *, retired: Iterable[Jwk] = ()) -> Keyring:
        """A keyring from a configured secret; ``retired`` public keys stay published."""
        key = SigningKey(seed_from(data))
        retired = list(retired)
        records = [KeyRecord(kid=key.keyid, x=key.jwk.x)]
        records += [KeyRecord(kid=jwk.kid, x=jwk.x) for jwk in retired if jwk.kid != key.keyid]
        for jwk in retired:
            verify_key_from_jwk(jwk)  # rejects a malformed or mislabelled key
        return cls(key, records)

    @property
    def active(self) -> SigningKey:
        return self._active

    @property
    def keyid(self) -> str:
        return self._active.keyid

    def sign(self, message: bytes) -> bytes:
        """Sign with the active key (a Keyring is itself a ``dsse.Signer``)."""
        return self._active.sign(message)

    @property
    def records(self) -> list[KeyRecord]:
        return list(self._records)

    def rotate(self) -> str:
        """Make a new active key: only a keyring kept in a directory can."""
        raise KeyringError("a keyring from a secret is rotated by replacing the secret")

    def _replace(self, active: SigningKey, records: Iterable[KeyRecord]) -> None:
        """Switch to a new active key and records (for a keyring that rotates)."""
        self._active, self._records = active, list(records)

    def jwks(self) -> Jwks:
        """Every public key, the active one first, then the others newest first."""
        others = [r for r in self._records if r.kid != self.keyid]
        others.sort(key=lambda r: r.created_at or "", reverse=True)
        return Jwks(keys=[self._active.jwk, *(Jwk(x=r.x, kid=r.kid) for r in others)])

    def verify_keys(self) -> dict[str, VerifyKey]:
        return {jwk.kid: verify_key_from_jwk(jwk) for jwk in self.jwks().keys}

    def __repr__(self) -> str:
        return f"Keyring(active={self.keyid!r}, keys={len(self._records)})"
