"""The registry of named checks that framework controls refer to (``rule.check``)."""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from services.attestation.domain.checks.base import Check, CheckParams, Observation, Subject, SubjectKind
from services.attestation.domain.checks.cards import CARD_CHECKS
from services.attestation.domain.checks.keys import KEY_CHECKS
from services.attestation.domain.checks.runs import RUN_CHECKS

__all__ = ["CHECKS", "Check", "CheckParams", "Observation", "Subject", "SubjectKind"]

CHECKS: Mapping[str, Check] = MappingProxyType({c.name: c for c in (*RUN_CHECKS, *CARD_CHECKS, *KEY_CHECKS)})
