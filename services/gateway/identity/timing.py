"""Equal time for unequal work: a step that writes less on one path lasts as long as on the other.

Registration must not tell whether an address has an account (issue 11 measured median 170 ms for
a known address against 194 ms for a new one). Both paths do the same work up to the write: one
argon2id hash, the same reads, the same events built and the same mail path. Only the write
differs: a new address appends five events and waits until the read model applied them, a known
one appends one or none, and appending misleading events for it would put noise in the ledger. So
the write's duration is matched instead: each full registration's write time goes into a
reservoir of recent ones, and a path that wrote less waits until a duration drawn at random from
that reservoir has passed. Drawn, not a fixed floor: under a changing load the known path's times
follow the new path's distribution, tail included, and a fixed floor would leave the tail (which
only the new path has) for a patient attacker to count.
"""

from __future__ import annotations

import asyncio
import random
from collections import deque
from collections.abc import Awaitable, Callable

__all__ = ["DEFAULT_SECONDS", "EqualTime"]

DEFAULT_SECONDS = 0.06  # until the first full write was measured (a 5-event commit on 2 cores)


class EqualTime:
    """A reservoir of the last ``size`` durations of the full step; :meth:`pad` makes a lighter step
    last as long as one of them, drawn with a CSPRNG (not predictable from earlier answers)."""

    def __init__(
        self,
        size: int = 64,
        default: float = DEFAULT_SECONDS,
        *,
        rng: random.Random | None = None,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self._samples: deque[float] = deque(maxlen=size)
        self.default = default
        self.rng = rng or random.SystemRandom()
        self.sleep = sleep

    def record(self, seconds: float) -> None:
        """One full step took ``seconds``."""
        if seconds >= 0:
            self._samples.append(seconds)

    def draw(self) -> float:
        return self.rng.choice(self._samples) if self._samples else self.default

    async def pad(self, spent: float) -> float:
        """Wait until a drawn full-step duration has passed, ``spent`` seconds of it already spent
        on the lighter step; return the seconds waited."""
        wait = max(0.0, self.draw() - spent)
        if wait > 0:
            await self.sleep(wait)
        return wait
