"""The one projection runner every service uses to build its read model from the run log.

* :mod:`~qlcore.projection.protocol`: what a service supplies (:class:`Projection`) and helpers
  for batched projections;
* :mod:`~qlcore.projection.runner`: fetch, apply in one transaction with the checkpoint, ack;
  replay; read-your-writes waits;
* :mod:`~qlcore.projection.leadership`: one applying instance per service;
* :mod:`~qlcore.projection.dead_letters`: events that could not be applied.
"""

from qlcore.projection.dead_letters import DeadLetter, DeadLetters
from qlcore.projection.leadership import Leadership
from qlcore.projection.protocol import Items, Projection, apply_grouped, consecutive
from qlcore.projection.runner import TRANSIENT, ProjectionRunner, ReplayResult, RunnerStatus

__all__ = [
    "TRANSIENT",
    "DeadLetter",
    "DeadLetters",
    "Items",
    "Leadership",
    "Projection",
    "ProjectionRunner",
    "ReplayResult",
    "RunnerStatus",
    "apply_grouped",
    "consecutive",
]
