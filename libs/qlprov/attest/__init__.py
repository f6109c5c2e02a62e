"""Attestations in the ledger's formats, verifiable with no server: DSSE v1 envelopes signed
with Ed25519, keys as an RFC 8037 JWKS, an in-toto Statement v1 over the evidence, the RFC 9162
evidence Merkle tree, and the signed revocation list (``docs/attestations.md``).

Pure (no I/O) and shared: the SDK verifies offline with it, and the server can sign and verify
with the same code. It needs PyNaCl, blake3 and msgspec, nothing of the server.
"""

from __future__ import annotations

from qlprov.attest.dsse import (
    Envelope,
    Signature,
    Signer,
    VerifiedEnvelope,
    decode_envelope,
    encode_envelope,
    pae,
    sign_envelope,
    verify_envelope,
)
from qlprov.attest.errors import AttestationFormatError, MerkleError, VerificationError
from qlprov.attest.jwk import (
    JWKS_PATH,
    Jwk,
    Jwks,
    decode_jwks,
    jwk_thumbprint,
    public_jwk,
    verify_key_from_jwk,
    verify_keys,
)
from qlprov.attest.merkle import (
    InclusionProof,
    inclusion_proof,
    leaf_hash,
    merkle_root,
    node_hash,
    root_from_inclusion_proof,
    verify_inclusion,
)
from qlprov.attest.revocation import (
    REVOCATIONS_PATH,
    REVOCATIONS_PAYLOAD_TYPE,
    REVOCATIONS_TYPE,
    Revocation,
    RevocationList,
    sign_revocation_list,
    verify_revocation_list,
)
from qlprov.attest.statement import (
    LEAF_ORDER,
    PAYLOAD_TYPE,
    PREDICATE_TYPE,
    STATEMENT_TYPE,
    CompliancePredicate,
    ControlSummary,
    EvidenceTree,
    FrameworkRef,
    ResourceDescriptor,
    Statement,
    WorkspaceRef,
    evidence_bundle,
    evidence_digest,
    evidence_objects,
    evidence_root,
    subject_name,
)
from qlprov.attest.verify import AttestationVerification, decode_statement, verify_attestation, verify_evidence_item

__all__ = [
    "JWKS_PATH",
    "LEAF_ORDER",
    "PAYLOAD_TYPE",
    "PREDICATE_TYPE",
    "REVOCATIONS_PATH",
    "REVOCATIONS_PAYLOAD_TYPE",
    "REVOCATIONS_TYPE",
    "STATEMENT_TYPE",
    "AttestationFormatError",
    "AttestationVerification",
    "CompliancePredicate",
    "ControlSummary",
    "Envelope",
    "EvidenceTree",
    "FrameworkRef",
    "InclusionProof",
    "Jwk",
    "Jwks",
    "MerkleError",
    "ResourceDescriptor",
    "Revocation",
    "RevocationList",
    "Signature",
    "Signer",
    "Statement",
    "VerificationError",
    "VerifiedEnvelope",
    "WorkspaceRef",
    "decode_envelope",
    "decode_jwks",
    "decode_statement",
    "encode_envelope",
    "evidence_bundle",
    "evidence_digest",
    "evidence_objects",
    "evidence_root",
    "inclusion_proof",
    "jwk_thumbprint",
    "leaf_hash",
    "merkle_root",
    "node_hash",
    "pae",
    "public_jwk",
    "root_from_inclusion_proof",
    "sign_envelope",
    "sign_revocation_list",
    "subject_name",
    "verify_attestation",
    "verify_envelope",
    "verify_evidence_item",
    "verify_inclusion",
    "verify_key_from_jwk",
    "verify_keys",
    "verify_revocation_list",
]
