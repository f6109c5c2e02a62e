"""The errors the SDK raises.

Every failure of :func:`quantumledger.verify` is a :class:`VerificationError`; its
subclasses say which check failed, so callers can tell a malformed document from a
tampered one without parsing messages.
"""

from __future__ import annotations

from typing import Any

__all__ = [
    "APIError",
    "HashMismatchError",
    "InvalidDocumentError",
    "MissingHashError",
    "QuantumLedgerError",
    "VerificationError",
]


class QuantumLedgerError(Exception):
    """Base of every error the SDK raises on purpose."""


class APIError(QuantumLedgerError):
    """The server answered with a problem document (RFC 9457): ``status`` and ``problem``."""

    def __init__(self, status: int, problem: dict[str, Any]) -> None:
        self.status, self.problem = status, problem
        super().__init__(f"{status} {problem.get('title', '')}: {problem.get('detail') or ''}".strip())


class VerificationError(QuantumLedgerError):
    """A document failed offline verification."""


class InvalidDocumentError(VerificationError):
    """Not a ``qlprov/run/1.0`` document: unreadable, not JSON, not I-JSON, or off schema."""


class MissingHashError(VerificationError):
    """The document carries no ``run_hash`` to verify against."""


class HashMismatchError(VerificationError):
    """The document's ``run_hash`` is not the hash of its content: it was changed."""

    def __init__(self, claimed: str, computed: str) -> None:
        super().__init__(f"run_hash mismatch: the document claims {claimed}, its content hashes to {computed}")
        self.claimed = claimed
        self.computed = computed
