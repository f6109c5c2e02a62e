"""``qlprov.attest``, the one verifier (the ledger's and the SDK's), against independent tools.

The server has no verifier of its own any more, so a bug in ``qlprov.attest`` would make the
ledger and the SDK agree on a wrong answer. These tests hold it to code that shares nothing with
it: the DSSE PAE written out from the spec, Ed25519 with ``cryptography`` (not PyNaCl), the RFC
7638 thumbprint with ``hashlib``/``base64``, item digests with the reference RFC 8785 package
(not the orjson fast path), the RFC 9162 tree written out with ``hashlib``, and the bundle's
digests with ``hashlib`` and ``blake3`` (``tests/integration/attestation/helpers.py``). Each
attestation, honest or tampered, gets the same verdict from both.

What each test would catch: a signature accepted over the wrong bytes or with the wrong key; a
statement read differently from what was signed; an item digest, root or bundle digest computed
differently from the published construction; a tampered item, page or bundle passing; an
unknown kid not named; a revocation list accepted from a foreign key.
"""

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
from qlprov import attest as q

from services.attestation.domain import (
    Attestation,
    FrameworkCatalog,
    FrameworkResult,
    Keyring,
    evaluate_framework,
    evidence_inclusion_proof,
    issue_attestation,
    paginate,
)
from tests.integration.attestation.helpers import (
    b64url_decode,
    independent_inclusion,
    independent_merkle_root,
    independent_verify,
    pae,
)

EVALUATED_AT = "2025-03-01T12:00:05Z"
# RFC 8037 appendix A: the Ed25519 public key and its RFC 7638 thumbprint
RFC_X = "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"
RFC_KID = "kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k"


def evaluate(make: Any, framework: Any, runs: int = 3) -> FrameworkResult:
    facts = [make.run(f"01JR{i:06d}", **({"seeds": {}} if i % 3 == 1 else {})) for i in range(runs)]
    return evaluate_framework(make.snapshot(runs=facts), framework)


@pytest.fixture
def result(catalog: FrameworkCatalog, make: Any) -> FrameworkResult:
    framework = catalog.get("reproducibility-baseline")
    assert framework is not None
    return evaluate(make, framework, runs=450)  # 2,250 items: three pages of up to 1,024


@pytest.fixture
def keyring() -> Keyring:
    return Keyring.from_private_key(bytes(range(32)))


@pytest.fixture
def attestation(result: FrameworkResult, keyring: Keyring) -> Attestation:
    return issue_attestation(result, keyring, attestation_id="01JATT", evaluated_at=EVALUATED_AT, issuer="https://x")


def as_json(value: Any) -> Any:
    """What a client holds: the value through the wire format."""
    return json.loads(msgspec.json.encode(value))


def bundle_of(result: FrameworkResult) -> bytes:
    """The bundle as the ledger serves it: its stored pages joined (``paginate`` + ``bundle_parts``)."""
    return b"".join(q.bundle_parts(paginate(result.evidence).pages))


def independently_valid(envelope: dict[str, Any], jwks: dict[str, Any], bundle: bytes | None) -> bool:
    """The whole verification with no code of ours: signature, statement, and with the bundle its
    digests, every item digest and the root."""
    try:
        statement = independent_verify(envelope, jwks)
    except (InvalidSignature, KeyError, AssertionError, ValueError):
        return False
    if statement.get("predicateType") != q.PREDICATE_TYPE or len(statement.get("subject", [])) != 1:
        return False
    if bundle is None:
        return True
    try:
        items = json.loads(bundle)
        root, _ = independent_merkle_root(items)
    except (AssertionError, ValueError, KeyError, TypeError):
        return False
    digests = {"sha256": hashlib.sha256(bundle).hexdigest(), "blake3": blake3.blake3(bundle).hexdigest()}
    predicate = statement["predicate"]
    return (
        statement["subject"][0]["digest"] == digests
        and root == predicate["evidence_root"]
        and len(items) == predicate["evidence_tree"]["size"]
    )


def test_an_issued_attestation_verifies_here_and_with_independent_code(
    attestation: Attestation, keyring: Keyring, result: FrameworkResult
) -> None:
    envelope, jwks, bundle = as_json(attestation.envelope), as_json(keyring.jwks()), bundle_of(result)
    assert independently_valid(envelope, jwks, bundle)
    root, digests = independent_merkle_root(json.loads(bundle))
    assert root == result.evidence_root and digests == q.bundle_digest(result.evidence)
    statement = independent_verify(envelope, jwks)
    assert q.read_statement(envelope) == msgspec.convert(statement, q.Statement)  # read as signed
    for v in (
        q.verify_attestation(envelope, jwks, bundle=bundle),
        q.verify_attestation(json.dumps(envelope), json.dumps(jwks).encode(), bundle=[bundle[:1000], bundle[1000:]]),
        q.verify_attestation(envelope, jwks, evidence=list(reversed(as_json(result.evidence)))),  # any order
        q.verify_attestation(attestation.envelope, keyring.jwks(), evidence=result.evidence),  # Structs
    ):
        assert v.valid and v.signature_valid and v.evidence_checked and not v.errors, v.errors
        assert (v.attestation_id, v.keyid, v.evidence_root) == ("01JATT", jwks["keys"][0]["kid"], root)
        assert (v.workspace_id, v.framework_id, v.evaluated_at) == (
            result.workspace_id,
            result.framework_id,
            EVALUATED_AT,
        )
    signed_only = q.verify_attestation(envelope, jwks)
    assert signed_only.valid and not signed_only.evidence_checked


def test_the_signature_is_ed25519_over_the_pae_as_cryptography_checks_it(
    attestation: Attestation, keyring: Keyring
) -> None:
    envelope, [jwk] = as_json(attestation.envelope), as_json(keyring.jwks())["keys"]
    payload = base64.b64decode(envelope["payload"])
    assert q.pae(envelope["payloadType"], payload) == pae(envelope["payloadType"], payload)
    public = Ed25519PublicKey.from_public_bytes(b64url_decode(jwk["x"]))
    public.verify(base64.b64decode(envelope["signatures"][0]["sig"]), pae(q.PAYLOAD_TYPE, payload))
    with pytest.raises(InvalidSignature):
        public.verify(base64.b64decode(envelope["signatures"][0]["sig"]), payload)  # never the bare payload
    assert q.jwk_thumbprint(RFC_X) == RFC_KID and q.jwk_thumbprint(jwk["x"]) == jwk["kid"]


def _flip(b64: str, at: int = 20) -> str:
    raw = bytearray(base64.b64decode(b64))
    raw[at] ^= 0x01
    return base64.b64encode(bytes(raw)).decode()


def _item_changed(bundle: bytes, page: int) -> tuple[bytes, str]:
    """The bundle with one item of ``page`` changed (its content, not its digest), and its id."""
    items = json.loads(bundle)
    victim = items[page * q.PAGE_SIZE + 5]
    victim["outcome"] = "pass" if victim["outcome"] == "fail" else "fail"
    return q.canonical_json(items), victim["id"]


def test_tampering_fails_here_and_independently(
    attestation: Attestation, keyring: Keyring, result: FrameworkResult, catalog: FrameworkCatalog, make: Any
) -> None:
    env, jwks, bundle = as_json(attestation.envelope), as_json(keyring.jwks()), bundle_of(result)
    fair = catalog.get("fair-research-data")
    assert fair is not None
    other = issue_attestation(evaluate(make, fair), keyring, attestation_id="01JOTHER", evaluated_at="t", issuer="x")
    stranger = as_json(Keyring.from_private_key(bytes(32)).jwks())
    changed, victim = _item_changed(bundle, page=2)
    items = json.loads(bundle)
    cases: dict[str, tuple[dict[str, Any], Any, bytes, str]] = {
        "payload byte flipped": ({**env, "payload": _flip(env["payload"])}, jwks, bundle, "no signature verifies"),
        "another attestation's signature": (
            {**env, "signatures": as_json(other.envelope)["signatures"]},
            jwks,
            bundle,
            "no signature verifies",
        ),
        "unknown kid": (env, stranger, bundle, f"no published key has the kid {keyring.keyid!r}"),
        "an item changed": (env, jwks, changed, f"evidence {victim}: content does not match its digest"),
        "an item withheld": (env, jwks, q.canonical_json(items[1:]), "evidence items, the statement has"),
        "two items swapped": (
            env,
            jwks,
            q.canonical_json([items[1], items[0], *items[2:]]),
            f"evidence {items[0]['id']}: out of leaf order",
        ),
        "the bundle re-encoded": (env, jwks, json.dumps(items).encode(), "does not match the subject digests"),
    }
    for name, (envelope, keys, evidence, why) in cases.items():
        assert not independently_valid(envelope, keys, evidence), name
        v = q.verify_attestation(envelope, keys, bundle=evidence)
        assert not v.valid and any(why in e for e in v.errors), (name, v.errors)
        assert v.signature_valid == (envelope is env and keys is jwks), name


def test_every_item_is_checked_page_by_page_and_named(
    attestation: Attestation, keyring: Keyring, result: FrameworkResult
) -> None:
    """The stored pages (the ledger's check) and the bundle in chunks of any size (the SDK's) give
    one verdict, naming each changed item, page after page."""
    statement = q.read_statement(as_json(attestation.envelope))
    pages = paginate(result.evidence).pages
    assert len(pages) == 3
    for size in (7, 997, 65536, 10**9):
        bundle = bundle_of(result)
        assert q.check_bundle(statement, (bundle[i : i + size] for i in range(0, len(bundle), size))) == []
    check = q.PagesCheck(statement)
    for i, page in enumerate(pages):
        check.add_page(i, page)
    assert check.finish() == []

    changed = []
    for page in (0, 2):
        forged = json.loads(pages[page])
        forged[7]["facts"] = {**forged[7]["facts"], "forged": True}
        pages[page] = q.canonical_json(forged)
        changed.append(forged[7]["id"])
    bundle = b"".join(q.bundle_parts(pages))
    named = [f"evidence {i}: content does not match its digest" for i in changed]
    from_bundle = q.check_bundle(statement, [bundle[i : i + 4096] for i in range(0, len(bundle), 4096)])
    check = q.PagesCheck(statement)
    for i, page in enumerate(pages):
        check.add_page(i, page)
    assert from_bundle == check.finish() == [*named, "evidence bundle does not match the subject digests"]


def test_one_disclosed_item_is_proven_as_independent_code_proves_it(result: FrameworkResult) -> None:
    leaves = [bytes.fromhex(i.digest) for i in result.evidence]
    for n in (0, 1023, 1024, len(leaves) - 1):
        item, proof = as_json(result.evidence[n]), as_json(evidence_inclusion_proof(result, result.evidence[n].id))
        paged = q.paged_inclusion_proof(
            leaves[(n // 1024) * 1024 : (n // 1024 + 1) * 1024],
            n % 1024,
            [q.merkle_root(leaves[i : i + 1024]) for i in range(0, len(leaves), 1024)],
            n // 1024,
            page_size=1024,
            tree_size=len(leaves),
        )
        assert as_json(paged) == proof
        assert q.verify_evidence_item(item, proof, result.evidence_root)
        assert independent_inclusion(item, proof, result.evidence_root)
        changed = {**item, "outcome": "pass" if item["outcome"] == "fail" else "fail"}
        assert not q.verify_evidence_item(changed, proof, result.evidence_root)
        assert not independent_inclusion(changed, proof, result.evidence_root)
        moved = {**proof, "leaf_index": (proof["leaf_index"] + 1) % proof["tree_size"]}
        assert not q.verify_evidence_item(item, moved, result.evidence_root)


def test_a_signed_revocation_list_verifies_with_cryptography_and_only_with_our_keys(
    attestation: Attestation, keyring: Keyring
) -> None:
    listed = as_json(
        q.sign_revocation_list(
            [q.Revocation(att_id="01JATT", reason="drill", revoked_at="2025-03-02T00:00:00Z")],
            keyring,
            issuer="https://x",
            issued_at="2025-03-02T00:00:00Z",
        )
    )
    body = independent_verify(listed, as_json(keyring.jwks()))
    assert body["revocations"] == [{"att_id": "01JATT", "reason": "drill", "revoked_at": "2025-03-02T00:00:00Z"}]
    keys = q.verify_keys(q.decode_jwks(as_json(keyring.jwks())))
    revoked = q.verify_revocation_list(q.decode_envelope(listed), keys).by_attestation()
    v = q.verify_attestation(as_json(attestation.envelope), as_json(keyring.jwks()), revocations=revoked)
    assert v.valid and v.revoked and v.revocation_reason == "drill"  # revoked is beside valid
    with pytest.raises(q.VerificationError):
        foreign = q.verify_keys(q.decode_jwks(as_json(Keyring.from_private_key(bytes(32)).jwks())))
        q.verify_revocation_list(q.decode_envelope(listed), foreign)


def test_a_jwk_whose_kid_is_not_its_thumbprint_is_refused() -> None:
    with pytest.raises(q.VerificationError, match="thumbprint"):
        q.verify_key_from_jwk(q.Jwk(x=RFC_X, kid="my-key"))
    with pytest.raises(q.VerificationError):
        q.decode_jwks(b'{"keys":[{"kty":"RSA","n":"x","e":"AQAB","kid":"k"}]}')
