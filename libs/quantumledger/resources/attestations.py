"""Attestations: issue (plan feature ``attestations``, ``attest:write``), list, read, revoke,
verify online (public), and verify here against the published keys.

``verify_offline`` asks the ledger for nothing but its JWKS (one public GET); to verify with no
network at all, pass a JWKS you hold to :func:`quantumledger.attest.verify_attestation`.
"""

from __future__ import annotations

import builtins
from collections.abc import Mapping, Sequence
from typing import Any, TypeVar

import httpx
import msgspec
from qlprov.attest import JWKS_PATH, REVOCATIONS_PATH, Envelope, Jwks, decode_envelope

from quantumledger._calls import Call, Resource, decoded, endpoint, json_value, seg
from quantumledger.attest import verify_attestation
from quantumledger.models import (
    AttestationRecord,
    AttestationSummary,
    EvidenceDisclosure,
    IssuedAttestation,
    Revoked,
    Verification,
)
from quantumledger.resources.compliance import ws_path

__all__ = ["Attestations", "EnvelopeLike"]

M = TypeVar("M")
EnvelopeLike = Envelope | Mapping[str, Any] | bytes | str


class Attestations(Resource[M]):
    """Ed25519-signed attestations (an in-toto Statement in a DSSE envelope) over a workspace's
    compliance evidence; ``workspace`` defaults to the caller's own."""

    @endpoint
    def issue(self, framework_id: str, *, workspace: str | None = None) -> Call[IssuedAttestation]:
        """Sign an attestation over the enabled framework's evaluation of the current state.
        Not retried after a 503 (each request issues a new attestation); a 409 means the
        framework is not enabled for the workspace."""
        body = {"framework_id": framework_id}
        return Call(
            "POST", ws_path(workspace, "/attestations"), decoded(IssuedAttestation), body=body, idempotent=False
        )

    @endpoint
    def list(self, *, workspace: str | None = None) -> Call[builtins.list[AttestationSummary]]:
        """The workspace's attestations, newest first."""
        return Call("GET", ws_path(workspace, "/attestations"), decoded(builtins.list[AttestationSummary]))

    @endpoint
    def get(self, attestation_id: str) -> Call[AttestationRecord]:
        """One of your attestations with its envelope and every evidence item."""
        return Call("GET", f"/api/v1/attestations/{seg(attestation_id)}", decoded(AttestationRecord))

    @endpoint
    def evidence(self, attestation_id: str, evidence_id: str) -> Call[EvidenceDisclosure]:
        """One evidence item and its inclusion proof under the signed root (to disclose one
        item without the others; check it with :func:`quantumledger.attest.verify_evidence_item`)."""
        path = f"/api/v1/attestations/{seg(attestation_id)}"
        return Call("GET", path, decoded(EvidenceDisclosure), params={"evidence_id": evidence_id})

    @endpoint
    def revoke(self, attestation_id: str, reason: str) -> Call[Revoked]:
        """Revoke with a reason; the first revocation stands (again: ``already_revoked``)."""
        path = f"/api/v1/attestations/{seg(attestation_id)}/revoke"
        return Call("POST", path, decoded(Revoked), body={"reason": reason}, idempotent=True)

    @endpoint
    def verify(self, attestation_id: str) -> Call[Verification]:
        """Ask the ledger: signature, evidence root and revocation of a stored attestation (public)."""
        return Call("GET", f"/api/v1/attestations/{seg(attestation_id)}/verify", decoded(Verification))

    @endpoint
    def verify_envelope(self, envelope: EnvelopeLike) -> Call[Verification]:
        """Ask the ledger about an envelope you hold (its evidence and revocation from the ledger)."""
        body = {"envelope": msgspec.to_builtins(decode_envelope(envelope))}
        return Call("POST", "/api/v1/attestations/verify", decoded(Verification), body=body, idempotent=True)

    @endpoint
    def verify_offline(
        self,
        envelope: EnvelopeLike,
        *,
        evidence: Sequence[Mapping[str, Any]] | None = None,
        revocations: EnvelopeLike | None = None,
    ) -> Call[Verification]:
        """Verify here: fetch the ledger's JWKS once, then check the signature, the statement and,
        with ``evidence``, every item's digest, the Merkle root and the subject digests. Whether
        it was revoked is only known from a signed revocation list (``revocations``); without
        one, ``revocation_checked`` is false."""

        def check(r: httpx.Response) -> Verification:
            return verify_attestation(envelope, r.content, evidence=evidence, revocations=revocations)

        return Call("GET", JWKS_PATH, check)

    @endpoint
    def jwks(self) -> Call[Jwks]:
        """The published keys (RFC 8037 Ed25519 JWKS), the active one first."""
        return Call("GET", JWKS_PATH, decoded(Jwks))

    @endpoint
    def revocation_list(self) -> Call[Envelope]:
        """The signed list of every revocation (a DSSE envelope; pass it to ``verify_offline``)."""
        return Call("GET", REVOCATIONS_PATH, lambda r: decode_envelope(r.content))

    @endpoint
    def trust_center(self, org_slug: str) -> Call[dict[str, Any]]:
        """An org's public trust center: frameworks and status, attestations, published cards."""
        return Call("GET", f"/api/v1/trust/{seg(org_slug)}", json_value)
