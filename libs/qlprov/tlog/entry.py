"""The QuantumLedger log entry: what one leaf of the transparency log says, ``qlog/entry/1``.

An entry names a public fact and nothing private: its kind, the subject (card slug, run id,
attestation id), the time it happened, and two digests of the document it is about. It is a
short block of text, one ``<key> <value>`` per line, in a fixed order, every line ending in a
newline::

    qlog/entry/1
    kind card_published
    subject bell-state-on-ibm-brisbane
    time 2026-05-01T12:00:00Z
    blake3 <64 lowercase hex>
    sha256 <64 lowercase hex>

The leaf hash is ``SHA-256(0x00 || these bytes)`` and the entry bundle of a tile holds these
bytes as they are.

Why text lines rather than RFC 8785 canonical JSON: the entry has to be rebuilt or parsed
byte for byte by every verifier, including a reader's browser on the card page and Go's tools.
A line format needs only ``split("\\n")``, where JCS needs a canonicalization library (absent
from browsers, subtle for numbers and escapes), and it is the style of every neighbouring
format (checkpoints, signed notes, sumdb records, tlog-proof). It is versioned by its first
line: a verifier refuses a version it does not know, and a new version is a new header, never
an edit of this one. Each value has exactly one spelling, so :func:`parse_entry` accepts
exactly what :meth:`Entry.encode` writes (it re-encodes and compares) and nothing else: two
different byte strings never describe the same entry, and the same entry is always the same
leaf.

Both digests are kept because the ledger's ``run_hash`` is BLAKE3 while SHA-256 is what most
other tools (and browsers' WebCrypto) compute; the document is whatever bytes the kind
publishes (the published card version, the reproduction report, the DSSE envelope, the
revocation, the run document's canonical JSON), named by the kind's documentation.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum

import blake3

__all__ = ["ENTRY_HEADER", "Entry", "EntryError", "EntryKind", "format_time", "parse_entry"]

ENTRY_HEADER = "qlog/entry/1"
_HEX64 = re.compile(r"[0-9a-f]{64}")
_SUBJECT = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:@/+=-]{0,199}")
_TIME = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(?:\.[0-9]{0,8}[1-9])?Z")
_FIELDS = ("kind", "subject", "time", "blake3", "sha256")


class EntryError(ValueError):
    """Bytes that are not a ``qlog/entry/1`` entry in its one canonical spelling."""


class EntryKind(StrEnum):
    """What was published. New kinds may be added; a kind never changes its meaning."""

    CARD_PUBLISHED = "card_published"
    REPRODUCTION_INDEPENDENT = "reproduction_independent"
    ATTESTATION_ISSUED = "attestation_issued"
    ATTESTATION_REVOKED = "attestation_revoked"
    RUN_COMMITTED = "run_committed"


def _kind(value: str) -> EntryKind:
    try:
        return EntryKind(value)
    except ValueError:
        raise EntryError(f"unknown entry kind {value[:40]!r}") from None


def format_time(t: datetime) -> str:
    """RFC 3339 in UTC with ``Z``, seconds, and a fraction only when non-zero (no trailing 0s)."""
    if t.tzinfo is None:
        raise EntryError("the entry time must be timezone-aware")
    t = t.astimezone(UTC)
    base = t.strftime("%Y-%m-%dT%H:%M:%S")
    frac = f".{t.microsecond:06d}".rstrip("0") if t.microsecond else ""
    return f"{base}{frac}Z"


@dataclass(frozen=True, slots=True)
class Entry:
    """One log entry. ``time`` is kept as its canonical RFC 3339 string."""

    kind: EntryKind
    subject: str
    time: str
    blake3: str
    sha256: str

    def __post_init__(self) -> None:
        if not isinstance(self.kind, EntryKind):
            object.__setattr__(self, "kind", _kind(self.kind))
        if not _SUBJECT.fullmatch(self.subject):
            raise EntryError("the subject is 1-200 characters of [A-Za-z0-9._:@/+=-], starting alphanumeric")
        if not _TIME.fullmatch(self.time):
            raise EntryError("the time is RFC 3339 UTC: YYYY-MM-DDTHH:MM:SS[.fraction]Z, no trailing zeros")
        try:
            parsed = datetime.strptime(self.time[:19], "%Y-%m-%dT%H:%M:%S")
        except ValueError:
            raise EntryError(f"not a valid date and time: {self.time!r}") from None
        if parsed.strftime("%Y-%m-%dT%H:%M:%S") != self.time[:19]:
            raise EntryError(f"not a canonical time: {self.time!r}")
        if not (_HEX64.fullmatch(self.blake3) and _HEX64.fullmatch(self.sha256)):
            raise EntryError("digests are 64 lowercase hex characters")

    @classmethod
    def for_document(cls, kind: EntryKind | str, subject: str, when: datetime, document: bytes) -> Entry:
        """The entry of ``document`` (its exact bytes), published as ``kind`` at ``when``."""
        return cls(
            _kind(kind),
            subject,
            format_time(when),
            blake3.blake3(document).hexdigest(),
            hashlib.sha256(document).hexdigest(),
        )

    def encode(self) -> bytes:
        """The canonical bytes: the leaf's data."""
        values = (self.kind.value, self.subject, self.time, self.blake3, self.sha256)
        return (ENTRY_HEADER + "\n" + "".join(f"{k} {v}\n" for k, v in zip(_FIELDS, values, strict=True))).encode()

    def matches(self, document: bytes) -> bool:
        """True when both digests are those of ``document``."""
        b3, s2 = blake3.blake3(document).hexdigest(), hashlib.sha256(document).hexdigest()
        return self.blake3 == b3 and self.sha256 == s2


def parse_entry(data: bytes) -> Entry:
    """Parse entry bytes; anything but the canonical encoding of an entry is refused."""
    if len(data) > 1024:
        raise EntryError("an entry is at most 1024 bytes")
    try:
        text = data.decode("ascii")
    except UnicodeDecodeError:
        raise EntryError("an entry is ASCII") from None
    lines = text.split("\n")
    if lines[0] != ENTRY_HEADER:
        raise EntryError(f"not a {ENTRY_HEADER} entry (first line {lines[0][:40]!r})")
    if len(lines) != len(_FIELDS) + 2 or lines[-1] != "":
        raise EntryError(f"an entry is the header and {len(_FIELDS)} lines, each ending in a newline")
    values = []
    for name, line in zip(_FIELDS, lines[1:-1], strict=True):
        key, sep, value = line.partition(" ")
        if key != name or not sep:
            raise EntryError(f"expected the line '{name} <value>', got {line[:40]!r}")
        values.append(value)
    entry = Entry(_kind(values[0]), *values[1:])
    if entry.encode() != data:
        raise EntryError("not the canonical encoding of the entry")
    return entry
