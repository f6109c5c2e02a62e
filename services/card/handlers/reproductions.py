"""Submitting a reproduction to a card (``cards.reproduce``; any authenticated workspace).

The submission is a run bundle, which is ingested into the submitter's workspace through the
ingest service (``runs.ingest`` with the submitter's identity, so it is their run, counted on
their plan), or ``{"run_id": ...}`` naming one of the submitter's own runs. It must run the
card's program (:mod:`services.card.domain.programs`); a bundle that does not is refused
before it is ingested. The score (Hellinger fidelity against the card's run, with the
shot-noise verdict) is recorded as ``card.reproduction_submitted``; the same run submitted
twice to one card counts once.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import msgspec
from qlcore import rpc as qlrpc
from qlcore.errors import NotFound, Unauthorized, Unavailable, Unprocessable
from qlcore.events.cards import ReproductionSubmitted
from qlcore.rpc import RpcReply, RpcRequest, json_reply
from ulid import ULID

from services.card import store
from services.card.domain.documents import decode_facts
from services.card.domain.errors import ProgramMismatch, SelfReproduction
from services.card.domain.lifecycle import reproduction_kind, summarize_reproductions
from services.card.domain.model import Reproduction
from services.card.domain.slugs import is_valid_slug
from services.card.handlers.responses import gone
from services.card.store import CardRow, RunRow

if TYPE_CHECKING:
    from services.card.bootstrap import Deps

__all__ = ["ReproduceCommand", "submit"]


class ReproduceCommand(msgspec.Struct, forbid_unknown_fields=True):
    slug: str
    submission: msgspec.Raw


class _Submission(msgspec.Struct):
    """Which kind of submission: a bundle has ``schema``; a reference has only ``run_id``."""

    schema: str | None = None
    run_id: str | None = None


def _outcome(
    row: CardRow, r: Reproduction, program_hash: str, items: list[Reproduction], new: bool
) -> dict[str, object]:
    return {
        "reproduction_id": r.reproduction_id,
        "slug": row.card.slug,
        "concept_id": row.card.concept_id,
        "run_id": r.run_id,
        "run_hash": r.run_hash,
        "program_hash": program_hash,
        "backend": f"{r.backend_provider}/{r.backend_name}",
        "shots": r.shots,
        "hellinger_fidelity": r.hellinger_fidelity,
        "noise_floor": r.noise_floor,
        "tolerance": 3 * r.noise_floor,
        "verdict": r.verdict,
        "submitted_at": r.submitted_at,
        "kind": r.kind,
        "submitted_by": r.submitted_by,
        "deduplicated": not new,
        "reproductions": msgspec.to_builtins(summarize_reproductions(items)),
    }


async def _run_of(deps: Deps, run_id: str, workspace_id: str) -> RunRow:
    async with deps.rt.pool.connection() as conn:
        found = await store.run(conn, run_id)
    if found is None:  # a run ingested a moment ago (decision 0013)
        await deps.rt.caught_up(deps.config.applied_timeout_s)
        async with deps.rt.pool.connection() as conn:
            found = await store.run(conn, run_id)
    if found is None or found.workspace_id != workspace_id:
        raise NotFound(f"no run {run_id!r} in this workspace")
    return found


async def _ingest(deps: Deps, req: RpcRequest, bundle: bytes, card: CardRow) -> str | RpcReply:
    """Ingest the bundle as the submitter; a refusal (422, 413, ...) is passed on as it is."""
    try:
        facts = decode_facts(bundle)
    except (msgspec.ValidationError, msgspec.DecodeError):
        facts = None  # not a card's view of a document: ingest names what is wrong with it
    if facts is not None and facts.program_hash != card.card.run.program_hash:
        raise _mismatch(facts.program_hash, card.card.run.program_hash)
    reply = await qlrpc.call(
        deps.rt.bus.nc,
        deps.rt.settings,
        "ingest",
        "runs.ingest",
        bundle,
        req.ctx,
        timeout=deps.config.ingest_timeout_s,
    )
    if reply.status >= 400:
        return reply
    return str(reply.json()["run_id"])


async def submit(deps: Deps, req: RpcRequest) -> RpcReply:
    ws = req.ctx.workspace_id
    if not ws:
        raise Unauthorized()
    cmd: ReproduceCommand = req.json(ReproduceCommand)
    card = None
    if is_valid_slug(cmd.slug):
        async with deps.rt.pool.connection() as conn:
            card = await store.card_by_slug(conn, cmd.slug)
    if card is None:
        raise NotFound(f"no Result Card {cmd.slug!r}")
    if card.card.withdrawn:
        raise gone(card.card.tombstone())
    try:
        kind = msgspec.json.decode(bytes(cmd.submission), type=_Submission)
    except (msgspec.ValidationError, msgspec.DecodeError) as exc:
        raise Unprocessable(f'send a run bundle (qlprov/run/1.0) or {{"run_id": ...}}: {exc}') from exc
    if kind.schema is not None:
        ingested = await _ingest(deps, req, bytes(cmd.submission), card)
        if isinstance(ingested, RpcReply):
            return ingested
        run_id = ingested
    elif kind.run_id:
        run_id = kind.run_id
    else:
        raise Unprocessable('send a run bundle (qlprov/run/1.0) or {"run_id": "<one of your runs>"}')
    submitted = await _run_of(deps, run_id, ws)
    return await _record(deps, req, card, submitted)


async def _record(deps: Deps, req: RpcRequest, card: CardRow, submitted: RunRow) -> RpcReply:
    from services.card.domain.reproduction import score  # qiskit: imported on first use only

    target = card.card.run
    try:
        s = score(target, card.counts, submitted.summary, submitted.counts)
    except SelfReproduction as exc:
        raise Unprocessable(str(exc)) from exc
    except ProgramMismatch as exc:
        raise _mismatch(submitted.summary.program_hash, target.program_hash) from exc
    except ValueError as exc:
        raise Unprocessable(f"the submitted run's counts cannot be scored: {exc}") from exc
    async with deps.rt.pool.connection() as conn:
        existing = await store.reproduction_of(conn, target.run_id, submitted.summary.run_hash)
    if existing is None:
        run = submitted.summary
        kind = reproduction_kind(
            owner_workspace=card.workspace_id,
            submitter_workspace=req.ctx.workspace_id or "",
            on_simulator=submitted.on_simulator,
        )
        event = ReproductionSubmitted.new(
            actor=req.ctx.actor,
            workspace_id=req.ctx.workspace_id,
            correlation_id=req.ctx.request_id,
            reproduction_id=str(ULID()),
            concept_id=card.card.concept_id,
            slug=card.card.slug,
            run_id=run.run_id,
            run_hash=run.run_hash,
            hellinger_fidelity=s.hellinger_fidelity,
            noise_floor=s.noise_floor,
            verdict=s.verdict,
            program_hash=run.program_hash,
            card_run_id=target.run_id,
            backend_provider=run.backend_provider,
            backend_name=run.backend_name,
            shots=run.shots,
            kind=kind,
        )
        appended = await deps.rt.bus.append(event, msg_id=f"repro:{card.card.concept_id}:{run.run_hash}")
        await deps.rt.applied(appended.seq, deps.config.applied_timeout_s)
    async with deps.rt.pool.connection() as conn:
        stored = await store.reproduction_of(conn, target.run_id, submitted.summary.run_hash)
        items = await store.reproductions(conn, target.run_id)
    if stored is None:
        raise Unavailable("the reproduction was recorded but is not readable yet; retry")
    body = _outcome(card, stored, submitted.summary.program_hash, items, new=existing is None)
    return json_reply(body, status=201 if existing is None else 200)


def _mismatch(submitted: str, card: str) -> Unprocessable:
    return Unprocessable(
        "a reproduction must run the card's program: the normalized OpenQASM texts differ",
        submitted_program_hash=submitted,
        card_program_hash=card,
    )
