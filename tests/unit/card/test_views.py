from __future__ import annotations

import json

import msgspec
import pytest

from services.card.domain.lifecycle import withdraw
from services.card.domain.links import CardLinks
from services.card.domain.model import Card, ReproductionSummary
from services.card.domain.views import card_view


def test_card_json_has_what_the_contract_promises(card: Card, links: CardLinks) -> None:
    summary = ReproductionSummary(count=1, drifted=1, best_fidelity=0.93, best_verdict="drifted")
    body = json.loads(msgspec.json.encode(card_view(card, links, summary)))
    assert body["slug"] == "ghz-3-ibm-kyiv" and body["version"] == 1
    assert {"concept_id", "version_id", "published_at", "title", "abstract", "keywords"} <= body.keys()
    assert body["authors"][0] == {
        "name": "Zoë Ñúñez",
        "orcid": "0000-0002-1825-0097",
        "affiliation": "Universitat de Barcelona",
    }
    assert body["authors"][2] == {"name": "Ludwig van Beethoven"}  # no nulls for absent optionals
    assert (body["license"], body["license_url"]) == ("CC-BY-4.0", "https://spdx.org/licenses/CC-BY-4.0.html")
    run = body["run"]
    assert (run["backend"], run["shots"], run["calibration_taken_at"]) == ("ibm/ibm_kyiv", 4096, "2026-11-20T08:00:00Z")
    assert run["run_hash"] == card.run.run_hash and run["hash_verified"] is True
    assert body["reproductions"]["best_fidelity"] == 0.93
    assert body["links"]["badges"]["reproduced"]["svg"] == links.badges["reproduced"].svg
    assert body["links"]["citations"]["cff"] == links.citations["cff"]
    assert body["links"]["provenance"] == links.provenance


def test_a_withdrawn_card_has_no_view(card: Card, links: CardLinks) -> None:
    with pytest.raises(ValueError):
        card_view(withdraw(card, now="2026-12-01T00:00:00Z"), links, ReproductionSummary())
