"""Accepting a bundle: parse, validate, hash. Pure; no I/O.

The hash is computed over the parsed JSON (client extras included), never over the
validated Structs, which would drop members a client added.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import msgspec
from qlcore.errors import PayloadTooLarge, Unprocessable
from qlcore.storable import check_json, check_run_document
from qlcore.validation import invalid_member, parse_json
from qlprov.document import RunDocument, document_head, validate_document
from qlprov.hashing import HASH_MEMBER, canonical_body, digest_hex

__all__ = ["Prepared", "prepare"]


@dataclass(frozen=True)
class Prepared:
    run_hash: str
    body: bytes  # canonical JSON without run_hash
    head: bytes  # canonical JSON of the same without the calibration tables (qlprov.document.document_head)
    document: RunDocument


def prepare(raw: bytes, max_bytes: int) -> Prepared:
    """Validate a bundle and compute its run_hash; a claimed hash must match (else 422)."""
    if len(raw) > max_bytes:
        raise PayloadTooLarge(f"bundle of {len(raw)} bytes exceeds the limit of {max_bytes} bytes", limit=max_bytes)
    obj: Any = parse_json(raw)
    if not isinstance(obj, dict):
        raise Unprocessable("a run bundle is a JSON object")
    try:
        doc = validate_document(obj)
    except msgspec.ValidationError as exc:
        member = invalid_member(exc).extra.get("member")
        extra = {"member": member} if member is not None else {}
        raise Unprocessable(f"not a valid qlprov/run/1.0 document: {exc}", errors=[str(exc)], **extra) from exc
    check_json(raw, obj)  # no text the read models cannot store (NUL), anywhere in the document
    check_run_document(obj)  # integers and times that fit the projections' columns
    try:
        body = canonical_body(obj, parsed_json=True)  # orjson refuses NaN/Infinity on input
    except Exception as exc:  # numbers outside the JSON/IEEE-754 domain, lone surrogates...
        raise Unprocessable(f"cannot be canonicalized (RFC 8785): {exc}") from exc
    computed = digest_hex(body)
    claimed = obj.get(HASH_MEMBER)
    if claimed is not None and claimed != computed:
        raise Unprocessable(
            "run_hash does not match the document's content: it was changed after hashing",
            claimed_run_hash=claimed,
            computed_run_hash=computed,
        )
    return Prepared(computed, body, canonical_body(document_head(obj), parsed_json=True), doc)
