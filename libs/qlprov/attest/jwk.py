"""Public keys as JWKs: RFC 8037 OKP/Ed25519, ``kid`` = RFC 7638 thumbprint.

A JWKS holds public keys only; nothing in this module handles a private key. The thumbprint is
the sha256 of ``{"crv":"Ed25519","kty":"OKP","x":"<x>"}`` (required members, lexicographic
order, no whitespace), in unpadded base64url.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from typing import Any, Literal

import msgspec
from nacl.signing import VerifyKey

from qlprov.attest.encoding import b64url_decode, b64url_encode
from qlprov.attest.errors import VerificationError

__all__ = [
    "JWKS_PATH",
    "Jwk",
    "Jwks",
    "decode_jwks",
    "jwk_thumbprint",
    "public_jwk",
    "verify_key_from_jwk",
    "verify_keys",
]

JWKS_PATH = "/.well-known/quantumledger-jwks.json"


class Jwk(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=False):
    kty: Literal["OKP"] = "OKP"
    crv: Literal["Ed25519"] = "Ed25519"
    x: str
    kid: str
    use: Literal["sig"] = "sig"
    alg: Literal["EdDSA"] = "EdDSA"


class Jwks(msgspec.Struct, frozen=True):
    keys: list[Jwk]


def jwk_thumbprint(x: str) -> str:
    """RFC 7638 thumbprint (sha256, base64url) of an Ed25519 public key given as its ``x``."""
    members = b'{"crv":"Ed25519","kty":"OKP","x":"' + x.encode("ascii") + b'"}'
    return b64url_encode(hashlib.sha256(members).digest())


def public_jwk(public_key: bytes) -> Jwk:
    """The JWK of a raw 32-byte Ed25519 public key."""
    if len(public_key) != 32:
        raise ValueError("an Ed25519 public key is 32 bytes")
    x = b64url_encode(public_key)
    return Jwk(x=x, kid=jwk_thumbprint(x))


def verify_key_from_jwk(jwk: Jwk) -> VerifyKey:
    """The verifying key of a JWK, after checking that its ``kid`` is its own thumbprint."""
    try:
        raw = b64url_decode(jwk.x)
    except ValueError as exc:
        raise VerificationError("JWK x is not base64url") from exc
    if len(raw) != 32:
        raise VerificationError("JWK x is not a 32-byte Ed25519 key")
    if jwk.kid != jwk_thumbprint(jwk.x):
        raise VerificationError(f"JWK kid {jwk.kid!r} is not the key's thumbprint")
    return VerifyKey(raw)


def verify_keys(jwks: Jwks) -> dict[str, VerifyKey]:
    """``kid`` → verifying key for every key of a JWKS."""
    return {jwk.kid: verify_key_from_jwk(jwk) for jwk in jwks.keys}


_jwks_decoder = msgspec.json.Decoder(Jwks)


def decode_jwks(data: bytes | str | Mapping[str, Any] | Jwks) -> Jwks:
    """A JWKS from JSON text or a parsed JSON object (raises ``VerificationError``)."""
    if isinstance(data, Jwks):
        return data
    try:
        if isinstance(data, Mapping):
            return msgspec.convert(dict(data), Jwks)
        return _jwks_decoder.decode(data)
    except (msgspec.DecodeError, msgspec.ValidationError) as exc:
        raise VerificationError(f"not an Ed25519 JWKS: {exc}") from exc
