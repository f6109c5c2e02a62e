"""Session fixtures: real servers (``infra``) and the stack in-process (``stack``)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import pytest

from tests.fixtures import Infra, Stack, infra_context, stack_context


@pytest.fixture(scope="session")
def infra() -> Iterator[Infra]:
    yield from infra_context()


@pytest.fixture(scope="session")
async def stack(infra: Infra) -> AsyncIterator[Stack]:
    async for s in stack_context(infra):
        yield s
