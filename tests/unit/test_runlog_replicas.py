"""Reads from a replicated run log (``qlcore.runlog``, ``qlcore.bus``): a direct get may be answered
by a replica that has not applied the newest entries yet (JetStream gives direct gets no
read-after-write: nats-server #6557), so its "not found" is asked of the stream leader again, and the
log's end is read from the leader only.

The stand-in is the two ways of reading one stream, a leader with every committed entry and a
replica behind it; the cluster itself is exercised in ``tests/e2e/test_cluster.py``.
"""

from __future__ import annotations

import asyncio
from typing import Any

import nats.errors
import pytest
from nats.js.api import RawStreamMsg
from nats.js.errors import NotFoundError
from qlcore import runlog
from qlcore.bus import HDR_RUN_HASH, Bus
from qlcore.config import load_settings
from qlcore.errors import Unavailable

S = load_settings(env={})


class Replicated:
    """``js.get_msg`` of a stream whose leader has ``leader`` entries and whose replica, which answers
    every direct get, has the first ``replica`` of them."""

    def __init__(self, leader: int, replica: int, *, down: bool = False) -> None:
        self.leader, self.replica, self.down = leader, replica, down
        self.asked: list[tuple[int | None, str | None, bool]] = []

    async def get_msg(
        self, stream: str, seq: int | None = None, subject: str | None = None, direct: bool = False
    ) -> Any:
        assert stream == S.stream
        self.asked.append((seq, subject, direct))
        if self.down:
            raise nats.errors.NoRespondersError
        have = self.replica if direct else self.leader
        if seq is None:  # the last message on the log's event subjects
            seq = have
        if not 1 <= seq <= have:
            raise NotFoundError
        return RawStreamMsg(
            subject=S.document_subject, seq=seq, data=f"doc {seq}".encode(), headers={HDR_RUN_HASH: f"h{seq}"}
        )


def _bus(js: Replicated) -> Bus:
    bus = Bus.__new__(Bus)
    bus.js, bus.settings = js, S  # type: ignore[assignment]
    return bus


def test_an_entry_a_lagging_replica_has_not_is_read_from_the_leader() -> None:
    js = Replicated(leader=10, replica=7)
    assert asyncio.run(runlog.document_entry(_bus(js), 9, "h9")) == b"doc 9"
    assert js.asked == [(9, None, True), (9, None, False)]  # the replica first, then the leader


def test_an_entry_the_replica_has_is_read_in_one_direct_get() -> None:
    js = Replicated(leader=10, replica=7)
    assert asyncio.run(runlog.document_entry(_bus(js), 3, "h3")) == b"doc 3"
    assert js.asked == [(3, None, True)]


def test_an_entry_the_leader_has_not_either_is_an_inconsistency() -> None:
    js = Replicated(leader=10, replica=7)
    with pytest.raises(runlog.LogInconsistent, match="nothing at sequence 11"):
        asyncio.run(runlog.document_entry(_bus(js), 11, "h11"))


def test_a_log_that_does_not_answer_is_unavailable() -> None:
    with pytest.raises(Unavailable):
        asyncio.run(runlog.document_entry(_bus(Replicated(10, 10, down=True)), 1, "h1"))


def test_the_logs_end_is_the_leaders() -> None:
    js = Replicated(leader=10, replica=7)
    assert asyncio.run(_bus(js).last_event_seq()) == 10
    assert js.asked == [(None, f"{S.log_subject_prefix}.>", False)]
    assert asyncio.run(_bus(Replicated(leader=0, replica=0)).last_event_seq()) == 0
