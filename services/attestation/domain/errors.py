"""Typed errors of the attestation domain (what verification raises is ``qlprov.attest``'s)."""

from __future__ import annotations

__all__ = ["AttestationError", "FrameworkError", "KeyringError"]


class AttestationError(Exception):
    """Base of every error raised by the attestation domain."""


class FrameworkError(AttestationError):
    """A framework file is malformed or refers to an unknown check or bad parameters."""


class KeyringError(AttestationError):
    """The signing keyring cannot be opened, created or used safely."""
