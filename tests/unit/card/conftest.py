"""Shared builders for the card domain's unit tests: a real-shaped run and a published card."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from services.card.domain.lifecycle import publish, summarize_run
from services.card.domain.links import CardLinks, card_links
from services.card.domain.model import Author, Card, PublishRequest, RunSummary

from .builders import BASE_URL, ghz_document


@pytest.fixture
def document() -> dict[str, Any]:
    return ghz_document()


@pytest.fixture
def run(document: dict[str, Any]) -> RunSummary:
    return summarize_run("01JRUN0000000000000000000A", copy.deepcopy(document))


@pytest.fixture
def request_body() -> PublishRequest:
    return PublishRequest(
        title="GHZ-3 on ibm_kyiv: 95% & {braces} #1 ~ $x^2$ \\ path_to",
        authors=[
            Author(
                name="Zoë Ñúñez", orcid="https://orcid.org/0000-0002-1825-0097", affiliation="Universitat de Barcelona"
            ),
            Author(name="李雷", affiliation="清华大学"),
            Author(name="Ludwig van Beethoven"),
        ],
        abstract="A three-qubit GHZ state.\n\nPrepared on IBM Kyiv; fidelity ≈ 0.95.",
        keywords=["GHZ", "entanglement", "ghz"],
    )


@pytest.fixture
def card(request_body: PublishRequest, run: RunSummary) -> Card:
    outcome = publish(
        None,
        request_body,
        run,
        slug="ghz-3-ibm-kyiv",
        concept_id="01JCONCEPT0000000000000000",
        version_id="01JVERSION0000000000000001",
        now="2026-11-24T10:15:00Z",
    )
    return outcome.card


@pytest.fixture
def links(card: Card) -> CardLinks:
    return card_links(BASE_URL, card.slug, card.run.run_id)
