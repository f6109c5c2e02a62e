"""Check evidence against a signed statement, streamed, with bounded memory.

The statement signs the bundle's sha256 and blake3 (its subject), the number of items
(``evidence_tree.size``) and the RFC 9162 root over the items' digests (``evidence_root``).
:class:`EvidenceCheck` recomputes all of them while the evidence goes by, one item at a time:
each item's digest from its content (a changed item is named), the leaf order, a subtree root
every :data:`PAGE_SIZE` leaves (the root is then computed from those, ``merkle``), and the
bundle's digests over its bytes. It keeps one subtree of leaves and the subtree roots (32 bytes
per 1,024 items), never the evidence.

The evidence comes in one of three shapes, each with its front end:

* the bundle's bytes in chunks of any size (a downloaded file, an HTTP body): :class:`BundleCheck`
  and :func:`check_bundle`;
* the stored pages (canonical JSON arrays, the ledger's own layout): :class:`PagesCheck`;
* items in memory (JSON objects or Structs, in any order): :func:`check_items`.

Every problem found is listed, up to :data:`MAX_PROBLEMS`, and the others counted, so a check
of a wholly changed evidence set of 100,000 items stays a short answer.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Mapping
from typing import Any

import blake3
import msgspec
import rfc8785

from qlprov.attest.bundle_reader import BundleError, BundleReader
from qlprov.attest.evidence import PAGE_SIZE, EvidenceLike, evidence_objects
from qlprov.attest.merkle import merkle_root, root_of_subtrees
from qlprov.attest.statement import Statement
from qlprov.canonical import canonicalize

__all__ = ["MAX_PROBLEMS", "BundleCheck", "EvidenceCheck", "PagesCheck", "check_bundle", "check_items"]

MAX_PROBLEMS = 20
_HEX64 = re.compile(r"[0-9a-f]{64}\Z")
_items = msgspec.json.Decoder(list[Any])


class EvidenceCheck:
    """Items in leaf order (:meth:`add`) and the bundle's bytes (:meth:`update`), checked against
    ``statement``; :meth:`finish` gives the problems, none when the evidence is what was signed."""

    def __init__(self, statement: Statement) -> None:
        self._statement = statement
        self.errors: list[str] = []
        self._unlisted = 0
        self._sha, self._b3 = hashlib.sha256(), blake3.blake3()
        self._leaves: list[bytes] = []  # of the subtree being filled
        self._roots: list[bytes] = []  # of the complete subtrees
        self.count = 0
        self._last_id: bytes | None = None

    def problem(self, text: str) -> None:
        """Record a problem (listed while there are few, counted after)."""
        if len(self.errors) < MAX_PROBLEMS:
            self.errors.append(text)
        else:
            self._unlisted += 1

    def update(self, data: bytes) -> None:
        """The bundle's next bytes (what the subject's digests cover)."""
        self._sha.update(data)
        self._b3.update(data)

    def add(self, item: Any) -> None:
        """The next item in leaf order, as parsed JSON (a dict)."""
        n = self.count
        self.count += 1
        leaf = self._checked(n, item)
        self._leaves.append(leaf if leaf is not None else bytes(32))  # keeps the subtrees aligned
        if len(self._leaves) == PAGE_SIZE:
            self._roots.append(merkle_root(self._leaves))
            self._leaves = []

    def _checked(self, n: int, item: Any) -> bytes | None:
        """The item's leaf (its digest), after checking its order and content."""
        if not isinstance(item, dict) or not isinstance(item.get("id"), str):
            self.problem(f"evidence item {n}: not an evidence item (a JSON object with an id)")
            return None
        name, digest = item["id"], item.get("digest")
        try:
            key = name.encode()
        except UnicodeEncodeError:
            self.problem(f"evidence item {n}: its id is not Unicode text")
            return None
        if self._last_id is not None and key <= self._last_id:
            self.problem(f"evidence {name}: out of leaf order")
        self._last_id = key
        if not isinstance(digest, str) or not _HEX64.match(digest):
            self.problem(f"evidence {name}: its digest is not a sha256 in hex")
            return None
        try:
            content = canonicalize({k: v for k, v in item.items() if k != "digest"})
        except (ValueError, TypeError, rfc8785.CanonicalizationError):
            self.problem(f"evidence {name}: its content has no canonical JSON (RFC 8785)")
            return None
        if hashlib.sha256(content).hexdigest() != digest:
            self.problem(f"evidence {name}: content does not match its digest")
        return bytes.fromhex(digest)

    def finish(self) -> list[str]:
        """Every problem found, and those of the whole: count, root and bundle digests."""
        if self._leaves:
            self._roots.append(merkle_root(self._leaves))
            self._leaves = []
        predicate = self._statement.predicate
        errors = list(self.errors)
        if self._unlisted:
            errors.append(f"and {self._unlisted} more problems with the evidence")
        if self.count != predicate.evidence_tree.size:
            errors.append(f"{self.count} evidence items, the statement has {predicate.evidence_tree.size}")
        if not errors and root_of_subtrees(self._roots).hex() != predicate.evidence_root:
            errors.append("evidence root does not match the signed root")
        digest = self._statement.subject[0].digest
        if digest.get("sha256") != self._sha.hexdigest() or digest.get("blake3") != self._b3.hexdigest():
            errors.append("evidence bundle does not match the subject digests")
        return errors


class BundleCheck:
    """The bundle's bytes, fed in chunks of any size as they are read or received."""

    def __init__(self, statement: Statement) -> None:
        self.check = EvidenceCheck(statement)
        self._reader: BundleReader | None = BundleReader()
        self.bytes = 0

    def feed(self, chunk: bytes) -> None:
        self.check.update(chunk)
        self.bytes += len(chunk)
        if self._reader is not None:
            try:
                for item in self._reader.feed(chunk):
                    self.check.add(item)
            except BundleError as exc:
                self._broken(exc)

    def finish(self) -> list[str]:
        if self._reader is not None:
            try:
                for item in self._reader.close():
                    self.check.add(item)
            except BundleError as exc:
                self._broken(exc)
        return self.check.finish()

    def _broken(self, exc: BundleError) -> None:
        """The rest cannot be split into items: say where it broke; its bytes are still hashed."""
        self.check.problem(str(exc))
        self._reader = None


def check_bundle(statement: Statement, chunks: Iterable[bytes]) -> list[str]:
    """The problems of a bundle given as chunks of bytes (an iterator of them is read once)."""
    bundle = BundleCheck(statement)
    for chunk in chunks:
        bundle.feed(chunk)
    return bundle.finish()


class PagesCheck:
    """The stored pages in order, each the canonical JSON array of its items (``add_page``)."""

    def __init__(self, statement: Statement) -> None:
        self.check = EvidenceCheck(statement)
        self.check.update(b"[")
        self._pages = 0

    def add_page(self, index: int, body: bytes) -> list[Any] | None:
        """Check one page; its items, or ``None`` when it is not a JSON array."""
        self.check.update(b"," if self._pages else b"")
        self.check.update(body[1:-1])
        self._pages += 1
        try:
            items = _items.decode(body)
        except (msgspec.DecodeError, msgspec.ValidationError) as exc:
            self.check.problem(f"evidence page {index}: not a JSON array of items ({exc})")
            return None
        for item in items:
            self.check.add(item)
        return items

    def finish(self) -> list[str]:
        self.check.update(b"]")
        return self.check.finish()


def check_items(statement: Statement, items: Iterable[EvidenceLike]) -> list[str]:
    """The problems of evidence items held in memory (any order: they are put in leaf order)."""
    listed = list(items)
    objects: list[Any] = evidence_objects(i for i in listed if isinstance(i, Mapping | msgspec.Struct))
    objects += [i for i in listed if not isinstance(i, Mapping | msgspec.Struct)]  # reported by ``add``
    check = EvidenceCheck(statement)
    check.update(b"[")
    for i, item in enumerate(objects):
        check.update(b"," if i else b"")
        try:
            check.update(canonicalize(item))
        except (ValueError, TypeError, rfc8785.CanonicalizationError):
            check.update(b"?")  # no JSON: the bundle cannot match, and ``add`` says why
        check.add(item)
    check.update(b"]")
    return check.finish()
