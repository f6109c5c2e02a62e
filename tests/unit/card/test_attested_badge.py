"""The ``attested`` badge says the attestation's status and is coloured by it: what an
attestation.issued event states (its own status, else its signed statement's), combined over the
workspace's frameworks. What each catches: a failing attestation drawn green (issue 14: bright
green at 5 of 9 controls), a revoked one looking like none or like a pass, control counts that
include not-applicable controls, an event without a status read as passing."""

from __future__ import annotations

import base64
import json

import pytest

from services.card.domain.attestations import (
    AttestationFacts,
    AttestationState,
    AttestationSummary,
    attestation_facts,
    summarize_attestations,
)
from services.card.domain.badges import badge_for
from services.card.domain.badges.colors import NAMED_COLORS
from services.card.domain.badges.kinds import attested_badge
from services.card.domain.lifecycle import withdraw
from services.card.domain.model import Card, ReproductionSummary


def _envelope(status: str, controls: list[str], *, urlsafe: bool = False) -> dict[str, object]:
    statement = {
        "predicate": {"status": status, "controls": [{"id": str(i), "status": c} for i, c in enumerate(controls)]}
    }
    raw = json.dumps(statement).encode()
    payload = (base64.urlsafe_b64encode(raw).rstrip(b"=") if urlsafe else base64.b64encode(raw)).decode()
    return {"payload": payload, "payloadType": "application/vnd.in-toto+json", "signatures": []}


NINE = ["passing"] * 5 + ["failing"] * 4 + ["not_applicable"]


def test_facts_from_the_event_and_its_statement() -> None:
    assert attestation_facts("failing", _envelope("failing", NINE)) == AttestationFacts("failing", 5, 9)
    assert attestation_facts("", _envelope("passing", ["passing"] * 3)) == AttestationFacts("passing", 3, 3)
    assert attestation_facts("", _envelope("failing", NINE, urlsafe=True)) == AttestationFacts("failing", 5, 9)
    # no status anywhere, or a payload that is not a statement: unknown, never passing
    assert attestation_facts("", {}).status == "unknown"
    assert attestation_facts("", {"payload": "%%%not base64"}).status == "unknown"
    assert attestation_facts("", {"payload": base64.b64encode(b"[1,2]").decode()}).status == "unknown"
    assert attestation_facts("bogus", {}).status == "unknown"


def _state(framework: str, status: str, passing: int = 0, total: int = 0, revoked: bool = False) -> AttestationState:
    return AttestationState(framework, AttestationFacts(status, passing, total), revoked)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("states", "message", "color"),
    [
        ([], "none", "lightgrey"),
        ([_state("soc2", "failing", 5, 9)], "failing (5 of 9 controls pass)", "red"),
        (
            [_state("soc2", "failing", 5, 9), _state("eu-ai-act", "passing", 4, 4)],
            "failing (5 of 9 controls pass)",
            "red",
        ),
        ([_state("soc2", "passing", 9, 9)], "soc2 passing", "brightgreen"),
        (
            [_state("a", "passing"), _state("b", "passing"), _state("c", "passing")],
            "3 frameworks passing",
            "brightgreen",
        ),
        ([_state("soc2", "failing", 5, 9, revoked=True)], "revoked", "orange"),
        ([_state("soc2", "failing", 5, 9, revoked=True), _state("iso", "passing", 2, 2)], "iso passing", "brightgreen"),
        ([_state("soc2", "not_applicable")], "not applicable", "lightgrey"),
        ([_state("soc2", "unknown")], "status unknown", "lightgrey"),
    ],
)
def test_attested_badge_by_status(states: list[AttestationState], message: str, color: str) -> None:
    view = attested_badge(summarize_attestations(states))
    assert (view.label, view.message, view.color) == ("attested", message, color)
    assert view.color in NAMED_COLORS


def test_a_failing_attestation_is_never_green(card: Card) -> None:
    summary = AttestationSummary("failing", ("soc2",), 8, 9)
    view = badge_for("attested", card, ReproductionSummary(), summary)
    svg = view.svg().decode()
    assert view.color == "red" and NAMED_COLORS["brightgreen"] not in svg and NAMED_COLORS["red"] in svg
    assert json.loads(view.endpoint_json())["color"] == "red"
    assert badge_for(
        "attested", withdraw(card, now="2026-12-01T00:00:00Z"), ReproductionSummary(), summary
    ).message == ("withdrawn")


def test_revoked_has_its_own_colour() -> None:
    colors = {attested_badge(AttestationSummary(state)).color for state in ("passing", "failing", "revoked", "none")}
    assert len(colors) == 4
