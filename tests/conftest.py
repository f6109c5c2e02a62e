"""Session fixtures: real servers (``infra``) and the stack in-process (``stack``)."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Iterator

import pytest

from tests.fixtures import Infra, Stack, infra_context, stack_context

# No test touches the network: wheels of older releases come from the cache `make install` fills
# (qlcore.corpus.adapters.wheels); a missing one fails with the command that fetches it.
os.environ["QL_OFFLINE"] = "1"


@pytest.fixture(scope="session")
def infra() -> Iterator[Infra]:
    yield from infra_context()


@pytest.fixture(scope="session")
async def stack(infra: Infra) -> AsyncIterator[Stack]:
    async for s in stack_context(infra):
        yield s
