"""Checks over runs: what a reproducible run must have recorded."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta
from typing import Literal

from services.attestation.domain.checks.base import Check, Observation, ScopedParams, Subject, parse_time, scoped_runs
from services.attestation.domain.snapshot import RunFacts, WorkspaceSnapshot

__all__ = ["RUN_CHECKS", "is_pinned"]

# An exact version: no operators, wildcards, ranges or spaces ("2.6.1", "1.0.0rc1", "0.18.2+cpu").
_PINNED = re.compile(r"^[0-9][0-9A-Za-z.+!_-]*$")


def is_pinned(version: str | None) -> bool:
    """True for an exact version string; ``>=2``, ``2.*``, ``latest`` and ``""`` are not pinned."""
    return version is not None and _PINNED.match(version) is not None and "*" not in version


def _subject(run: RunFacts) -> Subject:
    return Subject("run", run.run_id)


class EnvironmentParams(ScopedParams, frozen=True, kw_only=True):
    min_packages: int = 1
    require_python: bool = True


def _environment(snapshot: WorkspaceSnapshot, p: EnvironmentParams) -> Iterator[Observation]:
    for run in scoped_runs(snapshot, p.scope):
        env = run.environment
        facts: dict[str, object] = {"run_hash": run.run_hash}
        problems: list[str] = []
        if env is None:
            problems.append("no software environment recorded")
        else:
            unpinned = sorted(name for name, ver in env.packages.items() if not is_pinned(ver))
            facts |= {
                "sdk": f"{env.sdk_name}=={env.sdk_version}",
                "python": env.python,
                "packages": dict(sorted(env.packages.items())),
            }
            if not env.sdk_name or not is_pinned(env.sdk_version):
                problems.append("SDK version not pinned")
            if p.require_python and not is_pinned(env.python):
                problems.append("Python version not recorded exactly")
            if len(env.packages) < p.min_packages:
                problems.append(f"fewer than {p.min_packages} package version(s) recorded")
            if unpinned:
                problems.append("unpinned packages: " + ", ".join(unpinned))
        yield Observation(_subject(run), not problems, facts, "; ".join(problems))


class CalibrationParams(ScopedParams, frozen=True, kw_only=True):
    max_age_hours: int = 24


def _calibration(snapshot: WorkspaceSnapshot, p: CalibrationParams) -> Iterator[Observation]:
    """Calibration taken no later than the end of execution and at most ``max_age_hours``
    before its start: execution happened somewhere in [submitted_at, completed_at] (a job may
    wait in a queue while the device recalibrates), so that window is what is compared."""
    for run in scoped_runs(snapshot, p.scope):
        facts: dict[str, object] = {
            "run_hash": run.run_hash,
            "calibration_taken_at": run.calibration_taken_at,
            "submitted_at": run.submitted_at,
            "completed_at": run.completed_at,
        }
        start = run.submitted_at or run.completed_at
        end = run.completed_at or run.submitted_at
        reason = ""
        if run.calibration_taken_at is None:
            reason = "no calibration recorded"
        elif start is None or end is None:
            reason = "execution time not recorded"
        else:
            taken = parse_time(run.calibration_taken_at)
            age = parse_time(start) - taken
            facts["age_seconds"] = int(age.total_seconds())
            if taken > parse_time(end):
                reason = "calibration taken after the execution completed"
            elif age > timedelta(hours=p.max_age_hours):
                reason = f"calibration older than {p.max_age_hours} h at execution"
        yield Observation(_subject(run), not reason, facts, reason)


class TranspiledParams(ScopedParams, frozen=True, kw_only=True):
    pass


def _transpiled(snapshot: WorkspaceSnapshot, p: TranspiledParams) -> Iterator[Observation]:
    for run in scoped_runs(snapshot, p.scope):
        facts = {"run_hash": run.run_hash, "transpiled_format": run.transpiled_format}
        ok = run.transpiled
        yield Observation(_subject(run), ok, facts, "" if ok else "transpiled circuit not recorded")


class SeedsParams(ScopedParams, frozen=True, kw_only=True):
    required: tuple[str, ...] = ("seed_transpiler",)


def _seeds(snapshot: WorkspaceSnapshot, p: SeedsParams) -> Iterator[Observation]:
    for run in scoped_runs(snapshot, p.scope):
        missing = sorted(set(p.required) - set(run.seeds))
        facts = {"run_hash": run.run_hash, "seeds": dict(sorted(run.seeds.items()))}
        yield Observation(_subject(run), not missing, facts, "missing seeds: " + ", ".join(missing) if missing else "")


class ExecutionTimesParams(ScopedParams, frozen=True, kw_only=True):
    pass


def _execution_times(snapshot: WorkspaceSnapshot, p: ExecutionTimesParams) -> Iterator[Observation]:
    for run in scoped_runs(snapshot, p.scope):
        facts = {"run_hash": run.run_hash, "submitted_at": run.submitted_at, "completed_at": run.completed_at}
        reason = ""
        if run.submitted_at is None or run.completed_at is None:
            reason = "submission and completion times not both recorded"
        elif parse_time(run.completed_at) < parse_time(run.submitted_at):
            reason = "completed before it was submitted"
        yield Observation(_subject(run), not reason, facts, reason)


class OpenFormatParams(ScopedParams, frozen=True, kw_only=True):
    allowed: tuple[str, ...] = ("openqasm3", "openqasm2")


def _open_format(snapshot: WorkspaceSnapshot, p: OpenFormatParams) -> Iterator[Observation]:
    for run in scoped_runs(snapshot, p.scope):
        formats = {"program": run.program_format, "transpiled": run.transpiled_format}
        closed = sorted(k for k, v in formats.items() if v is not None and v not in p.allowed)
        if run.program_format is None:
            closed = sorted({*closed, "program"})
        facts = {"run_hash": run.run_hash, "formats": formats}
        reason = "not in an open format: " + ", ".join(closed) if closed else ""
        yield Observation(_subject(run), not closed, facts, reason)


class SchemaParams(ScopedParams, frozen=True, kw_only=True):
    allowed: tuple[str, ...] = ("qlprov/run/1.0",)


def _schema(snapshot: WorkspaceSnapshot, p: SchemaParams) -> Iterator[Observation]:
    for run in scoped_runs(snapshot, p.scope):
        ok = run.schema in p.allowed
        facts = {"run_hash": run.run_hash, "schema": run.schema}
        yield Observation(_subject(run), ok, facts, "" if ok else f"unrecognised schema {run.schema!r}")


Element = Literal["environment", "calibration", "transpiled", "execution_times", "seeds"]


class ProvenanceParams(ScopedParams, frozen=True, kw_only=True):
    require: tuple[Element, ...] = ("environment", "calibration", "transpiled", "execution_times")


def _provenance(snapshot: WorkspaceSnapshot, p: ProvenanceParams) -> Iterator[Observation]:
    for run in scoped_runs(snapshot, p.scope):
        present = {
            "environment": run.environment is not None and is_pinned(run.environment.sdk_version),
            "calibration": run.calibration_taken_at is not None,
            "transpiled": run.transpiled,
            "execution_times": run.submitted_at is not None and run.completed_at is not None,
            "seeds": bool(run.seeds),
        }
        missing = [element for element in p.require if not present[element]]
        facts = {"run_hash": run.run_hash, "recorded": {k: present[k] for k in p.require}}
        reason = "provenance missing: " + ", ".join(missing) if missing else ""
        yield Observation(_subject(run), not missing, facts, reason)


RUN_CHECKS: tuple[Check, ...] = (
    Check(
        "run_environment_pinned",
        "SDK, Python and every package pinned to an exact version",
        EnvironmentParams,
        _environment,
    ),
    Check(
        "calibration_fresh",
        "Calibration taken at most N hours before execution, never after it",
        CalibrationParams,
        _calibration,
    ),
    Check("transpiled_recorded", "The transpiled circuit that actually ran is recorded", TranspiledParams, _transpiled),
    Check("seeds_recorded", "The named random seeds are recorded", SeedsParams, _seeds),
    Check(
        "execution_times_recorded",
        "Submission and completion times recorded and ordered",
        ExecutionTimesParams,
        _execution_times,
    ),
    Check(
        "run_open_format",
        "Program and transpiled circuit in an open, documented format",
        OpenFormatParams,
        _open_format,
    ),
    Check("run_schema_recognised", "The run document follows a published schema", SchemaParams, _schema),
    Check("run_provenance_complete", "The listed provenance elements are all recorded", ProvenanceParams, _provenance),
)
