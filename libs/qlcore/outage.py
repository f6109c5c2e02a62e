"""A dependency that is down is a 503 with ``Retry-After``, never a 500 or a hang.

:func:`as_unavailable` recognises the errors of an outage (PostgreSQL unreachable or its pool
giving up fast, NATS disconnected, reconnecting or without a JetStream leader) and turns them into
:class:`~qlcore.errors.Unavailable`; the gateway's exception handlers and every service's RPC
handlers use it, so the mapping lives in one place.
"""

from __future__ import annotations

import nats.errors
import nats.js.errors
import psycopg
import psycopg_pool

from qlcore.errors import Unavailable

__all__ = ["OUTAGE_ERRORS", "RETRY_AFTER_S", "as_unavailable"]

RETRY_AFTER_S = 2  # what a client is told to wait: a restarted server is back within seconds

_POSTGRES: tuple[type[BaseException], ...] = (
    psycopg.OperationalError,  # connection refused or lost, server shutting down
    psycopg.InterfaceError,  # the connection is closed
    psycopg_pool.PoolTimeout,  # no connection: PostgreSQL unreachable (qlcore.db.ResilientPool)
    psycopg_pool.TooManyRequests,
)
_NATS: tuple[type[BaseException], ...] = (
    nats.errors.ConnectionClosedError,
    nats.errors.ConnectionReconnectingError,
    nats.errors.ConnectionDrainingError,
    nats.errors.OutboundBufferLimitError,  # publishes buffered while disconnected
    nats.errors.NoServersError,
    nats.errors.StaleConnectionError,
    nats.errors.UnexpectedEOF,
    nats.errors.NoRespondersError,
    nats.errors.TimeoutError,
    nats.js.errors.ServiceUnavailableError,  # JetStream without a leader (a cluster electing one)
    nats.js.errors.NoStreamResponseError,
)
OUTAGE_ERRORS: tuple[type[BaseException], ...] = (*_POSTGRES, *_NATS)


def as_unavailable(exc: BaseException) -> Unavailable | None:
    """The 503 for an outage error (``None`` for any other error)."""
    if isinstance(exc, Unavailable):
        return exc
    if isinstance(exc, _POSTGRES):
        what = "the database"
    elif isinstance(exc, _NATS):
        what = "the message bus"
    else:
        return None
    return Unavailable(f"{what} is unavailable ({type(exc).__name__}); retry", retry_after=RETRY_AFTER_S)
