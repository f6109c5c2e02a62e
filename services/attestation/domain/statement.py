"""Issuing: the compliance statement over an evaluation result, signed in a DSSE envelope.

The formats (the in-toto Statement, its predicate and subject, DSSE, the evidence bundle) are
``qlprov.attest``'s, the one implementation the SDK verifies with too; this module only fills
them from a :class:`FrameworkResult` and signs (docs/attestations.md, section 4).
"""

from __future__ import annotations

from collections.abc import Mapping

import msgspec
from qlprov.attest import (
    PAYLOAD_TYPE,
    CompliancePredicate,
    ControlSummary,
    Envelope,
    EvidenceTree,
    FrameworkRef,
    ResourceDescriptor,
    Signer,
    Statement,
    WorkspaceRef,
    bundle_digest,
    canonical_json,
    sign_envelope,
    subject_name,
)

from services.attestation.domain.evaluation import FrameworkResult

__all__ = ["Attestation", "build_statement", "issue_attestation"]


class Attestation(msgspec.Struct, frozen=True, kw_only=True):
    """What issuing returns: the id, the signed envelope, the statement in it, the root."""

    attestation_id: str
    envelope: Envelope
    statement: Statement
    evidence_root: str
    keyid: str


def build_statement(
    result: FrameworkResult,
    *,
    attestation_id: str,
    evaluated_at: str,
    issuer: str,
    subject_digest: Mapping[str, str] | None = None,
) -> Statement:
    """The statement over a result; ``subject_digest`` when the bundle's digests are known already."""
    digest = dict(subject_digest) if subject_digest is not None else bundle_digest(result.evidence)
    return Statement(
        subject=[
            ResourceDescriptor(
                name=subject_name(result.workspace_id, result.framework_id, result.framework_version),
                digest={"sha256": digest["sha256"], "blake3": digest["blake3"]},
            )
        ],
        predicate=CompliancePredicate(
            attestation_id=attestation_id,
            issuer=issuer,
            framework=FrameworkRef(
                id=result.framework_id, version=result.framework_version, digest=result.framework_digest
            ),
            workspace=WorkspaceRef(id=result.workspace_id),
            status=result.status,
            controls=[
                ControlSummary(
                    id=c.id,
                    title=c.title,
                    status=c.status,
                    evidence_count=c.evidence_count,
                    failing_count=len(c.failing),
                )
                for c in result.controls
            ],
            evidence_root=result.evidence_root,
            evidence_tree=EvidenceTree(size=len(result.evidence)),
            result_digest=result.result_digest,
            evaluated_at=evaluated_at,
        ),
    )


def issue_attestation(
    result: FrameworkResult,
    signer: Signer,
    *,
    attestation_id: str,
    evaluated_at: str,
    issuer: str,
    subject_digest: Mapping[str, str] | None = None,
) -> Attestation:
    """Sign a statement over an evaluation result (the service supplies id and time)."""
    statement = build_statement(
        result, attestation_id=attestation_id, evaluated_at=evaluated_at, issuer=issuer, subject_digest=subject_digest
    )
    envelope = sign_envelope(canonical_json(statement), PAYLOAD_TYPE, signer)
    return Attestation(
        attestation_id=attestation_id,
        envelope=envelope,
        statement=statement,
        evidence_root=result.evidence_root,
        keyid=signer.keyid,
    )
