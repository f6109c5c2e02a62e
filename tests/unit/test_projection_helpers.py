"""Pure helpers of the projection runner."""

from __future__ import annotations

import msgspec
from qlcore.events import RunIngested
from qlcore.events.identity import OrgCreated
from qlcore.projection import consecutive


def _run(i: int) -> RunIngested:
    return RunIngested.new(
        actor="t",
        workspace_id="ws",
        run_id=f"R{i}",
        run_hash="0" * 64,
        head=msgspec.Raw(b"{}"),
        document_seq=1,
        received_at="t",
    )


def _org(i: int) -> OrgCreated:
    return OrgCreated.new(
        actor="t", workspace_id=None, org_id=f"O{i}", slug=f"o{i}", name="o", plan="free", created_by="a"
    )


def test_consecutive_keeps_log_order_and_groups_only_adjacent_events() -> None:
    items = [(_run(1), 1), (_run(2), 3), (_org(1), 4), (_run(3), 5), (_org(2), 6), (_org(3), 7)]
    groups = list(consecutive(items, RunIngested))
    assert [(b, [s for _, s in g]) for b, g in groups] == [
        (True, [1, 3]),
        (False, [4]),
        (True, [5]),
        (False, [6]),
        (False, [7]),
    ]
    assert [s for _, g in groups for _, s in g] == [s for _, s in items]
    assert list(consecutive([], RunIngested)) == []
