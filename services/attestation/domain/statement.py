"""Compliance attestations: an in-toto Statement v1 in a DSSE envelope, signed with Ed25519.

Statement (the DSSE payload, canonical JSON per RFC 8785)::

    {"_type": "https://in-toto.io/Statement/v1",
     "subject": [{"name": "evidence/<workspace>/<framework>@<version>",
                  "digest": {"sha256": "<hex>", "blake3": "<hex>"}}],
     "predicateType": "https://quantumledger.dev/attestation/compliance/v1",
     "predicate": {"attestation_id", "issuer", "framework": {"id", "version", "digest"},
                   "workspace": {"id"}, "status", "controls": [{"id", "title", "status",
                   "evidence_count", "failing_count"}], "evidence_root", "evidence_tree":
                   {"construction": "rfc9162", "hash": "sha256", "size", "leaf_order"},
                   "result_digest", "evaluated_at"}}

The subject is the evidence bundle: the canonical JSON array of the evidence items in leaf
order. Its digests bind every item in full; ``evidence_root`` (see ``merkle``) additionally
lets one item be proven without disclosing the others.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Literal

import msgspec

from services.attestation.domain._encoding import blake3_hex, canonical_json, sha256_hex
from services.attestation.domain.dsse import Envelope, Signer, sign_envelope
from services.attestation.domain.evaluation import ControlStatus, EvidenceItem, FrameworkResult

__all__ = [
    "LEAF_ORDER",
    "PAYLOAD_TYPE",
    "PREDICATE_TYPE",
    "STATEMENT_TYPE",
    "Attestation",
    "CompliancePredicate",
    "ControlSummary",
    "EvidenceTree",
    "FrameworkRef",
    "ResourceDescriptor",
    "Statement",
    "WorkspaceRef",
    "build_statement",
    "bundle_digest",
    "evidence_bundle",
    "issue_attestation",
    "subject_name",
]

STATEMENT_TYPE = "https://in-toto.io/Statement/v1"
PREDICATE_TYPE = "https://quantumledger.dev/attestation/compliance/v1"
PAYLOAD_TYPE = "application/vnd.in-toto+json"
LEAF_ORDER = "evidence id ascending, compared as UTF-8 bytes"


class _Part(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=False):
    pass


class ResourceDescriptor(_Part, frozen=True, kw_only=True):
    name: str
    digest: dict[str, str]


class FrameworkRef(_Part, frozen=True, kw_only=True):
    id: str
    version: str
    digest: str


class WorkspaceRef(_Part, frozen=True, kw_only=True):
    id: str


class ControlSummary(_Part, frozen=True, kw_only=True):
    id: str
    title: str
    status: ControlStatus
    evidence_count: int
    failing_count: int


class EvidenceTree(_Part, frozen=True, kw_only=True):
    construction: Literal["rfc9162"] = "rfc9162"
    hash: Literal["sha256"] = "sha256"
    size: int
    leaf_order: str = LEAF_ORDER


class CompliancePredicate(_Part, frozen=True, kw_only=True):
    attestation_id: str
    issuer: str
    framework: FrameworkRef
    workspace: WorkspaceRef
    status: ControlStatus
    controls: list[ControlSummary]
    evidence_root: str
    evidence_tree: EvidenceTree
    result_digest: str
    evaluated_at: str


class Statement(_Part, frozen=True, kw_only=True):
    type: str = msgspec.field(default=STATEMENT_TYPE, name="_type")
    subject: list[ResourceDescriptor]
    predicateType: str = PREDICATE_TYPE  # the in-toto member name
    predicate: CompliancePredicate


class Attestation(msgspec.Struct, frozen=True, kw_only=True):
    """What issuing returns: the id, the signed envelope, the statement in it, the root."""

    attestation_id: str
    envelope: Envelope
    statement: Statement
    evidence_root: str
    keyid: str


def evidence_bundle(evidence: list[EvidenceItem]) -> bytes:
    """The canonical JSON array of evidence items in leaf order: the statement's subject."""
    return canonical_json(sorted(evidence, key=lambda item: item.id.encode()))


def subject_name(workspace_id: str, framework_id: str, version: str) -> str:
    return f"evidence/{workspace_id}/{framework_id}@{version}"


def bundle_digest(evidence: list[EvidenceItem]) -> dict[str, str]:
    """The subject's digests of the evidence bundle (``evidence_set.paginate`` computes the same
    page by page, without the bundle in one piece)."""
    bundle = evidence_bundle(evidence)
    return {"sha256": sha256_hex(bundle), "blake3": blake3_hex(bundle)}


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
