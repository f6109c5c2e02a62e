"""The compliance statement (an in-toto Statement v1): what the server signs and a verifier reads.

Statement (the DSSE payload, RFC 8785 canonical JSON)::

    {"_type": "https://in-toto.io/Statement/v1",
     "subject": [{"name": "evidence/<workspace>/<framework>@<version>",
                  "digest": {"sha256": "<hex>", "blake3": "<hex>"}}],
     "predicateType": "https://quantumledger.dev/attestation/compliance/v1",
     "predicate": {"attestation_id", "issuer", "framework": {"id", "version", "digest"},
                   "workspace": {"id"}, "status", "controls": [...], "evidence_root",
                   "evidence_tree": {"construction": "rfc9162", "hash": "sha256", "size", "leaf_order"},
                   "result_digest", "evaluated_at"}}

The subject is the evidence bundle (``evidence``): the canonical JSON array of the evidence
items in leaf order; ``evidence_root`` is the RFC 9162 Merkle root over the items' digests
(``merkle``). The server builds its statements with these types and the verifier reads them
with the same ones; members are plain strings (a status the verifier does not know yet still
decodes), and members added later are ignored by older readers.
"""

from __future__ import annotations

from typing import Literal

import msgspec

__all__ = [
    "LEAF_ORDER",
    "PAYLOAD_TYPE",
    "PREDICATE_TYPE",
    "STATEMENT_TYPE",
    "CompliancePredicate",
    "ControlSummary",
    "EvidenceTree",
    "FrameworkRef",
    "ResourceDescriptor",
    "Statement",
    "WorkspaceRef",
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
    status: str
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
    status: str
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


def subject_name(workspace_id: str, framework_id: str, version: str) -> str:
    return f"evidence/{workspace_id}/{framework_id}@{version}"
