"""Evidence in pages (what the Object Store holds) and what the log keeps of an evaluation.

What each test would catch: pages whose joined bytes are not the signed bundle; a manifest
root that is not the evidence root; a one-item proof that differs from the whole-tree proof; a
check that trusts the manifest or misses a changed item, a missing page or a swapped one; a
logged result that grows with the workspace.
"""

from __future__ import annotations

import base64
import json
from typing import Any

import msgspec
import pytest
from qlprov.attest import (
    MAX_PROBLEMS,
    b64decode,
    bundle_digest,
    bundle_parts,
    canonical_json,
    decode_statement,
    evidence_bundle,
    evidence_root,
    inclusion_proof,
    verify_evidence_item,
)

from services.attestation.domain import (
    AttestationError,
    FrameworkCatalog,
    FrameworkResult,
    Keyring,
    StoredEvidenceCheck,
    decode_gaps,
    decode_manifest,
    decode_page,
    evaluate_framework,
    evaluate_with_evidence,
    gaps_record,
    issue_attestation,
    item_proof,
    page_of,
    paginate,
    paginate_evaluation,
    result_digest,
    result_record,
)
from tests.integration.attestation.helpers import independent_inclusion, independent_merkle_root


def _result(catalog: FrameworkCatalog, make: Any, runs: int, **broken: Any) -> FrameworkResult:
    framework = catalog.get("reproducibility-baseline")
    assert framework is not None
    facts = [make.run(f"01JRUN{i:08d}", **(broken if i % 7 == 0 else {})) for i in range(runs)]
    return evaluate_framework(make.snapshot(runs=facts), framework)


@pytest.fixture
def big(catalog: FrameworkCatalog, make: Any) -> FrameworkResult:
    return _result(catalog, make, 300, seeds={})  # 1,500+ items


def test_pages_join_into_the_signed_bundle(big: FrameworkResult) -> None:
    evidence = paginate(big.evidence, page_size=64)
    m = evidence.manifest
    assert (m.size, m.page_size, len(m.pages)) == (len(big.evidence), 64, -(-len(big.evidence) // 64))
    assert m.root == big.evidence_root
    bundle = b"".join(bundle_parts(evidence.pages))
    assert bundle == evidence_bundle(big.evidence)
    assert {"sha256": m.bundle.sha256, "blake3": m.bundle.blake3} == bundle_digest(big.evidence)
    assert m.bundle.bytes == len(bundle)
    assert decode_manifest(evidence.manifest_body) == m and evidence.manifest_body == canonical_json(m)
    for page, ref in zip(evidence.pages, m.pages, strict=True):
        items = decode_page(page)
        assert page == canonical_json(items) and (ref.count, ref.first, ref.last) == (
            len(items),
            items[0].id,
            items[-1].id,
        )
    # an independent verifier (rfc8785, hashlib, the RFC 9162 tree written out) agrees
    root, digests = independent_merkle_root(json.loads(bundle))
    assert root == big.evidence_root and digests == bundle_digest(big.evidence)


def test_one_item_is_proven_from_its_page_alone(big: FrameworkResult) -> None:
    evidence = paginate(big.evidence, page_size=64)
    m = evidence.manifest
    leaves = [bytes.fromhex(i.digest) for i in big.evidence]
    for n in (0, 63, 64, 700, len(big.evidence) - 1):
        wanted = big.evidence[n]
        index = page_of(m, wanted.id)
        assert index == n // 64
        found = item_proof(m, index, decode_page(evidence.pages[index]), wanted.id)
        assert found is not None
        item, proof = found
        assert item == wanted and proof == inclusion_proof(leaves, n)
        assert verify_evidence_item(item, proof, m.root)
        assert independent_inclusion(msgspec.to_builtins(item), msgspec.to_builtins(proof), m.root)
    assert page_of(m, "RB-0/none") is None and page_of(m, "ZZ/none") is None
    assert item_proof(m, 0, decode_page(evidence.pages[0]), "RB-1/run:absent") is None


def _check(result: FrameworkResult, pages: list[bytes], page_size: int = 64) -> list[str]:
    signed = issue_attestation(
        result, Keyring.from_private_key(bytes(32)), attestation_id="01JATT", evaluated_at="t", issuer="i"
    )
    statement = decode_statement(b64decode(signed.envelope.payload))
    manifest = paginate(result.evidence, page_size=page_size).manifest
    check = StoredEvidenceCheck(statement, manifest)
    for i, page in enumerate(pages):
        check.add(i, page)
    return check.finish()


def test_the_check_recomputes_everything_from_the_pages(big: FrameworkResult) -> None:
    pages = paginate(big.evidence, page_size=64).pages
    assert _check(big, pages) == []
    assert _check(big, paginate(big.evidence, page_size=1024).pages, page_size=1024) == []

    items = decode_page(pages[3])
    forged = [msgspec.structs.replace(items[0], facts={**items[0].facts, "forged": True}), *items[1:]]
    errors = _check(big, [*pages[:3], canonical_json(forged), *pages[4:]])
    assert f"evidence {items[0].id}: content does not match its digest" in errors
    assert any("is not the page the manifest names" in e for e in errors)

    errors = _check(big, pages[:-1])
    assert any("evidence items, the statement has" in e for e in errors)
    assert "evidence bundle does not match the subject digests" in errors

    swapped = [pages[1], pages[0], *pages[2:]]
    assert any("out of leaf order" in e for e in _check(big, swapped))


def test_an_empty_evidence_set(catalog: FrameworkCatalog, make: Any) -> None:
    framework = catalog.get("reproducibility-baseline")
    assert framework is not None
    result = evaluate_framework(make.snapshot(runs=[], cards=[], keys=[]), framework)
    evidence = paginate(result.evidence)
    assert evidence.pages == [] and evidence.manifest.root == result.evidence_root
    assert b"".join(bundle_parts([])) == b"[]" == evidence_bundle([])
    assert _check(result, []) == []


def test_paginate_wants_leaf_order(big: FrameworkResult) -> None:
    with pytest.raises(AttestationError, match="leaf order"):
        paginate(list(reversed(big.evidence)))
    with pytest.raises(AttestationError, match="power of two"):
        paginate(big.evidence, page_size=1000)


def test_the_logged_result_does_not_grow_with_the_workspace(catalog: FrameworkCatalog, make: Any) -> None:
    small = _result(catalog, make, 3, seeds={})
    large = _result(catalog, make, 700, seeds={})
    sizes = [len(msgspec.json.encode(result_record(r))) for r in (small, large)]
    assert sizes[1] - sizes[0] < 64, sizes  # only the counts' digits differ
    record = result_record(large)
    assert record["evidence_count"] == len(large.evidence) and record["result_digest"] == large.result_digest
    rb4 = next(c for c in record["controls"] if c["id"] == "RB-4")
    assert rb4["failing_count"] == 100 and "failing" not in rb4 and "evidence_ids" not in rb4

    body = gaps_record(large)
    assert body is not None
    gaps = decode_gaps(body)
    assert gaps.result_digest == large.result_digest
    assert [c.id for c in gaps.controls] == [c.id for c in large.controls if c.failing]
    assert next(c for c in gaps.controls if c.id == "RB-4").failing[0].reason == "missing seeds: seed_transpiler"
    passing = _result(catalog, make, 3)
    assert (
        gaps_record(msgspec.structs.replace(passing, controls=[c for c in passing.controls if not c.failing])) is None
    )
    with pytest.raises(AttestationError):
        decode_gaps(base64.b64encode(body))


def test_the_evaluation_encodes_each_item_once_and_exactly(catalog: FrameworkCatalog, make: Any) -> None:
    """The fast path (items encoded once, digest spliced in, result digest assembled, root from
    page roots) gives the bytes and digests of the reference definitions."""
    snapshots = [
        make.snapshot(runs=[make.run(f"01JRUN{i:08d}", seeds={} if i % 3 else {"s": i}) for i in range(2100)]),
        make.snapshot(),  # a run, a card, a key
        make.snapshot(runs=[], cards=[], keys=[]),
    ]
    for framework in catalog.latest():
        for snap in snapshots:
            ev = evaluate_with_evidence(snap, framework)
            assert ev.result.result_digest == result_digest(ev.result)
            assert ev.result.evidence_root == evidence_root(ev.result.evidence)
            assert ev.item_json == [canonical_json(item) for item in ev.result.evidence]
            assert paginate_evaluation(ev) == paginate(ev.result.evidence)


def test_many_problems_make_a_short_answer(big: FrameworkResult) -> None:
    """Every item changed: the check lists the first problems and counts the rest (a verify
    reply listing 100,000 would not fit a NATS message)."""
    pages = paginate(big.evidence, page_size=64).pages
    forged = [
        canonical_json([msgspec.structs.replace(i, facts={**i.facts, "forged": True}) for i in decode_page(page)])
        for page in pages
    ]
    errors = _check(big, forged)
    assert len(errors) <= MAX_PROBLEMS + 4
    assert any(e.startswith("and ") and e.endswith(" more problems with the evidence") for e in errors)
