"""Where the signing key lives on disk: a keyring directory, or a secret file.

Directory layout (:meth:`KeyringDirectory.open`)::

    <dir>/                 mode 0700, created on first use
      keyring.json         public manifest: active kid, every key's x, created_at, retired_at
      <kid>.pem            the active private key, PKCS#8 PEM, mode 0600
      .lock                flock(2) held while the keyring is created or rotated

A fresh directory gets a key on first open. ``rotate`` makes a new active key, keeps the old
public key in the manifest (and so in the JWKS: old attestations still verify) and deletes the
old private key, so a retired key can never sign again. A private key file readable by group
or others is refused, as ssh does. A secret file (``QL_ATTESTATION_KEY_FILE``, as a secrets
manager mounts it) is read once and never written.
"""

from __future__ import annotations

import fcntl
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import msgspec

from services.attestation.domain import KeyRecord, Keyring, KeyringError, KeyringManifest, SigningKey
from services.attestation.domain.keys import private_pem, seed_from

__all__ = ["KeyringDirectory", "load_keyring", "read_secret_key"]

_MANIFEST = "keyring.json"


def _utc_now() -> datetime:
    return datetime.now(UTC)


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


def _private_file(path: Path) -> bytes:
    """A private key file's bytes; refused when readable by group or others."""
    try:
        mode = path.stat().st_mode
        data = path.read_bytes()
    except OSError as exc:
        raise KeyringError(f"{path}: {exc}") from exc
    if mode & 0o077:
        raise KeyringError(f"{path}: private key readable by group or others (chmod 600)")
    return data


class KeyringDirectory(Keyring):
    """A :class:`Keyring` kept in a directory (see the module docstring); it can rotate."""

    def __init__(self, active: SigningKey, records: list[KeyRecord], directory: Path) -> None:
        super().__init__(active, records)
        self.directory = directory

    @classmethod
    def open(cls, directory: Path, *, now: Callable[[], datetime] = _utc_now) -> KeyringDirectory:
        """Open the keyring in ``directory``, creating it and its first key if missing."""
        directory.mkdir(mode=0o700, parents=True, exist_ok=True)
        with _locked(directory):
            if not (directory / _MANIFEST).exists():
                seed = os.urandom(32)
                key = SigningKey(seed)
                _write_atomic(directory / f"{key.keyid}.pem", private_pem(seed))
                record = KeyRecord(kid=key.keyid, x=key.jwk.x, created_at=now().isoformat())
                manifest = KeyringManifest(active=key.keyid, keys=[record])
                _write_atomic(directory / _MANIFEST, msgspec.json.encode(manifest))
            return cls._load(directory)

    @classmethod
    def _load(cls, directory: Path) -> KeyringDirectory:
        try:
            manifest = msgspec.json.decode((directory / _MANIFEST).read_bytes(), type=KeyringManifest)
        except (OSError, msgspec.DecodeError, msgspec.ValidationError) as exc:
            raise KeyringError(f"{directory / _MANIFEST}: {exc}") from exc
        path = directory / f"{manifest.active}.pem"
        key = SigningKey(seed_from(_private_file(path)))
        if key.keyid != manifest.active:
            raise KeyringError(f"{path}: holds key {key.keyid}, not {manifest.active}")
        for record in manifest.keys:  # leftovers of an interrupted rotation
            if record.kid != manifest.active:
                (directory / f"{record.kid}.pem").unlink(missing_ok=True)
        return cls(key, manifest.keys, directory)

    def rotate(self, *, now: Callable[[], datetime] = _utc_now) -> str:
        """Make a new active key, retire the current one (public kept, private deleted)."""
        directory = self.directory
        with _locked(directory):
            current = KeyringDirectory._load(directory)
            stamp = now().isoformat()
            seed = os.urandom(32)
            key = SigningKey(seed)
            _write_atomic(directory / f"{key.keyid}.pem", private_pem(seed))
            records = [
                msgspec.structs.replace(r, retired_at=stamp) if r.kid == current.keyid else r for r in current.records
            ]
            records.append(KeyRecord(kid=key.keyid, x=key.jwk.x, created_at=stamp))
            _write_atomic(directory / _MANIFEST, msgspec.json.encode(KeyringManifest(active=key.keyid, keys=records)))
            (directory / f"{current.keyid}.pem").unlink(missing_ok=True)
        self._replace(key, records)
        return key.keyid


def read_secret_key(path: Path) -> Keyring:
    """A keyring from a secret file (PEM, or a 32-byte seed raw or base64); it never rotates."""
    data = _private_file(path)
    try:
        return Keyring.from_private_key(data)
    except KeyringError as exc:
        raise KeyringError(f"{path}: {exc}") from exc


def load_keyring(key_file: Path | None, key_dir: Path) -> Keyring:
    """The configured keyring: the secret file when one is configured, else the directory."""
    return read_secret_key(key_file) if key_file is not None else KeyringDirectory.open(key_dir)
