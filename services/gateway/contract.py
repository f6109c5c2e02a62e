"""The HTTP API's wire types, as msgspec Structs: what ``/schema/openapi.json`` publishes.

Routes that pass a service's reply through untouched (most of them: the body crosses NATS once
and is never re-encoded) have no return annotation litestar could read; their request and
response types are declared here and attached by operation id (``services.gateway.openapi``).
The types are open (members a later version adds do not break a client) and require only what
every answer holds; ``tests/integration/platform/test_openapi.py`` checks real answers of every
operation against them.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

import msgspec
from qlprov.document import RunDocument

__all__ = ["REQUESTS", "RESPONSES", "Problem"]

Url = Annotated[str, msgspec.Meta(description="an absolute URL")]
Time = Annotated[str, msgspec.Meta(description="RFC 3339 date-time (UTC)")]
Hex64 = Annotated[str, msgspec.Meta(pattern="^[0-9a-f]{64}$")]


class _Open(msgspec.Struct, forbid_unknown_fields=False, kw_only=True):
    """Base: members a later version adds are allowed."""


class Problem(_Open, kw_only=True):
    """RFC 9457 problem details. ``member``: the JSON Pointer of the offending body member;
    ``parameter``: the offending query parameter; other extension members as the problem type says."""

    type: str
    title: str
    status: int
    detail: str | None = None
    instance: str | None = None
    member: str | None = None
    parameter: str | None = None


# -- requests ---------------------------------------------------------------------------------


class Author(_Open, kw_only=True):
    name: Annotated[str, msgspec.Meta(min_length=1, max_length=256)]
    orcid: str | None = None
    affiliation: Annotated[str, msgspec.Meta(max_length=512)] | None = None


class PublishCard(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    authors: Annotated[list[Author], msgspec.Meta(min_length=1, max_length=100)]
    title: Annotated[str, msgspec.Meta(max_length=500)] | None = None
    abstract: Annotated[str, msgspec.Meta(max_length=20_000)] | None = None
    license: Annotated[str, msgspec.Meta(description="an SPDX license id")] = "CC-BY-4.0"
    keywords: Annotated[list[Annotated[str, msgspec.Meta(max_length=64)]], msgspec.Meta(max_length=64)] = []


class UnpublishCard(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    reason: Annotated[str, msgspec.Meta(max_length=1000)] | None = None


class Reproduce(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    days: Annotated[float, msgspec.Meta(description="how far the device has drifted, in days")]
    profile: Literal["stable", "typical", "bad_day"] = "typical"
    seed: int | None = None


class ReproductionOfRun(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    run_id: str


class FrameworkRef(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    framework_id: str


class Revoke(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    reason: Annotated[str, msgspec.Meta(min_length=1, max_length=1000)]


class Signature(_Open, kw_only=True):
    keyid: str | None = None
    sig: str


class Envelope(_Open, kw_only=True):
    """DSSE envelope."""

    payload: str
    payloadType: str
    signatures: list[Signature]


class VerifyEnvelope(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    envelope: Envelope


class EnableFramework(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    version: str | None = None


class TransparencySetting(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    run_commitments: bool


# -- responses --------------------------------------------------------------------------------


class IngestResult(_Open, kw_only=True):
    run_id: str
    run_hash: Hex64
    deduplicated: bool


class StreamResult(_Open, kw_only=True):
    """One NDJSON line of the streaming ingest: the 1-based ``line`` and its result or ``error``."""

    line: int
    run_id: str | None = None
    run_hash: Hex64 | None = None
    deduplicated: bool | None = None
    error: Problem | None = None


class RunSummary(_Open, kw_only=True):
    run_id: str
    run_hash: Hex64
    backend: str
    shots: int
    status: str
    created_at: Time
    kind: Annotated[
        Literal["original", "reproduction", "simulated"],
        msgspec.Meta(
            description="simulated: a simulated reproduction (e.g. a drift simulation; listed only with"
            " ?kind=simulated|all); reproduction: reproduces another run; original: reproduces nothing"
        ),
    ] = "original"


class Named(_Open, kw_only=True):
    id: str
    slug: str
    name: str | None = None


class Me(_Open, kw_only=True):
    account: dict[str, Any] | None
    org: Named
    workspace: Named
    role: str
    plan: dict[str, Any]
    scopes: list[str]
    auth: dict[str, Any]


class Health(_Open, kw_only=True):
    status: Literal["up", "degraded", "down"]


class CardRun(_Open, kw_only=True):
    run_id: str
    run_hash: Hex64
    hash_verified: bool
    backend: str
    num_qubits: int
    shots: int
    program_name: str


class Card(_Open, kw_only=True):
    slug: str
    concept_id: str
    version_id: str
    version: int
    title: str | None
    authors: list[Author]
    license: str
    keywords: list[str]
    published_at: Time
    run: CardRun
    reproductions: dict[str, Any]
    links: dict[str, Any]


class Unpublished(_Open, kw_only=True):
    slug: str
    concept_id: str
    withdrawn_at: Time
    status: str


class OEmbed(_Open, kw_only=True):
    type: str
    version: str
    html: str
    width: int
    height: int


ReproductionKind = Annotated[
    Literal["independent", "simulated"],
    msgspec.Meta(
        description="independent: another workspace's run, or a run on hardware; simulated: the card"
        " owner's own simulation (never counted by the reproduced and fidelity badges)"
    ),
]


class Reproduction(_Open, kw_only=True):
    reproduction_id: str
    slug: str
    run_id: str
    run_hash: Hex64
    hellinger_fidelity: float
    verdict: str
    kind: ReproductionKind | None = None
    submitted_by: Literal["owner", "another workspace"] | None = None


class ReproduceOutcome(_Open, kw_only=True):
    """200: the outcome; 202: ``job_id`` and ``status`` pending (poll ``Location``)."""

    job_id: str | None = None
    status: str | None = None
    reproduced_run_id: str | None = None
    verdict: str | None = None
    hellinger_fidelity: float | None = None
    kind: Annotated[
        Literal["simulated"], msgspec.Meta(description="a drift simulation is a simulated reproduction")
    ] = "simulated"
    requested_by: str | None = None
    card_slug: Annotated[
        str | None,
        msgspec.Meta(
            description="the run's Result Card, when it has one; with a verdict, the card, its page and badges"
            " already show the reproduction"
        ),
    ] = None


class Report(_Open, kw_only=True):
    run_id: str
    run_hash: Hex64
    hash_verified: bool
    provenance: dict[str, Any]
    links: dict[str, Any]


class ApiKey(_Open, kw_only=True):
    key_id: str
    name: str
    prefix: str
    scopes: list[str]
    workspace: dict[str, Any]
    created_at: Time
    expires_at: Time | None = None


class NewApiKey(ApiKey, kw_only=True):
    api_key: Annotated[str, msgspec.Meta(description="the key itself, shown in this answer only")]


class Member(_Open, kw_only=True):
    account_id: str
    name: str
    email: str
    role: str
    added_at: Time


class Invitation(_Open, kw_only=True):
    invitation_id: str
    org_id: str
    email: str
    role: str
    created_at: Time
    expires_at: Time
    status: Annotated[str, msgspec.Meta(description="pending, accepted, revoked or expired")]


class Membership(_Open, kw_only=True):
    org_id: str
    org_slug: str
    account_id: str
    role: str


class Leaderboard(_Open, kw_only=True):
    methodology_version: str
    metric: str
    rows: list[dict[str, Any]]


class Methodology(_Open, kw_only=True):
    methodology_version: str
    metrics: list[dict[str, Any]]


class Trend(_Open, kw_only=True):
    provider: str
    backend: str
    metric: str
    buckets: list[dict[str, Any]]


class FrameworkSummary(_Open, kw_only=True):
    id: str
    version: str
    title: str


class Framework(FrameworkSummary, kw_only=True):
    controls: list[dict[str, Any]]


class Enabled(_Open, kw_only=True):
    workspace_id: str
    framework_id: str
    framework_version: str
    enabled: bool


class Evaluation(_Open, kw_only=True):
    workspace_id: str
    frameworks: list[dict[str, Any]]


class Gaps(_Open, kw_only=True):
    workspace_id: str
    gaps: list[dict[str, Any]]


class AttestationSummary(_Open, kw_only=True):
    attestation_id: str
    workspace_id: str
    framework_id: str
    framework_version: str
    status: str
    evidence_root: str
    issued_at: Time
    verify_url: Url


class Attestation(AttestationSummary, kw_only=True):
    envelope: Envelope


class Verification(_Open, kw_only=True):
    valid: bool
    revoked: bool


class Revoked(_Open, kw_only=True):
    attestation_id: str
    revoked: bool


class Jwks(_Open, kw_only=True):
    keys: list[dict[str, Any]]


class TrustCenter(_Open, kw_only=True):
    org: dict[str, Any]
    frameworks: list[dict[str, Any]]
    attestations: list[dict[str, Any]]
    cards: list[dict[str, Any]]


class Transparency(_Open, kw_only=True):
    workspace_id: str
    run_commitments: bool


class LogIdentity(_Open, kw_only=True):
    origin: str
    vkey: str


class LogEntry(_Open, kw_only=True):
    index: int
    kind: str
    subject: str


class ProofBundle(_Open, kw_only=True):
    kind: str
    subject: str
    index: int
    bundle: str


class InclusionProof(_Open, kw_only=True):
    index: int
    tree_size: int
    proof: list[str]


class ConsistencyProof(_Open, kw_only=True):
    old_size: int
    new_size: int
    proof: list[str]


class OneOf(tuple[Any, ...]):
    """A body that is one of several types (msgspec cannot put untagged Structs in a union)."""

    def __new__(cls, *types: Any) -> OneOf:
        return super().__new__(cls, types)


JSON = "application/json"
#: operation id -> (the body's type, required)
REQUESTS: dict[str, tuple[Any, bool]] = {
    "ingestRun": (RunDocument, True),
    "publishCard": (PublishCard, False),
    "unpublishCard": (UnpublishCard, False),
    "reproduceRun": (Reproduce, True),
    "submitReproduction": (OneOf(RunDocument, ReproductionOfRun), True),
    "issueAttestation": (FrameworkRef, True),
    "revokeAttestation": (Revoke, True),
    "verifyAttestationEnvelope": (VerifyEnvelope, True),
    "enableFramework": (EnableFramework, False),
    "setWorkspaceTransparency": (TransparencySetting, True),
}
#: operation id -> {status: {media type: type}} of its successful answers
RESPONSES: dict[str, dict[int, dict[str, Any]]] = {
    "health": {200: {JSON: Health}},
    "me": {200: {JSON: Me}},
    "ingestRun": {200: {JSON: IngestResult}, 201: {JSON: IngestResult}},
    "listRuns": {200: {JSON: list[RunSummary]}},
    "getRun": {200: {JSON: RunDocument}, 304: {}},
    "listApiKeys": {200: {JSON: list[ApiKey]}},
    "createApiKey": {201: {JSON: NewApiKey}},
    "revokeApiKey": {204: {}},
    "listMembers": {200: {JSON: list[Member]}},
    "changeMemberRole": {200: {JSON: Member}},
    "removeMember": {204: {}},
    "listInvitations": {200: {JSON: list[Invitation]}},
    "createInvitation": {201: {JSON: Invitation}},
    "revokeInvitation": {204: {}},
    "acceptInvitation": {200: {JSON: Membership}},
    "getLeaderboard": {200: {JSON: Leaderboard}},
    "getLeaderboardMethodology": {200: {JSON: Methodology}},
    "getDeviceTrend": {200: {JSON: Trend}},
    "listFrameworks": {200: {JSON: list[FrameworkSummary]}},
    "getFramework": {200: {JSON: Framework}},
    "enableFramework": {200: {JSON: Enabled}, 201: {JSON: Enabled}},
    "evaluateCompliance": {200: {JSON: Evaluation}},
    "complianceStatus": {200: {JSON: Evaluation}},
    "complianceGaps": {200: {JSON: Gaps}},
    "jwks": {200: {JSON: Jwks}},
    "revocations": {200: {JSON: Envelope}},
    "trustCenter": {200: {JSON: TrustCenter, "text/html": str}},
    "getCard": {200: {JSON: Card, "text/html": str}, 304: {}},
    "getCardCitation": {
        200: {
            "application/x-bibtex": str,
            "application/vnd.citationstyles.csl+json": list[dict[str, Any]],
            "application/x-research-info-systems": str,
            "application/x-yaml": str,
        },
        304: {},
    },
    "getCardEmbed": {200: {JSON: OEmbed, "text/html": str}, 304: {}},
    "getCardProvenance": {200: {JSON: RunDocument}, 304: {}},
    "publishCard": {200: {JSON: Card}, 201: {JSON: Card}},
    "unpublishCard": {200: {JSON: Unpublished}},
    "submitReproduction": {200: {JSON: Reproduction}, 201: {JSON: Reproduction}},
    "getAttestationEvidence": {200: {JSON: list[dict[str, Any]]}, 304: {}},
    "getAttestation": {200: {JSON: Attestation}},
    "getAttestationEnvelope": {200: {JSON: Envelope}},
    "listAttestations": {200: {JSON: list[AttestationSummary]}},
    "issueAttestation": {201: {JSON: Attestation}},
    "revokeAttestation": {200: {JSON: Revoked}},
    "verifyAttestation": {200: {JSON: Verification}},
    "verifyAttestationEnvelope": {200: {JSON: Verification}},
    "getReproduction": {200: {JSON: ReproduceOutcome}},
    "getRunReport": {200: {JSON: Report, "text/html": str}},
    "reproduceRun": {200: {JSON: ReproduceOutcome}, 202: {JSON: ReproduceOutcome}},
    "getProofBundle": {200: {JSON: ProofBundle}},
    "getConsistencyProof": {200: {JSON: ConsistencyProof}},
    "getLogEntry": {200: {JSON: LogEntry}},
    "getInclusionProof": {200: {JSON: InclusionProof}},
    "logIdentity": {200: {JSON: LogIdentity}},
    "getWorkspaceTransparency": {200: {JSON: Transparency}},
    "setWorkspaceTransparency": {200: {JSON: Transparency}},
}
#: operations anyone may call (no credential)
PUBLIC = frozenset(
    {
        "health",
        "register",
        "login",
        "verifyEmail",
        "getLeaderboard",
        "getLeaderboardMethodology",
        "getDeviceTrend",
        "listFrameworks",
        "getFramework",
        "jwks",
        "revocations",
        "trustCenter",
        "getCard",
        "getCardCitation",
        "getCardEmbed",
        "getCardProvenance",
        "verifyAttestation",
        "verifyAttestationEnvelope",
        "getAttestationEnvelope",
        "getProofBundle",
        "getConsistencyProof",
        "getLogEntry",
        "getInclusionProof",
        "logIdentity",
    }
)
STREAM_LINE = (RunDocument, StreamResult)
