"""``ql witness check``: one witnessing round against a public QuantumLedger, with fork detection.

1. Fetch the log's checkpoint and verify the log's signature (the vkey is given, never fetched).
2. Compare it with the last checkpoint this witness holds for that origin: the same size must
   have the same root; a larger one must extend it, shown by the log's consistency proof.
3. When the proof does not verify, rebuild the proof from the log's tiles, authenticated against
   the new checkpoint (``qlprov.tlog.fork.check_fork_with_reader``): either the log's proof
   endpoint was wrong and the trees are consistent after all, or the log signed two histories,
   and the outcome carries :class:`~qlprov.tlog.fork.ForkEvidence` anyone can re-check with the
   log's key (``ql verify --log-key ... evidence.json``).
4. Otherwise record the new checkpoint (compare-and-swap) and, with a key, cosign it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import httpx
from qlprov.tlog.checkpoint import CheckpointError, SignedCheckpoint, open_checkpoint
from qlprov.tlog.cosignature import CosignatureSigner
from qlprov.tlog.encoding import b64, parse_b64
from qlprov.tlog.fork import ForkEvidence, ForkVerdict, check_fork, check_fork_with_reader
from qlprov.tlog.keys import Verifier
from qlprov.tlog.merkle import HASH_SIZE, MerkleError
from qlprov.tlog.note import NoteError

from quantumledger.transparency import LogClient
from quantumledger.witness.state import FileWitnessStore

__all__ = ["CheckOutcome", "check_log", "evidence_from_json", "evidence_to_json"]


@dataclass(frozen=True)
class CheckOutcome:
    """``status``: recorded (first sight), consistent (grew), unchanged, stale, fork or error."""

    status: str
    detail: str
    origin: str = ""
    old_size: int | None = None
    new_size: int | None = None
    cosigned: bytes | None = None  # the checkpoint with this witness's cosignature appended
    evidence: ForkEvidence | None = None

    @property
    def ok(self) -> bool:
        return self.status in ("recorded", "consistent", "unchanged")


def evidence_to_json(ev: ForkEvidence) -> dict[str, Any]:
    return {
        "type": "quantumledger/fork-evidence/1",
        "origin": ev.origin,
        "older": ev.older.decode(),
        "newer": ev.newer.decode(),
        "prefix_root": b64(ev.prefix_root) if ev.prefix_root is not None else None,
        "proof": [b64(h) for h in ev.proof],
    }


def evidence_from_json(data: Mapping[str, Any]) -> ForkEvidence:
    if data.get("type") != "quantumledger/fork-evidence/1":
        raise ValueError("not QuantumLedger fork evidence")
    prefix = data.get("prefix_root")
    return ForkEvidence(
        origin=str(data["origin"]),
        older=str(data["older"]).encode(),
        newer=str(data["newer"]).encode(),
        prefix_root=parse_b64(prefix, size=HASH_SIZE) if prefix is not None else None,
        proof=tuple(parse_b64(h, size=HASH_SIZE) for h in data.get("proof", [])),
    )


def _fork(old: SignedCheckpoint, new: SignedCheckpoint, ev: ForkEvidence | None, detail: str) -> CheckOutcome:
    return CheckOutcome("fork", detail, old.checkpoint.origin, old.checkpoint.size, new.checkpoint.size, None, ev)


def _server_proof(client: LogClient, old: int, new: int) -> Sequence[bytes]:
    try:
        return client.consistency(old, new)
    except (httpx.HTTPError, KeyError, ValueError):
        return ()  # no usable proof from the endpoint: the tiles decide


def check_log(
    client: LogClient,
    logs: Mapping[str, Sequence[Verifier]],
    store: FileWitnessStore,
    signer: CosignatureSigner | None,
    clock: Callable[[], float],
) -> CheckOutcome:
    """One round (see the module docstring); network errors are raised to the caller."""
    raw = client.checkpoint()
    try:
        new = open_checkpoint(raw, logs)
    except (CheckpointError, NoteError) as exc:
        return CheckOutcome("error", f"the log's checkpoint does not verify: {exc}")
    origin, size = new.checkpoint.origin, new.checkpoint.size
    old = store.latest(origin)
    if old is None:
        status, old_size = "recorded", 0
    elif old.checkpoint.size > size:
        detail = f"the log serves size {size}, older than the size {old.checkpoint.size} this witness holds"
        return CheckOutcome("stale", detail, origin, old.checkpoint.size, size)
    else:
        old_size = old.checkpoint.size
        proof = _server_proof(client, old_size, size) if old_size not in (0, size) else ()
        check = check_fork(old, new, proof)
        if check.verdict is not ForkVerdict.CONSISTENT and old_size not in (0, size):
            try:
                check = check_fork_with_reader(old, new, client.reader(new))
            except MerkleError as exc:  # tiles that do not match the log's own signed root
                return CheckOutcome(
                    "error", f"the log's tiles do not match its checkpoint: {exc}", origin, old_size, size
                )
        if check.verdict is ForkVerdict.FORK:
            return _fork(old, new, check.evidence, check.detail)
        if check.verdict is not ForkVerdict.CONSISTENT:  # pragma: no cover - a reader always decides
            return CheckOutcome("error", check.detail, origin, old_size, size)
        status = "unchanged" if old_size == size else "consistent"
    if status != "unchanged":
        lost = store.swap(origin, old_size, new)
        if lost is not None:
            return CheckOutcome(
                "error", f"another check moved this witness to size {lost} meanwhile", origin, old_size, size
            )
    cosigned = None
    if signer is not None:
        cosigned = raw + signer.cosign(new.text, int(clock())).line().encode()
    detail = {"recorded": "first checkpoint of this log", "consistent": f"grew from {old_size} to {size}"}.get(
        status, f"still size {size}"
    )
    return CheckOutcome(status, detail, origin, old_size, size, cosigned)
