"""The compliance statement (an in-toto Statement v1) and its evidence, as a verifier reads them.

Statement (the DSSE payload, RFC 8785 canonical JSON)::

    {"_type": "https://in-toto.io/Statement/v1",
     "subject": [{"name": "evidence/<workspace>/<framework>@<version>",
                  "digest": {"sha256": "<hex>", "blake3": "<hex>"}}],
     "predicateType": "https://quantumledger.dev/attestation/compliance/v1",
     "predicate": {"attestation_id", "issuer", "framework": {"id", "version", "digest"},
                   "workspace": {"id"}, "status", "controls": [...], "evidence_root",
                   "evidence_tree": {"construction": "rfc9162", "hash": "sha256", "size", "leaf_order"},
                   "result_digest", "evaluated_at"}}

The subject is the evidence bundle: the canonical JSON array of the evidence items in leaf
order (evidence id ascending, as UTF-8 bytes). An item's ``digest`` is the sha256 of its own
canonical JSON without ``digest``; ``evidence_root`` is the RFC 9162 Merkle root over those
digests. Evidence is handled as JSON objects, never re-encoded through a type: a member added
to items later is hashed as it came, so an older verifier still recomputes the right digests.
Status members are plain strings for the same reason.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, Literal

import msgspec

from qlprov.attest.encoding import canonical_json, sha256_hex
from qlprov.attest.merkle import merkle_root

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
    "evidence_bundle",
    "evidence_digest",
    "evidence_objects",
    "evidence_root",
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


def evidence_objects(items: Iterable[Mapping[str, Any] | msgspec.Struct]) -> list[dict[str, Any]]:
    """Evidence items as JSON objects (a Struct is converted, a mapping copied), in leaf order."""
    objects = [msgspec.to_builtins(item) if isinstance(item, msgspec.Struct) else dict(item) for item in items]
    return sorted(objects, key=lambda item: str(item.get("id", "")).encode())


def evidence_digest(item: Mapping[str, Any] | msgspec.Struct) -> str:
    """sha256 (hex) of the item's canonical JSON without its ``digest`` member."""
    body = msgspec.to_builtins(item) if isinstance(item, msgspec.Struct) else dict(item)
    body.pop("digest", None)
    return sha256_hex(canonical_json(body))


def evidence_root(items: Iterable[Mapping[str, Any] | msgspec.Struct]) -> str:
    """Merkle root (hex) over the items' digests, leaves in evidence id order."""
    return merkle_root([bytes.fromhex(str(item["digest"])) for item in evidence_objects(items)]).hex()


def evidence_bundle(items: Iterable[Mapping[str, Any] | msgspec.Struct]) -> bytes:
    """The canonical JSON array of evidence items in leaf order: the statement's subject."""
    return canonical_json(evidence_objects(items))
