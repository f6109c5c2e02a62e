"""Attestations: issued, listed, read, their evidence, verified, revoked.

The envelope is :class:`qlprov.attest.Envelope` (DSSE), the same type the offline verifier takes.
The evidence is not in these answers (100,000 items for a large workspace): they say how much
there is, its digests (the signed statement's subject) and where to download it
(``ql.attestations.download_evidence``).
"""

from __future__ import annotations

from typing import Any

from qlprov.attest import Envelope, InclusionProof

from quantumledger.models._base import Model

__all__ = [
    "AttestationRecord",
    "AttestationSummary",
    "EvidenceDisclosure",
    "EvidenceDownload",
    "EvidenceSummary",
    "IssuedAttestation",
    "Revoked",
    "Verification",
]


class _Links(Model, frozen=True, kw_only=True):
    verify_url: str | None = None
    evidence_url: str | None = None
    jwks_url: str | None = None
    revocations_url: str | None = None


class EvidenceSummary(Model, frozen=True, kw_only=True):
    """An attestation's evidence: how many items, the bundle's size and digests (``sha256``,
    ``blake3``: what the statement signs) and the URL it is streamed from."""

    count: int = 0
    bytes: int = 0
    digest: dict[str, str] = {}
    url: str | None = None


class IssuedAttestation(_Links, frozen=True, kw_only=True):
    """A new attestation: keep it (``ql attest issue -o``) and its evidence
    (``download_evidence``) to verify both offline."""

    attestation_id: str
    envelope: Envelope
    workspace_id: str | None = None
    framework_id: str | None = None
    framework_version: str | None = None
    status: str | None = None
    counts: dict[str, int] = {}
    evidence_root: str | None = None
    evidence_count: int = 0
    evidence: EvidenceSummary | None = None
    result_digest: str | None = None
    keyid: str | None = None
    issued_at: str | None = None
    statement: dict[str, Any] | None = None


class AttestationSummary(_Links, frozen=True, kw_only=True):
    attestation_id: str
    workspace_id: str | None = None
    framework_id: str | None = None
    framework_version: str | None = None
    status: str | None = None
    result_digest: str | None = None
    evidence_root: str | None = None
    keyid: str | None = None
    issued_at: str | None = None
    revoked: bool = False
    revoked_at: str | None = None
    revocation_reason: str | None = None


class AttestationRecord(AttestationSummary, frozen=True, kw_only=True):
    """The owner's view: the envelope and where its evidence is."""

    envelope: Envelope
    evidence: EvidenceSummary | None = None


class EvidenceDisclosure(_Links, frozen=True, kw_only=True):
    """One evidence item and its RFC 9162 inclusion proof under the signed root."""

    attestation_id: str
    evidence_root: str
    item: dict[str, Any]
    proof: InclusionProof


class EvidenceDownload(Model, frozen=True, kw_only=True):
    """An evidence bundle (or one page of it) saved: where, its size and sha256 (checked against
    what the ledger announced), the number of items and of pages it has."""

    attestation_id: str
    path: str | None = None  # None when written to a file object
    bytes: int = 0
    sha256: str = ""
    count: int | None = None
    pages: int | None = None
    page: int | None = None


class Verification(Model, frozen=True, kw_only=True):
    """What verifying an attestation found.

    ``valid``: the signature verifies with a published key, the payload is a compliance
    statement and (when ``evidence_checked``) every evidence item, the Merkle root and the
    bundle's digests match what was signed. ``revoked`` is beside it, never inside: online it
    is the ledger's current answer; offline it is only what the signed revocation list you
    passed says (``revocation_checked``), since a revocation made after that list cannot be
    known without asking the ledger.
    """

    valid: bool
    signature_valid: bool
    evidence_checked: bool
    revoked: bool
    attestation_id: str | None = None
    keyid: str | None = None
    framework_id: str | None = None
    framework_version: str | None = None
    workspace_id: str | None = None
    evidence_root: str | None = None
    evaluated_at: str | None = None
    revoked_at: str | None = None
    revocation_reason: str | None = None
    errors: list[str] = []
    known: bool | None = None
    issued_at: str | None = None
    framework_status: str | None = None
    verify_url: str | None = None
    offline: bool = False
    revocation_checked: bool = True


class Revoked(_Links, frozen=True, kw_only=True):
    attestation_id: str
    revoked: bool = True
    revoked_at: str | None = None
    reason: str | None = None
    already_revoked: bool = False
