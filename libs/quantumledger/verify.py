"""Offline verification of a ``qlprov/run/1.0`` document.

``verify`` needs no network and no account: it parses the document strictly (I-JSON,
RFC 7493: UTF-8, no duplicate member names, no NaN, numbers a double can hold), checks it
against the schema, recomputes ``run_hash`` (BLAKE3 of the RFC 8785 canonical JSON without
the ``run_hash`` member) and compares it with the one the document carries. It returns a
:class:`VerifyResult` or raises a :class:`~quantumledger.errors.VerificationError`.

Duplicate member names are refused because parsers disagree on which value wins: a document
could then hash one way and read another.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import msgspec
import rfc8785
from qlprov import ijson
from qlprov.document import RunDocument, backend_id, validate_document
from qlprov.hashing import HASH_MEMBER, run_hash

from quantumledger.errors import HashMismatchError, InvalidDocumentError, MissingHashError

__all__ = ["VerifyResult", "parse_document", "verify"]


@dataclass(frozen=True)
class VerifyResult:
    """A document that verified: its hash, the parsed JSON and its typed view."""

    run_hash: str
    document: dict[str, Any]
    record: RunDocument

    @property
    def backend(self) -> str:
        """The backend as the ledger names it, e.g. ``ibm/ibm_kyiv``."""
        return backend_id(self.record.backend.provider, self.record.backend.name)


def verify(document: Mapping[str, Any] | bytes | str | Path) -> VerifyResult:
    """Verify a run document offline; raise a ``VerificationError`` subclass if it fails.

    ``document`` is a parsed JSON object, JSON text (``bytes`` or ``str``) or the ``Path``
    of a JSON file (``OSError`` if it cannot be read).
    """
    parsed = parse_document(document)
    try:  # first: what has no canonical form (lone surrogates, NaN, huge numbers) is refused
        computed = run_hash(parsed)
    except rfc8785.CanonicalizationError as exc:
        raise InvalidDocumentError(f"the document has no canonical JSON form: {exc}") from exc
    try:
        record = validate_document(parsed)
    except msgspec.ValidationError as exc:
        raise InvalidDocumentError(f"not a valid qlprov/run/1.0 document: {exc}") from exc
    claimed = parsed.get(HASH_MEMBER)
    if claimed is None:
        raise MissingHashError("the document has no run_hash to verify")
    if computed != claimed:
        raise HashMismatchError(claimed, computed)
    return VerifyResult(run_hash=computed, document=parsed, record=record)


def parse_document(document: Mapping[str, Any] | bytes | str | Path) -> dict[str, Any]:
    """The document as a JSON object, parsed strictly when given as text or a file."""
    if isinstance(document, Path):
        document = document.read_bytes()
    if isinstance(document, bytes | str):
        try:
            parsed = ijson.loads(document)  # the ledger's own parser: what it refuses, verify refuses
        except ijson.IJsonError as exc:
            if exc.syntax and exc.reason.startswith("not UTF-8"):
                raise InvalidDocumentError(f"the document is not UTF-8: {exc}") from exc
            head = document[:1]
            hint = " (a str is JSON text: pass a pathlib.Path to read a file)" if head not in ("{", b"{") else ""
            kind = "not valid JSON" if exc.syntax else "not I-JSON (RFC 7493)"
            raise InvalidDocumentError(f"the document is {kind}: {exc}{hint}") from exc
    elif isinstance(document, Mapping):
        parsed = dict(document)
    else:
        raise TypeError(f"cannot verify a {type(document).__name__}")
    if not isinstance(parsed, dict):
        raise InvalidDocumentError("the document is not a JSON object")
    return parsed
