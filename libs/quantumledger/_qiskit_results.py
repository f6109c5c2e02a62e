"""What a Qiskit job or result says about its run: counts, shots, job id, times, seed, circuit.

Accepted, so that a user need not copy these by hand:

* a primitive job (``SamplerV2(...).run(...)``: qiskit-ibm-runtime's ``RuntimeJobV2`` and its
  local ``LocalRuntimeJob``, Qiskit's ``PrimitiveJob``), or its ``PrimitiveResult``;
* a backend job (``AerSimulator.run``: ``AerJob``) or its ``Result``.

Where each piece comes from:

* counts and shots: the one pub's classical registers (``BitArray``), spelled as Qiskit spells
  ``Result.get_counts`` (the last register first, separated by a space); a ``Result``'s own
  counts and ``shots``;
* job id: ``job.job_id()`` (``Result.job_id`` for a result alone);
* times: Runtime's ``job.metrics()["timestamps"]`` (``created`` -> submitted, ``finished`` ->
  completed), else ``job.creation_date``; a ``Result``'s ``date`` (naive local time, when Aer
  finished) and ``time_taken``;
* seed: Aer reports ``seed_simulator`` in each experiment's result; Runtime jobs keep their
  options in ``job.inputs`` when the service returns them. Qiskit's and Aer's ``SamplerV2``
  report no seed: pass ``seed_simulator`` to capture;
* the circuit that ran (the transpiled one): the pub's circuit in ``job.inputs``, if any.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from quantumledger._document import as_aware as _local
from quantumledger._document import rfc3339

__all__ = ["RunInfo", "run_info"]


@dataclass(frozen=True)
class RunInfo:
    """What a job or result said; ``None`` for what it did not say."""

    counts: dict[str, int] | None = None
    shots: int | None = None
    job_id: str | None = None
    submitted_at: str | None = None
    completed_at: str | None = None
    seed_simulator: int | None = None
    transpiled: Any = None


def run_info(obj: Any) -> RunInfo:
    """Read a job (anything with ``result()`` and ``job_id()``) or a result."""
    if callable(getattr(obj, "result", None)) and callable(getattr(obj, "job_id", None)):
        return _from_job(obj)
    return _from_result(obj)


def _from_job(job: Any) -> RunInfo:
    base = _from_result(job.result())
    submitted, completed = _job_times(job)
    inputs = _inputs(job)
    pubs = inputs.get("pubs") or []
    circuit = getattr(pubs[0], "circuit", None) if len(pubs) == 1 else None
    options = inputs.get("options")
    simulator = options.get("simulator") if isinstance(options, dict) else None
    seed = simulator.get("seed_simulator") if isinstance(simulator, dict) else None
    return RunInfo(
        counts=base.counts,
        shots=base.shots,
        job_id=str(job.job_id()),
        submitted_at=submitted or base.submitted_at,
        completed_at=completed or base.completed_at,
        seed_simulator=seed if isinstance(seed, int) else base.seed_simulator,
        transpiled=circuit,
    )


def _from_result(result: Any) -> RunInfo:
    if hasattr(result, "get_counts") and hasattr(result, "results"):  # qiskit.result.Result
        return _from_backend_result(result)
    try:
        pubs = list(result)
    except TypeError:
        raise TypeError(f"not a Qiskit job or result: {type(result).__name__}") from None
    if len(pubs) != 1:
        raise ValueError(f"the result holds {len(pubs)} pubs: capture one run (one pub) at a time")
    data = pubs[0].data
    names = list(data.keys())
    if not names:
        raise ValueError("the pub measured nothing: no classical register to count")
    per_register = [data[name].get_bitstrings() for name in names]
    shots = len(per_register[0])
    counts = Counter(" ".join(reversed([bits[i] for bits in per_register])) for i in range(shots))
    return RunInfo(counts=dict(counts), shots=shots)


def _from_backend_result(result: Any) -> RunInfo:
    if len(result.results) != 1:
        raise ValueError(f"the result holds {len(result.results)} experiments: capture one at a time")
    experiment = result.results[0]
    counts = {str(k): int(v) for k, v in result.get_counts(0).items()}
    seed = getattr(experiment, "seed_simulator", None)
    completed = _local(getattr(result, "date", None))
    taken = getattr(result, "time_taken", None)
    submitted = None
    if completed is not None and isinstance(taken, int | float):
        submitted = completed - timedelta(seconds=taken)
    return RunInfo(
        counts=counts,
        shots=int(experiment.shots),
        job_id=str(result.job_id) if getattr(result, "job_id", None) else None,
        submitted_at=rfc3339(submitted),
        completed_at=rfc3339(completed),
        seed_simulator=int(seed) if isinstance(seed, int) else None,
    )


def _job_times(job: Any) -> tuple[str | None, str | None]:
    metrics = getattr(job, "metrics", None)
    if callable(metrics):
        stamps = (metrics() or {}).get("timestamps") or {}
        created, finished = stamps.get("created"), stamps.get("finished")
        if created or finished:
            return _stamp(created), _stamp(finished)
    creation = getattr(job, "creation_date", None)
    creation = creation() if callable(creation) else creation
    return rfc3339(_local(creation)), None


def _inputs(job: Any) -> dict[str, Any]:
    inputs = getattr(job, "inputs", None)
    inputs = inputs() if callable(inputs) else inputs
    return inputs if isinstance(inputs, dict) else {}


def _stamp(value: Any) -> str | None:
    return rfc3339(_local(value)) if value else None
