"""Signed-note keys: key names and IDs, vkeys, and the Ed25519 signer and verifier.

A key is named by the pair (name, 32-bit key ID). The ID is ``SHA-256(name || 0x0A || type ||
public key)[:4]``, big-endian, with the signature type byte: 0x01 for Ed25519 note signatures
(c2sp.org/signed-note), 0x04 for ``cosignature/v1`` (:mod:`qlprov.tlog.cosignature`). This is
``keyHash`` of Go's ``golang.org/x/mod/sumdb/note`` (which hashes the name, a newline and the
type-prefixed key), checked against it in the interoperability tests. A vkey is
``<name>+<hex ID>+base64(type || public key)``.

Names are non-empty, without Unicode spaces (the White_Space property, Go's
``unicode.IsSpace``) or ``+``. :class:`Ed25519Signer` also reads and writes Go's private key
encoding (``PRIVATE+KEY+<name>+<hex ID>+base64(0x01 || seed)``), so operators can use keys made
by ``note.GenerateKey`` and the tools around it.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from typing import Protocol

from nacl.exceptions import BadSignatureError
from nacl.signing import SigningKey, VerifyKey

from qlprov.tlog.encoding import FormatError, b64, parse_b64

__all__ = [
    "ALG_ED25519",
    "CONTROL_CHARS",
    "Ed25519Signer",
    "Ed25519Verifier",
    "Signer",
    "Verifier",
    "encode_vkey",
    "is_valid_name",
    "key_id",
    "parse_vkey",
]

ALG_ED25519 = 0x01
# The Unicode White_Space property: Go's unicode.IsSpace, which sumdb/note uses for names.
_SPACES = frozenset("\t\n\v\f\r \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a")
_SPACES |= frozenset("\u2028\u2029\u202f\u205f\u3000")
CONTROL_CHARS = re.compile("[\x00-\x09\x0b-\x1f]")
"""ASCII control characters other than newline: never in a note."""


def is_valid_name(name: str) -> bool:
    """Non-empty, valid UTF-8, without Unicode spaces, ``+`` or control characters (Go's rule)."""
    if not name or "+" in name or _SPACES & set(name) or CONTROL_CHARS.search(name):
        return False
    try:
        name.encode()
    except UnicodeEncodeError:  # a lone surrogate
        return False
    return True


def key_id(name: str, alg: int, public: bytes) -> int:
    """``SHA-256(name || 0x0A || alg || public)[:4]`` as a big-endian uint32."""
    return int.from_bytes(hashlib.sha256(name.encode() + b"\n" + bytes([alg]) + public).digest()[:4], "big")


class Verifier(Protocol):
    """A key that can check signatures: its name, key ID and the check itself."""

    @property
    def name(self) -> str: ...
    @property
    def key_id(self) -> int: ...
    def verify(self, msg: bytes, sig: bytes) -> bool: ...


class Signer(Protocol):
    """A key that signs a note's text (``sig`` is what follows the key ID in the line)."""

    @property
    def name(self) -> str: ...
    @property
    def key_id(self) -> int: ...
    def sign(self, msg: bytes) -> bytes: ...


def encode_vkey(name: str, alg: int, public: bytes) -> str:
    """``<name>+<hex key ID>+base64(alg || public)``."""
    return f"{name}+{key_id(name, alg, public):08x}+{b64(bytes([alg]) + public)}"


def _split_key(text: str) -> tuple[str, int, bytes]:
    """``<name>+<8 hex digits>+<base64>``: the name, the ID and the decoded bytes (unchecked).

    Split at the first two ``+`` only, as Go's ``chop`` does: base64 has ``+`` of its own.
    """
    parts = text.split("+", 2)
    if len(parts) != 3 or not is_valid_name(parts[0]) or len(parts[1]) != 8:
        raise FormatError("a key is <name>+<8 hex digits>+<base64>")
    name, hex_id, encoded = parts
    if not all(c in "0123456789abcdef" for c in hex_id):
        raise FormatError("a key ID is 8 lowercase hex digits")
    return name, int(hex_id, 16), parse_b64(encoded, what="key")


def parse_vkey(vkey: str, alg: int, size: int = 32) -> tuple[str, int, bytes]:
    """Parse ``<name>+<hex id>+base64(alg || key)`` and check the ID; returns (name, id, key)."""
    name, kid, raw = _split_key(vkey)
    if len(raw) != 1 + size or raw[0] != alg:
        raise FormatError(f"vkey: expected signature type 0x{alg:02x} and a {size}-byte key")
    if kid != key_id(name, alg, raw[1:]):
        raise FormatError("vkey: the key ID does not match the name and key")
    return name, kid, raw[1:]


@dataclass(frozen=True, slots=True)
class Ed25519Verifier:
    """An Ed25519 note verifier (signature type 0x01)."""

    name: str
    public_key: bytes
    key_id: int = field(init=False)

    def __post_init__(self) -> None:
        if not is_valid_name(self.name) or len(self.public_key) != 32:
            raise FormatError("an Ed25519 verifier needs a valid name and a 32-byte key")
        object.__setattr__(self, "key_id", key_id(self.name, ALG_ED25519, self.public_key))

    @classmethod
    def from_vkey(cls, vkey: str) -> Ed25519Verifier:
        name, _, key = parse_vkey(vkey, ALG_ED25519)
        return cls(name, key)

    def vkey(self) -> str:
        return encode_vkey(self.name, ALG_ED25519, self.public_key)

    def verify(self, msg: bytes, sig: bytes) -> bool:
        if len(sig) != 64:
            return False
        try:
            VerifyKey(self.public_key).verify(msg, sig)
        except BadSignatureError:
            return False
        return True


class Ed25519Signer:
    """An Ed25519 note signer (signature type 0x01) from a 32-byte seed."""

    __slots__ = ("_key", "key_id", "name")

    def __init__(self, name: str, seed: bytes) -> None:
        if not is_valid_name(name) or len(seed) != 32:
            raise FormatError("an Ed25519 signer needs a valid name and a 32-byte seed")
        self.name, self._key = name, SigningKey(seed)
        self.key_id = key_id(name, ALG_ED25519, self.public_key)

    @classmethod
    def generate(cls, name: str) -> Ed25519Signer:
        return cls(name, bytes(SigningKey.generate()))

    @classmethod
    def from_skey(cls, skey: str) -> Ed25519Signer:
        """Go's ``PRIVATE+KEY+<name>+<hex id>+base64(0x01 || seed)``."""
        if not skey.startswith("PRIVATE+KEY+"):
            raise FormatError("a signer key starts with PRIVATE+KEY+")
        name, kid, raw = _split_key(skey.removeprefix("PRIVATE+KEY+"))
        if len(raw) != 33 or raw[0] != ALG_ED25519:
            raise FormatError("signer key: expected type 0x01 and a 32-byte seed")
        signer = cls(name, raw[1:])
        if signer.key_id != kid:
            raise FormatError("signer key: the key ID does not match the name and key")
        return signer

    @property
    def public_key(self) -> bytes:
        return bytes(self._key.verify_key)

    @property
    def seed(self) -> bytes:
        return bytes(self._key)

    def skey(self) -> str:
        return f"PRIVATE+KEY+{self.name}+{self.key_id:08x}+{b64(bytes([ALG_ED25519]) + self.seed)}"

    def verifier(self) -> Ed25519Verifier:
        return Ed25519Verifier(self.name, self.public_key)

    def sign(self, msg: bytes) -> bytes:
        return self._key.sign(msg).signature
