"""Verify an attestation: signature, statement, evidence and revocation, each reported.

``verify_attestation`` never raises on a bad attestation: it answers what the public verify
endpoint reports (``valid``, ``revoked``, ``evidence_root`` and the reasons for a failure).
``valid`` means the signature verifies with a published key, the payload is a statement of
our predicate type and, when the stored evidence is given, the evidence matches the signed
digests and root. Revocation does not make a signature invalid; it is reported beside it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import msgspec
from nacl.signing import VerifyKey

from services.attestation.domain._encoding import b64decode, blake3_hex, sha256_hex
from services.attestation.domain.dsse import Envelope, verify_envelope
from services.attestation.domain.errors import VerificationError
from services.attestation.domain.evaluation import EvidenceItem, evidence_digest, evidence_root
from services.attestation.domain.jwk import Jwks, verify_keys
from services.attestation.domain.merkle import InclusionProof, verify_inclusion
from services.attestation.domain.revocation import Revocation
from services.attestation.domain.statement import (
    PAYLOAD_TYPE,
    PREDICATE_TYPE,
    STATEMENT_TYPE,
    Statement,
    evidence_bundle,
)

__all__ = [
    "AttestationVerification",
    "decode_statement",
    "stored_statement",
    "verify_attestation",
    "verify_evidence_item",
    "verify_signed",
    "with_evidence_errors",
]


class AttestationVerification(msgspec.Struct, frozen=True, kw_only=True):
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


def decode_statement(payload: bytes) -> Statement:
    """Parse and check a statement payload (raises ``VerificationError``)."""
    try:
        statement = msgspec.json.decode(payload, type=Statement)
    except (msgspec.DecodeError, msgspec.ValidationError) as exc:
        raise VerificationError(f"payload is not a compliance statement: {exc}") from exc
    if statement.type != STATEMENT_TYPE:
        raise VerificationError(f"_type is {statement.type!r}, expected {STATEMENT_TYPE}")
    if statement.predicateType != PREDICATE_TYPE:
        raise VerificationError(f"predicateType is {statement.predicateType!r}")
    if len(statement.subject) != 1:
        raise VerificationError("expected exactly one subject, the evidence bundle")
    return statement


def stored_statement(envelope: Envelope) -> Statement:
    """The statement in an envelope the service signed and stored, read without verifying it
    (to show what it says; verifying is :func:`verify_attestation`)."""
    try:
        payload = b64decode(envelope.payload)
    except ValueError as exc:
        raise VerificationError("payload is not base64") from exc
    return decode_statement(payload)


def _evidence_errors(statement: Statement, evidence: Sequence[EvidenceItem]) -> list[str]:
    errors: list[str] = []
    for item in evidence:
        if evidence_digest(item) != item.digest:
            errors.append(f"evidence {item.id}: content does not match its digest")
    predicate = statement.predicate
    if len(evidence) != predicate.evidence_tree.size:
        errors.append(f"{len(evidence)} evidence items, the statement has {predicate.evidence_tree.size}")
    if not errors and evidence_root(evidence) != predicate.evidence_root:
        errors.append("evidence root does not match the signed root")
    bundle = evidence_bundle(list(evidence))
    digest = statement.subject[0].digest
    if digest.get("sha256") != sha256_hex(bundle) or digest.get("blake3") != blake3_hex(bundle):
        errors.append("evidence bundle does not match the subject digests")
    return errors


def verify_attestation(
    envelope: Envelope,
    keys: Jwks | Mapping[str, VerifyKey],
    *,
    evidence: Sequence[EvidenceItem] | None = None,
    revocations: Mapping[str, Revocation] | None = None,
) -> AttestationVerification:
    """Check an attestation envelope against published keys, its evidence and revocations."""
    verification, statement = verify_signed(envelope, keys, revocations=revocations)
    if statement is None or evidence is None:
        return verification
    return with_evidence_errors(verification, _evidence_errors(statement, evidence))


def verify_signed(
    envelope: Envelope,
    keys: Jwks | Mapping[str, VerifyKey],
    *,
    revocations: Mapping[str, Revocation] | None = None,
) -> tuple[AttestationVerification, Statement | None]:
    """Signature, statement and revocation, without the evidence; the statement when it is ours
    and signed (to check stored evidence against it: ``evidence_set.EvidenceCheck``)."""
    try:
        key_map = verify_keys(keys) if isinstance(keys, Jwks) else dict(keys)
        verified = verify_envelope(envelope, key_map, payload_type=PAYLOAD_TYPE)
    except VerificationError as exc:
        return (
            AttestationVerification(
                valid=False, signature_valid=False, evidence_checked=False, revoked=False, errors=[str(exc)]
            ),
            None,
        )
    try:
        statement = decode_statement(verified.payload)
    except VerificationError as exc:
        return (
            AttestationVerification(
                valid=False,
                signature_valid=True,
                evidence_checked=False,
                revoked=False,
                keyid=verified.keyid,
                errors=[str(exc)],
            ),
            None,
        )
    predicate = statement.predicate
    revocation = (revocations or {}).get(predicate.attestation_id)
    verification = AttestationVerification(
        valid=True,
        signature_valid=True,
        evidence_checked=False,
        revoked=revocation is not None,
        attestation_id=predicate.attestation_id,
        keyid=verified.keyid,
        framework_id=predicate.framework.id,
        framework_version=predicate.framework.version,
        workspace_id=predicate.workspace.id,
        evidence_root=predicate.evidence_root,
        evaluated_at=predicate.evaluated_at,
        revoked_at=revocation.revoked_at if revocation else None,
        revocation_reason=revocation.reason if revocation else None,
    )
    return verification, statement


def with_evidence_errors(verification: AttestationVerification, errors: list[str]) -> AttestationVerification:
    """The verification of a signed statement once its evidence was checked (``errors``: none if
    the evidence is what was signed)."""
    return msgspec.structs.replace(
        verification,
        valid=verification.valid and not errors,
        evidence_checked=True,
        errors=[*verification.errors, *errors],
    )


def verify_evidence_item(item: EvidenceItem, proof: InclusionProof, root_hex: str) -> bool:
    """True if the item's content hashes to its digest and that digest is a leaf under the root."""
    if evidence_digest(item) != item.digest:
        return False
    try:
        return verify_inclusion(bytes.fromhex(item.digest), proof, bytes.fromhex(root_hex))
    except ValueError:
        return False
