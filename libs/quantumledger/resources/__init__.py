"""The API's operations, grouped as the API reference groups them (one module per group)."""

from __future__ import annotations

from quantumledger.resources.account import Auth, Keys, Members
from quantumledger.resources.attestations import AttestationLike, Attestations, EnvelopeLike
from quantumledger.resources.cards import BadgeType, Cards, CitationFormat
from quantumledger.resources.compliance import Compliance, Frameworks
from quantumledger.resources.leaderboard import LeaderboardResource
from quantumledger.resources.runs import Bundle, Reproductions, Runs
from quantumledger.resources.system import System

__all__ = [
    "AttestationLike",
    "Attestations",
    "Auth",
    "BadgeType",
    "Bundle",
    "Cards",
    "CitationFormat",
    "Compliance",
    "EnvelopeLike",
    "Frameworks",
    "Keys",
    "LeaderboardResource",
    "Members",
    "Reproductions",
    "Runs",
    "System",
]
