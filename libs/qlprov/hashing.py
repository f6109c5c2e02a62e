"""``run_hash``: BLAKE3 (hex) of the RFC 8785 canonical JSON of a document without ``run_hash``.

Anyone can recompute it with any JCS and any BLAKE3 library; ``quantumledger.verify`` does.
"""

from __future__ import annotations

from typing import Any

import blake3

from qlprov.canonical import canonicalize

__all__ = ["HASH_MEMBER", "canonical_body", "digest_hex", "run_hash"]

HASH_MEMBER = "run_hash"


def digest_hex(data: bytes) -> str:
    """BLAKE3 of bytes, 64 lowercase hex characters."""
    return blake3.blake3(data).hexdigest()


def canonical_body(document: dict[str, Any], *, parsed_json: bool = False) -> bytes:
    """Canonical JSON of the document with its ``run_hash`` member removed.

    ``parsed_json``: the document came straight from a JSON parser (see ``canonicalize``).
    """
    if HASH_MEMBER in document:
        document = {k: v for k, v in document.items() if k != HASH_MEMBER}
    return canonicalize(document, parsed_json=parsed_json)


def run_hash(document: dict[str, Any]) -> str:
    """The document's ``run_hash``."""
    return digest_hex(canonical_body(document))


def with_hash(body: bytes, hash_hex: str) -> bytes:
    """Splice ``"run_hash"`` into canonical body bytes: the stored document, hash included.

    The result is valid JSON that re-hashes to ``hash_hex`` (the member is removed before
    hashing); it is not itself canonical, which nothing requires.
    """
    if body == b"{}":
        return b'{"run_hash":"' + hash_hex.encode() + b'"}'
    return b'{"run_hash":"' + hash_hex.encode() + b'",' + body[1:]
