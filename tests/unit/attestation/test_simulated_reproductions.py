"""No compliance check over runs judges a simulated reproduction (issue 14, item 6): a drift
simulation is not the lab's experiment. What each catches: a simulated reproduction failing the
workspace's calibration-age control (its calibration is a model's), a failed drift simulation
(no simulator seed) still judged, a reproduction run on hardware left out."""

from __future__ import annotations

from typing import Any

from services.attestation.domain import CHECKS, WorkspaceSnapshot
from services.attestation.domain.snapshot import run_facts_from_document
from tests.unit.card.builders import ghz_document


def test_compliance_checks_over_runs_skip_simulated_reproductions(make: Any) -> None:
    original = make.run("r_original", calibration_taken_at="2020-01-01T00:00:00Z")  # stale: fails
    drift = make.run(
        "r_drift",
        calibration_taken_at="2020-01-01T00:00:00Z",
        reproduction_of="ab" * 32,
        seeds={"seed_simulator": 7},
    )
    failed_drift = make.run("r_drift_failed", reproduction_of="cd" * 32, reproduction_record=True)
    on_hardware = make.run("r_hw_repro", calibration_taken_at="2020-01-01T00:00:00Z", reproduction_of="ef" * 32)
    snap = WorkspaceSnapshot(
        workspace_id="ws", as_of="2026-12-07T00:00:00Z", runs=[original, drift, failed_drift, on_hardware]
    )
    judged = {o.subject.id for o in CHECKS["calibration_fresh"].run(snap, {})}
    assert judged == {"r_original", "r_hw_repro"}
    for name in ("run_environment_pinned", "seeds_recorded", "execution_times_recorded"):
        assert {o.subject.id for o in CHECKS[name].run(snap, {})} <= {"r_original", "r_hw_repro"}, name


def test_run_facts_record_a_drift_simulation() -> None:
    document = ghz_document()
    drifted = {**document, "lineage": {"reproduction_of": "ab" * 32}, "reproduction": {"days": 90}}
    drifted["execution"] = {**document["execution"], "seed_simulator": None}
    facts = run_facts_from_document("r", "h", drifted)
    assert facts.simulated_reproduction and facts.reproduction_record
    assert not run_facts_from_document("r", "h", document).simulated_reproduction
