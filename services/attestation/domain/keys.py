"""The signing keyring: Ed25519 private keys kept in one configured place, public keys published.

Directory layout (``Keyring.open``)::

    <dir>/                 mode 0700, created on first use
      keyring.json         public manifest: active kid, every key's x, created_at, retired_at
      <kid>.pem            the active private key, PKCS#8 PEM, mode 0600
      .lock                flock(2) held while the keyring is created or rotated

A fresh directory gets a key on first open. ``rotate`` makes a new active key, keeps the old
public key in the manifest (and so in the JWKS: old attestations still verify) and deletes the
old private key, so a retired key can never sign again. A private key file readable by group
or others is refused, as ssh does. ``Keyring.from_private_key`` serves a key supplied as a
secret (PEM, or a 32-byte seed raw or in base64) without touching the disk.

Private keys never leave this module: ``SigningKey`` signs but has no accessor, no repr and no
pickling of the secret, and nothing here serializes one except to its own 0600 file.
"""

from __future__ import annotations

import fcntl
import os
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import msgspec
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from nacl.signing import SigningKey as NaclSigningKey
from nacl.signing import VerifyKey

from services.attestation.domain._encoding import b64decode
from services.attestation.domain.errors import KeyringError
from services.attestation.domain.jwk import Jwk, Jwks, public_jwk, verify_key_from_jwk

__all__ = ["KeyRecord", "Keyring", "SigningKey"]

_MANIFEST = "keyring.json"


def _utc_now() -> datetime:
    return datetime.now(UTC)


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


class _Manifest(msgspec.Struct, kw_only=True):
    active: str
    keys: list[KeyRecord]


def _seed_from(data: bytes) -> bytes:
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


def _pem(seed: bytes) -> bytes:
    return Ed25519PrivateKey.from_private_bytes(seed).private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


def _write_atomic(path: Path, data: bytes) -> None:
    """Write a 0600 file atomically (temp file, fsync, rename, fsync the directory)."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        os.fchmod(fd, 0o600)
        os.write(fd, data)
        os.fsync(fd)
    finally:
        os.close(fd)
    os.replace(tmp, path)
    dir_fd = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)


@contextmanager
def _locked(directory: Path) -> Iterator[None]:
    fd = os.open(directory / ".lock", os.O_WRONLY | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)


class Keyring:
    """The active signing key plus every retired public key (see the module docstring)."""

    def __init__(self, active: SigningKey, records: Iterable[KeyRecord], directory: Path | None = None) -> None:
        self._active = active
        self._records = list(records)
        self._directory = directory
        if active.keyid not in {r.kid for r in self._records}:
            raise KeyringError("the active key is not in the keyring's records")

    @classmethod
    def open(cls, directory: Path, *, now: Callable[[], datetime] = _utc_now) -> Keyring:
        """Open the keyring in ``directory``, creating it and its first key if missing."""
        directory.mkdir(mode=0o700, parents=True, exist_ok=True)
        with _locked(directory):
            if not (directory / _MANIFEST).exists():
                seed = os.urandom(32)
                key = SigningKey(seed)
                _write_atomic(directory / f"{key.keyid}.pem", _pem(seed))
                record = KeyRecord(kid=key.keyid, x=key.jwk.x, created_at=now().isoformat())
                _write_atomic(directory / _MANIFEST, msgspec.json.encode(_Manifest(active=key.keyid, keys=[record])))
            return cls._load(directory)

    @classmethod
    def _load(cls, directory: Path) -> Keyring:
        try:
            manifest = msgspec.json.decode((directory / _MANIFEST).read_bytes(), type=_Manifest)
        except (OSError, msgspec.DecodeError, msgspec.ValidationError) as exc:
            raise KeyringError(f"{directory / _MANIFEST}: {exc}") from exc
        path = directory / f"{manifest.active}.pem"
        try:
            mode = path.stat().st_mode
            data = path.read_bytes()
        except OSError as exc:
            raise KeyringError(f"{path}: {exc}") from exc
        if mode & 0o077:
            raise KeyringError(f"{path}: private key readable by group or others (chmod 600)")
        key = SigningKey(_seed_from(data))
        if key.keyid != manifest.active:
            raise KeyringError(f"{path}: holds key {key.keyid}, not {manifest.active}")
        for record in manifest.keys:  # leftovers of an interrupted rotation
            if record.kid != manifest.active:
                (directory / f"{record.kid}.pem").unlink(missing_ok=True)
        return cls(key, manifest.keys, directory)

    @classmethod
    def from_private_key(cls, data: bytes, *, retired: Iterable[Jwk] = ()) -> Keyring:
        """A keyring from a configured secret; ``retired`` public keys stay published."""
        key = SigningKey(_seed_from(data))
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

    def rotate(self, *, now: Callable[[], datetime] = _utc_now) -> str:
        """Make a new active key, retire the current one (public kept, private deleted)."""
        if self._directory is None:
            raise KeyringError("a keyring from a secret is rotated by replacing the secret")
        directory = self._directory
        with _locked(directory):
            current = Keyring._load(directory)
            stamp = now().isoformat()
            seed = os.urandom(32)
            key = SigningKey(seed)
            _write_atomic(directory / f"{key.keyid}.pem", _pem(seed))
            records = [
                msgspec.structs.replace(r, retired_at=stamp) if r.kid == current.keyid else r for r in current._records
            ]
            records.append(KeyRecord(kid=key.keyid, x=key.jwk.x, created_at=stamp))
            _write_atomic(directory / _MANIFEST, msgspec.json.encode(_Manifest(active=key.keyid, keys=records)))
            (directory / f"{current.keyid}.pem").unlink(missing_ok=True)
        self._active, self._records = key, records
        return key.keyid

    def jwks(self) -> Jwks:
        """Every public key, the active one first, then the others newest first."""
        others = [r for r in self._records if r.kid != self.keyid]
        others.sort(key=lambda r: r.created_at or "", reverse=True)
        return Jwks(keys=[self._active.jwk, *(Jwk(x=r.x, kid=r.kid) for r in others)])

    def verify_keys(self) -> dict[str, VerifyKey]:
        return {jwk.kid: verify_key_from_jwk(jwk) for jwk in self.jwks().keys}

    def __repr__(self) -> str:
        return f"Keyring(active={self.keyid!r}, keys={len(self._records)})"
