"""Issue, verify, tamper, revoke; and verify with nothing but the JWKS and `cryptography`."""

from __future__ import annotations

import base64
import hashlib
import json
from typing import Any

import blake3
import msgspec
import pytest
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from qlprov.attest import (
    PAYLOAD_TYPE,
    PREDICATE_TYPE,
    Revocation,
    canonical_json,
    encode_envelope,
    sign_envelope,
    verify_attestation,
)

from services.attestation.domain import (
    Attestation,
    FrameworkCatalog,
    FrameworkResult,
    Keyring,
    evaluate_framework,
    evidence_inclusion_proof,
    issue_attestation,
)

EVALUATED_AT = "2025-03-01T12:00:05Z"


@pytest.fixture
def result(catalog: FrameworkCatalog, make: Any) -> FrameworkResult:
    framework = catalog.get("reproducibility-baseline")
    assert framework is not None
    runs = [make.run("01JA"), make.run("01JB", seeds={})]
    return evaluate_framework(make.snapshot(runs=runs), framework)


@pytest.fixture
def keyring() -> Keyring:
    return Keyring.from_private_key(bytes(range(32)))


@pytest.fixture
def attestation(result: FrameworkResult, keyring: Keyring) -> Attestation:
    return issue_attestation(
        result, keyring, attestation_id="01JATT", evaluated_at=EVALUATED_AT, issuer="https://quantumledger.ben.gy"
    )


def _independent_verify(envelope_json: bytes, jwks_json: bytes) -> dict:
    """A verifier that shares no code with ours: json, base64, hashlib and `cryptography`."""
    envelope = json.loads(envelope_json)
    keys = {k["kid"]: k for k in json.loads(jwks_json)["keys"]}
    payload = base64.b64decode(envelope["payload"])
    ptype = envelope["payloadType"].encode()
    pae = b"DSSEv1 " + str(len(ptype)).encode() + b" " + ptype + b" " + str(len(payload)).encode() + b" " + payload
    [signature] = envelope["signatures"]
    jwk = keys[signature["keyid"]]
    assert (jwk["kty"], jwk["crv"], jwk["alg"], jwk["use"]) == ("OKP", "Ed25519", "EdDSA", "sig")
    thumb_input = json.dumps({"crv": jwk["crv"], "kty": jwk["kty"], "x": jwk["x"]}, separators=(",", ":"))
    thumbprint = base64.urlsafe_b64encode(hashlib.sha256(thumb_input.encode()).digest()).rstrip(b"=").decode()
    assert thumbprint == jwk["kid"]
    raw = base64.urlsafe_b64decode(jwk["x"] + "=" * (-len(jwk["x"]) % 4))
    Ed25519PublicKey.from_public_bytes(raw).verify(base64.b64decode(signature["sig"]), pae)
    return json.loads(payload)


def test_independent_verifier_accepts_it_from_the_jwks_alone(
    attestation: Attestation, keyring: Keyring, result: FrameworkResult
) -> None:
    envelope_json = encode_envelope(attestation.envelope)
    jwks_json = msgspec.json.encode(keyring.jwks())
    statement = _independent_verify(envelope_json, jwks_json)
    assert json.loads(envelope_json)["payloadType"] == "application/vnd.in-toto+json"
    assert statement["_type"] == "https://in-toto.io/Statement/v1"
    assert statement["predicateType"] == PREDICATE_TYPE
    predicate = statement["predicate"]
    assert predicate["framework"]["id"] == "reproducibility-baseline"
    assert predicate["evidence_root"] == result.evidence_root == attestation.evidence_root
    assert predicate["status"] == "failing"
    assert {c["id"]: c["failing_count"] for c in predicate["controls"]}["RB-4"] == 1
    # The subject digests are of the evidence bundle the service stores and serves.
    bundle = json.dumps(
        sorted(msgspec.to_builtins(result.evidence), key=lambda i: i["id"]), separators=(",", ":"), sort_keys=True
    ).encode()
    assert statement["subject"][0]["digest"] == {
        "sha256": hashlib.sha256(bundle).hexdigest(),
        "blake3": blake3.blake3(bundle).hexdigest(),
    }


def test_independent_verifier_rejects_a_tampered_envelope(attestation: Attestation, keyring: Keyring) -> None:
    jwks_json = msgspec.json.encode(keyring.jwks())
    envelope = json.loads(encode_envelope(attestation.envelope))
    statement = json.loads(base64.b64decode(envelope["payload"]))
    statement["predicate"]["status"] = "passing"
    envelope["payload"] = base64.b64encode(json.dumps(statement).encode()).decode()
    with pytest.raises(InvalidSignature):
        _independent_verify(json.dumps(envelope).encode(), jwks_json)
    assert not verify_attestation(msgspec.convert(envelope, type(attestation.envelope)), keyring.jwks()).valid


def test_one_evidence_item_is_provable_independently(attestation: Attestation, result: FrameworkResult) -> None:
    item = next(i for i in result.evidence if i.id == "RB-4/run:01JB")
    proof = evidence_inclusion_proof(result, item.id)
    content = {k: v for k, v in msgspec.to_builtins(item).items() if k != "digest"}
    digest = hashlib.sha256(json.dumps(content, separators=(",", ":"), sort_keys=True).encode()).digest()
    assert digest.hex() == item.digest
    node = hashlib.sha256(b"\x00" + digest).digest()
    index, size = proof.leaf_index, proof.tree_size - 1
    for sibling in map(bytes.fromhex, proof.path):  # RFC 9162 2.1.3.2, written out
        if index & 1 or index == size:
            node = hashlib.sha256(b"\x01" + sibling + node).digest()
            while index and not index & 1:
                index, size = index >> 1, size >> 1
        else:
            node = hashlib.sha256(b"\x01" + node + sibling).digest()
        index, size = index >> 1, size >> 1
    assert node.hex() == attestation.statement.predicate.evidence_root


def test_our_verifier_checks_signature_evidence_and_revocation(
    attestation: Attestation, keyring: Keyring, result: FrameworkResult
) -> None:
    report = verify_attestation(attestation.envelope, keyring.jwks(), evidence=result.evidence)
    assert report.valid and report.signature_valid and report.evidence_checked and not report.revoked
    assert (report.attestation_id, report.evidence_root) == ("01JATT", result.evidence_root)
    assert report.keyid == keyring.keyid and report.evaluated_at == EVALUATED_AT and report.errors == []

    forged = list(result.evidence)
    forged[0] = msgspec.structs.replace(forged[0], facts={**forged[0].facts, "run_hash": "0" * 64})
    bad = verify_attestation(attestation.envelope, keyring.jwks(), evidence=forged)
    assert not bad.valid and bad.signature_valid
    assert bad.errors[0].endswith("content does not match its digest")

    missing = verify_attestation(attestation.envelope, keyring.jwks(), evidence=result.evidence[1:])
    assert not missing.valid and any("evidence items" in e for e in missing.errors)

    revocation = Revocation(att_id="01JATT", reason="key compromise drill", revoked_at="2025-03-02T00:00:00Z")
    revoked = verify_attestation(attestation.envelope, keyring.jwks(), revocations={"01JATT": revocation})
    assert revoked.valid and revoked.revoked
    assert (revoked.revocation_reason, revoked.revoked_at) == ("key compromise drill", "2025-03-02T00:00:00Z")


def test_unknown_key_and_wrong_statement_are_invalid(attestation: Attestation, result: FrameworkResult) -> None:
    stranger = Keyring.from_private_key(bytes(32))
    report = verify_attestation(attestation.envelope, stranger.jwks())
    assert not report.valid and not report.signature_valid and report.attestation_id is None
    body = msgspec.to_builtins(attestation.statement)
    body["predicateType"] = "https://slsa.dev/provenance/v1"
    not_ours = sign_envelope(canonical_json(body), PAYLOAD_TYPE, stranger)
    wrong = verify_attestation(not_ours, stranger.jwks())
    assert wrong.signature_valid and not wrong.valid
    assert wrong.errors == ["predicateType is 'https://slsa.dev/provenance/v1'"]
    body["predicateType"], body["predicate"] = PREDICATE_TYPE, {}
    empty = verify_attestation(sign_envelope(canonical_json(body), PAYLOAD_TYPE, stranger), stranger.jwks())
    assert not empty.valid and "not a compliance statement" in empty.errors[0]


def test_issuing_is_deterministic(result: FrameworkResult, keyring: Keyring) -> None:
    one = issue_attestation(result, keyring, attestation_id="01JATT", evaluated_at=EVALUATED_AT, issuer="x")
    two = issue_attestation(result, keyring, attestation_id="01JATT", evaluated_at=EVALUATED_AT, issuer="x")
    assert encode_envelope(one.envelope) == encode_envelope(two.envelope)  # Ed25519 is deterministic
