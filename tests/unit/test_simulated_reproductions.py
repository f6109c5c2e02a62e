"""Simulated reproductions are not the lab's experiments (issue 14, item 6): the run list hides
them unless asked for (the compliance side: tests/unit/attestation/test_simulated_reproductions.py).
What each catches: a drift simulation listed among a workspace's runs by default, an unknown
``kind`` accepted, a list of every kind that is not both ranges."""

from __future__ import annotations

import pytest
from qlcore.errors import Unprocessable
from qlprov.document import is_simulated_reproduction

from services.provenance.domain import ListQuery, run_filter, run_kind
from services.provenance.store import list_query


def test_what_a_simulated_reproduction_is() -> None:
    h = "ab" * 32
    assert is_simulated_reproduction(h, 7)
    assert is_simulated_reproduction(h, None, has_reproduction_record=True)  # a failed drift simulation
    assert not is_simulated_reproduction(h, None)  # a reproduction run on hardware
    assert not is_simulated_reproduction(None, 7)  # a simulation, but of nothing: an experiment
    assert (run_kind(True), run_kind(False)) == ("simulated", "original")


@pytest.mark.parametrize(
    ("kind", "expected"), [(None, "original"), ("original", "original"), ("simulated", "simulated"), ("all", None)]
)
def test_run_list_kind_filter(kind: str | None, expected: str | None) -> None:
    f = run_filter(ListQuery(kind=kind), default_page=50, max_page=200)
    assert f.kind == expected
    sql, args = list_query("ws", f)
    if expected is None:
        assert "UNION ALL" in sql and "original" in args and "simulated" in args
    else:
        assert "kind = %s" in sql and args[1] == expected and "UNION" not in sql


@pytest.mark.parametrize("bad", ["reproductions", "ALL", "original\x00", "simulated,original"])
def test_an_unknown_kind_is_a_422(bad: str) -> None:
    with pytest.raises(Unprocessable):
        run_filter(ListQuery(kind=bad), default_page=50, max_page=200)
