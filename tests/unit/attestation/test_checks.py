from __future__ import annotations

from typing import Any

import pytest

from services.attestation.domain import CHECKS, ReproductionFacts, WorkspaceSnapshot
from services.attestation.domain.checks.cards import is_orcid
from services.attestation.domain.checks.runs import is_pinned


def outcome(check: str, snap: WorkspaceSnapshot, **params: Any) -> dict[str, tuple[bool, str]]:
    return {o.subject.id: (o.passed, o.reason) for o in CHECKS[check].run(snap, params)}


@pytest.mark.parametrize("version", ["2.6.1", "1.0.0rc1", "0.18.2+cpu", "3.11.9", "2!1.0"])
def test_exact_versions_are_pinned(version: str) -> None:
    assert is_pinned(version)


@pytest.mark.parametrize("version", [None, "", ">=2.0", "~=2.6", "2.*", "latest", "^1.2", "1.0, <2", "2.6.1 "])
def test_ranges_and_guesses_are_not_pinned(version: str | None) -> None:
    assert not is_pinned(version)


def test_environment_pinning(make: Any) -> None:
    good = make.run("r1")
    env = good.environment
    ranged = make.run(
        "r2",
        environment=type(env)(
            sdk_name="qiskit",
            sdk_version="2.6.1",
            python="3.11.9",
            packages={"qiskit": ">=2", "numpy": "2.2.0", "scipy": "*"},
        ),
    )
    bare = make.run("r3", environment=None)
    sdk = make.run(
        "r4",
        environment=type(env)(sdk_name="qiskit", sdk_version="latest", python="3.11.9", packages={"qiskit": "2.6.1"}),
    )
    result = outcome("run_environment_pinned", make.snapshot(runs=[good, ranged, bare, sdk]), min_packages=1)
    assert result["r1"] == (True, "")
    assert result["r2"] == (False, "unpinned packages: qiskit, scipy")
    assert result["r3"] == (False, "no software environment recorded")
    assert result["r4"] == (False, "SDK version not pinned")


@pytest.mark.parametrize(
    ("taken_at", "ok", "reason"),
    [
        ("2025-02-27T06:00:00Z", True, ""),  # 8 h before submission
        ("2025-02-26T14:00:01Z", True, ""),  # just inside 24 h
        ("2025-02-26T13:59:59Z", False, "calibration older than 24 h at execution"),
        ("2025-02-27T14:01:00Z", True, ""),  # recalibrated while the job was queued
        ("2025-02-27T14:05:00Z", False, "calibration taken after the execution completed"),
        ("2025-02-27T15:00:00+01:00", True, ""),  # offsets are honoured: 14:00Z
    ],
)
def test_calibration_freshness(make: Any, taken_at: str, ok: bool, reason: str) -> None:
    run = make.run("r", calibration_taken_at=taken_at)
    assert outcome("calibration_fresh", make.snapshot(runs=[run]), max_age_hours=24)["r"] == (ok, reason)


def test_calibration_without_execution_time_fails(make: Any) -> None:
    run = make.run("r", submitted_at=None, completed_at=None)
    missing = make.run("m", calibration_taken_at=None)
    result = outcome("calibration_fresh", make.snapshot(runs=[run, missing]))
    assert result == {"r": (False, "execution time not recorded"), "m": (False, "no calibration recorded")}


def test_transpiled_seeds_and_execution_times(make: Any) -> None:
    runs = [
        make.run("ok"),
        make.run("bad", transpiled=False, transpiled_format=None, seeds={}, completed_at="2025-02-27T13:00:00Z"),
    ]
    snap = make.snapshot(runs=runs)
    assert outcome("transpiled_recorded", snap) == {
        "bad": (False, "transpiled circuit not recorded"),
        "ok": (True, ""),
    }
    seeds = outcome("seeds_recorded", snap, required=["seed_transpiler", "seed_simulator"])
    assert seeds["bad"] == (False, "missing seeds: seed_simulator, seed_transpiler")
    assert seeds["ok"] == (False, "missing seeds: seed_simulator")
    assert outcome("execution_times_recorded", snap)["bad"] == (False, "completed before it was submitted")


def test_run_scope_published_only_covers_runs_behind_public_cards(make: Any) -> None:
    runs = [make.run("pub"), make.run("private"), make.run("withdrawn")]
    cards = [make.card("a", run_id="pub"), make.card("b", run_id="withdrawn", withdrawn=True)]
    snap = make.snapshot(runs=runs, cards=cards)
    assert set(outcome("run_open_format", snap, scope="published")) == {"pub"}
    assert set(outcome("run_open_format", snap, scope="all")) == {"pub", "private", "withdrawn"}


def test_open_format_schema_and_provenance(make: Any) -> None:
    closed = make.run("closed", program_format="quil", transpiled=False, transpiled_format=None)
    snap = make.snapshot(runs=[make.run("ok"), closed], cards=[])
    assert outcome("run_open_format", snap)["closed"] == (False, "not in an open format: program")
    assert outcome("run_schema_recognised", snap)["ok"] == (True, "")
    other = make.snapshot(runs=[make.run("x", schema="qlprov/run/2.0")], cards=[])
    assert outcome("run_schema_recognised", other)["x"] == (False, "unrecognised schema 'qlprov/run/2.0'")
    provenance = outcome("run_provenance_complete", snap, require=["environment", "transpiled", "seeds"])
    assert provenance == {"closed": (False, "provenance missing: transpiled"), "ok": (True, "")}


def test_reproduction_must_be_independent_and_reproduced(make: Any) -> None:
    own = ReproductionFacts(verdict="reproduced", workspace_id=make.ws)
    drifted = ReproductionFacts(verdict="drifted", workspace_id=make.other_ws)
    good = ReproductionFacts(verdict="reproduced", workspace_id=make.other_ws)
    cards = [
        make.card("only-own", reproductions=[own]),
        make.card("drifted", reproductions=[drifted]),
        make.card("none", reproductions=[]),
        make.card("good", reproductions=[own, good]),
        make.card("unpublished", published=False, reproductions=[]),
    ]
    snap = make.snapshot(cards=cards)
    result = outcome("card_independently_reproduced", snap)
    assert result == {
        "drifted": (False, "0 of 1 independent reproduction(s) scoring reproduced"),
        "good": (True, ""),
        "none": (False, "0 of 1 independent reproduction(s) scoring reproduced"),
        "only-own": (False, "0 of 1 independent reproduction(s) scoring reproduced"),
    }
    lenient = outcome("card_independently_reproduced", snap, independent=False, verdicts=["reproduced", "drifted"])
    assert lenient["only-own"][0] and lenient["drifted"][0] and not lenient["none"][0]


def test_independent_is_the_recorded_kind_not_the_workspace(make: Any) -> None:
    """The owner's run on hardware is independent; a simulation is not, whoever's it is (issue 14.6)."""
    own_hardware = ReproductionFacts(verdict="reproduced", workspace_id=make.ws, kind="independent")
    own_simulation = ReproductionFacts(verdict="reproduced", workspace_id=make.ws, kind="simulated")
    foreign_simulation = ReproductionFacts(verdict="reproduced", workspace_id=make.other_ws, kind="simulated")
    cards = [
        make.card("hardware", reproductions=[own_hardware]),
        make.card("simulated", reproductions=[own_simulation, foreign_simulation]),
    ]
    result = outcome("card_independently_reproduced", make.snapshot(cards=cards))
    assert result == {
        "hardware": (True, ""),
        "simulated": (False, "0 of 1 independent reproduction(s) scoring reproduced"),
    }


def test_card_identifier_and_run_recorded(make: Any) -> None:
    cards = [make.card("ok-slug"), make.card("Bad Slug!"), make.card("orphan", run_id="01JGONE")]
    snap = make.snapshot(cards=cards)
    ident = outcome("card_persistent_identifier", snap)
    assert ident["ok-slug"] == (True, "")
    assert ident["Bad Slug!"] == (False, "slug is not a stable identifier")
    assert ident["orphan"] == (False, "no content hash for the card's run")
    assert outcome("card_run_recorded", snap)["orphan"] == (False, "the card's run is not in the ledger")


def test_citation_metadata_and_orcid(make: Any) -> None:
    Author = type(make.card().authors[0])
    cards = [
        make.card("ok"),
        make.card("bare", title=" ", authors=[], published_at=None),
        make.card("no-orcid", authors=[Author(name="Grace Hopper")]),
    ]
    snap = make.snapshot(cards=cards)
    result = outcome("card_citation_metadata", snap, require_orcid=True)
    assert result["ok"] == (True, "")
    assert result["bare"] == (False, "no title; fewer than 1 named author(s); no publication date")
    assert result["no-orcid"] == (False, "authors without a valid ORCID iD: Grace Hopper")
    assert outcome("card_citation_metadata", snap)["no-orcid"] == (True, "")


@pytest.mark.parametrize(
    ("value", "valid"),
    [
        ("0000-0002-1825-0097", True),  # ORCID's documented example
        ("https://orcid.org/0000-0001-5109-3700", True),
        ("0000-0002-1694-233X", True),
        ("0000-0002-1825-0098", False),  # wrong check digit
        ("0000-0002-1825-009", False),
        (None, False),
    ],
)
def test_orcid_check_digit(value: str | None, valid: bool) -> None:
    assert is_orcid(value) is valid


def test_license(make: Any) -> None:
    cards = [make.card("ok"), make.card("closed", license="All rights reserved"), make.card("none", license=None)]
    result = outcome("card_license", make.snapshot(cards=cards), allowed=["CC-BY-4.0", "CC0-1.0"])
    assert result == {
        "closed": (False, "license 'All rights reserved' is not an accepted open license"),
        "none": (False, "no license"),
        "ok": (True, ""),
    }


def test_api_keys_expiry_and_privilege(make: Any) -> None:
    keys = [
        make.key("ok"),
        make.key("forever", expires_at=None),
        make.key("long", expires_at="2027-01-01T00:00:00Z"),
        make.key("admin", scopes=["runs:write", "admin"]),
        make.key("revoked", expires_at=None, revoked=True, scopes=["admin"]),
        make.key("expired", expires_at="2025-02-01T00:00:00Z", scopes=["admin"]),
    ]
    snap = make.snapshot(keys=keys)
    expiry = outcome("api_keys_expire", snap, max_lifetime_days=365)
    assert expiry == {
        "admin": (True, ""),
        "forever": (False, "key never expires"),
        "long": (False, "key lives longer than 365 days"),
        "ok": (True, ""),
    }
    privilege = outcome("api_keys_least_privilege", snap, forbidden_scopes=["admin"])
    assert privilege["admin"] == (False, "holds broad scopes: admin")
    assert {k for k, (ok, _) in privilege.items() if ok} == {"ok", "forever", "long"}
    later = make.snapshot(keys=keys, as_of="2026-01-01T00:00:00Z")  # "ok" and "admin" have expired by then
    assert set(outcome("api_keys_least_privilege", later, forbidden_scopes=["admin"])) == {"forever", "long"}
