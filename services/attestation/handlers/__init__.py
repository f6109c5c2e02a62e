"""The attestation service's operations over NATS, one module per group: ``frameworks`` (the
catalogue, enabling), ``compliance`` (evaluate, status, gaps), ``attestations`` (issue, read,
revoke, the revocation list), ``evidence`` (where an attestation's evidence is, one item's proof),
``verification`` (public verify), ``keys`` (JWKS, rotation) and ``trust`` (the trust center).

Public operations (frameworks, verify, an attestation's envelope, JWKS, revocations, trust
center) need no caller; every other one acts only on the caller's own workspace (``requests.own``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from qlcore.service import Operation

from services.attestation.handlers import (
    attestations,
    compliance,
    evidence,
    frameworks,
    keys,
    trust,
    verification,
)

if TYPE_CHECKING:
    from services.attestation.bootstrap import Deps

__all__ = ["OPERATIONS"]

OPERATIONS: tuple[Operation[Deps], ...] = (
    Operation("frameworks.list", frameworks.list_frameworks),
    Operation("frameworks.get", frameworks.get_framework),
    Operation("frameworks.enable", frameworks.enable),
    Operation("compliance.evaluate", compliance.evaluate),
    Operation("compliance.status", compliance.status),
    Operation("compliance.gaps", compliance.gaps),
    Operation("attestations.issue", attestations.issue),
    Operation("attestations.list", attestations.list_attestations),
    Operation("attestations.get", attestations.get),
    Operation("attestations.evidence", evidence.evidence),
    Operation("attestations.verify", verification.verify),
    Operation("attestations.verify_envelope", verification.verify_envelope),
    Operation("attestations.envelope", verification.envelope),
    Operation("attestations.revoke", attestations.revoke),
    Operation("keys.jwks", keys.jwks),
    Operation("keys.rotate", keys.rotate),
    Operation("revocations.list", attestations.revocation_list),
    Operation("trust.get", trust.trust_json),
    Operation("trust.page", trust.trust_page),
)
