"""Evidence items, the evidence bundle and its pages: the encodings an attestation signs.

An evidence item is a JSON object ``{id, control_id, subject, outcome, facts, digest}``; its
``digest`` is the sha256 (hex) of the item's RFC 8785 canonical JSON **without** ``digest``.
Leaves are ordered by ``id`` ascending, compared as UTF-8 bytes.

* The **bundle** (the statement's subject) is the canonical JSON array of every item in leaf
  order. Its sha256 and blake3 are the subject's digests; ``GET /attestations/{id}/evidence``
  serves exactly these bytes.
* The ledger keeps the bundle as **pages** of :data:`PAGE_SIZE` items, each the canonical JSON
  array of its items. A canonical array is ``[`` + members joined by ``,`` + ``]``, so the bundle
  is the pages with their brackets dropped, joined by ``,``, in brackets (:func:`bundle_parts`):
  it is streamed and hashed a page at a time. ``PAGE_SIZE`` is a power of two, so each page is a
  complete subtree of the evidence tree (``merkle``).

Evidence is handled as JSON objects, never re-encoded through a type: a member added to items
later is hashed as it came, so an older verifier still recomputes the right digests.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import Any

import msgspec

from qlprov.attest.encoding import blake3_hex, canonical_json, sha256_hex
from qlprov.attest.merkle import merkle_root

__all__ = [
    "PAGE_SIZE",
    "EvidenceLike",
    "bundle_digest",
    "bundle_parts",
    "evidence_bundle",
    "evidence_digest",
    "evidence_objects",
    "evidence_root",
]

PAGE_SIZE = 1024  # items a stored page holds (~400 KB); a power of two, so a page is a subtree
EvidenceLike = Mapping[str, Any] | msgspec.Struct


def evidence_objects(items: Iterable[EvidenceLike]) -> list[dict[str, Any]]:
    """Evidence items as JSON objects (a Struct is converted, a mapping copied), in leaf order."""
    objects = [msgspec.to_builtins(item) if isinstance(item, msgspec.Struct) else dict(item) for item in items]
    return sorted(objects, key=lambda item: str(item.get("id", "")).encode())


def evidence_digest(item: EvidenceLike) -> str:
    """sha256 (hex) of the item's canonical JSON without its ``digest`` member."""
    body = msgspec.to_builtins(item) if isinstance(item, msgspec.Struct) else dict(item)
    body.pop("digest", None)
    return sha256_hex(canonical_json(body))


def evidence_root(items: Iterable[EvidenceLike]) -> str:
    """Merkle root (hex) over the items' digests, leaves in evidence id order."""
    return merkle_root([bytes.fromhex(str(item["digest"])) for item in evidence_objects(items)]).hex()


def evidence_bundle(items: Iterable[EvidenceLike]) -> bytes:
    """The canonical JSON array of evidence items in leaf order: the statement's subject."""
    return canonical_json(evidence_objects(items))


def bundle_digest(items: Iterable[EvidenceLike]) -> dict[str, str]:
    """The subject's digests (sha256 and blake3) of the bundle of ``items``."""
    bundle = evidence_bundle(items)
    return {"sha256": sha256_hex(bundle), "blake3": blake3_hex(bundle)}


def bundle_parts(pages: Iterable[bytes]) -> Iterator[bytes]:
    """The bundle's bytes, piece by piece, from its pages (canonical JSON arrays, in order)."""
    yield b"["
    for i, page in enumerate(pages):
        if i:
            yield b","
        yield page[1:-1]
    yield b"]"
