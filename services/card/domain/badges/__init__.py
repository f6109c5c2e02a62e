"""Badges: shields.io endpoint JSON and flat SVG, measured with shields' own width table."""

from __future__ import annotations

from services.card.domain.badges.endpoint import MIN_CACHE_SECONDS, ShieldsEndpoint, endpoint_json, validate_endpoint
from services.card.domain.badges.kinds import BadgeType, BadgeView, badge_for, not_found_badge, parse_badge_type
from services.card.domain.badges.svg import render_flat
from services.card.domain.badges.widths import preferred_width, text_width

__all__ = [
    "MIN_CACHE_SECONDS",
    "BadgeType",
    "BadgeView",
    "ShieldsEndpoint",
    "badge_for",
    "endpoint_json",
    "not_found_badge",
    "parse_badge_type",
    "preferred_width",
    "render_flat",
    "text_width",
    "validate_endpoint",
]
