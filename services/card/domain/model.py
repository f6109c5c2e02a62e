"""The Result Card and what it is made of, as msgspec Structs.

A card follows the Zenodo model: ``concept_id`` names the card across all its versions (the
id to cite "whichever is latest"), ``version_id`` names one published version, ``version``
counts them from 1. A withdrawn card keeps its slug and ids; public readers get only its
:class:`Tombstone`.

Timestamps are RFC 3339 strings in UTC supplied by the caller (the domain has no clock).
"""

from __future__ import annotations

import re
from typing import Annotated, Literal

import msgspec
from msgspec.structs import force_setattr

from services.card.domain.errors import InvalidCardInput
from services.card.domain.licenses import DEFAULT_LICENSE, normalize_license
from services.card.domain.orcid import parse_orcid

__all__ = [
    "Author",
    "Card",
    "CardState",
    "Method",
    "PublishRequest",
    "Reproduction",
    "ReproductionKind",
    "ReproductionSummary",
    "RunSummary",
    "Submitter",
    "Tombstone",
    "Verdict",
    "decode_publish_request",
]

Verdict = Literal["reproduced", "drifted", "failed", "model_mismatch"]  # model_mismatch: reproduce service
ReproductionKind = Literal["independent", "simulated"]
Submitter = Literal["owner", "another workspace"]
Method = Literal["submitted run", "drift simulation"]
CardState = Literal["published", "withdrawn"]

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
MAX_AUTHORS = 100
MAX_KEYWORDS = 32


def _one_line(value: str, what: str) -> str:
    """Collapse whitespace (newlines included) and refuse control characters."""
    text = " ".join(value.split())
    if _CONTROL.search(text):
        raise InvalidCardInput(f"{what} contains control characters")
    if not text:
        raise InvalidCardInput(f"{what} is blank")
    return text


def _paragraphs(value: str) -> str:
    """Keep paragraph breaks (``\\n\\n``) of an abstract, collapse the rest of the whitespace."""
    text = value.replace("\r\n", "\n").replace("\r", "\n")
    if _CONTROL.search(text.replace("\t", " ")):
        raise InvalidCardInput("abstract contains control characters")
    paragraphs = (" ".join(part.split()) for part in re.split(r"\n\s*\n", text))
    return "\n\n".join(part for part in paragraphs if part)


class Author(msgspec.Struct, frozen=True, forbid_unknown_fields=True, omit_defaults=True):
    """An author as published: display name, optional ORCID iD (bare form) and affiliation."""

    name: Annotated[str, msgspec.Meta(min_length=1, max_length=256)]
    orcid: str | None = None
    affiliation: Annotated[str, msgspec.Meta(max_length=512)] | None = None

    def __post_init__(self) -> None:
        force_setattr(self, "name", _one_line(self.name, "author name"))
        if self.orcid is not None:
            force_setattr(self, "orcid", parse_orcid(self.orcid))
        if self.affiliation is not None:
            affiliation = " ".join(self.affiliation.split())
            force_setattr(self, "affiliation", _one_line(affiliation, "affiliation") if affiliation else None)


class PublishRequest(msgspec.Struct, frozen=True, forbid_unknown_fields=True, omit_defaults=True):
    """Body of ``POST /api/v1/runs/{run_id}/card/publish``, validated and normalized."""

    authors: Annotated[list[Author], msgspec.Meta(min_length=1, max_length=MAX_AUTHORS)]
    title: Annotated[str, msgspec.Meta(max_length=500)] | None = None
    abstract: Annotated[str, msgspec.Meta(max_length=20_000)] | None = None
    license: str = DEFAULT_LICENSE
    keywords: Annotated[list[Annotated[str, msgspec.Meta(max_length=64)]], msgspec.Meta(max_length=64)] = []

    def __post_init__(self) -> None:
        if self.title is not None:
            force_setattr(self, "title", _one_line(self.title, "title") if self.title.strip() else None)
        if self.abstract is not None:
            force_setattr(self, "abstract", _paragraphs(self.abstract) or None)
        force_setattr(self, "license", normalize_license(self.license))
        keywords: list[str] = []
        for keyword in self.keywords:
            text = " ".join(keyword.split())
            if text and text.casefold() not in {seen.casefold() for seen in keywords}:
                keywords.append(_one_line(text, "keyword"))
        if len(keywords) > MAX_KEYWORDS:
            raise InvalidCardInput(f"at most {MAX_KEYWORDS} keywords")
        force_setattr(self, "keywords", keywords)


_publish_decoder = msgspec.json.Decoder(PublishRequest)


def decode_publish_request(body: bytes | str) -> PublishRequest:
    """Validate a publish body; raises ``msgspec.ValidationError`` (HTTP 422) or ``DecodeError``."""
    return _publish_decoder.decode(body)


class RunSummary(msgspec.Struct, frozen=True):
    """What a card shows of its run, taken from the run document in the log."""

    run_id: str
    run_hash: str
    hash_verified: bool
    program_name: str
    program_hash: str
    backend_provider: str
    backend_name: str
    num_qubits: int
    shots: int
    calibration_taken_at: str
    created_at: str
    status: str

    @property
    def backend(self) -> str:
        """``provider/name``, as the rest of the API names a backend."""
        return f"{self.backend_provider}/{self.backend_name}"


class Reproduction(msgspec.Struct, frozen=True):
    """One reproduction, scored against the card's run: ``independent`` (another workspace's run, or
    a run on hardware) or ``simulated`` (the owner's simulation, e.g. a drift simulation)."""

    reproduction_id: str
    run_id: str
    run_hash: str
    workspace_id: str
    backend_provider: str
    backend_name: str
    shots: int
    hellinger_fidelity: float
    noise_floor: float
    verdict: Verdict
    submitted_at: str
    kind: ReproductionKind = "independent"
    submitted_by: Submitter = "another workspace"
    method: Method = "submitted run"


class ReproductionSummary(msgspec.Struct, frozen=True):
    """The reproductions of a card in numbers (what the badges and the page show).

    ``count`` .. ``best_verdict`` count every reproduction; the ``independent*`` members only the
    independent ones (what the ``reproduced`` and ``fidelity`` badges rest on); ``simulated``
    counts the owner's simulations."""

    count: int = 0
    reproduced: int = 0
    drifted: int = 0
    failed: int = 0
    best_fidelity: float | None = None
    best_verdict: Verdict | None = None
    latest_at: str | None = None
    independent: int = 0
    independent_reproduced: int = 0
    simulated: int = 0
    best_independent_fidelity: float | None = None
    best_independent_verdict: Verdict | None = None


class Card(msgspec.Struct, frozen=True):
    """One version of a Result Card, plus its state (the read model's row)."""

    slug: str
    concept_id: str
    version_id: str
    version: int
    run: RunSummary
    title: str
    authors: tuple[Author, ...]
    license: str
    published_at: str
    first_published_at: str
    abstract: str | None = None
    keywords: tuple[str, ...] = ()
    state: CardState = "published"
    withdrawn_at: str | None = None

    @property
    def withdrawn(self) -> bool:
        return self.state == "withdrawn"

    def tombstone(self) -> Tombstone:
        """What public endpoints answer (with 410 Gone) for a withdrawn card."""
        if self.withdrawn_at is None:
            raise ValueError("a published card has no tombstone")
        return Tombstone(slug=self.slug, concept_id=self.concept_id, withdrawn_at=self.withdrawn_at)


class Tombstone(msgspec.Struct, frozen=True):
    """The public remains of a withdrawn card: never its data."""

    slug: str
    concept_id: str
    withdrawn_at: str
    status: Literal["withdrawn"] = "withdrawn"
    message: str = "This Result Card was withdrawn by its authors."
