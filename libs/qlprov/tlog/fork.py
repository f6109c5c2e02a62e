"""Fork detection: evidence that a log signed two views of its history that cannot both be true.

A log must never sign two checkpoints that no consistency proof can link. Given two checkpoints
of one origin, both with valid log signatures, :func:`check_fork` answers:

* :attr:`ForkVerdict.CONSISTENT`: the older tree is a prefix of the newer (the proof verifies,
  or the two are the same tree head);
* :attr:`ForkVerdict.FORK` with :class:`ForkEvidence` that anyone can re-check offline
  (:func:`verify_fork_evidence`): the same size with two roots, or a ``prefix_root`` (the head
  of the newer tree's first ``old.size`` leaves) that differs from the older checkpoint's root,
  with the consistency proof that ties ``prefix_root`` to the newer root;
* :attr:`ForkVerdict.UNPROVEN`: the proof offered does not verify, but proves nothing against
  the log either (anyone can send a bad proof). Ask the log for a proof built from tiles
  authenticated against the newer checkpoint (:func:`check_fork_with_reader`), which always
  ends in one of the two verdicts above.

Why ``prefix_root`` is conclusive: a consistency proof from ``m`` to ``n`` determines both the
head of the first ``m`` leaves and the head of all ``n`` (RFC 9162 §2.1.4.2's ``fr`` and
``sr``). If it reaches the newer checkpoint's root from ``prefix_root``, the newer tree's first
``m`` leaves have head ``prefix_root`` (short of a SHA-256 collision); if the older checkpoint,
also signed by the log, says otherwise, the log has signed two histories.
"""

from __future__ import annotations

import hmac
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum

from qlprov.tlog.checkpoint import Checkpoint, SignedCheckpoint, open_checkpoint
from qlprov.tlog.keys import Verifier
from qlprov.tlog.merkle import HashReader, consistency_proof, tree_hash
from qlprov.tlog.verify import InvalidProof, consistency_roots, verify_consistency

__all__ = [
    "ForkCheck",
    "ForkEvidence",
    "ForkVerdict",
    "check_fork",
    "check_fork_with_reader",
    "verify_fork_evidence",
]


class ForkVerdict(StrEnum):
    CONSISTENT = "consistent"
    FORK = "fork"
    UNPROVEN = "unproven"


@dataclass(frozen=True, slots=True)
class ForkEvidence:
    """Two signed checkpoints of one log that contradict each other, and the proof of it.

    ``older``/``newer`` are the signed notes, verbatim. For two sizes, ``proof`` is a
    consistency proof from ``prefix_root`` (size of ``older``) to the newer root.
    """

    origin: str
    older: bytes
    newer: bytes
    prefix_root: bytes | None = None
    proof: tuple[bytes, ...] = ()


@dataclass(frozen=True, slots=True)
class ForkCheck:
    verdict: ForkVerdict
    evidence: ForkEvidence | None = None
    detail: str = ""


def _order(a: SignedCheckpoint, b: SignedCheckpoint) -> tuple[SignedCheckpoint, SignedCheckpoint]:
    if a.checkpoint.origin != b.checkpoint.origin:
        raise ValueError("checkpoints of two different logs cannot fork each other")
    return (a, b) if a.checkpoint.size <= b.checkpoint.size else (b, a)


def _same_size(old: SignedCheckpoint, new: SignedCheckpoint) -> ForkCheck:
    if hmac.compare_digest(old.checkpoint.root_hash, new.checkpoint.root_hash):
        return ForkCheck(ForkVerdict.CONSISTENT, detail="the same tree head")
    ev = ForkEvidence(old.checkpoint.origin, old.encoded, new.encoded)
    return ForkCheck(ForkVerdict.FORK, ev, f"two roots for size {old.checkpoint.size}")


def _prefix_root(old: Checkpoint, new: Checkpoint, proof: Sequence[bytes]) -> bytes | None:
    """The head of the first ``old.size`` leaves that ``proof`` ties to ``new``'s root, if any."""
    m = old.size
    if m == 0 or m & (m - 1) == 0:
        return None  # the proof does not carry the prefix head: it starts from the old root
    try:
        fr, sr = consistency_roots(m, new.size, proof, old.root_hash)
    except InvalidProof:
        return None
    return fr if hmac.compare_digest(sr, new.root_hash) else None


def check_fork(a: SignedCheckpoint, b: SignedCheckpoint, proof: Sequence[bytes]) -> ForkCheck:
    """Compare two verified checkpoints of one origin, with a consistency proof between them."""
    old, new = _order(a, b)
    if old.checkpoint.size == new.checkpoint.size:
        return _same_size(old, new)
    o, n = old.checkpoint, new.checkpoint
    try:
        verify_consistency(o.size, n.size, o.root_hash, n.root_hash, proof)
    except InvalidProof as exc:
        prefix = _prefix_root(o, n, proof)
        if prefix is None or hmac.compare_digest(prefix, o.root_hash):
            return ForkCheck(ForkVerdict.UNPROVEN, detail=f"the proof does not verify: {exc}")
        ev = ForkEvidence(o.origin, old.encoded, new.encoded, prefix, tuple(proof))
        return ForkCheck(ForkVerdict.FORK, ev, "the newer tree does not extend the older one")
    return ForkCheck(ForkVerdict.CONSISTENT, detail=f"size {o.size} is a prefix of size {n.size}")


def check_fork_with_reader(a: SignedCheckpoint, b: SignedCheckpoint, reader: HashReader) -> ForkCheck:
    """Like :func:`check_fork`, reading the newer tree's hashes from ``reader``.

    ``reader`` must be authenticated against the newer checkpoint (a
    :class:`~qlprov.tlog.tilereader.TileHashReader` over it): then the prefix head it gives is
    the log's, and the verdict is never ``UNPROVEN``.
    """
    old, new = _order(a, b)
    if old.checkpoint.size == new.checkpoint.size:
        return _same_size(old, new)
    o, n = old.checkpoint, new.checkpoint
    prefix = tree_hash(o.size, reader)
    proof = consistency_proof(o.size, n.size, reader)
    if hmac.compare_digest(prefix, o.root_hash):
        return check_fork(old, new, proof)
    ev = ForkEvidence(o.origin, old.encoded, new.encoded, prefix, tuple(proof))
    return ForkCheck(ForkVerdict.FORK, ev, "the newer tree does not extend the older one")


def verify_fork_evidence(ev: ForkEvidence, log_keys: Mapping[str, Sequence[Verifier]]) -> None:
    """Raise ``ValueError`` unless ``ev`` proves that the log signed two incompatible heads."""
    old, new = open_checkpoint(ev.older, log_keys).checkpoint, open_checkpoint(ev.newer, log_keys).checkpoint
    if old.origin != ev.origin or new.origin != ev.origin:
        raise ValueError("the checkpoints are not both of the evidence's origin")
    if old.size > new.size:
        raise ValueError("the older checkpoint is the larger")
    if old.size == new.size:
        if hmac.compare_digest(old.root_hash, new.root_hash):
            raise ValueError("the same tree head twice is no fork")
        return
    if ev.prefix_root is None or hmac.compare_digest(ev.prefix_root, old.root_hash):
        raise ValueError("no prefix head that differs from the older root")
    try:
        verify_consistency(old.size, new.size, ev.prefix_root, new.root_hash, ev.proof)
    except InvalidProof as exc:
        raise ValueError(f"the proof does not tie the prefix head to the newer root: {exc}") from None
