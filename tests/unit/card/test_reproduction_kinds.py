"""Reproductions by kind (issue 14, item 6): a drift simulation by the run's owner is *simulated*;
a run submitted by another workspace, or run on hardware, is *independent*. Only independent
reproductions whose verdict is "reproduced" make the ``reproduced`` badge ("2 of 3 independent");
with none it says "not yet". What each catches: the owner's simulation counted as a reproduction
("1 · best 0.944" from one drifted simulation), a drifted independent one drawn green, the owner's
hardware run called simulated, another workspace's simulator run called simulated, the kind or
the submitter missing from the card JSON or the page."""

from __future__ import annotations

import pytest

from services.card.domain.badges import badge_for
from services.card.domain.documents import ran_on_simulator
from services.card.domain.html import render_card_page
from services.card.domain.lifecycle import reproduction_kind, summarize_reproductions
from services.card.domain.links import CardLinks
from services.card.domain.model import Card, Reproduction
from services.card.domain.views import card_view


def _r(
    n: int, verdict: str, fidelity: float, kind: str, by: str = "another workspace", how: str = "submitted run"
) -> Reproduction:
    return Reproduction(
        reproduction_id=f"R{n}",
        run_id=f"run{n}",
        run_hash=f"{n:064x}",
        workspace_id="ws",
        backend_provider="ibm",
        backend_name="ibm_kyiv",
        shots=4096,
        hellinger_fidelity=fidelity,
        noise_floor=0.001,
        verdict=verdict,  # type: ignore[arg-type]
        submitted_at=f"2026-12-0{n}T00:00:00Z",
        kind=kind,  # type: ignore[arg-type]
        submitted_by=by,  # type: ignore[arg-type]
        method=how,  # type: ignore[arg-type]
    )


SIMULATED = _r(1, "drifted", 0.944, "simulated", "owner", "drift simulation")


def test_only_simulated_reproductions_say_not_yet(card: Card) -> None:
    summary = summarize_reproductions([SIMULATED])
    assert (summary.count, summary.simulated, summary.independent) == (1, 1, 0)
    reproduced = badge_for("reproduced", card, summary)
    assert (reproduced.message, reproduced.color) == ("not yet", "lightgrey")
    assert "best" not in reproduced.message
    assert badge_for("fidelity", card, summary).message == "no data"


@pytest.mark.parametrize(
    ("items", "message", "color"),
    [
        (
            [
                _r(2, "reproduced", 0.999, "independent"),
                _r(3, "reproduced", 0.998, "independent"),
                _r(4, "drifted", 0.95, "independent"),
                SIMULATED,
            ],
            "2 of 3 independent",
            "brightgreen",
        ),
        ([_r(2, "drifted", 0.95, "independent"), SIMULATED], "0 of 1 independent", "yellow"),
        ([_r(2, "failed", 0.5, "independent"), _r(3, "drifted", 0.95, "independent")], "0 of 2 independent", "yellow"),
        ([_r(2, "failed", 0.5, "independent")], "0 of 1 independent", "red"),
        (
            [_r(2, "reproduced", 0.999, "simulated", "owner"), _r(3, "reproduced", 0.998, "simulated", "owner")],
            "not yet",
            "lightgrey",
        ),
    ],
)
def test_reproduced_badge_counts_independent_reproduced_only(
    card: Card, items: list[Reproduction], message: str, color: str
) -> None:
    view = badge_for("reproduced", card, summarize_reproductions(items))
    assert (view.message, view.color) == (message, color)


def test_fidelity_badge_rests_on_independent_reproductions(card: Card) -> None:
    summary = summarize_reproductions(
        [_r(2, "drifted", 0.951, "independent"), _r(3, "reproduced", 0.9999, "simulated", "owner")]
    )
    assert summary.best_fidelity == 0.9999 and summary.best_independent_fidelity == 0.951
    assert badge_for("fidelity", card, summary).message == "0.951"


@pytest.mark.parametrize(
    ("owner", "submitter", "on_simulator", "kind"),
    [
        ("ws_lab", "ws_lab", True, "simulated"),  # the owner's own simulation
        ("ws_lab", "ws_lab", False, "independent"),  # the owner's run on hardware
        ("ws_lab", "ws_other", True, "independent"),  # another workspace, even on a simulator
        ("ws_lab", "ws_other", False, "independent"),
    ],
)
def test_kind_of_a_submitted_reproduction(owner: str, submitter: str, on_simulator: bool, kind: str) -> None:
    assert reproduction_kind(owner_workspace=owner, submitter_workspace=submitter, on_simulator=on_simulator) == kind


def test_what_ran_on_a_simulator() -> None:
    assert not ran_on_simulator("ibm", "ibm_kyiv", None)
    assert not ran_on_simulator("quantinuum", "H1-1", None)
    assert ran_on_simulator("ibm", "ibm_kyiv", 42)  # a simulator seed
    assert ran_on_simulator("ibm", "ibm_kyiv", None, reproduction_of="ab" * 32, has_reproduction_record=True)
    assert ran_on_simulator("aer", "aer_simulator", None)
    assert ran_on_simulator("ibm", "fake_kyiv", None)
    assert ran_on_simulator("ionq", "simulator", None)


def test_card_json_and_page_say_kind_and_submitter(card: Card, links: CardLinks) -> None:
    items = (_r(2, "reproduced", 0.999, "independent"), SIMULATED)
    view = card_view(card, links, summarize_reproductions(items), items)
    listed = [(i.kind, i.submitted_by, i.method) for i in view.reproduction_list]
    assert listed == [("independent", "another workspace", "submitted run"), ("simulated", "owner", "drift simulation")]
    assert (view.reproductions.independent, view.reproductions.simulated) == (1, 1)
    html = render_card_page(card, links, list(items))
    assert '<tr class="simulated">' in html and '<tr class="independent">' in html
    assert "drift simulation" in html and "another workspace" in html
    assert "1 independent, 1 simulated by the card's owner" in html
    assert 'alt="reproduced: 1 of 1 independent"' in html


@pytest.mark.parametrize("value", [{"days": 90}, 5, "text", None, [1, 2]])
def test_any_reproduction_member_decodes(document: dict[str, object], value: object) -> None:
    """``reproduction`` is an extra member a client may write anything into: the card's projection
    must read every such document (an error there dead-letters the run); only the reproduce
    service's object, with ``lineage.reproduction_of``, marks a drift simulation."""
    import msgspec

    from services.card.domain.documents import decode_facts

    doc = {**document, "reproduction": value, "lineage": {"reproduction_of": "ab" * 32}}
    doc["execution"] = {**doc["execution"], "seed_simulator": None}  # type: ignore[dict-item]
    facts = decode_facts(msgspec.json.encode(doc))
    assert facts.on_simulator == isinstance(value, dict)


def test_a_model_mismatch_is_kept_as_such(card: Card) -> None:
    """The reproduce service's ``model_mismatch`` (the noise model does not explain the original) is
    listed as it is, not as ``failed``; it is a simulated one and moves no badge."""
    mismatch = _r(5, "model_mismatch", 0.90, "simulated", "owner", "drift simulation")
    summary = summarize_reproductions([mismatch])
    assert summary.best_verdict == "model_mismatch"
    assert badge_for("reproduced", card, summary).message == "not yet"
