"""Observations survive the trip through a ``calibration.observed`` event and the run log's codec."""

from __future__ import annotations

import msgspec
import pytest
from qlcore.corpus.model import Observation
from qlcore.errors import Unprocessable
from qlcore.events.corpus import CalibrationObserved
from qlcore.events.registry import decode_event, encode_event

from services.leaderboard.domain.corpus_batch import validate
from services.leaderboard.domain.events import event_from_observation, observation_from_event


def test_every_corpus_observation_round_trips(corpus: list[Observation]) -> None:
    for obs in corpus:
        event = event_from_observation(obs, actor="operator:test")
        assert event.key == obs.key and event.workspace_id is None  # public data: no tenant
        decoded = decode_event(encode_event(event), "calibration.observed", 1)
        assert isinstance(decoded, CalibrationObserved)
        assert observation_from_event(decoded, with_calibration=True) == obs
        back = observation_from_event(decoded)
        assert back.calibration is None and back.metrics == obs.metrics
        assert all(type(back.metrics[m]) is type(obs.metrics[m]) for m in ("num_qubits", "failed_2q_couplers"))
        validate(0, obs)  # what the loaders produce is what the service accepts


def test_the_service_refuses_what_it_could_not_key_or_rank(corpus: list[Observation]) -> None:
    good = corpus[0]
    bad = {
        "methodology": msgspec.structs.replace(good, methodology="ql-leaderboard/0.9.0"),
        "canonical": msgspec.structs.replace(good, taken_at=good.taken_at.replace("Z", "+00:00")),
        "RFC 3339": msgspec.structs.replace(good, taken_at="last tuesday"),
        "unknown metrics": msgspec.structs.replace(good, metrics={**good.metrics, "quantum_volume": 64}),
        "provider and backend": msgspec.structs.replace(good, backend="../etc"),
    }
    for needle, obs in bad.items():
        with pytest.raises(Unprocessable, match=needle) as err:
            validate(7, obs)
        assert err.value.extra["index"] == 7
