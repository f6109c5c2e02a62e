"""The attestation read model in PostgreSQL: its tables (``schema``) and every query, as functions.

The projection writes through these functions; handlers only read (every change is an event
first). One module per group of tables: ``facts`` (runs, cards, reproductions, API keys: what
rules are evaluated over), ``orgs``, ``compliance`` (enabled frameworks, evaluations) and
``attestations`` (attestations, revocations, signing keys).
"""

from services.attestation.store.attestations import (
    AttestationRow,
    NewAttestation,
    attestation,
    attestation_count,
    attestations_of,
    first_key_published_at,
    insert_attestation,
    key_published,
    published_keys,
    revocations,
    revoke_attestation,
    upsert_signing_key,
)
from services.attestation.store.compliance import (
    EnabledRow,
    EvaluationRow,
    enabled_frameworks,
    insert_evaluation,
    latest_evaluations,
    upsert_enabled,
)
from services.attestation.store.facts import (
    CardRow,
    RunRow,
    insert_api_key,
    insert_reproduction,
    insert_runs,
    revoke_api_key,
    snapshot,
    upsert_card,
    withdraw_card,
)
from services.attestation.store.orgs import (
    OrgRow,
    insert_org,
    insert_workspace,
    org_by_slug,
    public_card_count,
    public_cards_of,
    workspace_ids_of,
)
from services.attestation.store.schema import DDL, TABLES

__all__ = [
    "DDL",
    "TABLES",
    "AttestationRow",
    "CardRow",
    "EnabledRow",
    "EvaluationRow",
    "NewAttestation",
    "OrgRow",
    "RunRow",
    "attestation",
    "attestation_count",
    "attestations_of",
    "enabled_frameworks",
    "first_key_published_at",
    "insert_api_key",
    "insert_attestation",
    "insert_evaluation",
    "insert_org",
    "insert_reproduction",
    "insert_runs",
    "insert_workspace",
    "key_published",
    "latest_evaluations",
    "org_by_slug",
    "public_card_count",
    "public_cards_of",
    "published_keys",
    "revocations",
    "revoke_api_key",
    "revoke_attestation",
    "snapshot",
    "upsert_card",
    "upsert_enabled",
    "upsert_signing_key",
    "withdraw_card",
    "workspace_ids_of",
]
