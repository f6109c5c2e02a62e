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

    ``result`` is the result's record of constant size: no evidence items and no per-control
    lists of subjects (``evidence_count``, ``failing_count``; ``evidence_root`` binds the items).
    ``gaps`` names the object (``qlcore.objects``, ``sha256-<hex>``) that holds the failing
    subjects, empty when none fails: an event never grows with the workspace.
    """

    framework_id: str
    framework_version: str
    result_digest: str
    result: dict[str, Any]
    gaps: str = ""


class AttestationIssued(Event, frozen=True, tag="attestation.issued"):
    """The signed envelope (its statement is of constant size) and where its evidence is.

    The evidence items are objects in the Object Store (``qlcore.objects``): pages of items and a
    manifest; ``evidence_set`` names the manifest (``sha256-<hex>``), ``evidence_count`` and
    ``evidence_bytes`` give the bundle's size (docs/attestations.md, section 3).
    """

    attestation_id: str
    framework_id: str
    framework_version: str
    evidence_root: str
    keyid: str
    envelope: dict[str, Any]
    evidence_set: str = ""
    evidence_count: int = 0
    evidence_bytes: int = 0
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
