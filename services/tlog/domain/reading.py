"""Running the library's synchronous proof generation over hashes that an async store reads.

``qlprov.tlog.merkle`` builds a tree head or a proof with *one* call to its hash reader, for
every stored hash it needs. So a generation is run twice: once with a reader that only records
the coordinates asked for, then, after one database read of exactly those rows, again with a
reader that answers them. One round trip per proof, and the proof logic stays the library's.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import TypeVar

from qlprov.tlog.merkle import Coord, HashReader, MerkleError

__all__ = ["with_hashes"]

T = TypeVar("T")


class _Asked(Exception):
    def __init__(self, coords: Sequence[Coord]) -> None:
        super().__init__(f"{len(coords)} hashes")
        self.coords = list(coords)


async def with_hashes(
    generate: Callable[[HashReader], T], fetch: Callable[[Sequence[Coord]], Awaitable[Sequence[bytes]]]
) -> T:
    """``generate(reader)`` with the hashes it asks for read by ``fetch`` (one call)."""

    def record(coords: Sequence[Coord]) -> Sequence[bytes]:
        raise _Asked(coords)

    try:
        return generate(record)  # nothing to read (the empty tree, an empty proof)
    except _Asked as asked:
        wanted = asked.coords
    hashes = list(await fetch(wanted))

    def answer(coords: Sequence[Coord]) -> Sequence[bytes]:
        if list(coords) != wanted:
            raise MerkleError("the generation asked for other hashes the second time")
        return hashes

    return generate(answer)
