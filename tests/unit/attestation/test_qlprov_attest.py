"""``qlprov.attest`` (the verifier the SDK ships) against the server's attestation domain.

The server signs with its own code; qlprov must reach the same verdict on every attestation,
honest or tampered, so the server can switch to it. Evidence goes in as the server's Structs
and as plain JSON objects (what a client holds after ``GET /attestations/{id}``).
"""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import msgspec
import pytest
from qlprov import attest as q
from quantumledger.attest import load_attestation, load_jwks, verify_attestation
from quantumledger.errors import VerificationError as SdkVerificationError

from services.attestation.domain import (
    Attestation,
    FrameworkCatalog,
    FrameworkResult,
    Keyring,
    Revocation,
    evidence_inclusion_proof,
    evidence_root,
    inclusion_proof,
    issue_attestation,
    merkle_root,
    sign_revocation_list,
)
from services.attestation.domain import verify_attestation as server_verify

EVALUATED_AT = "2025-03-01T12:00:05Z"
# RFC 8037 appendix A: the Ed25519 public key and its RFC 7638 thumbprint
RFC_X = "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"
RFC_KID = "kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k"


@pytest.fixture
def result(catalog: FrameworkCatalog, make: Any) -> FrameworkResult:
    framework = catalog.get("reproducibility-baseline")
    assert framework is not None
    return evaluate(make, framework)


def evaluate(make: Any, framework: Any) -> FrameworkResult:
    from services.attestation.domain import evaluate_framework

    runs = [make.run("01JA"), make.run("01JB", seeds={}), make.run("01JC")]
    return evaluate_framework(make.snapshot(runs=runs), framework)


@pytest.fixture
def keyring() -> Keyring:
    return Keyring.from_private_key(bytes(range(32)))


@pytest.fixture
def attestation(result: FrameworkResult, keyring: Keyring) -> Attestation:
    return issue_attestation(result, keyring, attestation_id="01JATT", evaluated_at=EVALUATED_AT, issuer="https://x")


def as_json(value: Any) -> Any:
    """What a client holds: the value through the wire format."""
    return json.loads(msgspec.json.encode(value))


def same(a: Any, b: Any) -> None:
    assert msgspec.to_builtins(a) == msgspec.to_builtins(b)


def test_a_server_attestation_verifies_with_qlprov_exactly_as_with_the_server(
    attestation: Attestation, keyring: Keyring, result: FrameworkResult
) -> None:
    jwks = as_json(keyring.jwks())
    envelope = as_json(attestation.envelope)
    theirs = server_verify(attestation.envelope, keyring.jwks(), evidence=result.evidence)
    for evidence in (result.evidence, as_json(result.evidence), list(reversed(as_json(result.evidence)))):
        ours = q.verify_attestation(envelope, jwks, evidence=evidence)
        same(ours, theirs)
        assert ours.valid and ours.evidence_checked and ours.evidence_root == result.evidence_root
    assert q.evidence_root(as_json(result.evidence)) == evidence_root(result.evidence)
    # the JWKS as JSON text, the envelope as JSON text: the same answer
    text = q.verify_attestation(json.dumps(envelope), json.dumps(jwks).encode(), evidence=as_json(result.evidence))
    same(text, theirs)


def _flip(b64: str, at: int = 20) -> str:
    raw = bytearray(base64.b64decode(b64))
    raw[at] ^= 0x01
    return base64.b64encode(bytes(raw)).decode()


def test_tampering_is_caught_as_the_server_catches_it(
    attestation: Attestation, keyring: Keyring, result: FrameworkResult, catalog: FrameworkCatalog, make: Any
) -> None:
    jwks, evidence = as_json(keyring.jwks()), as_json(result.evidence)
    env = as_json(attestation.envelope)
    fair = catalog.get("fair-research-data")
    assert fair is not None
    other = issue_attestation(
        evaluate(make, fair), keyring, attestation_id="01JOTHER", evaluated_at=EVALUATED_AT, issuer="x"
    )
    stranger = Keyring.from_private_key(bytes(32))
    forged = [dict(evidence[0], facts={**evidence[0]["facts"], "run_hash": "0" * 64}), *evidence[1:]]
    cases: dict[str, tuple[dict[str, Any], Any, list[dict[str, Any]]]] = {
        "payload byte flipped": ({**env, "payload": _flip(env["payload"])}, jwks, evidence),
        "signature of another attestation": (
            {**env, "signatures": as_json(other.envelope)["signatures"]},
            jwks,
            evidence,
        ),
        "unknown kid": (env, as_json(stranger.jwks()), evidence),
        "evidence item changed": (env, jwks, forged),
        "evidence item withheld": (env, jwks, evidence[1:]),
    }
    for name, (envelope, keys, items) in cases.items():
        ours = q.verify_attestation(envelope, keys, evidence=items)
        theirs = server_verify(
            q.decode_envelope(envelope),
            msgspec.convert(keys, type(keyring.jwks())),
            evidence=[msgspec.convert(i, type(result.evidence[0])) for i in items],
        )
        assert not ours.valid, name
        assert (ours.signature_valid, ours.evidence_checked, ours.attestation_id) == (
            theirs.signature_valid,
            theirs.evidence_checked,
            theirs.attestation_id,
        ), name
        if name != "unknown kid":  # ours names the kid nobody published; same verdict
            assert ours.errors == theirs.errors, name
    unknown = q.verify_attestation(env, as_json(stranger.jwks()))
    assert unknown.errors == [f"no published key has the kid {keyring.keyid!r}"]


def test_revocation_is_reported_beside_validity_from_a_signed_list(attestation: Attestation, keyring: Keyring) -> None:
    listed = sign_revocation_list(
        [Revocation(att_id="01JATT", reason="drill", revoked_at="2025-03-02T00:00:00Z")],
        keyring,
        issuer="https://x",
        issued_at="2025-03-02T00:00:00Z",
    )
    body = q.verify_revocation_list(
        q.decode_envelope(as_json(listed)), q.verify_keys(q.decode_jwks(as_json(keyring.jwks())))
    )
    out = q.verify_attestation(
        as_json(attestation.envelope), as_json(keyring.jwks()), revocations=body.by_attestation()
    )
    assert out.valid and out.revoked and out.revocation_reason == "drill"
    with pytest.raises(q.VerificationError):
        q.verify_revocation_list(
            listed, q.verify_keys(q.decode_jwks(as_json(Keyring.from_private_key(bytes(32)).jwks())))
        )


def test_merkle_tree_and_proofs_match_the_server_and_rfc_9162() -> None:
    assert q.merkle_root([]).hex() == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    for n in range(1, 18):
        leaves = [bytes([i]) * 32 for i in range(n)]
        assert q.merkle_root(leaves) == merkle_root(leaves)
        for i in range(n):
            proof = q.inclusion_proof(leaves, i)
            same(proof, inclusion_proof(leaves, i))
            assert q.verify_inclusion(leaves[i], proof, q.merkle_root(leaves))
            assert not q.verify_inclusion(b"\xff" * 32, proof, q.merkle_root(leaves))


def test_one_disclosed_item_is_proven_without_the_others(result: FrameworkResult) -> None:
    item = result.evidence[1]
    proof = as_json(evidence_inclusion_proof(result, item.id))
    assert q.verify_evidence_item(as_json(item), proof, result.evidence_root)
    changed = {**as_json(item), "outcome": "pass" if item.outcome == "fail" else "fail"}
    assert not q.verify_evidence_item(changed, proof, result.evidence_root)
    assert not q.verify_evidence_item(
        as_json(item), {**proof, "leaf_index": proof["leaf_index"] + 1}, result.evidence_root
    )


def test_jwk_thumbprint_is_rfc_7638_and_a_kid_must_be_its_thumbprint() -> None:
    assert q.jwk_thumbprint(RFC_X) == RFC_KID
    with pytest.raises(q.VerificationError, match="thumbprint"):
        q.verify_key_from_jwk(q.Jwk(x=RFC_X, kid="my-key"))
    with pytest.raises(q.VerificationError):
        q.decode_jwks(b'{"keys":[{"kty":"RSA","n":"x","e":"AQAB","kid":"k"}]}')


def test_the_sdk_verifies_files_as_issue_and_get_answer_them(
    tmp_path: Path, attestation: Attestation, keyring: Keyring, result: FrameworkResult
) -> None:
    record = tmp_path / "att.json"
    record.write_text(
        json.dumps(
            {
                "attestation_id": "01JATT",
                "envelope": as_json(attestation.envelope),
                "evidence": as_json(result.evidence),
            }
        )
    )
    jwks = tmp_path / "jwks.json"
    jwks.write_bytes(msgspec.json.encode(keyring.jwks()))
    v = verify_attestation(record, jwks)
    assert v.valid and v.evidence_checked and v.offline and not v.revocation_checked and not v.revoked
    bare = verify_attestation(as_json(attestation.envelope), load_jwks(jwks))
    assert bare.valid and not bare.evidence_checked
    assert load_attestation(record)[1] == as_json(result.evidence)
    listed = sign_revocation_list(
        [Revocation(att_id="01JATT", reason="superseded", revoked_at="2025-03-02T00:00:00Z")],
        keyring,
        issuer="https://x",
        issued_at="2025-03-02T00:00:00Z",
    )
    revoked = verify_attestation(record, jwks, revocations=msgspec.json.encode(listed))
    assert (
        revoked.valid and revoked.revoked and revoked.revocation_checked and revoked.revocation_reason == "superseded"
    )
    foreign = sign_revocation_list(
        [], Keyring.from_private_key(bytes(32)), issuer="https://x", issued_at="2025-03-02T00:00:00Z"
    )
    with pytest.raises(SdkVerificationError, match="revocation list"):
        verify_attestation(record, jwks, revocations=msgspec.json.encode(foreign))
    with pytest.raises(SdkVerificationError):
        verify_attestation(b"[1, 2]", jwks)
