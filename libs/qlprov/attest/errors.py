"""Typed errors of attestation verification."""

from __future__ import annotations

__all__ = ["AttestationFormatError", "MerkleError", "VerificationError"]


class AttestationFormatError(Exception):
    """Base: an envelope, key set, statement, proof or evidence did not check out."""


class VerificationError(AttestationFormatError):
    """A signature, envelope, key, statement or evidence did not verify."""


class MerkleError(AttestationFormatError):
    """A Merkle tree or proof request is out of range or malformed."""
