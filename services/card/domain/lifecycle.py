"""Publishing and withdrawing a card: pure transitions over :class:`Card`.

The command handler loads the run's current card (if any), calls :func:`publish` or
:func:`withdraw` with fresh ids and the time, and records the outcome as an event; the
projection stores the card the event carries. Ids and times come in as arguments so replay
rebuilds exactly the same cards.

* First publish: version 1, a new concept id and version id, the slug given.
* Publish again with changed metadata: version + 1, a new version id; slug, concept id and
  ``first_published_at`` stay.
* Publish again with the same metadata: nothing changes (``unchanged``), so retries are safe.
* Withdraw: the card keeps its data in the read model but answers with a tombstone.
* Publish a withdrawn card: it is restored (a new version only if its metadata changed).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, Literal

import msgspec
from qlprov.document import validate_document
from qlprov.hashing import run_hash as compute_run_hash

from services.card.domain.model import (
    Card,
    PublishRequest,
    Reproduction,
    ReproductionKind,
    ReproductionSummary,
    RunSummary,
)
from services.card.domain.programs import program_hash

__all__ = [
    "PublishChange",
    "PublishOutcome",
    "default_title",
    "publish",
    "reproduction_kind",
    "summarize_reproductions",
    "summarize_run",
    "withdraw",
]

PublishChange = Literal["created", "new_version", "restored", "unchanged"]


class PublishOutcome(msgspec.Struct, frozen=True):
    card: Card
    change: PublishChange


def default_title(run: RunSummary) -> str:
    """The title of a card published without one."""
    return f"{run.program_name} on {run.backend}"


def _metadata(card: Card) -> tuple[object, ...]:
    return (card.title, card.authors, card.abstract, card.license, card.keywords)


def publish(
    existing: Card | None,
    request: PublishRequest,
    run: RunSummary,
    *,
    slug: str,
    concept_id: str,
    version_id: str,
    now: str,
) -> PublishOutcome:
    """Publish ``run`` as a card, or a new version of ``existing`` (see the module docstring).

    ``slug`` and ``concept_id`` are used only for a first publish, ``version_id`` only when a
    version is made.
    """
    if existing is not None and existing.run.run_id != run.run_id:
        raise ValueError("a card belongs to one run")
    draft = Card(
        slug=slug if existing is None else existing.slug,
        concept_id=concept_id if existing is None else existing.concept_id,
        version_id=version_id,
        version=1 if existing is None else existing.version + 1,
        run=run,
        title=request.title or default_title(run),
        authors=tuple(request.authors),
        abstract=request.abstract,
        license=request.license,
        keywords=tuple(request.keywords),
        published_at=now,
        first_published_at=now if existing is None else existing.first_published_at,
    )
    if existing is None:
        return PublishOutcome(draft, "created")
    if _metadata(existing) != _metadata(draft):
        return PublishOutcome(draft, "new_version")
    if existing.withdrawn:
        return PublishOutcome(msgspec.structs.replace(existing, state="published", withdrawn_at=None), "restored")
    return PublishOutcome(existing, "unchanged")


def withdraw(card: Card, *, now: str) -> Card:
    """The withdrawn card (the same card if it already was withdrawn)."""
    if card.withdrawn:
        return card
    return msgspec.structs.replace(card, state="withdrawn", withdrawn_at=now)


def summarize_run(run_id: str, document: Mapping[str, Any], *, claimed_hash: str | None = None) -> RunSummary:
    """A card's run summary from the run document as stored in the log.

    ``hash_verified`` is true when the document's recomputed ``run_hash`` equals the one it
    carries (or ``claimed_hash``, the hash the ingest event recorded). Raises
    ``msgspec.ValidationError`` when the document is not a ``qlprov/run/1.0`` document.
    """
    parsed = validate_document(dict(document))
    recomputed = compute_run_hash(dict(document))
    claimed = claimed_hash or parsed.run_hash
    return RunSummary(
        run_id=run_id,
        run_hash=recomputed,
        hash_verified=claimed is not None and claimed == recomputed,
        program_name=parsed.program.name,
        program_hash=program_hash(parsed.program.source),
        backend_provider=parsed.backend.provider,
        backend_name=parsed.backend.name,
        num_qubits=parsed.backend.num_qubits,
        shots=parsed.execution.shots,
        calibration_taken_at=parsed.calibration.taken_at,
        created_at=parsed.created_at,
        status=parsed.execution.status,
    )


_VERDICT_RANK = {"reproduced": 3, "drifted": 2, "model_mismatch": 1, "failed": 0}


def _best(items: list[Reproduction]) -> Reproduction | None:
    return max(items, key=lambda item: (_VERDICT_RANK[item.verdict], item.hellinger_fidelity), default=None)


def summarize_reproductions(reproductions: Iterable[Reproduction]) -> ReproductionSummary:
    """Counts by verdict and kind, the best fidelity (and its verdict) of all and of the independent
    ones, the latest submission time."""
    items = list(reproductions)
    if not items:
        return ReproductionSummary()
    best = _best(items)
    assert best is not None
    independent = [item for item in items if item.kind == "independent"]
    best_independent = _best(independent)
    return ReproductionSummary(
        count=len(items),
        reproduced=sum(item.verdict == "reproduced" for item in items),
        drifted=sum(item.verdict == "drifted" for item in items),
        failed=sum(item.verdict == "failed" for item in items),
        best_fidelity=max(item.hellinger_fidelity for item in items),
        best_verdict=best.verdict,
        latest_at=max(item.submitted_at for item in items),
        independent=len(independent),
        independent_reproduced=sum(item.verdict == "reproduced" for item in independent),
        simulated=len(items) - len(independent),
        best_independent_fidelity=max((item.hellinger_fidelity for item in independent), default=None),
        best_independent_verdict=best_independent.verdict if best_independent else None,
    )


def reproduction_kind(*, owner_workspace: str, submitter_workspace: str, on_simulator: bool) -> ReproductionKind:
    """``independent`` for a run submitted by another workspace, or run on hardware; ``simulated``
    for the card owner's own simulation (a drift simulation, a simulator run)."""
    if submitter_workspace != owner_workspace or not on_simulator:
        return "independent"
    return "simulated"
