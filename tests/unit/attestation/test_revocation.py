from __future__ import annotations

import base64
import json

import msgspec
import pytest
from qlprov.attest import (
    REVOCATIONS_PAYLOAD_TYPE,
    Revocation,
    VerificationError,
    sign_envelope,
    sign_revocation_list,
    verify_revocation_list,
)

from services.attestation.domain import Keyring

A = Revocation(att_id="01JB", reason="superseded", revoked_at="2025-03-02T00:00:00Z")
B = Revocation(att_id="01JA", reason="evidence <disputed>", revoked_at="2025-03-03T00:00:00Z")


def test_signed_list_round_trips_in_a_canonical_order() -> None:
    ring = Keyring.from_private_key(bytes(range(32)))
    envelope = sign_revocation_list(
        [A, B], ring, issuer="https://quantumledger.ben.gy", issued_at="2025-03-03T01:00:00Z"
    )
    assert envelope.payloadType == REVOCATIONS_PAYLOAD_TYPE
    body = verify_revocation_list(envelope, ring.verify_keys())
    assert [r.att_id for r in body.revocations] == ["01JA", "01JB"]
    assert body.by_attestation()["01JA"].reason == "evidence <disputed>"
    raw = json.loads(base64.b64decode(envelope.payload))
    assert raw == {
        "_type": "https://quantumledger.dev/attestation/revocations/v1",
        "issuer": "https://quantumledger.ben.gy",
        "issued_at": "2025-03-03T01:00:00Z",
        "revocations": [msgspec.to_builtins(B), msgspec.to_builtins(A)],
    }
    again = sign_revocation_list([B, A], ring, issuer="https://quantumledger.ben.gy", issued_at="2025-03-03T01:00:00Z")
    assert again == envelope


def test_tampered_or_foreign_lists_fail() -> None:
    ring = Keyring.from_private_key(bytes(range(32)))
    envelope = sign_revocation_list([A], ring, issuer="i", issued_at="2025-03-03T01:00:00Z")
    body = json.loads(base64.b64decode(envelope.payload))
    body["revocations"] = []  # someone hiding a revocation
    emptied = msgspec.structs.replace(envelope, payload=base64.b64encode(json.dumps(body).encode()).decode())
    with pytest.raises(VerificationError):
        verify_revocation_list(emptied, ring.verify_keys())
    with pytest.raises(VerificationError):
        verify_revocation_list(envelope, Keyring.from_private_key(bytes(32)).verify_keys())
    statement = sign_envelope(b"{}", "application/vnd.in-toto+json", ring)
    with pytest.raises(VerificationError, match="payloadType"):
        verify_revocation_list(statement, ring.verify_keys())
    wrong_type = sign_envelope(
        b'{"_type":"x","issuer":"i","issued_at":"t","revocations":[]}', REVOCATIONS_PAYLOAD_TYPE, ring
    )
    with pytest.raises(VerificationError, match="_type"):
        verify_revocation_list(wrong_type, ring.verify_keys())


def test_an_attestation_is_revoked_once() -> None:
    ring = Keyring.from_private_key(bytes(range(32)))
    with pytest.raises(ValueError, match="revoked twice"):
        sign_revocation_list([A, A], ring, issuer="i", issued_at="t")
