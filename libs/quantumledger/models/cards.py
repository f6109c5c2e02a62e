"""Result Cards, badges and independent reproductions."""

from __future__ import annotations

import msgspec

from quantumledger.models._base import Model

__all__ = [
    "Author",
    "Badge",
    "Card",
    "CardLinks",
    "CardReproduction",
    "CardRun",
    "OEmbed",
    "ReproductionSummary",
    "SubmittedReproduction",
    "Tombstone",
]


class Author(Model, frozen=True, kw_only=True):
    name: str
    orcid: str | None = None
    affiliation: str | None = None


class CardRun(Model, frozen=True, kw_only=True):
    run_id: str
    run_hash: str
    hash_verified: bool = False
    backend: str | None = None
    backend_provider: str | None = None
    backend_name: str | None = None
    num_qubits: int | None = None
    shots: int | None = None
    calibration_taken_at: str | None = None
    program_name: str | None = None
    created_at: str | None = None


class ReproductionSummary(Model, frozen=True, kw_only=True):
    count: int = 0
    reproduced: int = 0
    drifted: int = 0
    failed: int = 0
    best_fidelity: float | None = None
    best_verdict: str | None = None
    latest_at: str | None = None


class CardReproduction(Model, frozen=True, kw_only=True):
    reproduction_id: str
    run_hash: str | None = None
    backend: str | None = None
    shots: int | None = None
    hellinger_fidelity: float | None = None
    noise_floor: float | None = None
    verdict: str | None = None
    submitted_at: str | None = None
    kind: str | None = None


class CardLinks(Model, frozen=True, kw_only=True):
    html: str | None = None
    embed_page: str | None = None
    api: str | None = None
    embed: str | None = None
    oembed: str | None = None
    provenance: str | None = None
    reproductions: str | None = None
    badges: dict[str, dict[str, str]] = {}
    citations: dict[str, str] = {}
    origin: str | None = None


class Card(Model, frozen=True, kw_only=True):
    """A published Result Card. ``change`` (after publishing): ``created``, ``new_version``,
    ``unchanged`` or ``restored``."""

    slug: str
    concept_id: str
    version_id: str | None = None
    version: int = 1
    title: str | None = None
    authors: list[Author] = []
    abstract: str | None = None
    license: str | None = None
    license_url: str | None = None
    keywords: list[str] = []
    published_at: str | None = None
    first_published_at: str | None = None
    run: CardRun | None = None
    reproductions: ReproductionSummary = ReproductionSummary()
    links: CardLinks = CardLinks()
    reproduction_list: list[CardReproduction] = []
    state: str | None = None
    change: str | None = None


class Tombstone(Model, frozen=True, kw_only=True):
    """What remains public of a withdrawn card (``change``: ``withdrawn`` or ``unchanged``)."""

    slug: str
    concept_id: str
    withdrawn_at: str | None = None
    status: str = "withdrawn"
    message: str | None = None
    change: str | None = None


class OEmbed(Model, frozen=True, kw_only=True):
    type: str
    version: str
    html: str | None = None
    width: int | None = None
    height: int | None = None
    title: str | None = None
    provider_name: str | None = None
    provider_url: str | None = None
    author_name: str | None = None
    cache_age: int | None = None


class Badge(Model, frozen=True, kw_only=True):
    """A badge as shields.io's endpoint JSON."""

    label: str
    message: str
    color: str | None = None
    schema_version: int = msgspec.field(default=1, name="schemaVersion")
    cache_seconds: int | None = msgspec.field(default=None, name="cacheSeconds")
    label_color: str | None = msgspec.field(default=None, name="labelColor")


class SubmittedReproduction(Model, frozen=True, kw_only=True):
    """An independent reproduction submitted to a card, scored against the card's run."""

    reproduction_id: str
    slug: str
    concept_id: str | None = None
    run_id: str | None = None
    run_hash: str | None = None
    program_hash: str | None = None
    backend: str | None = None
    shots: int | None = None
    hellinger_fidelity: float | None = None
    noise_floor: float | None = None
    tolerance: float | None = None
    verdict: str | None = None
    submitted_at: str | None = None
    deduplicated: bool = False
    reproductions: ReproductionSummary = ReproductionSummary()
