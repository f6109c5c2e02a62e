"""The importer packs encoded observations into requests under both limits."""

from __future__ import annotations

import msgspec
from qlcore.corpus.model import Observation
from qlcore.corpus.protocol import ImportBatch

from services.ops.corpus_import import _body, batches


def test_batches_respect_the_byte_and_count_limits(corpus: list[Observation]) -> None:
    limit = 300 * 1024
    groups = list(batches(corpus, max_batch_bytes=limit, max_batch=20))
    assert sum(len(g) for g in groups) == len(corpus)
    for group in groups:
        assert len(group) <= 20
        assert len(group) == 1 or sum(len(e) + 1 for e in group) <= limit
    decoded = [o for g in groups for o in msgspec.json.decode(_body(g, "ops", False), type=ImportBatch).observations]
    assert decoded == corpus  # in order, nothing lost, every field intact


def test_an_oversized_observation_travels_alone(corpus: list[Observation]) -> None:
    biggest = max(corpus, key=lambda o: len(msgspec.json.encode(o)))
    groups = list(batches([corpus[0], biggest, corpus[1]], max_batch_bytes=1024))
    assert [len(g) for g in groups] == [1, 1, 1]
    body = msgspec.json.decode(_body(groups[1], "ops", True), type=ImportBatch)
    assert body.operator == "ops" and body.wait is True and body.observations == [biggest]
