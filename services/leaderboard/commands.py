"""``corpus.import``: append a batch of observations as ``calibration.observed`` events, once each.

Why the service appends (and not the CLI): the service owns the idempotency index (its read
model), so it can check it and append in one place, and an importer needs NATS request access
only, not the right to write to the run log. The CLI loads the vendor packages and measures the
snapshots locally (that needs the packages, which the service process need not have), then sends
batches here.

Importing twice adds nothing, inside and outside JetStream's two-minute de-duplication window:

1. the handler first waits until its read model has applied the whole log as it stood when the
   request arrived, so every earlier import is visible;
2. it drops the keys the corpus already supplied (the read model is the durable index);
3. it appends the rest with ``Nats-Msg-Id = key``, so two concurrent imports of the same source
   (both past step 2) still append each snapshot once.

The projection's upsert is a last line of defence: a duplicate event would not change a row.
"""

from __future__ import annotations

import asyncio
import re

import msgspec
import structlog
from qlcore.corpus.methodology import METHODOLOGY_VERSION, METRICS
from qlcore.corpus.model import Observation, format_rfc3339, parse_rfc3339
from qlcore.corpus.protocol import MAX_BATCH, ImportBatch, ImportResult
from qlcore.errors import Unprocessable
from qlcore.rpc import RpcReply, RpcRequest, json_reply
from qlcore.service import ServiceContext

from services.leaderboard import store
from services.leaderboard.observed import event_from_observation

__all__ = ["MAX_BATCH", "ImportBatch", "ImportResult", "import_batch", "validate", "wait_applied"]

log = structlog.get_logger("leaderboard")

APPEND_CONCURRENCY = 32
_NAME = re.compile(r"^[A-Za-z0-9_.\-]{1,128}$")


def validate(index: int, obs: Observation) -> None:
    """422 naming the observation when it could not be ranked or keyed consistently."""
    problems = []
    if obs.methodology != METHODOLOGY_VERSION:
        problems.append(f"measured with methodology {obs.methodology!r}, the service uses {METHODOLOGY_VERSION!r}")
    if not (_NAME.match(obs.provider) and _NAME.match(obs.backend)):
        problems.append("provider and backend must match [A-Za-z0-9_.-]{1,128}")
    try:
        if format_rfc3339(parse_rfc3339(obs.taken_at)) != obs.taken_at:
            problems.append(f"taken_at {obs.taken_at!r} is not in canonical RFC 3339 UTC form")
    except ValueError:
        problems.append(f"taken_at {obs.taken_at!r} is not an RFC 3339 time")
    unknown = sorted(set(obs.metrics) - set(METRICS))
    if unknown:
        problems.append(f"unknown metrics {unknown}")
    if obs.num_qubits < 1:
        problems.append("num_qubits must be at least 1")
    if problems:
        raise Unprocessable(f"observation {index} ({obs.key}): {'; '.join(problems)}", index=index)


async def wait_applied(ctx: ServiceContext, seq: int, timeout: float = 30.0) -> None:
    """Wait until the read model has applied ``seq`` (see ``ServiceContext.applied``)."""
    await ctx.applied(seq, timeout)


async def import_batch(ctx: ServiceContext, req: RpcRequest) -> RpcReply:
    batch: ImportBatch = req.json(ImportBatch)
    if len(batch.observations) > MAX_BATCH:
        raise Unprocessable(f"at most {MAX_BATCH} observations a batch, got {len(batch.observations)}")
    unique: dict[str, Observation] = {}
    for index, obs in enumerate(batch.observations):
        validate(index, obs)
        unique.setdefault(obs.key, obs)
    await wait_applied(ctx, await ctx.bus.last_event_seq())
    async with ctx.pool.connection() as conn:
        known = await store.corpus_keys(conn, list(unique))
    fresh = [obs for key, obs in unique.items() if key not in known]
    actor = f"operator:{batch.operator}"
    slots = asyncio.Semaphore(APPEND_CONCURRENCY)

    async def append(obs: Observation) -> tuple[int, bool]:
        async with slots:
            event = event_from_observation(obs, actor=actor, correlation_id=req.ctx.request_id)
            appended = await ctx.bus.append(event, msg_id=obs.key)
            return appended.seq, appended.duplicate

    results = await asyncio.gather(*(append(obs) for obs in fresh))
    last_seq = max((seq for seq, _ in results), default=0)
    if batch.wait:
        await wait_applied(ctx, last_seq)
    duplicates = sum(1 for _, dup in results if dup)
    result = ImportResult(
        received=len(batch.observations),
        appended=len(fresh) - duplicates,
        already_imported=len(batch.observations) - len(fresh),
        deduplicated_by_log=duplicates,
        last_seq=last_seq,
    )
    log.info("corpus.imported", **msgspec.structs.asdict(result), operator=batch.operator)
    return json_reply(result)
