"""Strict text encodings shared by the C2SP formats: base64 and decimal numbers.

The C2SP specifications use the standard base64 of RFC 4648 §4 and ASCII decimals "with no
leading zeroes". Parsers here accept exactly one spelling of each value:

* base64 must be the canonical encoding (padded, alphabet only, zero pad bits). RFC 4648 §3.5
  lets a decoder reject non-zero pad bits; we do, so that a flipped bit in the text of a
  signature or a hash is never silently decoded to the same bytes (Go's ``encoding/base64``
  accepts them; every encoder, Go's included, writes the canonical form, so nothing valid is lost).
* decimals are ASCII digits only (no sign, no space, no ``_``, no Unicode digits, which Python's
  ``int()`` would all accept), without leading zeroes, and bounded: tree sizes, indexes and
  timestamps fit a signed 64-bit integer, like Go's ``int64`` and the ``u64 timestamp`` with
  its ``2^63 - 1`` limit in c2sp.org/tlog-cosignature.
"""

from __future__ import annotations

import base64
import binascii
import re

__all__ = ["MAX_INT64", "FormatError", "b64", "parse_b64", "parse_decimal"]

MAX_INT64 = 2**63 - 1
_DECIMAL = re.compile(r"0|[1-9][0-9]{0,18}")
_B64 = re.compile(r"(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?")


class FormatError(ValueError):
    """Input that is not in the exact form a C2SP format requires."""


def b64(data: bytes) -> str:
    """Standard, padded base64 (RFC 4648 §4)."""
    return base64.b64encode(data).decode("ascii")


def parse_b64(text: str, *, size: int | None = None, what: str = "base64") -> bytes:
    """Decode canonical standard base64; ``size`` pins the decoded length."""
    if not _B64.fullmatch(text):
        raise FormatError(f"{what}: not standard base64")
    try:
        raw = base64.b64decode(text, validate=True)
    except binascii.Error as exc:  # pragma: no cover - the pattern already excludes these
        raise FormatError(f"{what}: {exc}") from exc
    if base64.b64encode(raw).decode("ascii") != text:
        raise FormatError(f"{what}: non-canonical base64 (non-zero pad bits)")
    if size is not None and len(raw) != size:
        raise FormatError(f"{what}: {len(raw)} bytes, expected {size}")
    return raw


def parse_decimal(text: str, *, what: str = "number", maximum: int = MAX_INT64) -> int:
    """An ASCII decimal without leading zeroes, at most ``maximum``."""
    if not _DECIMAL.fullmatch(text):
        raise FormatError(f"{what}: not an ASCII decimal without leading zeroes: {text[:40]!r}")
    value = int(text)
    if value > maximum:
        raise FormatError(f"{what}: {value} exceeds {maximum}")
    return value
