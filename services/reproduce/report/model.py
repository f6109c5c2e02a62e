"""The run report as JSON, assembled from what the read model holds (pure: no I/O)."""

from __future__ import annotations

import statistics
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import msgspec

from services.reproduce.store import CardRow, JobRow, JobSummary, RunRow
from services.reproduce.views import view_of_row

__all__ = [
    "BADGE_TYPES",
    "MAX_EMBEDDED",
    "MAX_SERIES",
    "ReportInputs",
    "build_report",
    "calibration_summary",
    "counts_of",
    "summarize",
    "used_qubits",
]

#: the card service's badge types (``/badge/{slug}/{type}.svg|.json``)
BADGE_TYPES = ("provenance", "reproduced", "fidelity", "backend", "attested")
MAX_SERIES = 7  # the original and the six latest reproductions in the histogram
MAX_EMBEDDED = 50  # reproductions listed in one report; older ones are the next page (``links.older``)
_NON_GATES = frozenset({"measure", "reset", "delay", "barrier"})


@dataclass(frozen=True)
class ReportInputs:
    run: RunRow
    document: Mapping[str, Any]
    hash_verified: bool
    used_qubits: Sequence[int] | None  # None: the circuit could not be read
    jobs: Sequence[JobRow]
    reproduced_counts: Mapping[str, Mapping[str, int]]  # reproduced run id -> counts
    original: RunRow | None  # the run this one reproduces, when it is a reproduction in this workspace
    card: CardRow | None
    summary: JobSummary | None = None  # of every reproduction; None: of ``jobs``
    series: Sequence[JobRow] | None = None  # the latest completed ones for the histogram; None: from ``jobs``
    older: str | None = None  # the job id to page back from, when older reproductions are not listed
    before: str | None = None  # the page asked for (``?before=``), None for the latest


def _median(values: Sequence[float | None]) -> float | None:
    present = [v for v in values if isinstance(v, int | float)]
    return float(statistics.median(present)) if present else None


def calibration_summary(calibration: Any, used: Sequence[int] | None) -> dict[str, Any] | None:
    """The used qubits' rows and the gates among them, with device-wide medians for context."""
    if not isinstance(calibration, Mapping):
        return None
    qubits = [q for q in calibration.get("qubits") or [] if isinstance(q, Mapping)]
    gates = [g for g in calibration.get("gates") or [] if isinstance(g, Mapping) and isinstance(g.get("qubits"), list)]
    one_q: dict[int, list[float]] = {}
    for g in gates:
        if len(g["qubits"]) == 1 and g.get("gate") not in _NON_GATES and isinstance(g.get("error"), int | float):
            one_q.setdefault(g["qubits"][0], []).append(float(g["error"]))
    two_q = [g for g in gates if len(g["qubits"]) == 2 and g.get("gate") not in _NON_GATES]
    keep = set(used) if used is not None else set()
    rows = [
        {
            "qubit": q.get("qubit"),
            "t1_us": q.get("t1_us"),
            "t2_us": q.get("t2_us"),
            "readout_error": q.get("readout_error"),
            "error_1q": _median(one_q.get(q["qubit"], [])),
        }
        for q in sorted(qubits, key=lambda q: q.get("qubit", 0))
        if q.get("qubit") in keep and isinstance(q.get("qubit"), int)
    ]
    couplers = [
        {"gate": g.get("gate"), "qubits": g["qubits"], "error": g.get("error"), "duration_ns": g.get("duration_ns")}
        for g in sorted(two_q, key=lambda g: (g["qubits"], str(g.get("gate"))))
        if set(g["qubits"]) <= keep
    ]
    return {
        "taken_at": calibration.get("taken_at"),
        "physical_qubits": sorted(keep) if used is not None else None,
        "qubits": rows,
        "couplers": couplers,
        "device": {
            "qubits": len(qubits),
            "median_t1_us": _median([q.get("t1_us") for q in qubits]),
            "median_t2_us": _median([q.get("t2_us") for q in qubits]),
            "median_readout_error": _median([q.get("readout_error") for q in qubits]),
            "median_1q_error": _median([e for errs in one_q.values() for e in errs]),
            # IBM marks a coupler whose calibration failed with error 1: counted apart, not in the median
            "median_2q_error": _median([e for g in two_q if isinstance(e := g.get("error"), int | float) and e < 1]),
            "failed_2q_gates": sum(1 for g in two_q if isinstance(g.get("error"), int | float) and g["error"] >= 1),
        },
    }


def _label(job: JobRow) -> str:
    days = int(job.days) if float(job.days).is_integer() else job.days
    return f"{days} d {job.profile} (seed {job.seed})"


def _series(inputs: ReportInputs, counts: Mapping[str, int]) -> list[dict[str, Any]]:
    series: list[dict[str, Any]] = [{"label": "original", "run_id": inputs.run.run_id, "counts": dict(counts)}]
    candidates = inputs.jobs if inputs.series is None else inputs.series
    done = [j for j in candidates if j.status == "completed" and j.reproduced_run_id in inputs.reproduced_counts]
    for job in done[-(MAX_SERIES - 1) :]:
        series.append(
            {
                "label": _label(job),
                "job_id": job.job_id,
                "run_id": job.reproduced_run_id,
                "verdict": job.verdict,
                "counts": dict(inputs.reproduced_counts[str(job.reproduced_run_id)]),
            }
        )
    return series


def summarize(jobs: Sequence[JobRow]) -> JobSummary:
    """The summary of these jobs (the service asks the store for it over every job of a run)."""
    verdicts: dict[str, int] = {}
    for j in jobs:
        if j.status == "completed" and j.verdict:
            verdicts[j.verdict] = verdicts.get(j.verdict, 0) + 1
    fidelities = [j.hellinger_fidelity for j in jobs if j.status == "completed" and j.hellinger_fidelity is not None]
    return JobSummary(
        total=len(jobs),
        pending=sum(j.status == "pending" for j in jobs),
        completed=sum(j.status == "completed" for j in jobs),
        failed=sum(j.status == "failed" for j in jobs),
        verdicts=dict(sorted(verdicts.items())),
        best_fidelity=max(fidelities) if fidelities else None,
    )


def _badges(base_url: str, card: CardRow | None) -> list[dict[str, str]]:
    if card is None or card.withdrawn:
        return []
    out = []
    for kind in BADGE_TYPES:
        path = f"/badge/{card.slug}/{kind}"
        out.append(
            {
                "type": kind,
                "svg": f"{path}.svg",
                "json": f"{path}.json",
                "markdown": f"[![{kind}]({base_url}{path}.svg)]({base_url}/cards/{card.slug})",
            }
        )
    return out


def _member(parent: Mapping[str, Any], name: str) -> Mapping[str, Any]:
    value = parent.get(name)
    return value if isinstance(value, Mapping) else {}


def build_report(inputs: ReportInputs, base_url: str) -> dict[str, Any]:
    run, doc = inputs.run, inputs.document
    api = f"{base_url}/api/v1/runs/{run.run_id}"
    program, transpiled = _member(doc, "program"), _member(doc, "transpiled")
    counts = _member(_member(doc, "results"), "counts")
    card = inputs.card if inputs.card is not None and not inputs.card.withdrawn else None
    return {
        "run_id": run.run_id,
        "run_hash": run.run_hash,
        "hash_verified": inputs.hash_verified,
        "links": {
            "self": f"{api}/report",
            "html": f"{api}/report?format=html",
            "document": api,
            "reproduce": f"{api}/reproduce",
            "card": f"{base_url}/cards/{card.slug}" if card else None,
            "older": f"{api}/report?before={inputs.older}" if inputs.older else None,
        },
        "provenance": {
            "schema": doc.get("schema"),
            "created_at": doc.get("created_at"),
            "program": {"name": program.get("name"), "format": program.get("format")},
            "backend": doc.get("backend"),
            "execution": doc.get("execution"),
            "environment": doc.get("environment"),
            "transpiled": {k: v for k, v in transpiled.items() if k != "source"} if transpiled else None,
            "lineage": doc.get("lineage"),
            "reproduction": doc.get("reproduction"),
        },
        "reproduction_of": (
            {"run_hash": run.reproduction_of, "run_id": inputs.original.run_id if inputs.original else None}
            if run.reproduction_of
            else None
        ),
        "calibration": calibration_summary(doc.get("calibration"), inputs.used_qubits),
        "histogram": _series(inputs, counts),
        "reproductions": [view_of_row(j) for j in inputs.jobs],
        "reproductions_before": inputs.before,
        "summary": msgspec.to_builtins(inputs.summary if inputs.summary is not None else summarize(inputs.jobs)),
        "badges": _badges(base_url, card),
    }


def used_qubits(document: Mapping[str, Any]) -> list[int] | None:
    """The device qubits the run used: recorded by a reproduction, else read from its transpiled
    circuit (qiskit: imported on first use). None when there is no readable circuit."""
    recorded = document.get("reproduction")
    if isinstance(recorded, Mapping) and isinstance(recorded.get("physical_qubits"), list):
        return [int(q) for q in recorded["physical_qubits"]]
    transpiled = document.get("transpiled")
    if not isinstance(transpiled, Mapping) or not isinstance(transpiled.get("source"), str):
        return None
    from services.reproduce.domain.circuit import CircuitNotRunnable, load_transpiled

    try:
        return list(load_transpiled(transpiled["source"], str(transpiled.get("format", "openqasm3"))).physical_qubits)
    except CircuitNotRunnable:
        return None


class _Results(msgspec.Struct):
    counts: dict[str, int] = {}


class _Counts(msgspec.Struct):
    results: _Results = msgspec.field(default_factory=_Results)


_counts_of = msgspec.json.Decoder(_Counts)


def counts_of(document: bytes) -> dict[str, int]:
    """Only the counts of a reproduced run's document (msgspec skips the rest)."""
    try:
        return _counts_of.decode(document).results.counts
    except msgspec.ValidationError:
        return {}
