"""The attestation service's pure domain: frameworks, evaluation, issuing, evidence storage, keys.

Nothing here does I/O (no NATS, PostgreSQL, HTTP or files: framework and key files are read by
``services.attestation.adapters``); the service wires it (see docs/attestations.md for the
formats). The formats themselves and their verification (DSSE, JWKS, the statement, the
evidence tree and bundle, the revocation list, ``verify_attestation``) are ``qlprov.attest``:
one implementation, which the SDK verifies with offline. Only what is the ledger's own is here.
"""

from __future__ import annotations

from services.attestation.domain.checks import CHECKS, Check, Observation, Subject
from services.attestation.domain.errors import AttestationError, FrameworkError, KeyringError
from services.attestation.domain.evaluation import (
    ControlResult,
    ControlStatus,
    Evaluation,
    EvidenceItem,
    FailingSubject,
    FrameworkResult,
    evaluate,
    evaluate_framework,
    evaluate_with_evidence,
    evidence_inclusion_proof,
    result_digest,
)
from services.attestation.domain.evidence_set import (
    EVIDENCE_SET_TYPE,
    BundleDigests,
    EvidenceManifest,
    EvidencePage,
    EvidenceSet,
    StoredEvidenceCheck,
    decode_manifest,
    decode_page,
    item_proof,
    page_of,
    paginate,
    paginate_evaluation,
)
from services.attestation.domain.frameworks import (
    Control,
    Framework,
    FrameworkCatalog,
    Rule,
    framework_digest,
    parse_framework,
)
from services.attestation.domain.keys import KeyRecord, Keyring, KeyringManifest, SigningKey
from services.attestation.domain.result_record import (
    GAPS_TYPE,
    ControlGaps,
    GapsRecord,
    decode_gaps,
    gaps_record,
    result_record,
)
from services.attestation.domain.snapshot import (
    ApiKeyFacts,
    Author,
    CardFacts,
    EnvironmentFacts,
    ReproductionFacts,
    RunFacts,
    WorkspaceSnapshot,
    run_facts_from_document,
)
from services.attestation.domain.statement import Attestation, build_statement, issue_attestation
from services.attestation.domain.trust_center import (
    AttestationView,
    CardView,
    FrameworkStatusView,
    OrgView,
    TrustCenterView,
    render_trust_center,
)

__all__ = [
    "CHECKS",
    "EVIDENCE_SET_TYPE",
    "GAPS_TYPE",
    "ApiKeyFacts",
    "Attestation",
    "AttestationError",
    "AttestationView",
    "Author",
    "BundleDigests",
    "CardFacts",
    "CardView",
    "Check",
    "Control",
    "ControlGaps",
    "ControlResult",
    "ControlStatus",
    "EnvironmentFacts",
    "Evaluation",
    "EvidenceItem",
    "EvidenceManifest",
    "EvidencePage",
    "EvidenceSet",
    "FailingSubject",
    "Framework",
    "FrameworkCatalog",
    "FrameworkError",
    "FrameworkResult",
    "FrameworkStatusView",
    "GapsRecord",
    "KeyRecord",
    "Keyring",
    "KeyringError",
    "KeyringManifest",
    "Observation",
    "OrgView",
    "ReproductionFacts",
    "Rule",
    "RunFacts",
    "SigningKey",
    "StoredEvidenceCheck",
    "Subject",
    "TrustCenterView",
    "WorkspaceSnapshot",
    "build_statement",
    "decode_gaps",
    "decode_manifest",
    "decode_page",
    "evaluate",
    "evaluate_framework",
    "evaluate_with_evidence",
    "evidence_inclusion_proof",
    "framework_digest",
    "gaps_record",
    "issue_attestation",
    "item_proof",
    "page_of",
    "paginate",
    "paginate_evaluation",
    "parse_framework",
    "render_trust_center",
    "result_digest",
    "result_record",
    "run_facts_from_document",
]
