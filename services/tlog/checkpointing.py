"""The checkpoint task: sign the tree's head while it grows, collect witness cosignatures, keep both.

Every ``QL_TLOG_CHECKPOINT_INTERVAL`` the projection leader compares the tree (built by the
projection) with the last checkpoint it signed, and signs a new one when the tree grew (the
empty tree gets one at start, so ``/log/checkpoint`` always answers). Before signing it checks
that the tree extends what it signed before: the head of the tree's first ``N`` leaves must be
the root of the stored checkpoint of size ``N``. Roots are deterministic, so after a replay the
rebuilt tree passes; a tree whose stored hashes were altered, or a replay that built another
history, does not, and signing stops (``log.info`` says why) rather than sign a fork.

Signatures are not derived from the run log (a key and a clock), so they are kept in their own
tables that a replay leaves alone (``services.tlog.store.schema``); a size that was signed is
never signed again with another root. Ed25519 is deterministic, so signing a size twice (two
instances racing) gives the same note; the first stored wins either way.

Witnesses (c2sp.org/tlog-witness): the new checkpoint goes to each configured witness with the
consistency proof from the size it last cosigned (learnt from the stored cosignatures, and from
a 409's body when the log's memory is behind); valid cosignatures are stored with the
checkpoint before it is served, as Sunlight does, so a checkpoint is served with the cosignatures
collected for it. A witness that fails is retried with exponential backoff (at most 5 minutes)
and never holds the log back beyond ``QL_TLOG_WITNESS_TIMEOUT``.
"""

from __future__ import annotations

import asyncio
import functools
import hmac
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import httpx
import psycopg
import structlog
from qlcore.errors import Unavailable
from qlprov.tlog.checkpoint import Checkpoint, sign_checkpoint
from qlprov.tlog.encoding import FormatError, parse_decimal
from qlprov.tlog.merkle import MerkleError, consistency_proof, tree_hash
from qlprov.tlog.note import Signature
from qlprov.tlog.witness import format_add_checkpoint

from services.tlog import store
from services.tlog.domain import WitnessEndpoint, accepted_cosignatures
from services.tlog.store.checkpoints import StoredCheckpoint

if TYPE_CHECKING:
    from services.tlog.bootstrap import Deps

__all__ = ["SigningState", "publish_checkpoints", "publish_once"]

log = structlog.get_logger("tlog.checkpoints")

MAX_BACKOFF = 300.0


@dataclass
class SigningState:
    """What the task knows between rounds (in memory; all of it can be rebuilt from the tables)."""

    halted: str | None = None
    witness_sizes: dict[str, int] | None = None
    failures: dict[str, int] = field(default_factory=dict)
    retry_at: dict[str, float] = field(default_factory=dict)

    def status(self) -> str:
        return "ok" if self.halted is None else f"halted: {self.halted}"

    def failed(self, name: str, now: float) -> None:
        n = self.failures.get(name, 0) + 1
        self.failures[name] = n
        self.retry_at[name] = now + min(MAX_BACKOFF, 2.0**n)

    def succeeded(self, name: str, size: int) -> None:
        self.failures.pop(name, None)
        self.retry_at.pop(name, None)
        if self.witness_sizes is not None:
            self.witness_sizes[name] = size


async def publish_checkpoints(deps: Deps) -> None:
    """Task: one round every interval, on the projection leader only."""
    stop = deps.rt.stop
    while not stop.is_set():
        runner = deps.rt.runner
        if runner is not None and runner.leader:
            try:
                await publish_once(deps)
            except (psycopg.OperationalError, Unavailable, MerkleError) as exc:  # an outage, or a replay under way
                log.warning("tlog.checkpoint_deferred", error=repr(exc))
        try:
            await asyncio.wait_for(stop.wait(), deps.config.checkpoint_interval)
        except TimeoutError:
            pass


def _halt(deps: Deps, reason: str) -> None:
    if deps.signing.halted != reason:
        log.error("tlog.signing_halted", reason=reason)
    deps.signing.halted = reason


async def publish_once(deps: Deps) -> StoredCheckpoint | None:
    """Sign the tree's head if it grew since the last checkpoint; returns the new checkpoint."""
    pool, origin = deps.rt.statements, deps.config.origin
    size = await store.tree.tree_size(pool)
    signed = await store.checkpoints.latest_size(pool, origin)
    if signed is not None and size <= signed:
        return None  # nothing new (or the tree is behind its signed head: a replay is rebuilding it)
    latest = await store.checkpoints.latest(pool, origin) if signed is not None else None
    if latest is not None:
        prefix = await store.tree.generate(pool, lambda r: tree_hash(latest.size, r))
        if not hmac.compare_digest(prefix, latest.root):
            _halt(deps, f"the tree's first {latest.size} leaves do not have the root checkpoint {latest.size} signed")
            return None
    deps.signing.halted = None
    root = await store.tree.generate(pool, lambda r: tree_hash(size, r))
    text = Checkpoint(origin, size, root).text()
    note = sign_checkpoint(Checkpoint(origin, size, root), [deps.signer])
    cosignatures = await collect_cosignatures(deps, text, note, size)
    stored = await store.checkpoints.insert(pool, StoredCheckpoint(origin, size, root, note), cosignatures)
    if not hmac.compare_digest(stored.root, root):
        _halt(deps, f"size {size} was signed before with another root")
        return None
    log.info("tlog.checkpoint", size=size, cosigned_by=sorted({s.name for s in cosignatures}))
    return stored


async def collect_cosignatures(deps: Deps, text: str, note: bytes, size: int) -> list[Signature]:
    """Ask every witness that is not backing off, concurrently; the valid cosignatures they gave."""
    if not deps.config.witnesses:
        return []
    if deps.signing.witness_sizes is None:
        deps.signing.witness_sizes = await store.checkpoints.witness_sizes(deps.rt.statements, deps.config.origin)
    now = asyncio.get_running_loop().time()
    asked = [w for w in deps.config.witnesses if deps.signing.retry_at.get(w.name, 0.0) <= now]
    results = await asyncio.gather(*(_ask(deps, w, text, note, size) for w in asked))
    return [s for sigs in results for s in sigs]


async def _ask(deps: Deps, w: WitnessEndpoint, text: str, note: bytes, size: int) -> list[Signature]:
    state = deps.signing
    assert state.witness_sizes is not None
    old = state.witness_sizes.get(w.name, 0)
    now = asyncio.get_running_loop().time()
    for attempt in (1, 2):
        if old > size:
            log.error("tlog.witness_ahead", witness=w.name, witness_size=old, size=size)
            state.failed(w.name, now)
            return []
        proof = await store.tree.generate(deps.rt.statements, functools.partial(consistency_proof, old, size))
        body = format_add_checkpoint(old, proof, note)
        try:
            answer = await deps.witness_client.add_checkpoint(w.add_checkpoint_url, body)
        except httpx.HTTPError as exc:
            log.warning("tlog.witness_unreachable", witness=w.name, error=repr(exc))
            state.failed(w.name, now)
            return []
        if answer.status == 200:
            sigs = accepted_cosignatures(text, answer.body, w.verifier)
            if sigs:
                state.succeeded(w.name, size)
                return sigs
            log.warning("tlog.witness_bad_cosignature", witness=w.name, body=answer.body[:300].decode(errors="replace"))
        elif answer.status == 409 and attempt == 1:
            try:  # the witness's own size (text/x.tlog.size): try again from there
                old = parse_decimal(answer.body.decode("ascii").strip(), what="witness size")
                continue
            except (FormatError, UnicodeDecodeError):
                log.warning("tlog.witness_bad_409", witness=w.name, body=answer.body[:100])
        else:
            said = answer.body[:300].decode(errors="replace")
            log.warning("tlog.witness_refused", witness=w.name, status=answer.status, old=old, size=size, body=said)
        state.failed(w.name, now)
        return []
    return []
