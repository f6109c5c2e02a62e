"""Verify an attestation: signature, statement, evidence and revocation, each reported.

``verify_attestation`` never raises on a bad attestation: it answers what the public verify
endpoint reports (``valid``, ``revoked``, ``evidence_root`` and the reasons for a failure).
``valid`` means the signature verifies with a published key, the payload is a statement of
our predicate type and, when the evidence is given, the evidence matches the signed digests
and root. Revocation does not make a signature invalid; it is reported beside it, and only
when a revocation list is given: offline, ``revoked=False`` means "not in the list you have".
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import msgspec
from nacl.signing import VerifyKey

from qlprov.attest.dsse import Envelope, decode_envelope, verify_envelope
from qlprov.attest.encoding import blake3_hex, sha256_hex
from qlprov.attest.errors import VerificationError
from qlprov.attest.jwk import Jwks, decode_jwks, verify_keys
from qlprov.attest.merkle import InclusionProof, verify_inclusion
from qlprov.attest.revocation import Revocation
from qlprov.attest.statement import (
    PAYLOAD_TYPE,
    PREDICATE_TYPE,
    STATEMENT_TYPE,
    Statement,
    evidence_bundle,
    evidence_digest,
    evidence_objects,
    evidence_root,
)

__all__ = ["AttestationVerification", "decode_statement", "verify_attestation", "verify_evidence_item"]

Evidence = Sequence[Mapping[str, Any] | msgspec.Struct]


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


def _evidence_errors(statement: Statement, evidence: Evidence) -> list[str]:
    items = evidence_objects(evidence)
    errors: list[str] = []
    for item in items:
        if evidence_digest(item) != item.get("digest"):
            errors.append(f"evidence {item.get('id')}: content does not match its digest")
    predicate = statement.predicate
    if len(items) != predicate.evidence_tree.size:
        errors.append(f"{len(items)} evidence items, the statement has {predicate.evidence_tree.size}")
    if not errors and evidence_root(items) != predicate.evidence_root:
        errors.append("evidence root does not match the signed root")
    bundle = evidence_bundle(items)
    digest = statement.subject[0].digest
    if digest.get("sha256") != sha256_hex(bundle) or digest.get("blake3") != blake3_hex(bundle):
        errors.append("evidence bundle does not match the subject digests")
    return errors


def _key_map(keys: Jwks | Mapping[str, Any] | bytes | str) -> dict[str, VerifyKey]:
    """``kid`` → key from a JWKS (typed, parsed JSON or JSON text) or an existing map."""
    if isinstance(keys, Mapping) and keys and all(isinstance(k, VerifyKey) for k in keys.values()):
        return {str(kid): key for kid, key in keys.items()}
    return verify_keys(decode_jwks(keys))


def verify_attestation(
    envelope: Envelope | Mapping[str, Any] | bytes | str,
    keys: Jwks | Mapping[str, Any] | bytes | str,
    *,
    evidence: Evidence | None = None,
    revocations: Mapping[str, Revocation] | None = None,
) -> AttestationVerification:
    """Check an attestation envelope against published keys, its evidence and revocations.

    ``keys``: a JWKS (``Jwks``, its parsed JSON or JSON text) or a ``kid → VerifyKey`` map.
    ``evidence``: the evidence items (JSON objects or Structs), to check the signed digests and root.
    ``revocations``: ``att_id → Revocation``, e.g. from a verified revocation list.
    """
    try:
        key_map = _key_map(keys)
        verified = verify_envelope(decode_envelope(envelope), key_map, payload_type=PAYLOAD_TYPE)
    except VerificationError as exc:
        return AttestationVerification(
            valid=False, signature_valid=False, evidence_checked=False, revoked=False, errors=[str(exc)]
        )
    try:
        statement = decode_statement(verified.payload)
    except VerificationError as exc:
        return AttestationVerification(
            valid=False,
            signature_valid=True,
            evidence_checked=False,
            revoked=False,
            keyid=verified.keyid,
            errors=[str(exc)],
        )
    predicate = statement.predicate
    errors = _evidence_errors(statement, evidence) if evidence is not None else []
    revocation = (revocations or {}).get(predicate.attestation_id)
    return AttestationVerification(
        valid=not errors,
        signature_valid=True,
        evidence_checked=evidence is not None,
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
        errors=errors,
    )


def verify_evidence_item(
    item: Mapping[str, Any] | msgspec.Struct, proof: InclusionProof | Mapping[str, Any], root_hex: str
) -> bool:
    """True if the item's content hashes to its digest and that digest is a leaf under the root."""
    body = msgspec.to_builtins(item) if isinstance(item, msgspec.Struct) else dict(item)
    if evidence_digest(body) != body.get("digest"):
        return False
    try:
        path = proof if isinstance(proof, InclusionProof) else msgspec.convert(dict(proof), InclusionProof)
        return verify_inclusion(bytes.fromhex(str(body["digest"])), path, bytes.fromhex(root_hex))
    except (ValueError, msgspec.ValidationError):
        return False
