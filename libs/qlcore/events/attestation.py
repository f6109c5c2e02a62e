"""Compliance and attestation events (attestation service)."""

from __future__ import annotations

from typing import Any

from qlcore.events.envelope import Event

__all__ = [
    "ATTESTATION_EVENTS",
    "AttestationIssued",
    "AttestationRevoked",
    "ComplianceEvaluated",
    "FrameworkEnabled",
    "SigningKeyPublished",
]


class FrameworkEnabled(Event, frozen=True, tag="framework.enabled"):
    framework_id: str
    framework_version: str


class ComplianceEvaluated(Event, frozen=True, tag="compliance.evaluated"):
    """Appended only when the result differs from the last one (``result_digest``).

    ``result`` is the framework result without its evidence items (``evidence_count`` says how
    many; ``evidence_root`` binds them): the evidence itself is logged with each attestation.
    """

    framework_id: str
    framework_version: str
    result_digest: str
    result: dict[str, Any]


class AttestationIssued(Event, frozen=True, tag="attestation.issued"):
    attestation_id: str
    framework_id: str
    framework_version: str
    evidence_root: str
    keyid: str
    envelope: dict[str, Any]
    evidence: list[dict[str, Any]] = []
    status: str = ""  # the attested framework status: passing, failing or not_applicable
    result_digest: str = ""


class AttestationRevoked(Event, frozen=True, tag="attestation.revoked"):
    attestation_id: str
    reason: str


class SigningKeyPublished(Event, frozen=True, tag="signing_key.published"):
    """A public key (RFC 8037 JWK) for the JWKS; private keys never enter the log."""

    kid: str
    jwk: dict[str, Any]
    retired_at: str | None = None


ATTESTATION_EVENTS: tuple[type[Event], ...] = (
    FrameworkEnabled,
    ComplianceEvaluated,
    AttestationIssued,
    AttestationRevoked,
    SigningKeyPublished,
)
