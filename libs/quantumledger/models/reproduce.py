"""Reproductions and the run report."""

from __future__ import annotations

from typing import Any

from quantumledger.models._base import Model

__all__ = ["Report", "ReportSummary", "Reproduction"]


class Reproduction(Model, frozen=True, kw_only=True):
    """A reproduction job: ``pending``, ``completed`` (with the verdict) or ``failed``.

    The verdict members are absent until the job completes. ``verdict`` is ``reproduced``,
    ``drifted`` or ``model_mismatch`` (the run's own calibration does not explain its counts);
    ``p_value`` and ``threshold`` are the test's at level ``alpha`` (docs/reproduce.md), the
    ``baseline_*`` the same test of the original against its own calibration, ``explanation``
    one sentence. Members a newer server adds are readable with ``to_dict()``.
    """

    job_id: str
    status: str
    run_id: str | None = None
    days: float | None = None
    profile: str | None = None
    seed: int | None = None
    location: str | None = None
    requested_at: str | None = None
    reproduced_run_id: str | None = None
    reproduced_run_hash: str | None = None
    verdict: str | None = None
    hellinger_fidelity: float | None = None
    noise_floor: float | None = None
    baseline_fidelity: float | None = None
    detectable: bool | None = None
    drift_effect: float | None = None
    drift_model: str | None = None
    alpha: float | None = None
    p_value: float | None = None
    threshold: float | None = None
    model_mismatch: bool | None = None
    baseline_p_value: float | None = None
    baseline_threshold: float | None = None
    explanation: str | None = None
    completed_at: str | None = None
    error: str | None = None
    error_status: int | None = None
    failed_at: str | None = None

    @property
    def done(self) -> bool:
        return self.status != "pending"


class ReportSummary(Model, frozen=True, kw_only=True):
    total: int = 0
    pending: int = 0
    completed: int = 0
    failed: int = 0
    verdicts: dict[str, int] = {}
    best_fidelity: float | None = None


class Report(Model, frozen=True, kw_only=True):
    """A run's report: provenance, the calibration of the qubits used, counts against the
    reproductions', verdicts and badges (``GET /runs/{id}/report``)."""

    run_id: str
    run_hash: str | None = None
    hash_verified: bool | None = None
    links: dict[str, str | None] = {}
    provenance: dict[str, Any] = {}
    reproduction_of: dict[str, Any] | None = None
    calibration: dict[str, Any] | None = None
    histogram: list[dict[str, Any]] = []
    reproductions: list[Reproduction] = []
    summary: ReportSummary = ReportSummary()
    badges: Any = None
