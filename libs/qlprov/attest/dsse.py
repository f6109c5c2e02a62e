"""DSSE (Dead Simple Signing Envelope) v1 with Ed25519.

The signature is over the pre-authentication encoding, never the bare payload::

    PAE(type, body) = "DSSEv1" SP LEN(type) SP type SP LEN(body) SP body

with ``LEN`` the ASCII decimal byte length. The envelope is
``{"payload": base64(body), "payloadType": type, "signatures": [{"keyid", "sig": base64}]}``.
Signers emit standard base64; verification accepts standard and URL-safe base64, as the DSSE
protocol requires.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol

import msgspec
from nacl.exceptions import CryptoError
from nacl.signing import VerifyKey

from qlprov.attest.encoding import b64decode, b64encode
from qlprov.attest.errors import VerificationError

__all__ = [
    "Envelope",
    "Signature",
    "Signer",
    "VerifiedEnvelope",
    "decode_envelope",
    "encode_envelope",
    "pae",
    "sign_envelope",
    "verify_envelope",
]


class Signature(msgspec.Struct, frozen=True, omit_defaults=True):
    sig: str
    keyid: str = ""


class Envelope(msgspec.Struct, frozen=True):
    payload: str
    payloadType: str  # the DSSE member name
    signatures: list[Signature]


class VerifiedEnvelope(msgspec.Struct, frozen=True):
    payload_type: str
    payload: bytes
    keyid: str


class Signer(Protocol):
    """Anything that signs bytes with an Ed25519 key known by ``keyid``."""

    @property
    def keyid(self) -> str: ...

    def sign(self, message: bytes) -> bytes: ...


def pae(payload_type: str, payload: bytes) -> bytes:
    kind = payload_type.encode("utf-8")
    return b"DSSEv1 %d %s %d %s" % (len(kind), kind, len(payload), payload)


def sign_envelope(payload: bytes, payload_type: str, signer: Signer) -> Envelope:
    signature = signer.sign(pae(payload_type, payload))
    return Envelope(
        payload=b64encode(payload),
        payloadType=payload_type,
        signatures=[Signature(sig=b64encode(signature), keyid=signer.keyid)],
    )


_envelope_decoder = msgspec.json.Decoder(Envelope)


def encode_envelope(envelope: Envelope) -> bytes:
    return msgspec.json.encode(envelope)


def decode_envelope(data: bytes | str | Mapping[str, Any] | Envelope) -> Envelope:
    """An envelope from JSON text or an already parsed JSON object (raises ``VerificationError``)."""
    if isinstance(data, Envelope):
        return data
    try:
        if isinstance(data, Mapping):
            return msgspec.convert(dict(data), Envelope)
        return _envelope_decoder.decode(data)
    except (msgspec.DecodeError, msgspec.ValidationError) as exc:
        raise VerificationError(f"not a DSSE envelope: {exc}") from exc


def verify_envelope(
    envelope: Envelope,
    keys: Mapping[str, VerifyKey],
    *,
    payload_type: str | None = None,
) -> VerifiedEnvelope:
    """Return the payload if one signature verifies with the key its ``keyid`` names.

    A signature without a known ``keyid`` is not tried against every key: keys are rotated
    and published, and a signature must say which one made it. Raises ``VerificationError``.
    """
    if payload_type is not None and envelope.payloadType != payload_type:
        raise VerificationError(f"payloadType is {envelope.payloadType!r}, expected {payload_type!r}")
    try:
        payload = b64decode(envelope.payload)
    except ValueError as exc:
        raise VerificationError("payload is not base64") from exc
    message = pae(envelope.payloadType, payload)
    unknown = []
    for signature in envelope.signatures:
        key = keys.get(signature.keyid)
        if key is None:
            unknown.append(signature.keyid)
            continue
        try:
            key.verify(message, b64decode(signature.sig))
        except (CryptoError, ValueError, TypeError):
            continue
        return VerifiedEnvelope(payload_type=envelope.payloadType, payload=payload, keyid=signature.keyid)
    if not envelope.signatures:
        raise VerificationError("envelope has no signatures")
    if len(unknown) == len(envelope.signatures):
        raise VerificationError(f"no published key has the kid {', '.join(map(repr, unknown))}")
    raise VerificationError("no signature verifies with a published key")
