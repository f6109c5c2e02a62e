"""Attestations in the ledger's formats, verifiable with no server: DSSE v1 envelopes signed
with Ed25519, keys as an RFC 8037 JWKS, an in-toto Statement v1 over the evidence, the RFC 9162
evidence Merkle tree, the evidence bundle and its pages, and the signed revocation list
(``docs/attestations.md``).

Pure (no I/O) and the one implementation: the SDK verifies offline with it, and the ledger's
attestation service signs, stores and verifies with the same code (it keeps only what is its
own: frameworks, evaluation, keys, the storage of evidence). It needs PyNaCl, blake3, msgspec
and rfc8785, nothing of the server.

=====================  =====================================================================
``encoding``           canonical JSON (RFC 8785), sha256/blake3 hex, base64 and base64url
``dsse``               DSSE v1 envelopes: PAE, sign, verify with the key a ``keyid`` names
``jwk``                RFC 8037 Ed25519 JWKs, ``kid`` = RFC 7638 thumbprint, the JWKS
``merkle``             RFC 9162 tree, inclusion proofs, roots and proofs from pages of leaves
``statement``          the in-toto Statement and its compliance predicate
``evidence``           item digests, the bundle (the subject), pages, the root
``bundle_reader``      a bundle read item by item from chunks of bytes
``evidence_check``     evidence checked against a signed statement, streamed
``revocation``         the signed revocation list
``verify``             ``verify_attestation`` and its parts
=====================  =====================================================================
"""

from __future__ import annotations

from qlprov.attest.bundle_reader import BundleError, BundleReader
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
from qlprov.attest.encoding import (
    b64decode,
    b64encode,
    b64url_decode,
    b64url_encode,
    blake3_hex,
    canonical_json,
    sha256_hex,
)
from qlprov.attest.errors import AttestationFormatError, MerkleError, VerificationError
from qlprov.attest.evidence import (
    PAGE_SIZE,
    EvidenceLike,
    bundle_digest,
    bundle_parts,
    evidence_bundle,
    evidence_digest,
    evidence_objects,
    evidence_root,
)
from qlprov.attest.evidence_check import (
    MAX_PROBLEMS,
    BundleCheck,
    EvidenceCheck,
    PagesCheck,
    check_bundle,
    check_items,
)
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
    paged_inclusion_proof,
    root_from_inclusion_proof,
    root_of_subtrees,
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
    subject_name,
)
from qlprov.attest.verify import (
    AttestationVerification,
    KeysLike,
    decode_statement,
    read_statement,
    verify_attestation,
    verify_evidence_item,
    verify_signed,
    with_evidence_errors,
)

__all__ = [
    "JWKS_PATH",
    "LEAF_ORDER",
    "MAX_PROBLEMS",
    "PAGE_SIZE",
    "PAYLOAD_TYPE",
    "PREDICATE_TYPE",
    "REVOCATIONS_PATH",
    "REVOCATIONS_PAYLOAD_TYPE",
    "REVOCATIONS_TYPE",
    "STATEMENT_TYPE",
    "AttestationFormatError",
    "AttestationVerification",
    "BundleCheck",
    "BundleError",
    "BundleReader",
    "CompliancePredicate",
    "ControlSummary",
    "Envelope",
    "EvidenceCheck",
    "EvidenceLike",
    "EvidenceTree",
    "FrameworkRef",
    "InclusionProof",
    "Jwk",
    "Jwks",
    "KeysLike",
    "MerkleError",
    "PagesCheck",
    "ResourceDescriptor",
    "Revocation",
    "RevocationList",
    "Signature",
    "Signer",
    "Statement",
    "VerificationError",
    "VerifiedEnvelope",
    "WorkspaceRef",
    "b64decode",
    "b64encode",
    "b64url_decode",
    "b64url_encode",
    "blake3_hex",
    "bundle_digest",
    "bundle_parts",
    "canonical_json",
    "check_bundle",
    "check_items",
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
    "paged_inclusion_proof",
    "public_jwk",
    "read_statement",
    "root_from_inclusion_proof",
    "root_of_subtrees",
    "sha256_hex",
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
    "verify_signed",
    "with_evidence_errors",
]
