"""The public queries' parameters, checked strictly: what a caller may ask, in one spelling.

Indexes and sizes arrive as the text of a URL (``?index=12``) and are parsed here, not by the
web framework, so that every hostile spelling (a sign, a space, NUL, ``1e3``, Unicode digits,
leading zeroes, 2^64) is one 422 naming the parameter, and every value is below 2^63 before
it reaches PostgreSQL's ``bigint``. A bundle is asked for by a short kind name (``card``) or by
the entry kind itself (``card_published``).
"""

from __future__ import annotations

import re

import msgspec
from qlcore.errors import Unprocessable
from qlprov.tlog.encoding import FormatError, parse_decimal
from qlprov.tlog.entry import EntryKind

__all__ = [
    "KINDS",
    "BundleQuery",
    "ConsistencyQuery",
    "EntryQuery",
    "InclusionQuery",
    "TileQuery",
    "entry_kind",
    "number",
    "optional_number",
    "subject",
]

KINDS: dict[str, EntryKind] = {
    "card": EntryKind.CARD_PUBLISHED,
    "reproduction": EntryKind.REPRODUCTION_INDEPENDENT,
    "attestation": EntryKind.ATTESTATION_ISSUED,
    "revocation": EntryKind.ATTESTATION_REVOKED,
    "run": EntryKind.RUN_COMMITTED,
    **{k.value: k for k in EntryKind},
}
_SUBJECT = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:@/+=-]{0,199}")
_MAX_TEXT = 64


class EntryQuery(msgspec.Struct, forbid_unknown_fields=True):
    index: str


class InclusionQuery(msgspec.Struct, forbid_unknown_fields=True):
    index: str
    size: str | None = None


class ConsistencyQuery(msgspec.Struct, forbid_unknown_fields=True):
    old: str
    new: str | None = None


class BundleQuery(msgspec.Struct, forbid_unknown_fields=True):
    kind: str
    subject: str
    ref: str | None = None  # the card version id (the gateway's card JSON), else the latest entry
    size: str | None = None


class TileQuery(msgspec.Struct, forbid_unknown_fields=True):
    level: int  # -1: an entry bundle
    index: int
    width: int


def number(text: str, what: str) -> int:
    """A non-negative decimal below 2^63, without sign, spaces or leading zeroes (422 otherwise)."""
    if len(text) > _MAX_TEXT:
        raise Unprocessable(f"{what}: not a number below 2^63", parameter=what)
    try:
        return parse_decimal(text, what=what)
    except FormatError as exc:
        raise Unprocessable(str(exc), parameter=what) from None


def optional_number(text: str | None, what: str) -> int | None:
    return None if text is None or text == "" else number(text, what)


def entry_kind(text: str) -> EntryKind:
    kind = KINDS.get(text)
    if kind is None:
        raise Unprocessable(f"kind: one of {', '.join(sorted(k for k in KINDS if '_' not in k))}", parameter="kind")
    return kind


def subject(text: str) -> str:
    if not _SUBJECT.fullmatch(text):
        raise Unprocessable(
            "subject: 1-200 characters of [A-Za-z0-9._:@/+=-], starting alphanumeric", parameter="subject"
        )
    return text
