"""C2SP tlog-witness: the ``add-checkpoint`` request and a witness's decision, as pure logic.

The request body is ``old <size>\\n``, zero to 63 base64 consistency proof lines, an empty
line, then the signed checkpoint. :class:`Witness` decides on it with the specification's
statuses, in the order of the reference witnesses:

* 400: a malformed body or checkpoint, or an old size above the checkpoint's size;
* 404: the checkpoint's origin is not a log this witness follows;
* 403: no valid signature by a log key trusted for that origin, or a signature line that names
  a trusted key but does not verify;
* 409: the old size is not the size of the last checkpoint cosigned for that origin (0 when
  none); the body is that size and a newline, ``Content-Type: text/x.tlog.size``;
* 422: a size-0 checkpoint whose root is not ``SHA-256("")``, a non-empty proof from size 0, an
  equal size with another root (or a proof), or a consistency proof that does not verify;
* 200: otherwise; the new checkpoint is recorded, and the body is the witness's cosignature
  lines.

Recording must be atomic with the check of the old size (the specification's race: two
requests checked against the same state must not both win). :class:`WitnessStore` is therefore
a compare-and-swap on the last cosigned size; a swap that loses answers 409 with the size that
won. :class:`MemoryWitnessStore` is the in-process implementation; a service backs the same
interface with a database row updated ``WHERE size = expected``. A refusal carries the parsed
checkpoint when its log signature verified, so a caller may keep it as evidence of misbehaviour
(:mod:`qlprov.tlog.fork`).
"""

from __future__ import annotations

import hashlib
import hmac
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

from qlprov.tlog.checkpoint import Checkpoint, CheckpointError, SignedCheckpoint, parse_checkpoint_note
from qlprov.tlog.cosignature import CosignatureSigner
from qlprov.tlog.encoding import FormatError, b64, parse_b64, parse_decimal
from qlprov.tlog.keys import Verifier
from qlprov.tlog.merkle import EMPTY_ROOT, HASH_SIZE
from qlprov.tlog.note import NoteError, open_note
from qlprov.tlog.verify import InvalidProof, verify_consistency

__all__ = [
    "MAX_PROOF_LINES",
    "SIZE_CONTENT_TYPE",
    "AddCheckpoint",
    "MemoryWitnessStore",
    "Witness",
    "WitnessRefusal",
    "WitnessStore",
    "format_add_checkpoint",
    "origin_hash",
    "parse_add_checkpoint",
]

MAX_PROOF_LINES = 63
SIZE_CONTENT_TYPE = "text/x.tlog.size"


@dataclass(frozen=True, slots=True)
class AddCheckpoint:
    """An ``add-checkpoint`` request: the old size, the consistency proof, the signed note."""

    old_size: int
    proof: tuple[bytes, ...]
    checkpoint: bytes


def format_add_checkpoint(old_size: int, proof: Sequence[bytes], checkpoint: bytes) -> bytes:
    """The request body a log sends to a witness."""
    if len(proof) > MAX_PROOF_LINES or any(len(h) != HASH_SIZE for h in proof):
        raise FormatError(f"at most {MAX_PROOF_LINES} 32-byte proof hashes")
    head = f"old {old_size}\n" + "".join(f"{b64(h)}\n" for h in proof) + "\n"
    return head.encode() + checkpoint


def parse_add_checkpoint(body: bytes) -> AddCheckpoint:
    """Parse a request body; :class:`~qlprov.tlog.encoding.FormatError` means 400."""
    end = body.find(b"\n\n")
    if end < 0:
        raise FormatError("no empty line after the old size and the proof")
    try:
        lines = body[:end].decode("ascii").split("\n")
    except UnicodeDecodeError:
        raise FormatError("the request head is ASCII") from None
    if not lines[0].startswith("old "):
        raise FormatError("the first line is 'old <size>'")
    old = parse_decimal(lines[0][4:], what="old size")
    if len(lines) - 1 > MAX_PROOF_LINES:
        raise FormatError(f"more than {MAX_PROOF_LINES} consistency proof lines")
    proof = tuple(parse_b64(line, size=HASH_SIZE, what="proof hash") for line in lines[1:])
    return AddCheckpoint(old, proof, body[end + 2 :])


def origin_hash(origin: str) -> str:
    """The path element of the monitoring API: lowercase hex SHA-256 of the origin."""
    return hashlib.sha256(origin.encode()).hexdigest()


class WitnessRefusal(Exception):
    """A refused request: the HTTP status, a plain-text body and its content type."""

    def __init__(
        self, status: int, detail: str, *, body: str | None = None, checkpoint: SignedCheckpoint | None = None
    ) -> None:
        super().__init__(f"{status}: {detail}")
        self.status, self.detail, self.checkpoint = status, detail, checkpoint
        self.body = body if body is not None else detail + "\n"
        self.content_type = SIZE_CONTENT_TYPE if status == 409 else "text/plain; charset=utf-8"


class WitnessStore(Protocol):
    """The witness's persistent state: the last cosigned checkpoint of each origin."""

    def latest(self, origin: str) -> SignedCheckpoint | None: ...

    def swap(self, origin: str, expected_size: int, new: SignedCheckpoint) -> int | None:
        """Atomically record ``new`` if the stored size is ``expected_size`` (0 when none).

        Returns ``None`` on success, else the size stored now (the request then gets a 409).
        """
        ...


class MemoryWitnessStore:
    """A :class:`WitnessStore` in memory, safe across threads."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._latest: dict[str, SignedCheckpoint] = {}

    def latest(self, origin: str) -> SignedCheckpoint | None:
        with self._lock:
            return self._latest.get(origin)

    def swap(self, origin: str, expected_size: int, new: SignedCheckpoint) -> int | None:
        with self._lock:
            cur = self._latest.get(origin)
            size = cur.checkpoint.size if cur else 0
            if size != expected_size:
                return size
            self._latest[origin] = new
            return None


class Witness:
    """Decides on ``add-checkpoint`` requests for the logs in ``log_keys`` (origin → keys)."""

    def __init__(
        self,
        signers: Sequence[CosignatureSigner],
        log_keys: Mapping[str, Sequence[Verifier]],
        store: WitnessStore,
        clock: Callable[[], float],
    ) -> None:
        if not signers:
            raise ValueError("a witness has at least one key")
        self.signers, self.log_keys, self.store, self.clock = list(signers), log_keys, store, clock

    def add_checkpoint(self, body: bytes) -> str:
        """The 200 body (cosignature lines) or a :class:`WitnessRefusal` with the status."""
        try:
            req = parse_add_checkpoint(body)
            cp, note = parse_checkpoint_note(req.checkpoint)
        except (FormatError, CheckpointError) as exc:
            raise WitnessRefusal(400, f"malformed request: {exc}") from None
        keys = self.log_keys.get(cp.origin)
        if not keys:
            raise WitnessRefusal(404, f"unknown log origin {cp.origin!r}")
        try:
            signed = SignedCheckpoint(cp, open_note(note, keys))
        except NoteError as exc:
            raise WitnessRefusal(403, f"checkpoint not signed by the log: {exc}") from None
        self._check(req, cp, signed)
        lost = self.store.swap(cp.origin, req.old_size, signed)
        if lost is not None:
            raise WitnessRefusal(409, "old size does not match", body=f"{lost}\n", checkpoint=signed)
        now = int(self.clock())
        return "".join(s.cosign(signed.text, now).line() for s in self.signers)

    def _check(self, req: AddCheckpoint, cp: Checkpoint, signed: SignedCheckpoint) -> None:
        if req.old_size > cp.size:
            raise WitnessRefusal(400, "old size is above the checkpoint's size", checkpoint=signed)
        latest = self.store.latest(cp.origin)
        known = latest.checkpoint.size if latest else 0
        if req.old_size != known:
            raise WitnessRefusal(409, "old size does not match", body=f"{known}\n", checkpoint=signed)
        if cp.size == 0 and cp.root_hash != EMPTY_ROOT:
            raise WitnessRefusal(422, "an empty tree's root is SHA-256 of the empty string", checkpoint=signed)
        old_root = latest.checkpoint.root_hash if latest else EMPTY_ROOT
        if req.old_size == cp.size and not hmac.compare_digest(old_root, cp.root_hash):
            raise WitnessRefusal(422, "same size as the cosigned checkpoint with another root", checkpoint=signed)
        try:
            verify_consistency(req.old_size, cp.size, old_root, cp.root_hash, req.proof)
        except InvalidProof as exc:
            raise WitnessRefusal(422, f"consistency proof does not verify: {exc}", checkpoint=signed) from None
