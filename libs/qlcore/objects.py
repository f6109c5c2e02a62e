"""Large payloads beside the run log: a JetStream Object Store bucket per namespace, content-addressed.

A message on NATS is bounded by the server's ``max_payload`` (1 MB by default; 8 MB in the
embedded config). Anything that grows with a workspace (an attestation's evidence, the failing
subjects of an evaluation) is put here first and referenced by digest from the event that needs
it, as design.md says of large artifacts. The Object Store splits an object into 128 KiB chunks,
so no object is bounded by ``max_payload``.

* An object's name is its digest, ``sha256-<hex>`` (:func:`object_name`): putting the same bytes
  twice stores them once, a retried put is harmless, and a reader checks what it got against the
  name (:meth:`Objects.get`), on top of the Object Store's own check of its chunks.
* Objects are immutable and never deleted by the services: the events that reference them are
  the log, and the log keeps everything (a replay reads them again).
* The bucket is ``{NAMESPACE}_OBJECTS`` (stream ``OBJ_{NAMESPACE}_OBJECTS``), file storage, with
  the run log's replica count.
"""

from __future__ import annotations

import asyncio
import hashlib
import io
from collections.abc import Sequence

import msgspec
import nats.errors
from nats.js import JetStreamContext
from nats.js.api import ObjectStoreConfig, StorageType
from nats.js.errors import (
    BadRequestError,
    DigestMismatchError,
    NotFoundError,
    ObjectNotFoundError,
    ServiceUnavailableError,
)
from nats.js.object_store import OBJ_STREAM_TEMPLATE, ObjectStore

from qlcore.config import Settings
from qlcore.errors import QLError, Unavailable

__all__ = ["ObjectMissing", "ObjectRef", "Objects", "bucket_name", "digest_name", "object_name"]

_PREFIX = "sha256-"
_UNAVAILABLE = (nats.errors.TimeoutError, nats.errors.NoRespondersError, ServiceUnavailableError)


class ObjectMissing(QLError):
    """An event references an object that is not in the bucket, or not what its name says."""

    status = 500
    slug = "object-missing"
    title = "A referenced object is missing or damaged"


class ObjectRef(msgspec.Struct, frozen=True):
    name: str  # sha256-<hex of the bytes>
    size: int


def bucket_name(settings: Settings) -> str:
    return f"{settings.namespace.upper()}_OBJECTS"


def object_name(data: bytes) -> str:
    """The name an object is stored under: the sha256 of its bytes."""
    return digest_name(hashlib.sha256(data).hexdigest())


def digest_name(sha256_hex: str) -> str:
    """The name of the object whose bytes have this sha256 (hex)."""
    return _PREFIX + sha256_hex


class Objects:
    """The namespace's bucket: :meth:`ensure` it once (the writer, at start), then put and get."""

    def __init__(self, js: JetStreamContext, settings: Settings) -> None:
        self._js = js
        self.bucket = bucket_name(settings)
        self._replicas = settings.stream_replicas
        self._store = ObjectStore(name=self.bucket, stream=OBJ_STREAM_TEMPLATE.format(bucket=self.bucket), js=js)

    async def ensure(self) -> None:
        """Create the bucket if missing (idempotent; racing instances both succeed)."""
        try:
            await self._js.stream_info(OBJ_STREAM_TEMPLATE.format(bucket=self.bucket))
            return
        except NotFoundError:
            pass
        config = ObjectStoreConfig(
            description="large payloads referenced by digest from run log events",
            storage=StorageType.FILE,
            replicas=self._replicas,
        )
        try:
            await self._js.create_object_store(self.bucket, config=config)
        except BadRequestError:  # created meanwhile by another instance: the same config
            await self._js.stream_info(OBJ_STREAM_TEMPLATE.format(bucket=self.bucket))

    async def put(self, data: bytes) -> ObjectRef:
        """Store ``data`` under its digest (nothing is written when it is already there)."""
        ref = ObjectRef(object_name(data), len(data))
        try:
            try:
                info = await self._store.get_info(ref.name)
                if info.size == ref.size and not info.deleted:
                    return ref
            except ObjectNotFoundError:
                pass
            await self._store.put(ref.name, data)
        except _UNAVAILABLE as exc:
            raise Unavailable("the object store did not answer") from exc
        return ref

    async def put_many(self, items: Sequence[bytes], concurrency: int = 8) -> list[ObjectRef]:
        """Put several objects, a few at a time; the references in the same order."""
        slots = asyncio.Semaphore(concurrency)

        async def one(data: bytes) -> ObjectRef:
            async with slots:
                return await self.put(data)

        return list(await asyncio.gather(*(one(d) for d in items)))

    async def get(self, name: str) -> bytes:
        """The bytes stored under ``name``, checked against it (:class:`ObjectMissing` otherwise)."""
        if not name.startswith(_PREFIX):
            raise ObjectMissing(f"{name!r} is not an object name")
        sink = io.BytesIO()
        try:
            await self._store.get(name, writeinto=sink)
        except (ObjectNotFoundError, NotFoundError) as exc:
            raise ObjectMissing(f"no object {name} in {self.bucket}") from exc
        except DigestMismatchError as exc:
            raise ObjectMissing(f"the chunks of {name} in {self.bucket} do not match their digest") from exc
        except _UNAVAILABLE as exc:
            raise Unavailable("the object store did not answer") from exc
        data = sink.getvalue()
        if object_name(data) != name:
            raise ObjectMissing(f"the object {name} in {self.bucket} does not hash to its name")
        return data

    async def get_many(self, names: Sequence[str], concurrency: int = 4) -> list[bytes]:
        """Several objects, a few at a time, in the given order."""
        slots = asyncio.Semaphore(concurrency)

        async def one(name: str) -> bytes:
            async with slots:
                return await self.get(name)

        return list(await asyncio.gather(*(one(n) for n in names)))
