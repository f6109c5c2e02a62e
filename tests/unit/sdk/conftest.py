"""Fixtures of the SDK unit tests: a scripted server with a recording clock, and clients on it."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import pytest
from quantumledger import AsyncClient, Client, RetryPolicy

from tests.unit.sdk.fake import Script

URL = "http://ledger.test"


@pytest.fixture
def script(monkeypatch: pytest.MonkeyPatch) -> Script:
    s = Script()
    s.install_clock(monkeypatch)
    return s


@pytest.fixture
def ql(script: Script) -> Iterator[Client]:
    with Client(URL, "ql_live_test", transport=script.sync_transport(), retry=RetryPolicy(max_retries=3)) as c:
        yield c


@pytest.fixture
async def aql(script: Script) -> AsyncIterator[AsyncClient]:
    async with AsyncClient(URL, "ql_live_test", transport=script.async_transport()) as c:
        yield c
