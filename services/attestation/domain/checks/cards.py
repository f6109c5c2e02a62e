"""Checks over published Result Cards: reproduction, identifiers, citation metadata, license."""

from __future__ import annotations

import re
from collections.abc import Iterator

from services.attestation.domain.checks.base import Check, CheckParams, Observation, Subject, public_cards
from services.attestation.domain.snapshot import CardFacts, ReproductionFacts, WorkspaceSnapshot

__all__ = ["CARD_CHECKS", "is_orcid"]

_ORCID = re.compile(r"^(?:https://orcid\.org/)?(\d{4}-\d{4}-\d{4}-\d{3}[\dX])$")
_RUN_HASH = re.compile(r"^[0-9a-f]{64}$")


def is_orcid(value: str | None) -> bool:
    """An ORCID iD with a valid ISO 7064 11,2 check digit (bare or as its https URI)."""
    match = _ORCID.match(value or "")
    if match is None:
        return False
    digits = match.group(1).replace("-", "")
    total = 0
    for ch in digits[:-1]:
        total = (total + int(ch)) * 2
    check = (12 - total % 11) % 11
    return digits[-1] == ("X" if check == 10 else str(check))


def _subject(card: CardFacts) -> Subject:
    return Subject("card", card.slug)


class ReproducedParams(CheckParams, frozen=True, kw_only=True):
    min_reproductions: int = 1
    verdicts: tuple[str, ...] = ("reproduced",)
    independent: bool = True


def _independent(r: ReproductionFacts, workspace_id: str) -> bool:
    """The reproduction's recorded kind (docs/reproduce.md, "Kinds": submitted by another
    workspace, or run on hardware); one recorded before kinds existed: from another workspace."""
    return r.kind == "independent" if r.kind else r.workspace_id != workspace_id


def _reproduced(snapshot: WorkspaceSnapshot, p: ReproducedParams) -> Iterator[Observation]:
    """Independent: an *independent* reproduction, never the owner's drift simulation."""
    for card in public_cards(snapshot):
        counted = [
            r
            for r in card.reproductions
            if r.verdict in p.verdicts and (not p.independent or _independent(r, snapshot.workspace_id))
        ]
        facts = {
            "run_id": card.run_id,
            "reproductions": [
                {"verdict": r.verdict, "workspace_id": r.workspace_id, "run_id": r.run_id, "kind": r.kind or None}
                for r in sorted(card.reproductions, key=lambda r: (r.workspace_id, r.run_id or "", r.verdict))
            ],
            "counted": len(counted),
        }
        ok = len(counted) >= p.min_reproductions
        kind = "independent " if p.independent else ""
        wanted = "/".join(p.verdicts)
        reason = "" if ok else f"{len(counted)} of {p.min_reproductions} {kind}reproduction(s) scoring {wanted}"
        yield Observation(_subject(card), ok, facts, reason)


class IdentifierParams(CheckParams, frozen=True, kw_only=True):
    slug_pattern: str = r"^[a-z0-9]+(?:-[a-z0-9]+)*$"


def _identifier(snapshot: WorkspaceSnapshot, p: IdentifierParams) -> Iterator[Observation]:
    """A readable slug plus the run's content hash: an identifier that cannot silently change."""
    hashes = {run.run_id: run.run_hash for run in snapshot.runs}
    for card in public_cards(snapshot):
        run_hash = hashes.get(card.run_id)
        problems = []
        if re.match(p.slug_pattern, card.slug) is None:
            problems.append("slug is not a stable identifier")
        if run_hash is None or _RUN_HASH.match(run_hash) is None:
            problems.append("no content hash for the card's run")
        facts = {"slug": card.slug, "run_id": card.run_id, "run_hash": run_hash}
        yield Observation(_subject(card), not problems, facts, "; ".join(problems))


class RunRecordedParams(CheckParams, frozen=True, kw_only=True):
    pass


def _run_recorded(snapshot: WorkspaceSnapshot, p: RunRecordedParams) -> Iterator[Observation]:
    hashes = {run.run_id: run.run_hash for run in snapshot.runs}
    for card in public_cards(snapshot):
        ok = card.run_id in hashes
        facts = {"run_id": card.run_id, "run_hash": hashes.get(card.run_id)}
        yield Observation(_subject(card), ok, facts, "" if ok else "the card's run is not in the ledger")


class CitationParams(CheckParams, frozen=True, kw_only=True):
    min_authors: int = 1
    require_title: bool = True
    require_published_at: bool = True
    require_orcid: bool = False


def _citation(snapshot: WorkspaceSnapshot, p: CitationParams) -> Iterator[Observation]:
    for card in public_cards(snapshot):
        named = [a for a in card.authors if a.name.strip()]
        problems = []
        if p.require_title and not (card.title or "").strip():
            problems.append("no title")
        if len(named) < p.min_authors:
            problems.append(f"fewer than {p.min_authors} named author(s)")
        if p.require_published_at and card.published_at is None:
            problems.append("no publication date")
        without_orcid = [a.name for a in named if not is_orcid(a.orcid)]
        if p.require_orcid and without_orcid:
            problems.append("authors without a valid ORCID iD: " + ", ".join(without_orcid))
        facts = {
            "title": card.title,
            "authors": [{"name": a.name, "orcid": a.orcid} for a in card.authors],
            "published_at": card.published_at,
        }
        yield Observation(_subject(card), not problems, facts, "; ".join(problems))


class LicenseParams(CheckParams, frozen=True, kw_only=True):
    allowed: tuple[str, ...]


def _license(snapshot: WorkspaceSnapshot, p: LicenseParams) -> Iterator[Observation]:
    for card in public_cards(snapshot):
        ok = card.license in p.allowed
        if card.license is None:
            reason = "no license"
        else:
            reason = "" if ok else f"license {card.license!r} is not an accepted open license"
        yield Observation(_subject(card), ok, {"license": card.license}, reason)


CARD_CHECKS: tuple[Check, ...] = (
    Check(
        "card_independently_reproduced",
        "Published cards have enough independent reproductions",
        ReproducedParams,
        _reproduced,
    ),
    Check(
        "card_persistent_identifier",
        "Published cards carry a stable slug and the run's content hash",
        IdentifierParams,
        _identifier,
    ),
    Check("card_run_recorded", "A published card's run is recorded in the ledger", RunRecordedParams, _run_recorded),
    Check("card_citation_metadata", "Published cards carry citation metadata", CitationParams, _citation),
    Check("card_license", "Published cards carry an accepted open license (SPDX id)", LicenseParams, _license),
)
