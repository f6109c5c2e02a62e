"""Card lifecycle commands over NATS: ``cards.publish`` and ``cards.unpublish``. Each validates
against the read model, appends one event, and answers only once its own projection applied it,
so the caller's next GET (and every badge) already shows the change.

Publishing and withdrawing are serialized by one PostgreSQL advisory lock, held from the read
that decides to the projection having applied the event: two concurrent first publishes of
two runs that ask for the same slug get ``x`` and ``x-2``, and two concurrent publishes of one
run make one card. Publishing is rare; one lock keeps that simple and correct across service
instances.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING, Annotated

import msgspec
import psycopg
from qlcore.errors import NotFound, Unauthorized, Unprocessable
from qlcore.events import utcnow
from qlcore.events.cards import CardPublished, CardUnpublished
from qlcore.rpc import RpcReply, RpcRequest, json_reply
from ulid import ULID

from services.card import store
from services.card.domain.lifecycle import publish, summarize_reproductions
from services.card.domain.links import card_links
from services.card.domain.model import Card, decode_publish_request
from services.card.domain.slugs import base_slug, unique_slug
from services.card.domain.views import card_view
from services.card.store import CardRow, RunRow

if TYPE_CHECKING:
    from services.card.bootstrap import Deps

__all__ = ["PublishCommand", "UnpublishCommand", "own_run", "publish_card", "unpublish_card"]

LOCK = "card:lifecycle"


class PublishCommand(msgspec.Struct, forbid_unknown_fields=True):
    run_id: str
    card: msgspec.Raw = msgspec.Raw(b"{}")


class UnpublishCommand(msgspec.Struct, forbid_unknown_fields=True):
    run_id: str
    reason: Annotated[str, msgspec.Meta(max_length=1000)] | None = None


async def own_run(deps: Deps, conn: psycopg.AsyncConnection, run_id: str, workspace_id: str) -> RunRow:
    """The caller's run; waits for the read model to reach the log's end when it is not there yet
    (a run ingested a moment ago, decision 0013). Another workspace's run is a 404, like a missing one."""
    found = await store.run(conn, run_id)
    if found is None:
        await deps.rt.caught_up(deps.config.applied_timeout_s)
        found = await store.run(conn, run_id)
    if found is None or found.workspace_id != workspace_id:
        raise NotFound(f"no run {run_id!r} in this workspace")
    return found


def _authors(card: Card) -> list[dict[str, object]]:
    return [msgspec.to_builtins(a) for a in card.authors]


@contextlib.asynccontextmanager
async def _serialized(deps: Deps) -> AsyncIterator[psycopg.AsyncConnection]:
    """The lifecycle lock: in-process first, so that waiting commands never hold pool
    connections the projection needs to apply their events; then across instances."""
    async with deps.lifecycle_lock, deps.rt.pool.connection() as conn, conn.transaction():
        await conn.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", (deps.rt.settings.namespace + LOCK,))
        yield conn


async def _view_of(deps: Deps, slug: str, change: str) -> dict[str, object]:
    async with deps.rt.pool.connection() as conn:
        row = await store.card_by_slug(conn, slug)
        items = tuple(await store.reproductions(conn, row.card.run.run_id)) if row else ()
    if row is None:
        raise NotFound(f"no Result Card {slug!r}")
    links = card_links(deps.base_url, row.card.slug, row.card.run.run_id)
    body: dict[str, object] = msgspec.to_builtins(card_view(row.card, links, summarize_reproductions(items), items))
    return {**body, "state": row.card.state, "change": change}


async def publish_card(deps: Deps, req: RpcRequest) -> RpcReply:
    ws = req.ctx.workspace_id
    if not ws:
        raise Unauthorized()
    cmd: PublishCommand = req.json(PublishCommand)
    try:
        request = decode_publish_request(bytes(cmd.card))
    except (msgspec.ValidationError, msgspec.DecodeError) as exc:
        raise Unprocessable(str(exc)) from exc
    async with _serialized(deps) as conn:
        run = await own_run(deps, conn, cmd.run_id, ws)
        existing: CardRow | None = await store.card_by_run(conn, cmd.run_id)
        slug = existing.card.slug if existing else ""
        if existing is None:
            base = base_slug(run.summary.program_name, run.summary.backend_name, run.summary.run_hash)
            slug = unique_slug(base, await store.slugs_like(conn, base))
        outcome = publish(
            existing.card if existing else None,
            request,
            run.summary,
            slug=slug,
            concept_id=str(ULID()),
            version_id=str(ULID()),
            now=utcnow(),
        )
        if outcome.change != "unchanged":
            c = outcome.card
            event = CardPublished.new(
                actor=req.ctx.actor,
                workspace_id=ws,
                correlation_id=req.ctx.request_id,
                concept_id=c.concept_id,
                version_id=c.version_id,
                card_version=c.version,
                slug=c.slug,
                run_id=c.run.run_id,
                run_hash=c.run.run_hash,
                title=c.title,
                authors=_authors(c),
                license=c.license,
                abstract=c.abstract,
                keywords=list(c.keywords),
                published_at=c.published_at,
            )
            appended = await deps.rt.bus.append(event)
            await deps.rt.applied(appended.seq, deps.config.applied_timeout_s)
    status = 201 if outcome.change == "created" else 200
    return json_reply(await _view_of(deps, outcome.card.slug, outcome.change), status=status)


async def unpublish_card(deps: Deps, req: RpcRequest) -> RpcReply:
    ws = req.ctx.workspace_id
    if not ws:
        raise Unauthorized()
    cmd: UnpublishCommand = req.json(UnpublishCommand)
    async with _serialized(deps) as conn:
        await own_run(deps, conn, cmd.run_id, ws)
        row = await store.card_by_run(conn, cmd.run_id)
        if row is None:
            raise NotFound(f"run {cmd.run_id!r} has no Result Card")
        change = "unchanged"
        if not row.card.withdrawn:
            event = CardUnpublished.new(
                actor=req.ctx.actor,
                workspace_id=ws,
                correlation_id=req.ctx.request_id,
                concept_id=row.card.concept_id,
                slug=row.card.slug,
                reason=cmd.reason,
            )
            appended = await deps.rt.bus.append(event)
            await deps.rt.applied(appended.seq, deps.config.applied_timeout_s)
            change = "withdrawn"
    async with deps.rt.pool.connection() as conn:
        after = await store.card_by_run(conn, cmd.run_id)
    if after is None or after.card.withdrawn_at is None:
        raise NotFound(f"run {cmd.run_id!r} has no Result Card")
    tomb = after.card.tombstone()
    return json_reply({**msgspec.to_builtins(tomb), "change": change})
