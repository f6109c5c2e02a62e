"""Request/reply between the gateway and the services, on the ``nats.micro`` service API.

A request carries the caller's identity in headers (workspace, org, actor, request id) and a
body (JSON parameters, or raw bytes such as a bundle). A reply carries an HTTP-like status,
a content type, optional extra headers (``Link``) and a body the gateway passes through
unchanged, so documents are never decoded and re-encoded on the way out.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import msgspec
import nats.errors
import orjson
import structlog
from nats.aio.client import Client as NATS
from nats.micro import Request, ServiceConfig, add_service
from nats.micro.service import EndpointConfig, Service

from qlcore.config import Settings
from qlcore.errors import QLError, Unavailable
from qlcore.outage import RETRY_AFTER_S, as_unavailable

__all__ = ["RpcContext", "RpcReply", "RpcRequest", "RpcServer", "call", "json_reply", "problem_reply"]

log = structlog.get_logger("qlcore.rpc")

H_STATUS, H_CTYPE = "Ql-Status", "Content-Type"
H_WORKSPACE, H_ORG, H_ACTOR, H_REQUEST = "Ql-Workspace", "Ql-Org", "Ql-Actor", "Ql-Request-Id"
H_EXTRA = "Ql-H-"  # prefix of reply headers the gateway copies to HTTP
_DISCONNECT_POLL = 0.25  # how often a call in flight looks whether the connection is still up


@dataclass(frozen=True)
class RpcContext:
    workspace_id: str | None = None
    org_id: str | None = None
    actor: str = "anonymous"
    request_id: str | None = None

    def headers(self) -> dict[str, str]:
        h = {H_ACTOR: self.actor}
        for k, v in ((H_WORKSPACE, self.workspace_id), (H_ORG, self.org_id), (H_REQUEST, self.request_id)):
            if v:
                h[k] = v
        return h

    @classmethod
    def from_headers(cls, h: dict[str, str] | None) -> RpcContext:
        h = h or {}
        return cls(h.get(H_WORKSPACE), h.get(H_ORG), h.get(H_ACTOR, "anonymous"), h.get(H_REQUEST))


@dataclass(frozen=True)
class RpcRequest:
    ctx: RpcContext
    body: bytes

    def json(self, type_: Any = dict) -> Any:
        """Decode the body as JSON into ``type_``: a 422 problem when it does not fit, or when it holds
        a value the read models cannot store (``qlcore.storable``)."""
        from qlcore.errors import Unprocessable
        from qlcore.storable import check_json

        try:
            value = msgspec.json.decode(self.body or b"{}", type=type_)
        except (msgspec.ValidationError, msgspec.DecodeError) as exc:
            raise Unprocessable(str(exc)) from exc
        check_json(self.body, value)  # nothing a read model cannot store gets into an event
        return value


@dataclass
class RpcReply:
    status: int = 200
    body: bytes = b""
    content_type: str = "application/json"
    headers: dict[str, str] = field(default_factory=dict)

    def json(self) -> Any:
        return orjson.loads(self.body) if self.body else None


def json_reply(data: Any, status: int = 200, headers: dict[str, str] | None = None) -> RpcReply:
    body = data if isinstance(data, bytes) else msgspec.json.encode(data)
    return RpcReply(status, body, "application/json", headers or {})


def problem_reply(err: QLError) -> RpcReply:
    headers: dict[str, str] = {}
    retry_after = err.extra.get("retry_after", RETRY_AFTER_S if err.status == 503 else None)
    if isinstance(retry_after, int | float):  # the gateway copies it to HTTP (429, 503)
        headers["Retry-After"] = str(max(1, int(retry_after + 0.999)))
    return RpcReply(err.status, orjson.dumps(err.problem()), "application/problem+json", headers)


Handler = Callable[[RpcRequest], Awaitable[RpcReply]]


class RpcServer:
    """Registers a service's operations as ``nats.micro`` endpoints (queue group = service)."""

    def __init__(
        self, nc: NATS, settings: Settings, service: str, version: str = "0.1.0", max_concurrency: int = 64
    ) -> None:
        self.nc, self.settings, self.service_name, self.version = nc, settings, service, version
        self._handlers: dict[str, tuple[Handler, bool]] = {}
        self._svc: Service | None = None
        self._inflight: set[asyncio.Task[None]] = set()
        self._slots = asyncio.Semaphore(max_concurrency)

    def route(self, op: str) -> Callable[[Handler], Handler]:
        def deco(fn: Handler) -> Handler:
            self._handlers[op] = (fn, False)
            return fn

        return deco

    def add(self, op: str, fn: Handler, *, broadcast: bool = False) -> None:
        """Register ``fn`` for ``op``; ``broadcast`` sends each request to every instance."""
        self._handlers[op] = (fn, broadcast)

    async def start(self) -> None:
        name = f"{self.settings.namespace}_{self.service_name}"
        self._svc = await add_service(self.nc, ServiceConfig(name=name, version=self.version))
        for op, (fn, broadcast) in self._handlers.items():
            await self._svc.add_endpoint(
                EndpointConfig(
                    name=op.replace(".", "_"),
                    subject=self.settings.rpc_subject(self.service_name, op),
                    handler=self._wrap(op, fn),
                    queue_group=f"{name}.{self._svc.id}" if broadcast else name,
                )
            )

    async def stop(self) -> None:
        if self._svc is not None:
            await self._svc.stop()
        if self._inflight:
            await asyncio.wait(self._inflight, timeout=10)

    def _wrap(self, op: str, fn: Handler) -> Callable[[Request], Awaitable[None]]:
        """Each request runs in its own task (a subscription alone would serialize them)."""

        async def dispatch(req: Request) -> None:
            await self._slots.acquire()
            task = asyncio.create_task(handle(req))
            self._inflight.add(task)
            task.add_done_callback(self._done)

        async def handle(req: Request) -> None:
            ctx = RpcContext.from_headers(req.headers)
            structlog.contextvars.bind_contextvars(request_id=ctx.request_id, op=op)
            try:
                reply = await fn(RpcRequest(ctx, req.data))
            except QLError as err:
                reply = problem_reply(err)
            except Exception as exc:
                unavailable = as_unavailable(exc)  # PostgreSQL or NATS down: 503, Retry-After
                if unavailable is not None:
                    log.warning("rpc.unavailable", op=op, error=repr(exc))
                    reply = problem_reply(unavailable)
                else:
                    log.exception("rpc handler failed", op=op)
                    reply = problem_reply(QLError("unexpected error; see the service log"))
            finally:
                structlog.contextvars.unbind_contextvars("request_id", "op")
            if reply.status == 0:
                return  # another instance answers (see qlcore.service.NO_REPLY)
            headers = {H_STATUS: str(reply.status), H_CTYPE: reply.content_type}
            headers.update({H_EXTRA + k: v for k, v in reply.headers.items()})
            await req.respond(reply.body, headers=headers)

        return dispatch

    def _done(self, task: asyncio.Task[None]) -> None:
        self._inflight.discard(task)
        self._slots.release()
        if not task.cancelled() and task.exception() is not None:
            log.error("rpc.respond_failed", error=repr(task.exception()))


async def call(
    nc: NATS,
    settings: Settings,
    service: str,
    op: str,
    body: bytes | Any = b"",
    ctx: RpcContext | None = None,
    timeout: float | None = None,
) -> RpcReply:
    """Call a service operation; a missing or silent service is a 503 :class:`Unavailable`, and so is a
    call while NATS is unreachable: at once when the connection is down already, within
    ``_DISCONNECT_POLL`` seconds when it goes down during the call (not after the whole timeout)."""
    data = body if isinstance(body, bytes) else msgspec.json.encode(body)
    if not nc.is_connected:
        raise Unavailable(
            f"the message bus is unreachable; the {service} service cannot be called", retry_after=RETRY_AFTER_S
        )
    request = asyncio.ensure_future(
        nc.request(
            settings.rpc_subject(service, op),
            data,
            timeout=timeout or settings.request_timeout,
            headers=(ctx or RpcContext()).headers(),
        )
    )
    try:
        while True:
            done, _ = await asyncio.wait((request,), timeout=_DISCONNECT_POLL)
            if done:
                msg = request.result()
                break
            if not nc.is_connected:
                raise Unavailable(
                    f"the message bus went away during a call to the {service} service", retry_after=RETRY_AFTER_S
                )
    except (nats.errors.NoRespondersError, nats.errors.TimeoutError) as exc:
        raise Unavailable(
            f"the {service} service did not answer ({type(exc).__name__})", retry_after=RETRY_AFTER_S
        ) from exc
    except nats.errors.Error as exc:  # closed, reconnecting, buffer full: the bus is down
        raise Unavailable(f"the message bus is unreachable ({type(exc).__name__})", retry_after=RETRY_AFTER_S) from exc
    finally:
        if not request.done():
            request.cancel()
    h = msg.headers or {}
    extra = {k[len(H_EXTRA) :]: v for k, v in h.items() if k.startswith(H_EXTRA)}
    return RpcReply(int(h.get(H_STATUS, "200")), msg.data, h.get(H_CTYPE, "application/json"), extra)
