"""The reproduce service's own settings, read from ``QL_REPRODUCE_*`` when the service starts
(never at import time). The shared ones (NATS, PostgreSQL, namespace) are :class:`qlcore.config.Settings`.
"""

from __future__ import annotations

import os
from collections.abc import Mapping

import msgspec

__all__ = ["ReproduceConfig", "load_config"]


class ReproduceConfig(msgspec.Struct, frozen=True, kw_only=True):
    """How long callers wait, and how the work queue hands out jobs.

    ``wait_s`` bounds how long ``POST /runs/{id}/reproduce`` waits for its job before answering
    202 (a client may ask for less with ``Prefer: wait=N`` or ``respond-async``). ``ack_wait_s``
    is how long a job may go without a sign of life before JetStream hands it to another worker:
    a worker signals every ``ack_wait_s / 3`` while it runs, so only a dead worker loses its
    job. ``max_ack_pending`` bounds the jobs handed out at once across every process.
    """

    wait_s: float = 8.0
    ack_wait_s: float = 30.0
    concurrency: int = 1  # jobs run at once per process (they are CPU-bound)
    max_ack_pending: int = 16
    max_attempts: int = 5  # deliveries before a job is given up as failed
    requeue_after_s: float = 300.0  # a job requested this long ago and still pending is enqueued again

    @property
    def heartbeat_s(self) -> float:
        return self.ack_wait_s / 3


_ENV = {
    "wait_s": "QL_REPRODUCE_WAIT_S",
    "ack_wait_s": "QL_REPRODUCE_ACK_WAIT_S",
    "concurrency": "QL_REPRODUCE_CONCURRENCY",
    "max_ack_pending": "QL_REPRODUCE_MAX_ACK_PENDING",
    "max_attempts": "QL_REPRODUCE_MAX_ATTEMPTS",
    "requeue_after_s": "QL_REPRODUCE_REQUEUE_AFTER_S",
}


def load_config(env: Mapping[str, str] | None = None) -> ReproduceConfig:
    e = os.environ if env is None else env
    values = {field: e[name] for field, name in _ENV.items() if e.get(name)}
    cfg = msgspec.convert(values, ReproduceConfig, strict=False)
    if cfg.wait_s < 0 or cfg.ack_wait_s < 1 or cfg.concurrency < 1 or cfg.max_ack_pending < 1 or cfg.max_attempts < 1:
        raise ValueError(f"invalid reproduce settings: {cfg}")
    return cfg
