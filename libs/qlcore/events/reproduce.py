"""Reproduce events: a stored run re-run against a drifted device, scored. The reproduced run
itself enters the log as a ``run.ingested`` event (with ``lineage.reproduction_of``)."""

from __future__ import annotations

from qlcore.events.envelope import Event

__all__ = ["REPRODUCE_EVENTS", "ReproductionCompleted", "ReproductionFailed", "ReproductionRequested"]


class ReproductionRequested(Event, frozen=True, tag="reproduction.requested"):
    job_id: str
    run_id: str
    days: float
    profile: str
    seed: int
    alpha: float | None = None
    """The verdict's level (false-"drifted" rate of an unchanged device); None: the default 0.01."""


class ReproductionCompleted(Event, frozen=True, tag="reproduction.completed"):
    job_id: str
    run_id: str
    run_hash: str
    reproduced_run_id: str
    reproduced_run_hash: str
    days: float
    profile: str
    seed: int
    verdict: str
    hellinger_fidelity: float
    baseline_fidelity: float | None = None
    noise_floor: float | None = None
    detectable: bool | None = None
    drift_model: str = ""
    drift_effect: float | None = None
    """1 - HF(undrifted re-run, drifted re-run): the drift's own effect, without the model's error."""
    error: str | None = None
    """Why the circuit could not run (verdict ``failed``)."""
    worker: str = ""
    """The reproduce process that ran the job (``host:pid``)."""
    attempts: int = 0
    """Deliveries of the job from the work queue, this one included (1 = first try)."""
    alpha: float | None = None
    """The tests' level."""
    p_value: float | None = None
    """Of 1 - HF(original, re-run) under the null "unchanged device" (parametric bootstrap)."""
    threshold: float | None = None
    """The (1 - alpha) quantile of that null: the verdict is not "reproduced" exactly above it."""
    baseline_p_value: float | None = None
    """The same test of the original against the undrifted re-run (a rejection is ``model_mismatch``)."""
    baseline_threshold: float | None = None
    explanation: str | None = None
    """One sentence on a ``model_mismatch`` verdict."""
    kind: str = "simulated"
    """A drift simulation requested by the run's own workspace is a *simulated* reproduction, never
    an independent one (events written before this member existed are simulated too)."""


class ReproductionFailed(Event, frozen=True, tag="reproduction.failed"):
    job_id: str
    run_id: str
    error: str
    status: int = 422
    worker: str = ""
    attempts: int = 0


REPRODUCE_EVENTS: tuple[type[Event], ...] = (ReproductionRequested, ReproductionCompleted, ReproductionFailed)
