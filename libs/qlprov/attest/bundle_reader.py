"""Read an evidence bundle (a JSON array of objects) item by item, from chunks of any size.

A workspace of 20,000 runs has a 38 MB bundle of 100,000 items; a verifier must not need it in
memory at once. :class:`BundleReader` is fed the bytes as they come (a file read in blocks, an
HTTP body as it streams) and returns the items completed so far; it holds one block and one
incomplete item at most. Each item is parsed by the standard library's C scanner
(``json.JSONDecoder.raw_decode``, about 0.25 s for the whole 38 MB), which also tells where the
item ends, so no second scan of the bytes is needed.

What it accepts is JSON (whitespace between tokens included); the digests, not this reader,
decide whether the bytes are the signed ones. It refuses what JSON does not allow (NaN,
Infinity), items that are not objects, and an item longer than :data:`MAX_ITEM_CHARS`.
"""

from __future__ import annotations

import codecs
import json
from collections.abc import Iterator
from typing import Any

from qlprov.attest.errors import VerificationError

__all__ = ["MAX_ITEM_CHARS", "BundleError", "BundleReader"]

MAX_ITEM_CHARS = 16 * 1024 * 1024  # an item is ~400 bytes; anything near this is not evidence
_WS = " \t\n\r"  # JSON whitespace (canonical JSON has none)
_OPEN, _FIRST, _ITEM, _NEXT, _DONE = range(5)


class BundleError(VerificationError):
    """The bytes are not a JSON array of objects (the position says where it went wrong)."""


class _Refused(ValueError):
    pass


def _refuse(name: str) -> Any:
    raise _Refused(f"{name} is not JSON")


class BundleReader:
    """Splits a JSON array of objects, fed in chunks, into its items (Python dicts, in order).

    ``feed(chunk)`` yields the items the chunk completed (consume them all before the next
    feed); ``close()`` the rest, after checking that the array ended. Raises
    :class:`BundleError` at the first malformed item or token.

    An item cut by the end of a chunk is parsed again once more bytes came; to keep that linear
    whatever the chunk size (a network may deliver a few bytes at a time), a new attempt waits
    for a ``}`` (an object cannot end without one) and for the pending text to have doubled.
    """

    def __init__(self, *, max_item_chars: int = MAX_ITEM_CHARS) -> None:
        self._text = codecs.getincrementaldecoder("utf-8")()
        self._json = json.JSONDecoder(parse_constant=_refuse)
        self._pending: list[str] = []  # text not yet split into items
        self._pending_chars = 0
        self._failed_at = 0  # pending length at the last attempt that found the item incomplete
        self._state = _OPEN
        self._max = max_item_chars
        self.count = 0  # items read so far

    def feed(self, chunk: bytes) -> Iterator[Any]:
        text = self._decoded(chunk, final=False)
        self._pending.append(text)
        self._pending_chars += len(text)
        ready = "}" in text and self._pending_chars >= 2 * self._failed_at
        if self._failed_at and not ready and self._pending_chars <= self._max:
            return iter(())  # the item still cannot be complete: no new parse
        return self._read(final=False)

    def close(self) -> Iterator[Any]:
        self._pending.append(self._decoded(b"", final=True))
        yield from self._read(final=True)
        if self._state != _DONE:
            raise BundleError(f"the evidence bundle ends after {self.count} items, before its closing ]")

    def _decoded(self, chunk: bytes, *, final: bool) -> str:
        try:
            return self._text.decode(chunk, final=final)
        except UnicodeDecodeError as exc:
            raise BundleError(f"the evidence bundle is not UTF-8 (after {self.count} items)") from exc

    def _read(self, *, final: bool) -> Iterator[Any]:
        buf = "".join(self._pending)
        self._pending, self._pending_chars, self._failed_at = [], 0, 0
        pos, end = 0, len(buf)
        while pos < end:
            ch, state = buf[pos], self._state
            if ch in _WS:
                pos += 1
            elif state == _OPEN:
                if ch != "[":
                    raise BundleError("the evidence bundle is not a JSON array")
                self._state, pos = _FIRST, pos + 1
            elif state == _NEXT:
                if ch not in ",]":
                    raise BundleError(f"evidence item {self.count}: expected , or ] after the item before it")
                self._state, pos = (_ITEM if ch == "," else _DONE), pos + 1
            elif state == _DONE:
                raise BundleError("data after the end of the evidence bundle")
            elif ch == "]" and state == _FIRST:
                self._state, pos = _DONE, pos + 1
            elif ch != "{":
                raise BundleError(f"evidence item {self.count}: not a JSON object")
            else:
                parsed = self._item(buf, pos, final=final)
                if parsed is None:
                    self._failed_at = end - pos
                    break  # incomplete: wait for more bytes
                item, pos = parsed
                self.count += 1
                self._state = _NEXT
                yield item
        if pos < end:
            self._pending, self._pending_chars = [buf[pos:]], end - pos

    def _item(self, buf: str, pos: int, *, final: bool) -> tuple[Any, int] | None:
        """The object starting at ``pos`` and where it ends; ``None`` if it may only be incomplete."""
        try:
            return self._json.raw_decode(buf, pos)
        except json.JSONDecodeError as exc:
            if final or len(buf) - pos > self._max:
                raise BundleError(f"evidence item {self.count}: not JSON ({exc.msg})") from exc
            return None  # an object cut by the end of the chunk fails the same way: read on
        except (ValueError, RecursionError) as exc:  # NaN, Infinity, an integer of 4,300+ digits, deep nesting
            raise BundleError(f"evidence item {self.count}: not JSON ({exc})") from exc
