"""The public log over NATS: checkpoint, tiles, entries, proofs, offline bundles, the log's keys.

Everything answered is under the latest signed checkpoint: a tile, an entry or a proof that no
signed tree head covers yet is a 404, so a reader never holds data it cannot authenticate. The
gateway serves these as C2SP files (``/log/checkpoint``, ``/log/tile/...``) and as JSON
(``/api/v1/log/...``); nothing here is private (entries name no workspace or account).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import TYPE_CHECKING, TypeVar

from qlcore.errors import BadRequest, NotFound, Unavailable, Unprocessable
from qlcore.http_cache import strong_etag
from qlcore.rpc import RpcReply, RpcRequest, json_reply
from qlprov.tlog.bundle import ProofBundle
from qlprov.tlog.encoding import b64
from qlprov.tlog.entry import parse_entry
from qlprov.tlog.merkle import HashReader, MerkleError, consistency_proof, inclusion_proof, leaf_hash
from qlprov.tlog.tiles import ENTRIES, TILE_HEIGHT, TILE_WIDTH, Tile, encode_entry_bundle

from services.tlog import store
from services.tlog.domain import queries
from services.tlog.store.checkpoints import StoredCheckpoint

if TYPE_CHECKING:
    from services.tlog.bootstrap import Deps

__all__ = ["bundle", "checkpoint", "consistency", "entry", "inclusion", "info", "tile"]

T = TypeVar("T")


async def _latest(deps: Deps) -> StoredCheckpoint:
    cp = await store.checkpoints.latest(deps.rt.statements, deps.config.origin)
    if cp is None:
        raise NotFound("the log has not signed a checkpoint yet")
    return cp


async def _latest_size(deps: Deps) -> int:
    size = await store.checkpoints.latest_size(deps.rt.statements, deps.config.origin)
    if size is None:
        raise NotFound("the log has not signed a checkpoint yet")
    return size


async def _generate(deps: Deps, generate: Callable[[HashReader], T]) -> T:
    try:
        return await store.tree.generate(deps.rt.statements, generate)
    except MerkleError as exc:  # rows of a signed tree missing: the read model is being rebuilt
        raise Unavailable(f"the log's tree is being rebuilt ({exc}); retry", retry_after=2) from exc


async def checkpoint(deps: Deps, req: RpcRequest) -> RpcReply:
    """The latest checkpoint with every cosignature collected for it (C2SP tlog-checkpoint)."""
    body = (await _latest(deps)).served
    return RpcReply(200, body, "text/plain; charset=utf-8", {"ETag": strong_etag(body)})


async def tile(deps: Deps, req: RpcRequest) -> RpcReply:
    """A hash tile or an entry bundle, whole or partial, if a signed checkpoint covers it."""
    q = req.json(queries.TileQuery)
    try:
        t = Tile(q.level, q.index, q.width)
    except MerkleError as exc:
        raise BadRequest(str(exc)) from None
    first, pool, origin = t.index * TILE_WIDTH, deps.rt.statements, deps.config.origin
    if first + t.width > 2**62 >> (TILE_HEIGHT * max(t.level, 0)):
        raise NotFound(f"{t.path()} is beyond any tree")
    if t.level == ENTRIES:
        items = await store.entries.entries_range(pool, first, t.width, origin)
        body = encode_entry_bundle(items) if len(items) == t.width else b""
    else:
        hashes = await store.tree.tile_hashes(pool, t.level * TILE_HEIGHT, first, t.width, origin)
        body = b"".join(hashes) if len(hashes) == t.width else b""
    if not body:  # beyond the latest checkpoint (or, rarely, its rows are being rebuilt by a replay)
        size = await _latest_size(deps)
        level = max(t.level, 0)
        if t.width > min(TILE_WIDTH, (size >> (TILE_HEIGHT * level)) - first):
            raise NotFound(f"{t.path()} is not in the log's latest checkpoint (size {size})")
        raise Unavailable("the log's tree is being rebuilt; retry", retry_after=2)
    return RpcReply(200, body, "application/octet-stream", {"ETag": strong_etag(body)})


async def entry(deps: Deps, req: RpcRequest) -> RpcReply:
    index = queries.number(req.json(queries.EntryQuery).index, "index")
    size = await _latest_size(deps)
    data = await store.entries.entry_at(deps.rt.statements, index) if index < size else None
    if data is None:
        raise NotFound(f"no entry {index} in the log's latest checkpoint (size {size})")
    e = parse_entry(data)
    return json_reply(
        {
            "index": index,
            "kind": e.kind.value,
            "subject": e.subject,
            "time": e.time,
            "blake3": e.blake3,
            "sha256": e.sha256,
            "entry": data.decode("ascii"),
            "leaf_hash": b64(leaf_hash(data)),
        }
    )


async def _signed_size(deps: Deps, text: str | None, what: str) -> int:
    """A tree size a query names (default: the latest checkpoint's), at most the latest checkpoint's."""
    size = queries.optional_number(text, what)
    latest = await _latest_size(deps)
    if size is None:
        return latest
    if size > latest:
        raise NotFound(f"{what} {size} is beyond the log's latest checkpoint (size {latest})")
    return size


async def inclusion(deps: Deps, req: RpcRequest) -> RpcReply:
    q = req.json(queries.InclusionQuery)
    index = queries.number(q.index, "index")
    size = await _signed_size(deps, q.size, "size")
    if index >= size:
        raise NotFound(f"no entry {index} in a tree of size {size}")
    pool = deps.rt.statements
    data, proof, at = await asyncio.gather(  # three reads at once: one round trip of latency
        store.entries.entry_at(pool, index),
        _generate(deps, lambda r: inclusion_proof(size, index, r)),
        store.checkpoints.at_size(pool, deps.config.origin, size),
    )
    return json_reply(
        {
            "index": index,
            "tree_size": size,
            "leaf_hash": b64(leaf_hash(data)) if data is not None else None,
            "proof": [b64(h) for h in proof],
            "checkpoint": at.served.decode() if at is not None else None,
        }
    )


async def consistency(deps: Deps, req: RpcRequest) -> RpcReply:
    q = req.json(queries.ConsistencyQuery)
    old = queries.number(q.old, "from")
    new = await _signed_size(deps, q.new, "to")
    if old > new:
        raise Unprocessable(f"from ({old}) is above to ({new})", parameter="from")
    proof = await _generate(deps, lambda r: consistency_proof(old, new, r))
    return json_reply({"old_size": old, "new_size": new, "proof": [b64(h) for h in proof]})


async def bundle(deps: Deps, req: RpcRequest) -> RpcReply:
    """The offline proof (C2SP tlog-proof) of one fact, against the first checkpoint that covers it
    (so the bundle a card carries never changes) or against the checkpoint of ``size``."""
    q = req.json(queries.BundleQuery)
    kind, subject = queries.entry_kind(q.kind), queries.subject(q.subject)
    ref = queries.subject(q.ref) if q.ref is not None else None
    size = queries.optional_number(q.size, "size")
    found = await store.entries.find(deps.rt.statements, kind.value, subject, ref)
    if found is None:
        raise NotFound(f"the log has no {kind.value} entry about {subject!r}")
    pool, origin = deps.rt.statements, deps.config.origin
    if size is None:
        cp = await store.checkpoints.first_covering(pool, origin, found.index)
    else:
        cp = await store.checkpoints.at_size(pool, origin, size)
    if cp is None or cp.size <= found.index:
        raise NotFound(f"entry {found.index} is not yet in a signed checkpoint" + (f" of size {size}" if size else ""))
    proof = await _generate(deps, lambda r: inclusion_proof(cp.size, found.index, r))
    text = ProofBundle(found.index, tuple(proof), cp.served, found.data).encode().decode()
    return json_reply(
        {"kind": kind.value, "subject": subject, "index": found.index, "checkpoint_size": cp.size, "bundle": text}
    )


async def info(deps: Deps, req: RpcRequest) -> RpcReply:
    """The log's identity: origin, public key (vkey), witnesses, sizes. What a verifier configures."""
    latest = await store.checkpoints.latest(deps.rt.statements, deps.config.origin)
    return json_reply(
        {
            "origin": deps.config.origin,
            "vkey": deps.signer.verifier().vkey(),
            "checkpoint_url": "/log/checkpoint",
            "tiles_prefix": "/log/",
            "checkpoint": None if latest is None else {"size": latest.size, "root_hash": b64(latest.root)},
            "tree_size": await store.tree.tree_size(deps.rt.statements),
            "witnesses": [{"name": w.name, "vkey": w.verifier.vkey(), "url": w.url} for w in deps.config.witnesses],
            "signing": deps.signing.status(),
        }
    )
