"""The leaderboard's handlers called as the template intends: ``(deps, request)`` with a ``Deps``
of fakes (tests/unit/leaderboard/fakes.py), no NATS, no PostgreSQL."""

from __future__ import annotations

import msgspec
import pytest
from qlcore.corpus.methodology import METHODOLOGY_VERSION
from qlcore.corpus.model import Observation
from qlcore.corpus.protocol import ImportBatch
from qlcore.errors import NotFound, Unprocessable
from qlcore.events.corpus import CalibrationObserved
from qlcore.http_cache import strong_etag
from qlcore.rpc import RpcContext, RpcRequest

from services.leaderboard.handlers import OPERATIONS, get_leaderboard, get_trend, import_corpus
from tests.unit.leaderboard.factories import make_obs
from tests.unit.leaderboard.fakes import FakeReadModel, fake_deps


def _req(body: object, request_id: str = "req-1") -> RpcRequest:
    return RpcRequest(RpcContext(actor="pytest", request_id=request_id), msgspec.json.encode(body))


def _measured(obs: Observation) -> Observation:
    return msgspec.structs.replace(obs, methodology=METHODOLOGY_VERSION)


def test_every_operation_is_in_the_table_once() -> None:
    names = [op.name for op in OPERATIONS]
    assert len(names) == len(set(names))
    assert set(names) == {
        "leaderboard.get",
        "leaderboard.page",
        "trend.get",
        "trend.page",
        "trend.svg",
        "leaderboard.methodology",
        "corpus.import",
    }


async def test_leaderboard_is_computed_once_per_read_model_position() -> None:
    model = FakeReadModel()
    model.hold(make_obs("ibm", "ibm_kyiv", "2025-02-26T10:00:00Z", median_2q_error=0.008))
    model.hold(make_obs("google", "willow_pink", "2024-08-16T00:00:00Z", median_2q_error=0.003))
    deps, rt = fake_deps(model)

    first = await get_leaderboard(deps, _req({"metric": "median_2q_error"}))
    again = await get_leaderboard(deps, _req({"metric": "median_2q_error"}))
    assert first is again and len(model.queries) == 1
    assert first.headers["ETag"] == strong_etag(first.body)
    assert [r["backend"] for r in first.json()["rows"]] == ["willow_pink", "ibm_kyiv"]

    rt.runner.position += 1  # the projection applied an event: the reply is computed again
    moved = await get_leaderboard(deps, _req({"metric": "median_2q_error"}))
    assert len(model.queries) == 2 and moved.body == first.body

    rt.runner.leader = False  # a stand-by instance reads the stored checkpoint: same position
    await get_leaderboard(deps, _req({"metric": "median_2q_error"}))
    assert len(model.queries) == 2


async def test_problems_are_raised_and_never_cached() -> None:
    deps, _ = fake_deps()
    for _ in range(2):
        with pytest.raises(Unprocessable) as bad:
            await get_leaderboard(deps, _req({"metric": "fidelity"}))
        assert bad.value.extra["valid_metrics"]
    with pytest.raises(NotFound):
        await get_trend(deps, _req({"provider": "acme", "backend": "fridge_2"}))
    assert deps.cache.misses == 3 and deps.cache.hits == 0


async def test_import_appends_each_new_snapshot_once_keyed_by_its_snapshot() -> None:
    model = FakeReadModel()
    known = _measured(make_obs("ibm", "ibm_kyiv", "2025-02-26T10:00:00Z", median_2q_error=0.008))
    model.hold(known)  # imported before: the read model is the durable index
    deps, rt = fake_deps(model)
    new = _measured(make_obs("ibm", "ibm_fez", "2025-03-01T09:00:00Z", median_2q_error=0.004))
    batch = ImportBatch(observations=[known, new, new], operator="ada")

    reply = await import_corpus(deps, _req(batch))
    assert reply.json() == {
        "received": 3,
        "appended": 1,
        "already_imported": 2,
        "deduplicated_by_log": 0,
        "last_seq": 1,
    }
    ((event, msg_id),) = rt.bus.appended
    assert isinstance(event, CalibrationObserved) and msg_id == new.key == event.key
    assert event.actor == "operator:ada" and event.correlation_id == "req-1" and event.workspace_id is None
    # it read the index only once the read model had the whole log, and answered once it had the batch
    assert rt.waits == [("caught_up", None, 30.0), ("applied", 1, 30.0)]

    # the same batch before the projection indexed it: JetStream's de-duplication catches it
    again = await import_corpus(deps, _req(msgspec.structs.replace(batch, wait=False)))
    assert again.json()["deduplicated_by_log"] == 1 and again.json()["appended"] == 0
    assert len(rt.bus.appended) == 1 and rt.waits[-1][0] == "caught_up"


async def test_import_refuses_a_whole_batch_before_appending_anything() -> None:
    deps, rt = fake_deps()
    good = _measured(make_obs("ibm", "ibm_fez", "2025-03-01T09:00:00Z"))
    stale = make_obs("ibm", "ibm_kyiv", "2025-02-26T10:00:00Z")  # measured with another methodology
    with pytest.raises(Unprocessable) as refused:
        await import_corpus(deps, _req(ImportBatch(observations=[good, stale])))
    assert refused.value.extra["index"] == 1 and "methodology" in str(refused.value)
    assert rt.bus.appended == [] and rt.waits == []
