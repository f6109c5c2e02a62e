"""An attestation's evidence as pages: how it is stored, read back whole, proven and checked.

A workspace of 20,000 runs has 100,000 evidence items (38 MB of JSON): more than any one NATS
message may carry. The evidence is therefore kept as objects (the service puts them in the
JetStream Object Store, named by their sha256) and the ``attestation.issued`` event names only
the manifest:

* **pages**: the items in leaf order (evidence id ascending as UTF-8 bytes), :data:`PAGE_SIZE`
  to a page (the last one partial); each page is the RFC 8785 canonical JSON array of its items.
* the **bundle** (the statement's subject) is the canonical JSON array of all items. Since a
  canonical array is ``[`` + members joined by ``,`` + ``]``, it is the pages with their brackets
  dropped, joined by ``,``, in brackets (:func:`bundle_parts`): it can be streamed page by page
  and its digests computed the same way, never holding 38 MB at once.
* the **manifest** (``_type`` :data:`EVIDENCE_SET_TYPE`): the number of items, the page size, the
  root, the bundle's size and digests, and for each page its sha256, size, item count, first and
  last evidence id and Merkle root. The page size is a power of two, so each page is a subtree of
  the evidence tree (``merkle``): the root is computed from the page roots, and one item's
  inclusion proof needs only its page and the manifest.

The formats (item digests, the bundle and :func:`bundle_parts`, the tree) and the check of
evidence against a signed statement are ``qlprov.attest``'s, shared with the SDK; this module is
the ledger's storage layout. Nothing in a manifest is trusted by :class:`StoredEvidenceCheck`:
the pages are checked by ``qlprov.attest.PagesCheck`` against the *signed* statement, and the
manifest only against the pages.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import pairwise

import blake3
import msgspec
from qlprov.attest import (
    PAGE_SIZE,
    InclusionProof,
    PagesCheck,
    Statement,
    bundle_parts,
    canonical_json,
    merkle_root,
    paged_inclusion_proof,
    root_of_subtrees,
)

from services.attestation.domain.errors import AttestationError
from services.attestation.domain.evaluation import Evaluation, EvidenceItem

__all__ = [
    "EVIDENCE_SET_TYPE",
    "BundleDigests",
    "EvidenceManifest",
    "EvidencePage",
    "EvidenceSet",
    "StoredEvidenceCheck",
    "decode_manifest",
    "decode_page",
    "item_proof",
    "page_of",
    "paginate",
    "paginate_evaluation",
]

EVIDENCE_SET_TYPE = "https://quantumledger.dev/attestation/evidence-set/v1"


class EvidencePage(msgspec.Struct, frozen=True, kw_only=True):
    sha256: str  # of the page's bytes (its object is named by it)
    bytes: int
    count: int
    first: str  # evidence id of its first and last item
    last: str
    root: str  # Merkle root (hex) of its items' digests: a subtree of the evidence tree


class BundleDigests(msgspec.Struct, frozen=True, kw_only=True):
    bytes: int
    sha256: str
    blake3: str


class EvidenceManifest(msgspec.Struct, frozen=True, kw_only=True):
    type: str = msgspec.field(default=EVIDENCE_SET_TYPE, name="_type")
    size: int
    page_size: int
    root: str
    bundle: BundleDigests
    pages: list[EvidencePage]


@dataclass(frozen=True)
class EvidenceSet:
    """What issuing stores: the pages, and the manifest (its canonical bytes, for the store)."""

    manifest: EvidenceManifest
    manifest_body: bytes
    pages: list[bytes]


_manifest = msgspec.json.Decoder(EvidenceManifest)
_items = msgspec.json.Decoder(list[EvidenceItem])


def decode_manifest(body: bytes) -> EvidenceManifest:
    try:
        manifest = _manifest.decode(body)
    except (msgspec.DecodeError, msgspec.ValidationError) as exc:
        raise AttestationError(f"not an evidence manifest: {exc}") from exc
    if manifest.type != EVIDENCE_SET_TYPE:
        raise AttestationError(f"not an evidence manifest: _type {manifest.type!r}")
    return manifest


def decode_page(body: bytes) -> list[EvidenceItem]:
    try:
        return _items.decode(body)
    except (msgspec.DecodeError, msgspec.ValidationError) as exc:
        raise AttestationError(f"not a page of evidence items: {exc}") from exc


def paginate(
    evidence: Sequence[EvidenceItem],
    page_size: int = PAGE_SIZE,
    *,
    item_json: Sequence[bytes] | None = None,
    page_roots: Sequence[bytes] | None = None,
) -> EvidenceSet:
    """Split evidence (in leaf order, as an evaluation gives it) into pages and their manifest.

    ``item_json`` (each item's canonical JSON) and ``page_roots`` (for ``page_size``), when an
    evaluation has them already (:func:`paginate_evaluation`), are used instead of encoding and
    hashing the items again."""
    if page_size < 1 or page_size & (page_size - 1):
        raise AttestationError(f"a page size must be a power of two, not {page_size}")
    ids = [item.id.encode() for item in evidence]
    if any(a >= b for a, b in pairwise(ids)):
        raise AttestationError("evidence must be in leaf order, each id once")
    starts = range(0, len(evidence), page_size)
    if item_json is None:
        pages = [canonical_json(list(evidence[start : start + page_size])) for start in starts]
    else:
        pages = [b"[" + b",".join(item_json[start : start + page_size]) + b"]" for start in starts]
    roots = list(page_roots) if page_roots is not None else []
    if len(roots) != len(pages):
        roots = [merkle_root([bytes.fromhex(i.digest) for i in evidence[s : s + page_size]]) for s in starts]
    sha, b3 = hashlib.sha256(), blake3.blake3()
    size = 0
    for part in bundle_parts(pages):
        sha.update(part)
        b3.update(part)
        size += len(part)
    refs = [
        EvidencePage(
            sha256=hashlib.sha256(body).hexdigest(),
            bytes=len(body),
            count=len(evidence[start : start + page_size]),
            first=evidence[start].id,
            last=evidence[min(start + page_size, len(evidence)) - 1].id,
            root=root.hex(),
        )
        for start, body, root in zip(starts, pages, roots, strict=True)
    ]
    manifest = EvidenceManifest(
        size=len(evidence),
        page_size=page_size,
        root=root_of_subtrees(roots).hex(),
        bundle=BundleDigests(bytes=size, sha256=sha.hexdigest(), blake3=b3.hexdigest()),
        pages=refs,
    )
    return EvidenceSet(manifest=manifest, manifest_body=canonical_json(manifest), pages=pages)


def paginate_evaluation(evaluation: Evaluation) -> EvidenceSet:
    """The evidence of an evaluation in pages of :data:`PAGE_SIZE`, from the bytes it made."""
    return paginate(
        evaluation.result.evidence, PAGE_SIZE, item_json=evaluation.item_json, page_roots=evaluation.page_roots
    )


def page_of(manifest: EvidenceManifest, evidence_id: str) -> int | None:
    """The index of the page that would hold ``evidence_id`` (pages are ordered by id), if any."""
    key = evidence_id.encode()
    lo, hi = 0, len(manifest.pages)
    while lo < hi:
        mid = (lo + hi) // 2
        if manifest.pages[mid].last.encode() < key:
            lo = mid + 1
        else:
            hi = mid
    if lo < len(manifest.pages) and manifest.pages[lo].first.encode() <= key:
        return lo
    return None


def item_proof(
    manifest: EvidenceManifest, page_index: int, page: Sequence[EvidenceItem], evidence_id: str
) -> tuple[EvidenceItem, InclusionProof] | None:
    """One item of a page and its inclusion proof under the manifest's root."""
    index = next((i for i, item in enumerate(page) if item.id == evidence_id), None)
    if index is None:
        return None
    proof = paged_inclusion_proof(
        [bytes.fromhex(item.digest) for item in page],
        index,
        [bytes.fromhex(p.root) for p in manifest.pages],
        page_index,
        page_size=manifest.page_size,
        tree_size=manifest.size,
    )
    return page[index], proof


class StoredEvidenceCheck:
    """Checks stored evidence, page by page in order, against a signed statement.

    ``add`` each page in order, then ``finish`` gives the problems (none: the evidence is what was
    signed). The pages go to ``qlprov.attest.PagesCheck``, which recomputes every digest, the root
    and the bundle's digests and compares them with the statement, listing the first problems and
    counting the rest (100,000 changed items make one short answer). The manifest is checked
    against the pages: each page is the one it names, with the number of items the layout gives.
    """

    def __init__(self, statement: Statement, manifest: EvidenceManifest) -> None:
        self._manifest = manifest
        self._pages = PagesCheck(statement)
        size = manifest.page_size
        if size < 1 or size & (size - 1) or len(manifest.pages) != -(-manifest.size // size):
            self.problem("the evidence manifest's pages do not fit its size")

    @property
    def errors(self) -> list[str]:
        return self._pages.check.errors

    def problem(self, text: str) -> None:
        """Record a problem found (listed while there are few, counted after)."""
        self._pages.check.problem(text)

    def add(self, index: int, body: bytes) -> None:
        ref = self._manifest.pages[index]
        if hashlib.sha256(body).hexdigest() != ref.sha256:
            self.problem(f"evidence page {index} is not the page the manifest names")
        items = self._pages.add_page(index, body)
        if items is None:
            return
        last_page = index == len(self._manifest.pages) - 1
        size = self._manifest.page_size
        if not items or len(items) > size or (len(items) < size and not last_page):
            self.problem(f"evidence page {index} holds {len(items)} items")

    def finish(self) -> list[str]:
        return self._pages.finish()
