from __future__ import annotations

import base64

import msgspec
import pytest
from nacl.signing import SigningKey as NaclKey
from qlprov.attest import (
    Envelope,
    Signature,
    VerificationError,
    decode_envelope,
    encode_envelope,
    pae,
    sign_envelope,
    verify_envelope,
)

from services.attestation.domain import SigningKey

SEED = bytes(range(32))
TYPE = "application/vnd.in-toto+json"


def test_pae_matches_the_dsse_spec() -> None:
    assert pae("foo", b"bar") == b"DSSEv1 3 foo 3 bar"
    assert pae(TYPE, b"{}") == b"DSSEv1 28 application/vnd.in-toto+json 2 {}"
    assert pae("t\u00e9", b"") == b"DSSEv1 3 t\xc3\xa9 0 "  # lengths are bytes, not characters


def test_sign_then_verify_round_trips_through_json() -> None:
    key = SigningKey(SEED)
    envelope = sign_envelope(b'{"hello":"world"}', TYPE, key)
    decoded = decode_envelope(encode_envelope(envelope))
    assert decoded == envelope
    verified = verify_envelope(decoded, {key.keyid: NaclKey(SEED).verify_key}, payload_type=TYPE)
    assert verified.payload == b'{"hello":"world"}' and verified.keyid == key.keyid
    # The signature is over the PAE, not the payload.
    sig = base64.b64decode(envelope.signatures[0].sig)
    NaclKey(SEED).verify_key.verify(pae(TYPE, b'{"hello":"world"}'), sig)


def test_tampering_fails() -> None:
    key = SigningKey(SEED)
    keys = {key.keyid: NaclKey(SEED).verify_key}
    envelope = sign_envelope(b'{"ok":true}', TYPE, key)
    tampered = [
        msgspec.structs.replace(envelope, payload=base64.b64encode(b'{"ok":false}').decode()),
        msgspec.structs.replace(envelope, payloadType="application/json"),
        msgspec.structs.replace(
            envelope, signatures=[Signature(sig=base64.b64encode(bytes(64)).decode(), keyid=key.keyid)]
        ),
        msgspec.structs.replace(envelope, signatures=[msgspec.structs.replace(envelope.signatures[0], keyid="x")]),
        msgspec.structs.replace(envelope, signatures=[]),
        msgspec.structs.replace(envelope, signatures=[Signature(sig="c2hvcnQ=", keyid=key.keyid)]),
    ]
    for bad in tampered:
        with pytest.raises(VerificationError):
            verify_envelope(bad, keys)
    with pytest.raises(VerificationError, match="payloadType"):
        verify_envelope(envelope, keys, payload_type="application/json")


def test_other_keys_do_not_verify_and_urlsafe_base64_is_accepted() -> None:
    key = SigningKey(SEED)
    envelope = sign_envelope(b"\xfb\xff payload", TYPE, key)
    stranger = NaclKey(bytes(32)).verify_key
    with pytest.raises(VerificationError, match="no signature verifies"):
        verify_envelope(envelope, {key.keyid: stranger})
    urlsafe = Envelope(
        payload=base64.urlsafe_b64encode(b"\xfb\xff payload").decode().rstrip("="),
        payloadType=TYPE,
        signatures=[
            Signature(
                sig=base64.urlsafe_b64encode(base64.b64decode(envelope.signatures[0].sig)).decode(), keyid=key.keyid
            )
        ],
    )
    assert verify_envelope(urlsafe, {key.keyid: NaclKey(SEED).verify_key}).payload == b"\xfb\xff payload"


def test_garbage_is_not_an_envelope() -> None:
    with pytest.raises(VerificationError):
        decode_envelope(b'{"payload": 1}')
    with pytest.raises(VerificationError):
        decode_envelope(b"not json")
