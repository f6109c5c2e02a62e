"""Verify an attestation: signature, statement, evidence and revocation, each reported.

``verify_attestation`` never raises on a bad attestation: it answers what the public verify
endpoint reports (``valid``, ``revoked``, ``evidence_root`` and the reasons for a failure).
``valid`` means the signature verifies with a published key, the payload is a statement of
our predicate type and, when the evidence is given, the evidence matches the signed digests
and root. Revocation does not make a signature invalid; it is reported beside it, and only
when revocations are given: offline, ``revoked=False`` means "not in the list you have".

The ledger's verify endpoint and the SDK run this same code: the server with the evidence
pages it stores (``evidence_check.PagesCheck``), the SDK with a downloaded bundle, streamed.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import msgspec
from nacl.signing import VerifyKey

from qlprov.attest.dsse import Envelope, decode_envelope, verify_envelope
from qlprov.attest.encoding import b64decode
from qlprov.attest.errors import VerificationError
from qlprov.attest.evidence import EvidenceLike, evidence_digest
from qlprov.attest.evidence_check import check_bundle, check_items
from qlprov.attest.jwk import Jwks, decode_jwks, verify_keys
from qlprov.attest.merkle import InclusionProof, verify_inclusion
from qlprov.attest.revocation import Revocation
from qlprov.attest.statement import PAYLOAD_TYPE, PREDICATE_TYPE, STATEMENT_TYPE, Statement

__all__ = [
    "AttestationVerification",
    "KeysLike",
    "decode_statement",
    "read_statement",
    "verify_attestation",
    "verify_evidence_item",
    "verify_signed",
    "with_evidence_errors",
]

KeysLike = Jwks | Mapping[str, Any] | bytes | str
"""A JWKS (typed, its parsed JSON or JSON text), or a ``kid → VerifyKey`` map."""


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


def read_statement(envelope: Envelope | Mapping[str, Any] | bytes | str) -> Statement:
    """The statement in an envelope, read WITHOUT verifying the signature (to show what it says,
    or to know which evidence to fetch; trusting it is :func:`verify_attestation`'s job)."""
    try:
        payload = b64decode(decode_envelope(envelope).payload)
    except ValueError as exc:
        raise VerificationError("payload is not base64") from exc
    return decode_statement(payload)


def _key_map(keys: KeysLike) -> dict[str, VerifyKey]:
    if isinstance(keys, Mapping) and keys and all(isinstance(k, VerifyKey) for k in keys.values()):
        return {str(kid): key for kid, key in keys.items()}
    return verify_keys(decode_jwks(keys))


def verify_signed(
    envelope: Envelope | Mapping[str, Any] | bytes | str,
    keys: KeysLike,
    *,
    revocations: Mapping[str, Revocation] | None = None,
) -> tuple[AttestationVerification, Statement | None]:
    """Signature, statement and revocation, without the evidence; and the statement when it is
    ours and signed, to check the evidence against (:func:`with_evidence_errors` adds the result)."""
    try:
        verified = verify_envelope(decode_envelope(envelope), _key_map(keys), payload_type=PAYLOAD_TYPE)
    except VerificationError as exc:
        failed = AttestationVerification(
            valid=False, signature_valid=False, evidence_checked=False, revoked=False, errors=[str(exc)]
        )
        return failed, None
    try:
        statement = decode_statement(verified.payload)
    except VerificationError as exc:
        failed = AttestationVerification(
            valid=False,
            signature_valid=True,
            evidence_checked=False,
            revoked=False,
            keyid=verified.keyid,
            errors=[str(exc)],
        )
        return failed, None
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


def verify_attestation(
    envelope: Envelope | Mapping[str, Any] | bytes | str,
    keys: KeysLike,
    *,
    evidence: Iterable[EvidenceLike] | None = None,
    bundle: bytes | Iterable[bytes] | None = None,
    revocations: Mapping[str, Revocation] | None = None,
) -> AttestationVerification:
    """Check an attestation envelope against published keys, its evidence and revocations.

    ``keys``: a JWKS (``Jwks``, its parsed JSON or JSON text) or a ``kid → VerifyKey`` map.
    The evidence, to check every item and the signed digests and root, either as
    ``evidence``: the items (JSON objects or Structs, any order), or as
    ``bundle``: the bundle's bytes, whole or as an iterable of chunks (a file read in blocks:
    memory stays bounded whatever its size). Neither is read when the signature fails.
    ``revocations``: ``att_id → Revocation``, e.g. from a verified revocation list.
    """
    if evidence is not None and bundle is not None:
        raise ValueError("give the evidence as items or as the bundle, not both")
    verification, statement = verify_signed(envelope, keys, revocations=revocations)
    if statement is None:
        return verification
    if evidence is not None:
        return with_evidence_errors(verification, check_items(statement, evidence))
    if bundle is not None:
        chunks = [bundle] if isinstance(bundle, bytes) else bundle
        return with_evidence_errors(verification, check_bundle(statement, chunks))
    return verification


def verify_evidence_item(item: EvidenceLike, proof: InclusionProof | Mapping[str, Any], root_hex: str) -> bool:
    """True if the item's content hashes to its digest and that digest is a leaf under the root."""
    body = msgspec.to_builtins(item) if isinstance(item, msgspec.Struct) else dict(item)
    try:
        if evidence_digest(body) != body.get("digest"):
            return False
        path = proof if isinstance(proof, InclusionProof) else msgspec.convert(dict(proof), InclusionProof)
        return verify_inclusion(bytes.fromhex(str(body["digest"])), path, bytes.fromhex(root_hex))
    except (ValueError, TypeError, msgspec.ValidationError):
        return False
