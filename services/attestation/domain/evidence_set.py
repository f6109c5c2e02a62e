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

Nothing in a manifest is trusted by :class:`EvidenceCheck`: it recomputes every item digest, the
page roots, the root and the bundle digests from the pages and compares them with the *signed*
statement.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from itertools import pairwise

import blake3
import msgspec

from services.attestation.domain._encoding import canonical_json
from services.attestation.domain.errors import AttestationError
from services.attestation.domain.evaluation import EVIDENCE_PAGE_SIZE, Evaluation, EvidenceItem, evidence_digest
from services.attestation.domain.merkle import (
    InclusionProof,
    merkle_root,
    paged_inclusion_proof,
    root_of_subtrees,
)
from services.attestation.domain.statement import Statement

__all__ = [
    "EVIDENCE_SET_TYPE",
    "MAX_PROBLEMS",
    "PAGE_SIZE",
    "BundleDigests",
    "EvidenceCheck",
    "EvidenceManifest",
    "EvidencePage",
    "EvidenceSet",
    "bundle_parts",
    "decode_manifest",
    "decode_page",
    "item_proof",
    "page_of",
    "paginate",
    "paginate_evaluation",
]

EVIDENCE_SET_TYPE = "https://quantumledger.dev/attestation/evidence-set/v1"
MAX_PROBLEMS = 20  # listed by a check; the rest counted (a verify reply stays small)
PAGE_SIZE = EVIDENCE_PAGE_SIZE  # 1024: ~400 KB of items a page; a power of two (see the module docstring)


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


def bundle_parts(pages: Iterable[bytes]) -> Iterator[bytes]:
    """The bundle's bytes, piece by piece, from its pages (canonical JSON arrays)."""
    yield b"["
    for i, page in enumerate(pages):
        if i:
            yield b","
        yield page[1:-1]
    yield b"]"


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


class EvidenceCheck:
    """Checks stored evidence, page by page in order, against a signed statement.

    The manifest only says where the pages are and how many there should be: every digest, root
    and count is recomputed from the pages and compared with the statement. ``add`` each page in
    order, then ``finish`` gives the errors (none: the evidence is what was signed). The first
    :data:`MAX_PROBLEMS` problems are listed and the others counted: 100,000 changed items make
    one short answer, not a 6 MB one.
    """

    def __init__(self, statement: Statement, manifest: EvidenceManifest) -> None:
        self._statement = statement
        self._manifest = manifest
        self.errors: list[str] = []
        self._unlisted = 0
        self._sha, self._b3 = hashlib.sha256(b"["), blake3.blake3(b"[")
        self._roots: list[bytes] = []
        self._count = 0
        self._last_id = b""
        size = manifest.page_size
        if size < 1 or size & (size - 1) or len(manifest.pages) != -(-manifest.size // size):
            self.problem("the evidence manifest's pages do not fit its size")

    def problem(self, text: str) -> None:
        """Record a problem found (listed while there are few, counted after)."""
        if len(self.errors) < MAX_PROBLEMS:
            self.errors.append(text)
        else:
            self._unlisted += 1

    def add(self, index: int, body: bytes) -> None:
        ref = self._manifest.pages[index]
        if hashlib.sha256(body).hexdigest() != ref.sha256:
            self.problem(f"evidence page {index} is not the page the manifest names")
        try:
            items = decode_page(body)
        except AttestationError as exc:
            self.problem(f"evidence page {index}: {exc}")
            return
        last_page = index == len(self._manifest.pages) - 1
        if (
            not items
            or len(items) > self._manifest.page_size
            or (len(items) < self._manifest.page_size and not last_page)
        ):
            self.problem(f"evidence page {index} holds {len(items)} items")
        for item in items:
            key = item.id.encode()
            if key <= self._last_id:
                self.problem(f"evidence {item.id}: out of leaf order")
            self._last_id = key
            if evidence_digest(item) != item.digest:
                self.problem(f"evidence {item.id}: content does not match its digest")
        try:
            self._roots.append(merkle_root([bytes.fromhex(item.digest) for item in items]))
        except ValueError:
            self.problem(f"evidence page {index}: a digest is not hex")
        if self._count:
            self._sha.update(b",")
            self._b3.update(b",")
        self._sha.update(body[1:-1])
        self._b3.update(body[1:-1])
        self._count += len(items)

    def finish(self) -> list[str]:
        predicate = self._statement.predicate
        self._sha.update(b"]")
        self._b3.update(b"]")
        errors = list(self.errors)
        if self._unlisted:
            errors.append(f"and {self._unlisted} more problems with the evidence")
        if self._count != predicate.evidence_tree.size:
            errors.append(f"{self._count} evidence items, the statement has {predicate.evidence_tree.size}")
        if not errors and root_of_subtrees(self._roots).hex() != predicate.evidence_root:
            errors.append("evidence root does not match the signed root")
        digest = self._statement.subject[0].digest
        if digest.get("sha256") != self._sha.hexdigest() or digest.get("blake3") != self._b3.hexdigest():
            errors.append("evidence bundle does not match the subject digests")
        return errors
