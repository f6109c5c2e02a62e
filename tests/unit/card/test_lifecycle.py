from __future__ import annotations

import copy
from typing import Any

import msgspec
import pytest

from services.card.domain.errors import InvalidCardInput, InvalidOrcid
from services.card.domain.lifecycle import (
    default_title,
    publish,
    summarize_reproductions,
    summarize_run,
    withdraw,
)
from services.card.domain.model import Author, Card, PublishRequest, Reproduction, RunSummary, decode_publish_request

NOW = "2026-11-25T08:00:00Z"


def test_publish_body_is_validated_and_normalized() -> None:
    request = decode_publish_request(
        '{"authors": [{"name": "  Zoë   Ñúñez ", "orcid": "https://orcid.org/0000-0002-1694-233x",'
        ' "affiliation": " UB "}], "keywords": ["GHZ", " ghz ", "entanglement", ""], "license": "cc-by-sa-4.0",'
        ' "abstract": "one\\r\\n line\\n\\n\\n two  "}'
    )
    assert request.authors == [Author(name="Zoë Ñúñez", orcid="0000-0002-1694-233X", affiliation="UB")]
    assert request.keywords == ["GHZ", "entanglement"]
    assert request.license == "CC-BY-SA-4.0"
    assert request.abstract == "one line\n\ntwo"
    assert request.title is None


def test_license_defaults_to_cc_by_4() -> None:
    assert decode_publish_request('{"authors": [{"name": "A B"}]}').license == "CC-BY-4.0"


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ('{"authors": []}', "length >= 1"),
        ('{"title": "x"}', "missing required field `authors`"),
        ('{"authors": [{"name": "A", "orcid": "0000-0002-1825-0098"}]}', "checksum"),
        ('{"authors": [{"name": "A"}], "license": "Proprietary-1.0"}', "SPDX"),
        ('{"authors": [{"name": "A", "email": "a@b"}]}', "unknown field"),
        ('{"authors": [{"name": "   "}]}', "blank"),
        ('{"authors": [{"name": "A\\u0007B"}]}', "control"),
    ],
)
def test_invalid_publish_bodies_are_rejected(body: str, message: str) -> None:
    with pytest.raises(msgspec.ValidationError, match=message):
        decode_publish_request(body)


def test_direct_construction_raises_the_typed_errors() -> None:
    with pytest.raises(InvalidOrcid):
        Author(name="A", orcid="0000-0000-0000-0000")
    with pytest.raises(InvalidCardInput):
        PublishRequest(authors=[Author(name="A")], keywords=[f"k{i}" for i in range(33)])


def test_summarize_run_verifies_the_hash(document: dict[str, Any], run: RunSummary) -> None:
    assert run.hash_verified and run.run_hash == document["run_hash"]
    assert (run.backend, run.shots, run.num_qubits) == ("ibm/ibm_kyiv", 4096, 127)
    assert run.calibration_taken_at == "2026-11-20T08:00:00Z"
    tampered = copy.deepcopy(document)
    tampered["execution"]["shots"] = 8192
    summary = summarize_run("01JRUN", tampered)
    assert not summary.hash_verified and summary.run_hash != document["run_hash"]
    assert not summarize_run("01JRUN", document, claimed_hash="0" * 64).hash_verified


def test_summarize_run_rejects_what_is_not_a_run_document(document: dict[str, Any]) -> None:
    del document["backend"]
    with pytest.raises(msgspec.ValidationError):
        summarize_run("01JRUN", document)


def test_first_publish_creates_version_one(card: Card, run: RunSummary) -> None:
    assert (card.slug, card.version, card.state) == ("ghz-3-ibm-kyiv", 1, "published")
    assert card.concept_id == "01JCONCEPT0000000000000000"
    assert card.version_id == "01JVERSION0000000000000001"
    assert card.published_at == card.first_published_at == "2026-11-24T10:15:00Z"
    assert card.license == "CC-BY-4.0" and card.keywords == ("GHZ", "entanglement")
    assert card.run == run


def _again(card: Card, request: PublishRequest, **changes: Any) -> tuple[Card, str]:
    outcome = publish(
        card,
        msgspec.structs.replace(request, **changes),
        card.run,
        slug="ignored",
        concept_id="ignored",
        version_id="01JVERSION0000000000000002",
        now=NOW,
    )
    return outcome.card, outcome.change


def test_publishing_the_same_metadata_again_changes_nothing(card: Card, request_body: PublishRequest) -> None:
    again, change = _again(card, request_body)
    assert change == "unchanged" and again is card


def test_a_change_makes_a_new_version_of_the_same_concept(card: Card, request_body: PublishRequest) -> None:
    new, change = _again(card, request_body, title="GHZ-3, revisited")
    assert change == "new_version"
    assert (new.version, new.version_id, new.title) == (2, "01JVERSION0000000000000002", "GHZ-3, revisited")
    assert (new.slug, new.concept_id) == (card.slug, card.concept_id)
    assert (new.published_at, new.first_published_at) == (NOW, card.first_published_at)


def test_withdraw_then_publish_restores(card: Card, request_body: PublishRequest) -> None:
    gone = withdraw(card, now=NOW)
    assert gone.withdrawn and gone.withdrawn_at == NOW
    assert withdraw(gone, now="2027-01-01T00:00:00Z") is gone
    tombstone = gone.tombstone()
    assert msgspec.to_builtins(tombstone) == {
        "slug": card.slug,
        "concept_id": card.concept_id,
        "withdrawn_at": NOW,
        "status": "withdrawn",
        "message": "This Result Card was withdrawn by its authors.",
    }
    restored, change = _again(gone, request_body)
    assert change == "restored" and not restored.withdrawn and restored.withdrawn_at is None
    assert (restored.version, restored.version_id) == (card.version, card.version_id)
    changed, change = _again(gone, request_body, keywords=["GHZ"])
    assert change == "new_version" and not changed.withdrawn and changed.version == 2


def test_a_published_card_has_no_tombstone(card: Card) -> None:
    with pytest.raises(ValueError):
        card.tombstone()


def test_a_card_belongs_to_one_run(card: Card, request_body: PublishRequest) -> None:
    other = msgspec.structs.replace(card.run, run_id="01JOTHER")
    with pytest.raises(ValueError):
        publish(card, request_body, other, slug="x", concept_id="c", version_id="v", now=NOW)


def test_default_title(run: RunSummary, request_body: PublishRequest) -> None:
    assert default_title(run) == "ghz_3 on ibm/ibm_kyiv"
    untitled = msgspec.structs.replace(request_body, title=None)
    card = publish(None, untitled, run, slug="s", concept_id="c", version_id="v", now=NOW).card
    assert card.title == "ghz_3 on ibm/ibm_kyiv"


def _reproduction(verdict: str, fidelity: float, at: str) -> Reproduction:
    return Reproduction(
        reproduction_id=at,
        run_id="01JREP",
        run_hash="f" * 64,
        workspace_id="01JWS",
        backend_provider="ibm",
        backend_name="ibm_brisbane",
        shots=4096,
        hellinger_fidelity=fidelity,
        noise_floor=0.001,
        verdict=verdict,  # type: ignore[arg-type]
        submitted_at=at,
    )


def test_summarize_reproductions() -> None:
    empty = summarize_reproductions([])
    assert (empty.count, empty.best_fidelity, empty.best_verdict) == (0, None, None)
    summary = summarize_reproductions(
        [
            _reproduction("drifted", 0.97, "2026-11-26T00:00:00Z"),
            _reproduction("reproduced", 0.96, "2026-11-27T00:00:00Z"),
            _reproduction("failed", 0.5, "2026-11-25T00:00:00Z"),
        ]
    )
    assert (summary.count, summary.reproduced, summary.drifted, summary.failed) == (3, 1, 1, 1)
    assert summary.best_fidelity == 0.97 and summary.best_verdict == "reproduced"
    assert summary.latest_at == "2026-11-27T00:00:00Z"
