"""Badges: byte-identical to shields' badge-maker, and JSON that shields accepts."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import msgspec
import pytest

from services.card.domain.attestations import (
    AttestationFacts,
    AttestationState,
    AttestationSummary,
    summarize_attestations,
)
from services.card.domain.badges import (
    BadgeView,
    badge_for,
    endpoint_json,
    not_found_badge,
    parse_badge_type,
    preferred_width,
    render_flat,
    text_width,
    validate_endpoint,
)
from services.card.domain.badges.colors import NAMED_COLORS, brightness, to_svg_color
from services.card.domain.badges.kinds import BADGE_TYPES
from services.card.domain.errors import UnknownBadgeType
from services.card.domain.lifecycle import withdraw
from services.card.domain.model import Card, ReproductionSummary

GOLDEN = json.loads((Path(__file__).parent / "golden" / "shields_flat.json").read_text("utf-8"))["goldens"]
SVG = "{http://www.w3.org/2000/svg}"


@pytest.mark.parametrize("case", GOLDEN, ids=[f"{c['label']}|{c['message']}" for c in GOLDEN])
def test_svg_is_what_badge_maker_draws(case: dict[str, str]) -> None:
    assert render_flat(case["label"], case["message"], case["color"]) == case["svg"]


def test_widths_are_verdana_11px_as_anafanafo_measures() -> None:
    # the values anafanafo@2.0.0 returns for the same strings (node: anafanafo(s, {font: '11px Verdana'}))
    assert text_width("provenance") == pytest.approx(64.09)
    assert text_width("verified") == pytest.approx(41.06)
    assert (text_width("W"), text_width("i"), text_width("m")) == (10.88, 3.02, 10.7)
    assert text_width("Zoë Ñúñez 李雷") == pytest.approx(84.99)
    assert preferred_width("provenance") == 65  # truncated to 64, then up to odd
    assert preferred_width("verified") == 41
    assert text_width("\x07") == 0  # control characters count nothing
    assert text_width("\U0001f9ea") == text_width("m")  # not in the table: as wide as "m"


def test_colors() -> None:
    assert to_svg_color("brightgreen") == "#4b0" and to_svg_color("lightgray") == NAMED_COLORS["lightgrey"]
    assert to_svg_color("DFB317") == "#dfb317" and to_svg_color("#ABC") == "#abc"
    assert brightness("#fff") == 1.0 and brightness("#000") == 0.0 and brightness("#555") == 0.33
    with pytest.raises(ValueError):
        to_svg_color("not-a-color")


def _passing(*frameworks: str) -> AttestationSummary:
    return summarize_attestations(
        AttestationState(f, AttestationFacts("passing", 3, 3), revoked=False) for f in frameworks
    )


def _views(
    card: Card, summary: ReproductionSummary, attestations: AttestationSummary = AttestationSummary()
) -> dict[str, BadgeView]:
    return {kind: badge_for(kind, card, summary, attestations) for kind in BADGE_TYPES}


REPRODUCED = ReproductionSummary(
    count=3,
    reproduced=2,
    drifted=1,
    best_fidelity=0.99961,
    best_verdict="reproduced",
    independent=3,
    independent_reproduced=2,
    best_independent_fidelity=0.99961,
    best_independent_verdict="reproduced",
)


def test_badge_messages(card: Card) -> None:
    fresh = _views(card, ReproductionSummary())
    assert {k: (v.message, v.color) for k, v in fresh.items()} == {
        "provenance": ("verified", "brightgreen"),
        "reproduced": ("not yet", "lightgrey"),
        "fidelity": ("no data", "lightgrey"),
        "backend": ("ibm/ibm_kyiv", "blue"),
        "attested": ("none", "lightgrey"),
    }
    seen = _views(card, REPRODUCED, _passing("ISO-27001", "EU-AI-Act", "ISO-27001"))
    assert (seen["reproduced"].message, seen["reproduced"].color) == ("2 of 3 independent", "brightgreen")
    assert (seen["fidelity"].message, seen["fidelity"].color) == ("0.999", "brightgreen")
    assert (seen["attested"].message, seen["attested"].color) == ("EU-AI-Act, ISO-27001 passing", "brightgreen")
    drifted = ReproductionSummary(
        count=1,
        drifted=1,
        best_fidelity=0.93,
        best_verdict="drifted",
        independent=1,
        best_independent_fidelity=0.93,
        best_independent_verdict="drifted",
    )
    assert badge_for("reproduced", card, drifted).color == "yellow"
    assert badge_for("fidelity", card, drifted).color == "yellow"
    failed = ReproductionSummary(
        count=1,
        failed=1,
        best_fidelity=0.41,
        best_verdict="failed",
        independent=1,
        best_independent_fidelity=0.41,
        best_independent_verdict="failed",
    )
    fidelity = badge_for("fidelity", card, failed)
    assert (fidelity.message, fidelity.color) == ("0.410", "red")
    unverified = msgspec.structs.replace(card, run=msgspec.structs.replace(card.run, hash_verified=False))
    provenance = badge_for("provenance", unverified, REPRODUCED)
    assert (provenance.message, provenance.color) == ("unverified", "red")


def test_a_withdrawn_cards_badges_say_so_in_grey(card: Card) -> None:
    gone = withdraw(card, now="2026-12-01T00:00:00Z")
    for kind, view in _views(gone, REPRODUCED, _passing("EU-AI-Act")).items():
        assert (view.label, view.message, view.color) == (kind, "withdrawn", "lightgrey")
        assert 'fill="#939393"' in view.svg().decode()


def _shields_accepts(payload: dict[str, Any]) -> None:
    validate_endpoint(payload)
    assert payload["schemaVersion"] == 1 and isinstance(payload["label"], str)
    assert isinstance(payload["message"], str) and payload["message"].strip()
    assert isinstance(payload["cacheSeconds"], int) and payload["cacheSeconds"] >= 300
    assert payload["color"] in NAMED_COLORS


@pytest.mark.parametrize("summary", [ReproductionSummary(), REPRODUCED])
@pytest.mark.parametrize("withdrawn", [False, True])
def test_every_badge_is_valid_endpoint_json_and_svg(card: Card, summary: ReproductionSummary, withdrawn: bool) -> None:
    subject = withdraw(card, now="2026-12-01T00:00:00Z") if withdrawn else card
    for kind, view in _views(subject, summary).items():
        payload = json.loads(view.endpoint_json())
        _shields_accepts(payload)
        assert (payload["label"], payload["message"], payload["color"]) == (kind, view.message, view.color)
        root = ET.fromstring(view.svg())  # well-formed XML
        accessible = f"{kind}: {view.message}"
        assert root.tag == f"{SVG}svg" and root.get("role") == "img" and root.get("aria-label") == accessible
        assert root.findtext(f"{SVG}title") == accessible
        assert int(root.get("width", "0")) == preferred_width(kind) + preferred_width(view.message) + 20


def test_endpoint_validation_rejects_what_shields_rejects() -> None:
    good = {"schemaVersion": 1, "label": "", "message": "ok"}
    validate_endpoint(good)
    for bad in (
        {**good, "schemaVersion": 2},
        {**good, "message": ""},
        {"schemaVersion": 1, "message": "ok"},
        {**good, "label": 5},
        {**good, "cacheSeconds": -1},
        {**good, "cacheSeconds": 3.5},
        {**good, "isError": "yes"},
        {**good, "unknown": True},
    ):
        with pytest.raises(msgspec.ValidationError):
            validate_endpoint(bad)
    with pytest.raises(ValueError):
        endpoint_json("a", "b", "blue", cache_seconds=60)
    assert json.loads(endpoint_json("a", "b", "blue", cache_seconds=3600))["cacheSeconds"] == 3600


def test_badge_types() -> None:
    assert [parse_badge_type(kind) for kind in BADGE_TYPES] == list(BADGE_TYPES)
    with pytest.raises(UnknownBadgeType):
        parse_badge_type("coverage")
    assert not_found_badge("coverage") == BadgeView("badge", "card not found", "lightgrey")
    assert not_found_badge("backend").label == "backend"


def test_badge_text_is_escaped_in_the_svg() -> None:
    svg = render_flat('<a href="x">', "Zoë & 李雷", "blue")
    root = ET.fromstring(svg)
    assert root.get("aria-label") == '<a href="x">: Zoë & 李雷'
    assert "<a " not in svg
