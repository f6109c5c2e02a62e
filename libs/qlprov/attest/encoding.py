"""Byte-level helpers: canonical JSON, digests, base64.

Everything that is hashed or signed goes through :func:`canonical_json` (RFC 8785), so any
verifier with a JCS library reproduces the exact bytes.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from typing import Any

import blake3
import msgspec

from qlprov.canonical import canonicalize

__all__ = ["b64decode", "b64encode", "b64url_decode", "b64url_encode", "blake3_hex", "canonical_json", "sha256_hex"]


def canonical_json(value: Any) -> bytes:
    """RFC 8785 canonical JSON of a JSON value or a msgspec Struct."""
    return canonicalize(msgspec.to_builtins(value))


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def blake3_hex(data: bytes) -> str:
    return blake3.blake3(data).hexdigest()


def b64encode(data: bytes) -> str:
    """Standard base64 with padding (what DSSE signers conventionally emit)."""
    return base64.b64encode(data).decode("ascii")


def b64decode(text: str) -> bytes:
    """Decode standard or URL-safe base64, padded or not (DSSE verifiers must accept both)."""
    cleaned = text.strip().replace("-", "+").replace("_", "/")
    cleaned += "=" * (-len(cleaned) % 4)
    try:
        return base64.b64decode(cleaned, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise ValueError("not valid base64") from exc


def b64url_encode(data: bytes) -> str:
    """Unpadded base64url (RFC 7515 section 2), as JWKs use."""
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_decode(text: str) -> bytes:
    if "=" in text or "+" in text or "/" in text:
        raise ValueError("not unpadded base64url")
    try:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError) as exc:
        raise ValueError("not valid base64url") from exc
