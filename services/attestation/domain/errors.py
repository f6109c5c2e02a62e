"""Typed errors of the attestation domain."""

from __future__ import annotations

__all__ = [
    "AttestationError",
    "FrameworkError",
    "KeyringError",
    "MerkleError",
    "VerificationError",
]


class AttestationError(Exception):
    """Base of every error raised by the attestation domain."""


class FrameworkError(AttestationError):
    """A framework file is malformed or refers to an unknown check or bad parameters."""


class MerkleError(AttestationError):
    """A Merkle tree or proof request is out of range or malformed."""


class VerificationError(AttestationError):
    """A signature, envelope, statement or evidence did not verify."""


class KeyringError(AttestationError):
    """The signing keyring cannot be opened, created or used safely."""
