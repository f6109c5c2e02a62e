"""C2SP tlog-cosignature, the Ed25519 ``cosignature/v1`` type: a witness's timestamped signature.

A cosignature is a note signature line on a checkpoint. Its key ID is
``SHA-256(name || 0x0A || 0x04 || public key)[:4]`` (signature type 0x04, not the 0x01 of plain
Ed25519 notes), and its bytes after the ID are ``u64 timestamp (big-endian) || Ed25519
signature`` over::

    cosignature/v1
    time <timestamp>
    <the whole checkpoint note text, extension lines included>

A cosignature states that, at that time, this was the largest tree the witness had seen for
the origin, consistent with all it saw before. :class:`CosignatureVerifier` is a note
:class:`~qlprov.tlog.note.Verifier`, so :func:`~qlprov.tlog.note.open_note` checks
cosignatures like any signature; :func:`verified_cosigners` counts the distinct witnesses on a
checkpoint for a k-of-n policy.

The ML-DSA-44 ``subtree/v1`` type that the specification now recommends needs a post-quantum
signature library beyond our dependencies (PyNaCl); the public witness network and Go's tools
speak ``cosignature/v1``, which is what we implement. Timestamps are POSIX seconds at most
``2^63 - 1``; a timestamp in the future is refused by :meth:`CosignatureVerifier.verify` when a
clock and a tolerance are given (the specification lets verifiers refuse them).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from nacl.exceptions import BadSignatureError
from nacl.signing import SigningKey, VerifyKey

from qlprov.tlog.encoding import MAX_INT64, FormatError
from qlprov.tlog.keys import encode_vkey, is_valid_name, key_id, parse_vkey
from qlprov.tlog.note import Note, Signature, UnverifiedNote, open_note

__all__ = [
    "ALG_COSIGNATURE_V1",
    "CosignatureSigner",
    "CosignatureVerifier",
    "Cosigned",
    "cosignature_message",
    "cosignature_timestamp",
    "verified_cosigners",
]

ALG_COSIGNATURE_V1 = 0x04


def cosignature_message(text: str | bytes, timestamp: int) -> bytes:
    """What a ``cosignature/v1`` signs: the header, the time line, the checkpoint's note text."""
    if not 0 <= timestamp <= MAX_INT64:
        raise FormatError("a cosignature timestamp is between 0 and 2^63 - 1")
    body = text.encode() if isinstance(text, str) else text
    return f"cosignature/v1\ntime {timestamp}\n".encode() + body


def cosignature_timestamp(sig: bytes) -> int:
    """The timestamp of a cosignature's bytes (those after the key ID)."""
    if len(sig) != 72:
        raise FormatError("a cosignature/v1 is an 8-byte timestamp and a 64-byte signature")
    return int.from_bytes(sig[:8], "big")


@dataclass(frozen=True, slots=True)
class CosignatureVerifier:
    """A witness's Ed25519 ``cosignature/v1`` key, as a note verifier."""

    name: str
    public_key: bytes
    clock: Callable[[], float] | None = field(default=None, compare=False)
    max_future_s: int = field(default=300, compare=False)
    key_id: int = field(init=False)

    def __post_init__(self) -> None:
        if not is_valid_name(self.name) or len(self.public_key) != 32:
            raise FormatError("a cosigner needs a valid name and a 32-byte Ed25519 key")
        object.__setattr__(self, "key_id", key_id(self.name, ALG_COSIGNATURE_V1, self.public_key))

    @classmethod
    def from_vkey(cls, vkey: str, clock: Callable[[], float] | None = None) -> CosignatureVerifier:
        name, _, key = parse_vkey(vkey, ALG_COSIGNATURE_V1)
        return cls(name, key, clock)

    def vkey(self) -> str:
        return encode_vkey(self.name, ALG_COSIGNATURE_V1, self.public_key)

    def verify(self, msg: bytes, sig: bytes) -> bool:
        if len(sig) != 72:
            return False
        ts = int.from_bytes(sig[:8], "big")
        if ts > MAX_INT64:
            return False
        if self.clock is not None and ts > self.clock() + self.max_future_s:
            return False
        try:
            VerifyKey(self.public_key).verify(cosignature_message(msg, ts), sig[8:])
        except BadSignatureError:
            return False
        return True


class CosignatureSigner:
    """A witness's signing key: timestamped ``cosignature/v1`` lines for checkpoints."""

    __slots__ = ("_key", "key_id", "name")

    def __init__(self, name: str, seed: bytes) -> None:
        if not is_valid_name(name) or len(seed) != 32:
            raise FormatError("a cosigner needs a valid name and a 32-byte seed")
        self.name, self._key = name, SigningKey(seed)
        self.key_id = key_id(name, ALG_COSIGNATURE_V1, self.public_key)

    @classmethod
    def generate(cls, name: str) -> CosignatureSigner:
        return cls(name, bytes(SigningKey.generate()))

    @property
    def public_key(self) -> bytes:
        return bytes(self._key.verify_key)

    def verifier(self) -> CosignatureVerifier:
        return CosignatureVerifier(self.name, self.public_key)

    def cosign(self, text: str, timestamp: int) -> Signature:
        """The cosignature of a checkpoint's note text at ``timestamp`` (POSIX seconds)."""
        sig = self._key.sign(cosignature_message(text, timestamp)).signature
        return Signature(self.name, self.key_id, timestamp.to_bytes(8, "big") + sig)


@dataclass(frozen=True, slots=True)
class Cosigned:
    """A verified cosignature: the witness and the time it signed."""

    name: str
    key_id: int
    timestamp: int


def verified_cosigners(note: Note, witnesses: Iterable[CosignatureVerifier]) -> list[Cosigned]:
    """The distinct witnesses among ``witnesses`` whose cosignature on ``note`` verifies.

    A bad cosignature by a known witness rejects the note
    (:class:`~qlprov.tlog.note.InvalidSignature`), as the note rules say; unknown signature
    lines, the log's included, are ignored. An empty list when no known witness cosigned.
    """
    ws = list(witnesses)
    if not ws:
        return []
    try:
        opened = open_note(note, ws)
    except UnverifiedNote:
        return []
    seen: dict[tuple[str, int], Cosigned] = {}
    for s in opened.verified:
        ts = cosignature_timestamp(s.sig)
        key = (s.name, s.key_id)
        if key not in seen or ts > seen[key].timestamp:
            seen[key] = Cosigned(s.name, s.key_id, ts)
    return list(seen.values())
