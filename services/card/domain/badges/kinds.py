"""What each badge type says about a card, and its SVG and endpoint-JSON renderings.

=============  =======================================  ========================================
type           message                                  color
=============  =======================================  ========================================
provenance     ``verified`` / ``unverified``            brightgreen / red
reproduced     ``not yet``, or ``<r> of <n> independent``  r ≥ 1 → brightgreen; else by the best
               (``r`` independent reproductions with    independent verdict: drifted → yellow,
               verdict reproduced, of ``n``)            failed → red; not yet → lightgrey
fidelity       best Hellinger fidelity of the           ≥ 0.99 brightgreen, ≥ 0.95 green,
               independent reproductions, or            ≥ 0.90 yellow, below red; lightgrey
               ``no data``
backend        ``provider/name``                        blue
attested       the workspace's attestations' status:    passing → brightgreen, failing → red
               ``<frameworks> passing``, ``failing (n   (never green), revoked → orange,
               of m controls pass)``, ``revoked``,      not applicable / unknown / none →
               ``not applicable``, ``unknown``, ``none`` lightgrey (services.card.domain.attestations)
=============  =======================================  ========================================

A withdrawn card's badges, whatever the type, say ``withdrawn`` in lightgrey. Fidelities are
shown truncated (never rounded up) to three decimals: 0.9996 reads 0.999, not 1.000.
"""

from __future__ import annotations

import math
from typing import Literal, get_args

import msgspec

from services.card.domain.attestations import AttestationSummary
from services.card.domain.badges.endpoint import MIN_CACHE_SECONDS, endpoint_json
from services.card.domain.badges.svg import render_flat
from services.card.domain.errors import UnknownBadgeType
from services.card.domain.model import Card, ReproductionSummary

__all__ = [
    "BADGE_TYPES",
    "BadgeType",
    "BadgeView",
    "attested_badge",
    "badge_for",
    "format_fidelity",
    "not_found_badge",
    "parse_badge_type",
]

BadgeType = Literal["provenance", "reproduced", "fidelity", "backend", "attested"]
BADGE_TYPES: tuple[BadgeType, ...] = get_args(BadgeType)
_VERDICT_COLOR = {"reproduced": "brightgreen", "drifted": "yellow", "failed": "red", "model_mismatch": "lightgrey"}


class BadgeView(msgspec.Struct, frozen=True):
    """One badge's text and shields color name."""

    label: str
    message: str
    color: str

    def svg(self) -> bytes:
        return render_flat(self.label, self.message, self.color).encode("utf-8")

    def endpoint_json(self, cache_seconds: int = MIN_CACHE_SECONDS) -> bytes:
        return endpoint_json(self.label, self.message, self.color, cache_seconds=cache_seconds)


def parse_badge_type(value: str) -> BadgeType:
    """The badge type named in a path, or :class:`UnknownBadgeType`."""
    for kind in BADGE_TYPES:
        if value == kind:
            return kind
    raise UnknownBadgeType(f"unknown badge type {value!r}; use one of {', '.join(BADGE_TYPES)}")


def format_fidelity(value: float) -> str:
    return f"{math.floor(value * 1000) / 1000:.3f}"


def _fidelity_color(value: float) -> str:
    if value >= 0.99:
        return "brightgreen"
    if value >= 0.95:
        return "green"
    if value >= 0.90:
        return "yellow"
    return "red"


_NO_ATTESTATION = AttestationSummary()


def badge_for(
    kind: BadgeType, card: Card, reproductions: ReproductionSummary, attestations: AttestationSummary = _NO_ATTESTATION
) -> BadgeView:
    """The badge ``kind`` of ``card``; ``attestations``: its workspace's attestations, summarized."""
    if card.withdrawn:
        return BadgeView(kind, "withdrawn", "lightgrey")
    match kind:
        case "provenance":
            if card.run.hash_verified:
                return BadgeView(kind, "verified", "brightgreen")
            return BadgeView(kind, "unverified", "red")
        case "reproduced":  # only independent reproductions count: never the owner's simulations
            r = reproductions
            if r.independent == 0:
                return BadgeView(kind, "not yet", "lightgrey")
            message = f"{r.independent_reproduced} of {r.independent} independent"
            verdict = "reproduced" if r.independent_reproduced else (r.best_independent_verdict or "failed")
            return BadgeView(kind, message, _VERDICT_COLOR[verdict])
        case "fidelity":
            best = reproductions.best_independent_fidelity
            if best is None:
                return BadgeView(kind, "no data", "lightgrey")
            return BadgeView(kind, format_fidelity(best), _fidelity_color(best))
        case "backend":
            return BadgeView(kind, card.run.backend, "blue")
        case "attested":
            return attested_badge(attestations)
    raise UnknownBadgeType(kind)


def attested_badge(a: AttestationSummary) -> BadgeView:
    """The ``attested`` badge: the status, coloured by it; a failing attestation is never green."""
    names = ", ".join(a.frameworks) if len(a.frameworks) <= 2 else f"{len(a.frameworks)} frameworks"
    match a.state:
        case "passing":
            return BadgeView("attested", f"{names} passing", "brightgreen")
        case "failing":
            return BadgeView("attested", f"failing ({a.passing_controls} of {a.total_controls} controls pass)", "red")
        case "revoked":
            return BadgeView("attested", "revoked", "orange")
        case "not_applicable":
            return BadgeView("attested", "not applicable", "lightgrey")
        case "unknown":
            return BadgeView("attested", "status unknown", "lightgrey")
    return BadgeView("attested", "none", "lightgrey")


def not_found_badge(kind: str) -> BadgeView:
    """What a badge URL of an unknown card shows (served with 404)."""
    return BadgeView(kind if kind in BADGE_TYPES else "badge", "card not found", "lightgrey")
