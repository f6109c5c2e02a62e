"""What the API answers about a reproduction job: one shape for the synchronous answer of
``POST /runs/{id}/reproduce`` and for ``GET /reproductions/{job_id}``."""

from __future__ import annotations

from typing import Any

from qlcore.events.reproduce import ReproductionCompleted, ReproductionFailed

from services.reproduce.adapters.jobs import Job
from services.reproduce.store import JobRow

__all__ = ["KIND", "job_location", "view_of_event", "view_of_job", "view_of_row"]

KIND = "simulated"
"""Every job is a drift simulation requested by the run's own workspace: a *simulated* reproduction,
never an independent one (docs/reproduce.md, "Kinds")."""


def job_location(job_id: str) -> str:
    return f"/api/v1/reproductions/{job_id}"


def _days(days: float) -> float | int:
    return int(days) if float(days).is_integer() else days


_DEFAULT_ALPHA = 0.01  # services.reproduce.domain.drift.DEFAULT_ALPHA (a row without one predates the test)


def _alpha(alpha: float | None) -> float:
    """A job's level: jobs queued before the parameter existed run at the default."""
    return _DEFAULT_ALPHA if alpha is None else alpha


def _request(
    job_id: str, run_id: str, days: float, profile: str, seed: int, status: str, alpha: float | None
) -> dict[str, Any]:
    return {
        "job_id": job_id,
        "status": status,
        "kind": KIND,
        "run_id": run_id,
        "days": _days(days),
        "profile": profile,
        "seed": seed,
        "alpha": alpha,
        "location": job_location(job_id),
    }


def _test(source: Any) -> dict[str, Any]:
    """The verdict's test figures (None for verdicts of the model before ql-drift/2.0)."""
    out = {
        "model_mismatch": source.verdict == "model_mismatch",
        "p_value": source.p_value,
        "threshold": source.threshold,
        "baseline_p_value": source.baseline_p_value,
        "baseline_threshold": source.baseline_threshold,
    }
    if source.explanation:
        out["explanation"] = source.explanation
    return out


def view_of_job(job: Job) -> dict[str, Any]:
    """A job just requested: pending."""
    return {
        **_request(job.job_id, job.run_id, job.days, job.profile, job.seed, "pending", _alpha(job.alpha)),
        "requested_at": job.requested_at,
        "requested_by": job.actor,
    }


def view_of_row(row: JobRow) -> dict[str, Any]:
    body = _request(row.job_id, row.run_id, row.days, row.profile, row.seed, row.status, _alpha(row.alpha))
    body["requested_at"] = row.requested_at
    body["requested_by"] = row.actor
    if row.status == "completed":
        body.update(
            {
                "reproduced_run_id": row.reproduced_run_id,
                "reproduced_run_hash": row.reproduced_run_hash,
                "verdict": row.verdict,
                "hellinger_fidelity": row.hellinger_fidelity,
                "noise_floor": row.noise_floor,
                "baseline_fidelity": row.baseline_fidelity,
                "detectable": row.detectable,
                "drift_effect": row.drift_effect,
                "drift_model": row.drift_model,
                "completed_at": row.finished_at,
                **_test(row),
            }
        )
        if row.error:
            body["error"] = row.error
    elif row.status == "failed":
        body.update({"error": row.error, "error_status": row.error_status, "failed_at": row.finished_at})
    return body


def view_of_event(event: ReproductionCompleted | ReproductionFailed, job: Job) -> dict[str, Any]:
    """The same view built from the job and its terminal event (the read model may not have it yet)."""
    status = "failed" if isinstance(event, ReproductionFailed) else "completed"
    body = _request(job.job_id, job.run_id, job.days, job.profile, job.seed, status, _alpha(job.alpha))
    body["requested_at"] = job.requested_at
    body["requested_by"] = job.actor
    if isinstance(event, ReproductionFailed):
        body.update({"error": event.error, "error_status": event.status, "failed_at": event.occurred_at})
        return body
    body.update(
        {
            "reproduced_run_id": event.reproduced_run_id,
            "reproduced_run_hash": event.reproduced_run_hash,
            "verdict": event.verdict,
            "hellinger_fidelity": event.hellinger_fidelity,
            "noise_floor": event.noise_floor,
            "baseline_fidelity": event.baseline_fidelity,
            "detectable": event.detectable,
            "drift_effect": event.drift_effect,
            "drift_model": event.drift_model,
            "completed_at": event.occurred_at,
            **_test(event),
        }
    )
    if event.error:
        body["error"] = event.error
    return body
