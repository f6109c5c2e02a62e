"""C2SP tlog-checkpoint: the signed tree head of a log, as a note.

The note text is at least three non-empty lines: the origin (the log's identity, e.g.
``example.com/quantumledger/log``), the tree size in decimal without leading zeroes, and the
base64 RFC 6962 root hash; any further lines are opaque, non-empty extension lines (NOT
RECOMMENDED by the specification, so :class:`Checkpoint` writes none unless asked).

:func:`open_checkpoint` verifies the log's signature with the keys trusted *for the
checkpoint's origin*: a valid signature by a key trusted for another log does not make a
checkpoint of this one. Other signatures (cosignatures, unknown keys) are kept on the note and
ignored here; :mod:`qlprov.tlog.cosignature` counts witnesses.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from qlprov.tlog.encoding import FormatError, b64, parse_b64, parse_decimal
from qlprov.tlog.keys import Ed25519Verifier, Signer, Verifier, is_valid_name
from qlprov.tlog.merkle import HASH_SIZE
from qlprov.tlog.note import Note, NoteError, open_note, parse_note, sign_note

__all__ = [
    "DEFAULT_LOG_PATH",
    "Checkpoint",
    "CheckpointError",
    "SignedCheckpoint",
    "log_origin",
    "open_checkpoint",
    "parse_checkpoint_note",
    "sign_checkpoint",
    "trusted_logs",
]


DEFAULT_LOG_PATH = "quantumledger/log"


class CheckpointError(ValueError):
    """A checkpoint that is malformed, of an unknown origin, or not signed by its log."""


@dataclass(frozen=True, slots=True)
class Checkpoint:
    """A tree head: origin, size, root hash and optional extension lines."""

    origin: str
    size: int
    root_hash: bytes
    extensions: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if not self.origin or "\n" in self.origin:
            raise CheckpointError("the origin is one non-empty line")
        if not 0 <= self.size < 2**63:
            raise CheckpointError("the tree size is between 0 and 2^63 - 1")
        if len(self.root_hash) != HASH_SIZE:
            raise CheckpointError("the root hash is 32 bytes")
        if any(not e or "\n" in e for e in self.extensions):
            raise CheckpointError("extension lines are non-empty single lines")

    def text(self) -> str:
        """The note text, final newline included."""
        return "".join(f"{line}\n" for line in (self.origin, str(self.size), b64(self.root_hash), *self.extensions))

    @classmethod
    def parse(cls, text: str) -> Checkpoint:
        """Parse a checkpoint's note text (without signatures)."""
        if not text.endswith("\n"):
            raise CheckpointError("checkpoint text ends with a newline")
        lines = text[:-1].split("\n")
        if len(lines) < 3 or any(not line for line in lines):
            raise CheckpointError("a checkpoint is at least three non-empty lines")
        origin, size, root, *ext = lines
        try:
            return cls(origin, parse_decimal(size, what="tree size"), parse_b64(root, size=HASH_SIZE), tuple(ext))
        except FormatError as exc:
            raise CheckpointError(str(exc)) from None


@dataclass(frozen=True, slots=True)
class SignedCheckpoint:
    """A checkpoint with its note (all signature lines) and the log signatures verified."""

    checkpoint: Checkpoint
    note: Note

    @property
    def encoded(self) -> bytes:
        return self.note.encode()

    @property
    def text(self) -> str:
        return self.note.text


def log_origin(host: str, path: str = DEFAULT_LOG_PATH) -> str:
    """A log's origin line: ``<host>/<path>``, e.g. ``ledger.example.org/quantumledger/log``.

    C2SP tlog-tiles: the origin SHOULD be the scheme-less URL prefix of the log without a
    trailing slash, and (tlog-checkpoint) contain neither Unicode spaces nor ``+``, so that it
    can also be the log key's name. ``host`` may carry a port; a scheme or slashes at either end
    are refused rather than guessed away.
    """
    origin = f"{host}/{path}" if path else host
    if "://" in origin or origin.startswith("/") or origin.endswith("/") or "//" in origin or not host:
        raise CheckpointError(f"an origin is a scheme-less URL prefix without a trailing slash: {origin!r}")
    if not is_valid_name(origin):
        raise CheckpointError(f"an origin has no spaces, '+' or control characters: {origin!r}")
    return origin


def trusted_logs(vkeys: Iterable[str]) -> dict[str, list[Verifier]]:
    """Log keys by origin from Ed25519 vkeys, each trusted for the origin that is its name.

    Our convention (and tlog-checkpoint's recommendation) is that a log's key is named after its
    origin; a caller whose log keys are named otherwise builds the mapping itself.
    """
    out: dict[str, list[Verifier]] = {}
    for vkey in vkeys:
        v = Ed25519Verifier.from_vkey(vkey)
        out.setdefault(v.name, []).append(v)
    return out


def parse_checkpoint_note(data: bytes | str) -> tuple[Checkpoint, Note]:
    """The checkpoint and note structure, no signature checked (the origin picks the keys)."""
    try:
        note = parse_note(data)
    except NoteError as exc:
        raise CheckpointError(f"malformed note: {exc}") from None
    return Checkpoint.parse(note.text), note


def open_checkpoint(data: bytes | str, log_keys: Mapping[str, Sequence[Verifier]]) -> SignedCheckpoint:
    """Parse a signed checkpoint and verify it with the keys trusted for its origin.

    Raises :class:`CheckpointError` for a malformed checkpoint or an origin with no trusted
    key, and the note's errors (:class:`~qlprov.tlog.note.InvalidSignature`,
    :class:`~qlprov.tlog.note.UnverifiedNote`) when the log's signature is bad or missing.
    """
    cp, note = parse_checkpoint_note(data)
    keys = log_keys.get(cp.origin)
    if not keys:
        raise CheckpointError(f"unknown log origin {cp.origin!r}")
    return SignedCheckpoint(cp, open_note(note, keys))


def sign_checkpoint(cp: Checkpoint, signers: Sequence[Signer]) -> bytes:
    """The checkpoint as a signed note (the log's key name SHOULD be the origin)."""
    return sign_note(cp.text(), signers)
