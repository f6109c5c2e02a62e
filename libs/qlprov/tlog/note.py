"""C2SP signed-note: parse, open (verify) and sign notes with one or more signatures.

A note is UTF-8 text without ASCII control characters other than newline; its text ends with a
newline and is followed by a blank line and one or more lines ``— <name> base64(key ID ||
signature)``. The text is separated from the signatures by the *last* blank line. A key is
named by the pair (name, 32-bit key ID) (:mod:`qlprov.tlog.keys`).

:func:`open_note` follows the specification and Go's ``note.Open``:

* a malformed note (bad UTF-8, a control character, no signature block, a signature line
  without the em dash, a name with a Unicode space or ``+``, a signature of fewer than 5 bytes,
  more than :data:`MAX_SIGNATURES` lines) raises :class:`MalformedNote`;
* a signature whose (name, key ID) is not known is ignored (kept as unverified);
* a signature from a known key is always verified, and one that fails rejects the whole note
  (:class:`InvalidSignature`). The specification says verifiers MUST verify it; Go skips a
  repeated signature line of a key it has already verified, we verify every line;
* a note with no verified signature raises :class:`UnverifiedNote`.

Base64 must be canonical (:mod:`qlprov.tlog.encoding`), so no flipped bit of a signature line's
text can decode to the signature it was.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from qlprov.tlog.encoding import FormatError, b64, parse_b64
from qlprov.tlog.keys import CONTROL_CHARS, Signer, Verifier, is_valid_name

__all__ = [
    "MAX_SIGNATURES",
    "InvalidSignature",
    "MalformedNote",
    "Note",
    "NoteError",
    "Signature",
    "UnverifiedNote",
    "open_note",
    "parse_note",
    "sign_note",
]

MAX_SIGNATURES = 100
DASH = "— "


class NoteError(ValueError):
    """A note that cannot be accepted."""


class MalformedNote(NoteError):
    """Not a signed note as c2sp.org/signed-note defines it."""


class InvalidSignature(NoteError):
    """A signature from a known key does not verify: the whole note is rejected."""

    def __init__(self, name: str, key_id: int) -> None:
        super().__init__(f"invalid signature by {name}+{key_id:08x}")
        self.name, self.key_id = name, key_id


class UnverifiedNote(NoteError):
    """No signature from a known key: the note's text must be ignored."""


@dataclass(frozen=True, slots=True)
class Signature:
    """One signature line: the key's name and ID and the signature bytes after the ID."""

    name: str
    key_id: int
    sig: bytes

    def line(self) -> str:
        return f"{DASH}{self.name} {b64(self.key_id.to_bytes(4, 'big') + self.sig)}\n"


@dataclass(frozen=True, slots=True)
class Note:
    """A parsed note: its text (final newline included) and its signatures, verified or not."""

    text: str
    signatures: tuple[Signature, ...]
    verified: tuple[Signature, ...] = ()

    def encode(self) -> bytes:
        return (self.text + "\n" + "".join(s.line() for s in self.signatures)).encode()


def parse_note(data: bytes | str) -> Note:
    """Parse a note's structure without checking any signature (:func:`open_note` checks)."""
    if isinstance(data, bytes):
        try:
            data = data.decode("utf-8", errors="strict")
        except UnicodeDecodeError:
            raise MalformedNote("a note is valid UTF-8") from None
    if CONTROL_CHARS.search(data):
        raise MalformedNote("a note has no control characters other than newline")
    split = data.rfind("\n\n")
    if split < 0:
        raise MalformedNote("no blank line before the signatures")
    text, block = data[: split + 1], data[split + 2 :]
    if not block or not block.endswith("\n"):
        raise MalformedNote("the signature block is one or more newline-terminated lines")
    lines = block[:-1].split("\n")
    if len(lines) > MAX_SIGNATURES:
        raise MalformedNote(f"more than {MAX_SIGNATURES} signatures")
    sigs = []
    for line in lines:
        if not line.startswith(DASH):
            raise MalformedNote("a signature line starts with an em dash and a space")
        name, sep, encoded = line[len(DASH) :].partition(" ")
        if not sep or not is_valid_name(name):
            raise MalformedNote("a signature line names a valid key")
        try:
            raw = parse_b64(encoded, what="signature")
        except FormatError as exc:
            raise MalformedNote(str(exc)) from None
        if len(raw) < 5:
            raise MalformedNote("a signature is a 4-byte key ID and at least one byte")
        sigs.append(Signature(name, int.from_bytes(raw[:4], "big"), raw[4:]))
    return Note(text, tuple(sigs))


def _index(verifiers: Iterable[Verifier]) -> dict[tuple[str, int], Verifier]:
    out: dict[tuple[str, int], Verifier] = {}
    for v in verifiers:
        k = (v.name, v.key_id)
        if k in out and out[k] is not v and out[k] != v:
            raise NoteError(f"ambiguous key {v.name}+{v.key_id:08x}")
        out[k] = v
    return out


def open_note(data: bytes | str | Note, verifiers: Iterable[Verifier]) -> Note:
    """Parse a note and verify its signatures by ``verifiers``; see the module docstring."""
    note = data if isinstance(data, Note) else parse_note(data)
    known = _index(verifiers)
    msg = note.text.encode()
    verified: list[Signature] = []
    for s in note.signatures:
        v = known.get((s.name, s.key_id))
        if v is None:
            continue
        if not v.verify(msg, s.sig):
            raise InvalidSignature(s.name, s.key_id)
        if s not in verified:
            verified.append(s)
    if not verified:
        raise UnverifiedNote("no signature by a known key")
    return Note(note.text, note.signatures, tuple(verified))


def sign_note(text: str, signers: Sequence[Signer], existing: Sequence[Signature] = ()) -> bytes:
    """Sign ``text`` (which must end in a newline) and encode the note.

    ``existing`` signatures are kept before the new ones, except those of a signing key, which
    are replaced, as Go's ``note.Sign`` does.
    """
    if not text.endswith("\n") or CONTROL_CHARS.search(text):
        raise MalformedNote("a note's text ends in a newline and has no control characters")
    if not signers and not existing:
        raise MalformedNote("a note has at least one signature")
    msg = text.encode()
    mine = {(s.name, s.key_id) for s in signers}
    sigs = [s for s in existing if (s.name, s.key_id) not in mine]
    for s in signers:
        if not is_valid_name(s.name):
            raise MalformedNote(f"invalid signer name {s.name!r}")
        sigs.append(Signature(s.name, s.key_id, s.sign(msg)))
    if len(sigs) > MAX_SIGNATURES:
        raise MalformedNote(f"more than {MAX_SIGNATURES} signatures")
    return Note(text, tuple(sigs)).encode()
