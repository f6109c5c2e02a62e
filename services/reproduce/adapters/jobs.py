"""The reproduce work queue: a JetStream stream with work-queue retention, apart from the run log.

* stream ``{NS}_REPRO_JOBS`` on subjects ``{ns}.jobs.reproduce.<job_id>``, ``WorkQueue``
  retention: a job is deleted once a worker acks it, so "is a message on the job's subject" tells
  whether it is still queued or running. A job is published with ``Nats-Msg-Id = job_id``:
  enqueuing it twice within the de-duplication window stores it once;
* one durable pull consumer ``{ns}_reproduce_workers`` shared by every reproduce process: each
  fetches one job at a time, so adding a process adds a worker. ``max_ack_pending`` bounds the
  jobs out at once; a job not acked within ``ack_wait`` (the worker heartbeats with
  ``in_progress`` while it runs) goes to another worker: a crashed worker's job is redelivered.

The job carries everything needed to run it the same way on every delivery: the seed and the
request time (the reproduced run's ``created_at``), so its document and hash do not change.
"""

from __future__ import annotations

import msgspec
from nats.js import JetStreamContext
from nats.js.api import (
    AckPolicy,
    ConsumerConfig,
    DeliverPolicy,
    DiscardPolicy,
    RetentionPolicy,
    StorageType,
    StreamConfig,
)
from nats.js.errors import NotFoundError
from qlcore.bus import Bus

from services.reproduce.config import ReproduceConfig

__all__ = ["Job", "JobQueue", "decode_job"]

DEDUP_WINDOW_S = 120.0
MAX_QUEUED = 100_000


class Job(msgspec.Struct, frozen=True, kw_only=True):
    job_id: str
    run_id: str
    workspace_id: str
    days: float
    profile: str
    seed: int
    requested_at: str  # RFC 3339: the reproduced run's created_at, the same on every attempt
    org_id: str | None = None
    actor: str = "anonymous"
    correlation_id: str | None = None
    requested_event_id: str | None = None
    alpha: float | None = None  # the verdict's level; None (jobs queued before it existed): 0.01


_decoder = msgspec.json.Decoder(Job)


def decode_job(data: bytes) -> Job:
    return _decoder.decode(data)


class JobQueue:
    """Names, set-up and publishing of the work queue (one per namespace)."""

    def __init__(self, bus: Bus, config: ReproduceConfig) -> None:
        self.bus, self.config = bus, config
        ns = bus.settings.namespace
        self.stream = f"{ns.upper()}_REPRO_JOBS"
        self.subjects = f"{ns}.jobs.reproduce.*"
        self.durable = f"{ns}_reproduce_workers"

    @property
    def js(self) -> JetStreamContext:
        return self.bus.js

    async def ensure(self) -> None:
        """Create the stream and the shared consumer if missing (idempotent, safe to race)."""
        try:
            await self.js.stream_info(self.stream)
        except NotFoundError:
            await self.js.add_stream(
                StreamConfig(
                    name=self.stream,
                    subjects=[self.subjects],
                    retention=RetentionPolicy.WORK_QUEUE,
                    storage=StorageType.FILE,
                    discard=DiscardPolicy.NEW,
                    max_msgs=MAX_QUEUED,
                    duplicate_window=DEDUP_WINDOW_S,
                    num_replicas=self.bus.settings.stream_replicas,
                )
            )
        await self.js.add_consumer(self.stream, self.consumer_config())

    def consumer_config(self) -> ConsumerConfig:
        return ConsumerConfig(
            durable_name=self.durable,
            deliver_policy=DeliverPolicy.ALL,
            ack_policy=AckPolicy.EXPLICIT,
            ack_wait=self.config.ack_wait_s,
            max_deliver=-1,  # the worker gives a job up after max_attempts, recording why
            max_ack_pending=self.config.max_ack_pending,
            filter_subject=self.subjects,
        )

    def subject_of(self, job_id: str) -> str:
        return self.subjects[:-1] + job_id

    async def enqueue(self, job: Job) -> None:
        await self.js.publish(
            self.subject_of(job.job_id),
            msgspec.json.encode(job),
            stream=self.stream,
            headers={"Nats-Msg-Id": job.job_id},
            timeout=5.0,
        )

    async def queued(self, job_id: str) -> bool:
        """Whether the job is in the queue (waiting, or taken and not yet acked)."""
        try:
            await self.js.get_last_msg(self.stream, self.subject_of(job_id))
        except NotFoundError:
            return False
        return True

    async def subscribe(self) -> JetStreamContext.PullSubscription:
        return await self.js.pull_subscribe_bind(self.durable, self.stream)
