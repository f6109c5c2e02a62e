"""Sealing the identity secrets the run log must keep, so that only the gateway can read them.

The identity read model is rebuilt by replay, so the log must hold what authenticates people
and keys: argon2id password hashes, and the SHA-256 of session, verification and API-key tokens
(``qlcore.events.identity.SEALED_FIELDS``). Every service reads the whole log, so those fields
are sealed (XChaCha20-Poly1305, libsodium through PyNaCl) with keys only the gateway holds; the
gateway opens them when it applies the events, so a replay rebuilds the same rows and digest,
and every other reader of the log sees ciphertext.

* A sealed value is ``sealed.v1.<kid>.<base64url(nonce || ciphertext)>``: a random 24-byte nonce
  (safe at any volume with XChaCha), and the event's type, field and id as associated data, so a
  sealed value opens only in the field and event it was made for.
* Keys: ``QL_IDENTITY_KEYS_FILE`` (a secret, as a secrets manager mounts it; refused when group or
  others can read it) or else ``$QL_HOME/keys/identity.keys``, created with one fresh key on the
  first start. One base64 key per line: the first seals, every line opens; the key id is derived
  from the key (a line pasted wrong cannot pass for another key). Rotate by adding a new first
  line and restarting every gateway; never remove a line while the log holds values sealed with it.
"""

from __future__ import annotations

import base64
import hashlib
import os
from collections.abc import Sequence
from pathlib import Path

import msgspec
from nacl.bindings import crypto_aead_xchacha20poly1305_ietf_decrypt, crypto_aead_xchacha20poly1305_ietf_encrypt
from nacl.exceptions import CryptoError
from qlcore.events.envelope import Event
from qlcore.events.identity import SEALED_FIELDS

__all__ = [
    "KEYS_FILE_ENV",
    "SealError",
    "SealKeys",
    "create_key_file",
    "is_sealed",
    "load_seal_keys",
    "open_event",
    "seal_event",
]

KEYS_FILE_ENV = "QL_IDENTITY_KEYS_FILE"
PREFIX = "sealed.v1."
_NONCE = 24


class SealError(Exception):
    """A sealed value that cannot be opened (unknown key, tampered, moved), or a bad key file."""


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def is_sealed(value: object) -> bool:
    return isinstance(value, str) and value.startswith(PREFIX)


class SealKeys:
    """The gateway's sealing keys: ``keys[0]`` seals, every key opens (by key id)."""

    def __init__(self, keys: Sequence[bytes]) -> None:
        if not keys:
            raise SealError("no identity sealing key")
        if any(len(k) != 32 for k in keys):
            raise SealError("an identity sealing key is 32 bytes")
        self._keys = {self.kid_of(k): k for k in keys}
        self.kid = self.kid_of(keys[0])

    @staticmethod
    def kid_of(key: bytes) -> str:
        return hashlib.blake2b(key, digest_size=6, person=b"ql-seal-kid").hexdigest()

    @classmethod
    def generate(cls) -> SealKeys:
        return cls([os.urandom(32)])

    @classmethod
    def parse(cls, text: str) -> SealKeys:
        lines = [x.strip() for x in text.splitlines() if x.strip() and not x.lstrip().startswith("#")]
        try:
            return cls([base64.b64decode(x, validate=True) for x in lines])
        except ValueError as exc:
            raise SealError("a line of the identity keys file is not base64") from exc

    def seal(self, plaintext: str, context: bytes) -> str:
        nonce = os.urandom(_NONCE)
        sealed = crypto_aead_xchacha20poly1305_ietf_encrypt(plaintext.encode(), context, nonce, self._keys[self.kid])
        return f"{PREFIX}{self.kid}.{_b64(nonce + sealed)}"

    def open(self, value: str, context: bytes) -> str:
        if not is_sealed(value):
            raise SealError("a sealed identity field holds a value in clear")
        kid, _, body = value[len(PREFIX) :].partition(".")
        key = self._keys.get(kid)
        if key is None:
            raise SealError(f"sealed with key {kid!r}, which this gateway does not have ({KEYS_FILE_ENV})")
        try:
            raw = _unb64(body)
            return crypto_aead_xchacha20poly1305_ietf_decrypt(raw[_NONCE:], context, raw[:_NONCE], key).decode()
        except (ValueError, CryptoError) as exc:
            raise SealError(f"a sealed value does not open under key {kid!r}: tampered or moved") from exc


def _context(event: Event, field: str) -> bytes:
    return f"{event.type}\0{field}\0{event.event_id}".encode()


def seal_event(event: Event, keys: SealKeys) -> Event:
    """The event as the log keeps it: its sealed fields sealed (other events unchanged)."""
    fields = SEALED_FIELDS.get(event.type, ())
    if not fields:
        return event
    return msgspec.structs.replace(event, **{f: keys.seal(getattr(event, f), _context(event, f)) for f in fields})


def open_event(event: Event, keys: SealKeys) -> Event:
    """The event as the gateway applies it: its sealed fields opened."""
    fields = SEALED_FIELDS.get(event.type, ())
    if not fields:
        return event
    return msgspec.structs.replace(event, **{f: keys.open(getattr(event, f), _context(event, f)) for f in fields})


def load_seal_keys(configured: Path | None, keys_home: Path) -> SealKeys:
    """The keys of ``configured`` (``QL_IDENTITY_KEYS_FILE``), else of ``keys_home/identity.keys``,
    whose file is made on first use (the embedded default; module docstring)."""
    path = configured or keys_home / "identity.keys"
    if configured is None and not path.exists():
        create_key_file(path)
    try:
        if path.stat().st_mode & 0o077:
            raise SealError(f"{path}: identity keys readable by group or others (chmod 600)")
        return SealKeys.parse(path.read_text())
    except OSError as exc:
        raise SealError(f"{path}: {exc.strerror}") from exc


def create_key_file(path: Path) -> None:
    """Write a fresh key file (0600); a concurrent creator's file wins (linked into place, never replaced)."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        os.write(fd, b"# identity sealing keys: the first line seals, every line opens; never remove one\n")
        os.write(fd, base64.b64encode(os.urandom(32)) + b"\n")
        os.fsync(fd)
    finally:
        os.close(fd)
    try:
        os.link(tmp, path)
    except FileExistsError:
        pass
    finally:
        tmp.unlink()
