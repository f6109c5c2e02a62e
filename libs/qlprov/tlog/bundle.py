"""Offline proof bundles in the C2SP tlog-proof format, and their verification.

A bundle is the text of c2sp.org/tlog-proof@v1 (file extension ``.tlog-proof``)::

    c2sp.org/tlog-proof@v1
    extra <base64 of the qlog/entry/1 entry bytes>
    index <leaf index>
    <inclusion proof, one base64 hash a line, the leaf's sibling first>

    <the signed checkpoint, verbatim, with the log's signature and any cosignatures>

We carry the log entry itself in the ``extra`` line: the specification reserves it for "data
necessary to reconstruct the record hash", and the entry is exactly that (the leaf hash is
``SHA-256(0x00 || entry)``). It is not trusted for being there: it is authenticated by the
inclusion proof under the signed checkpoint, and a verifier holding the document checks the
entry's digests against it.

:func:`verify_bundle` runs the specification's steps and reports each one in a
:class:`BundleVerification` (passed, failed with the reason, or skipped after a failure), so a
command line or a web page can say which check failed instead of only "invalid".
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum

from qlprov.tlog.checkpoint import CheckpointError, SignedCheckpoint, open_checkpoint
from qlprov.tlog.cosignature import CosignatureVerifier, Cosigned, verified_cosigners
from qlprov.tlog.encoding import FormatError, b64, parse_b64, parse_decimal
from qlprov.tlog.entry import Entry, EntryError, parse_entry
from qlprov.tlog.keys import Verifier
from qlprov.tlog.merkle import HASH_SIZE, leaf_hash
from qlprov.tlog.note import NoteError
from qlprov.tlog.verify import InvalidProof, verify_inclusion

__all__ = [
    "PROOF_HEADER",
    "STEPS",
    "BundleVerification",
    "ProofBundle",
    "StepResult",
    "StepStatus",
    "verify_bundle",
]

PROOF_HEADER = "c2sp.org/tlog-proof@v1"
MAX_PROOF_LINES = 63
STEPS = ("format", "entry", "log_signature", "witnesses", "inclusion", "document")


@dataclass(frozen=True, slots=True)
class ProofBundle:
    """A parsed tlog-proof: extra data (our entry), index, inclusion proof, signed checkpoint."""

    index: int
    proof: tuple[bytes, ...]
    checkpoint: bytes
    extra: bytes | None = None

    def encode(self) -> bytes:
        head = [PROOF_HEADER]
        if self.extra is not None:
            head.append(f"extra {b64(self.extra)}")
        head.append(f"index {self.index}")
        head += [b64(h) for h in self.proof]
        return ("\n".join(head) + "\n\n").encode() + self.checkpoint

    @classmethod
    def for_entry(cls, entry: Entry, index: int, proof: Sequence[bytes], checkpoint: bytes) -> ProofBundle:
        return cls(index, tuple(proof), checkpoint, entry.encode())

    @classmethod
    def parse(cls, data: bytes | str) -> ProofBundle:
        raw = data.encode() if isinstance(data, str) else data
        end = raw.find(b"\n\n")
        if end < 0:
            raise FormatError("no empty line before the checkpoint")
        try:
            lines = raw[:end].decode("ascii").split("\n")
        except UnicodeDecodeError:
            raise FormatError("the proof's head is ASCII") from None
        if lines[0] != PROOF_HEADER:
            raise FormatError(f"the first line is {PROOF_HEADER}")
        rest = lines[1:]
        extra = None
        if rest and rest[0].startswith("extra "):
            extra = parse_b64(rest.pop(0)[6:], what="extra")
        if not rest or not rest[0].startswith("index "):
            raise FormatError("an 'index <n>' line follows the header")
        index = parse_decimal(rest.pop(0)[6:], what="index")
        if len(rest) > MAX_PROOF_LINES:
            raise FormatError(f"more than {MAX_PROOF_LINES} inclusion proof lines")
        proof = tuple(parse_b64(line, size=HASH_SIZE, what="proof hash") for line in rest)
        return cls(index, proof, raw[end + 2 :], extra)


class StepStatus(StrEnum):
    PASSED = "passed"
    FAILED = "failed"
    SKIPPED = "skipped"


@dataclass(frozen=True, slots=True)
class StepResult:
    step: str
    status: StepStatus
    detail: str = ""


@dataclass(frozen=True, slots=True)
class BundleVerification:
    """Each step's outcome; ``ok`` when none failed (a step may be skipped by request)."""

    steps: tuple[StepResult, ...]
    entry: Entry | None = None
    checkpoint: SignedCheckpoint | None = None
    cosigners: tuple[Cosigned, ...] = field(default=())

    @property
    def ok(self) -> bool:
        return all(s.status is not StepStatus.FAILED for s in self.steps) and len(self.steps) == len(STEPS)

    @property
    def failed(self) -> StepResult | None:
        return next((s for s in self.steps if s.status is StepStatus.FAILED), None)


def verify_bundle(
    bundle: ProofBundle | bytes | str,
    trusted_log_keys: Mapping[str, Sequence[Verifier]],
    *,
    witness_keys: Sequence[CosignatureVerifier] = (),
    min_witnesses: int = 0,
    document: bytes | None = None,
    subject: str | None = None,
) -> BundleVerification:
    """Verify a proof bundle offline against trusted log keys (origin → keys) and witnesses.

    Steps: ``format`` (a tlog-proof), ``entry`` (the extra line is a ``qlog/entry/1`` entry;
    its leaf hash), ``log_signature`` (the checkpoint's origin is trusted and its log signed
    it), ``witnesses`` (at least ``min_witnesses`` distinct known witnesses cosigned; a bad
    cosignature by a known witness fails), ``inclusion`` (the entry is at ``index`` under the
    checkpoint's root), ``document`` (when ``document`` and/or ``subject`` are given, the entry
    names them; skipped otherwise).
    """
    done: list[StepResult] = []
    entry: Entry | None = None
    signed: SignedCheckpoint | None = None
    cosigners: list[Cosigned] = []

    def result() -> BundleVerification:
        failed = any(s.status is StepStatus.FAILED for s in done)
        rest = [StepResult(s, StepStatus.SKIPPED, "an earlier step failed") for s in STEPS[len(done) :]]
        steps = (*done, *rest) if failed else tuple(done)
        return BundleVerification(tuple(steps), entry, signed, tuple(cosigners))

    def passed(step: str, detail: str = "") -> None:
        done.append(StepResult(step, StepStatus.PASSED, detail))

    def failed(step: str, detail: str) -> BundleVerification:
        done.append(StepResult(step, StepStatus.FAILED, detail))
        return result()

    try:
        pb = bundle if isinstance(bundle, ProofBundle) else ProofBundle.parse(bundle)
    except FormatError as exc:
        return failed("format", str(exc))
    passed("format")
    if pb.extra is None:
        return failed("entry", "the bundle has no extra line holding the log entry")
    try:
        entry = parse_entry(pb.extra)
    except EntryError as exc:
        return failed("entry", str(exc))
    passed("entry", f"{entry.kind} {entry.subject}")
    try:
        signed = open_checkpoint(pb.checkpoint, trusted_log_keys)
    except (CheckpointError, NoteError) as exc:
        return failed("log_signature", str(exc))
    cp = signed.checkpoint
    passed("log_signature", f"{cp.origin} at size {cp.size}")
    try:
        cosigners = verified_cosigners(signed.note, witness_keys)
    except NoteError as exc:
        return failed("witnesses", str(exc))
    if len(cosigners) < min_witnesses:
        return failed("witnesses", f"{len(cosigners)} of the {min_witnesses} witness cosignatures required")
    passed("witnesses", ", ".join(c.name for c in cosigners) or "none required")
    try:
        verify_inclusion(leaf_hash(pb.extra), pb.index, cp.size, pb.proof, cp.root_hash)
    except InvalidProof as exc:
        return failed("inclusion", str(exc))
    passed("inclusion", f"leaf {pb.index} of {cp.size}")
    if document is None and subject is None:
        done.append(StepResult("document", StepStatus.SKIPPED, "no document given"))
    elif document is not None and not entry.matches(document):
        return failed("document", "the document's digests differ from the entry's")
    elif subject is not None and entry.subject != subject:
        return failed("document", f"the entry is about {entry.subject!r}, not {subject!r}")
    else:
        passed("document")
    return result()
