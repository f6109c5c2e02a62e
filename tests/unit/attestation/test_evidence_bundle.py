"""The evidence bundle read as it streams (``qlprov.attest.BundleReader``, ``check_bundle``).

What each test would catch: a verifier that raises (or answers valid) on bytes that are not a
bundle, instead of reporting where it broke; items split wrongly at chunk boundaries; a check
whose memory grows with the bundle (a 20,000-run workspace has a 38 MB bundle).
"""

from __future__ import annotations

import json
import tracemalloc
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from qlprov import attest as q

from services.attestation.domain import FrameworkCatalog, Keyring, evaluate_with_evidence, issue_attestation, paginate

HEX = "ab" * 32


def _signed(catalog: FrameworkCatalog, make: Any, runs: int, **others: Any) -> tuple[bytes, bytes, q.Statement]:
    """An attestation over ``runs`` runs: its envelope, its bundle, its statement."""
    framework = catalog.get("reproducibility-baseline")
    assert framework is not None
    facts = [make.run(f"01JR{i:06d}", **({"seeds": {}} if i % 4 == 0 else {})) for i in range(runs)]
    result = evaluate_with_evidence(make.snapshot(runs=facts, **others), framework).result
    signed = issue_attestation(
        result, Keyring.from_private_key(bytes(range(32))), attestation_id="01JATT", evaluated_at="t", issuer="x"
    )
    bundle = b"".join(q.bundle_parts(paginate(result.evidence).pages))
    return q.encode_envelope(signed.envelope), bundle, signed.statement


NOT_BUNDLES = [
    (b"", "ends after 0 items, before its closing ]"),
    (b'{"id": "a"}', "not a JSON array"),
    (b"[1, 2]", "evidence item 0: not a JSON object"),
    (b'[{"id": "a", "digest": NaN}]', "evidence item 0: not JSON"),
    (b'[{"id": "a", "n": ' + b"9" * 5000 + b"}]", "evidence item 0: not JSON"),
    (b"[" + b'{"a":' * 100_000, "evidence item 0: not JSON"),
    (b'[{"id": "a"}', "ends after 1 items, before its closing ]"),
    (b'[{"id": "a"} {"id": "b"}]', "evidence item 1: expected , or ]"),
    (b'[{"id": "a"}] []', "data after the end of the evidence bundle"),
    (b'[{"id": "\xff"}]', "not UTF-8"),
    (b'[{"id": 7}]', "evidence item 0: not an evidence item"),
    (b'[{"id": "\\ud800", "digest": "' + HEX.encode() + b'"}]', "evidence item 0: its id is not Unicode text"),
    (b'[{"id": "a", "digest": "xyz"}]', "evidence a: its digest is not a sha256 in hex"),
    (b'[{"id": "a", "digest": "' + HEX.encode() + b'", "n": 18446744073709551616}]', "no canonical JSON"),
    (
        b'[{"id": "b", "digest": "' + HEX.encode() + b'"}, {"id": "a", "digest": "' + HEX.encode() + b'"}]',
        "out of leaf order",
    ),
]


@pytest.mark.parametrize(("bundle", "why"), NOT_BUNDLES, ids=[why for _, why in NOT_BUNDLES])
def test_what_is_not_a_bundle_is_reported_never_raised(
    catalog: FrameworkCatalog, make: Any, bundle: bytes, why: str
) -> None:
    envelope, _, _ = _signed(catalog, make, 2)
    keys = Keyring.from_private_key(bytes(range(32))).jwks()
    for size in (1, 3, len(bundle) or 1):
        chunks = [bundle[i : i + size] for i in range(0, len(bundle), size)]
        v = q.verify_attestation(envelope, keys, bundle=chunks)
        assert v.signature_valid and v.evidence_checked and not v.valid
        assert any(why in e for e in v.errors), (size, v.errors)
        assert "evidence bundle does not match the subject digests" in v.errors


def test_items_are_split_the_same_at_any_chunk_boundary() -> None:
    items = [{"id": f"k{i}", "s": '}{][,"\\' * i, "n": [i, {"x": None}]} for i in range(40)]
    text = json.dumps(items, indent=2).encode()  # whitespace too: JSON, if not canonical
    for size in (1, 2, 5, 64, len(text)):
        reader = q.BundleReader()
        got = [item for n in range(0, len(text), size) for item in reader.feed(text[n : n + size])]
        assert got + list(reader.close()) == items and reader.count == len(items)


def test_an_item_longer_than_the_limit_is_refused_without_waiting_for_the_end() -> None:
    reader = q.BundleReader(max_item_chars=1000)
    assert list(reader.feed(b'[{"id": "a", "pad": "')) == []
    with pytest.raises(q.BundleError, match="evidence item 0: not JSON"):
        for _ in range(10):
            list(reader.feed(b"x" * 200 + b"}"))  # still inside the string: never complete


def test_an_empty_evidence_set_is_the_empty_array(catalog: FrameworkCatalog, make: Any) -> None:
    envelope, bundle, statement = _signed(catalog, make, 0, cards=[], keys=[])
    assert statement.predicate.evidence_tree.size == 0 and bundle == b"[]"
    v = q.verify_attestation(envelope, Keyring.from_private_key(bytes(range(32))).jwks(), bundle=bundle)
    assert v.valid and v.evidence_checked, v.errors


def _blocks(path: Path, size: int = 128 * 1024) -> Iterator[bytes]:
    with path.open("rb") as f:
        while block := f.read(size):
            yield block


def _peak(statement: q.Statement, path: Path) -> int:
    tracemalloc.start()
    try:
        assert q.check_bundle(statement, _blocks(path)) == []
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_checking_a_bundle_from_a_file_keeps_memory_bounded(
    tmp_path: Path, catalog: FrameworkCatalog, make: Any
) -> None:
    """Bundles of 5,000 and 10,000 items (1.7 and 3.5 MB) read in blocks of 128 KiB: the check's
    peak of Python allocations is the same small amount (a block, its text, one item at a time,
    one subtree of leaves), not a share of the bundle."""
    peaks, sizes = [], []
    for runs in (1000, 2000):
        _, bundle, statement = _signed(catalog, make, runs)
        path = tmp_path / f"evidence-{runs}.json"
        path.write_bytes(bundle)
        sizes.append(len(bundle))
        del bundle
        peaks.append(_peak(statement, path))
    assert sizes[1] > 3_000_000
    assert max(peaks) < 1024 * 1024 and peaks[1] < peaks[0] * 1.25, (peaks, sizes)
