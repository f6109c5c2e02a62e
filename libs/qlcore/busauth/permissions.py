"""Who may publish and subscribe to what on the bus: one permission set per NATS user.

The users are the stack's processes: each service (``ingest`` ... ``gateway``), the
``operator`` (``ql ops``, ``ql admin``, ``ql corpus``, the ``make run`` supervisor) and, only in
a test server's configuration, the ``test`` harness. Everything not listed is denied: an allow
list in nats-server denies every other subject. Why each line is there is written beside it;
``docs/decisions/0010-closed-bus.md`` is the summary.

The sets are computed from a namespace (every subject, stream and durable name carries it), so
one nats-server can hold several stacks' users without one stack reaching another's subjects.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from qlcore.config import BACKEND_SERVICES, SERVICES, Settings
from qlcore.events.attestation import ATTESTATION_EVENTS
from qlcore.events.cards import CARD_EVENTS
from qlcore.events.corpus import CORPUS_EVENTS
from qlcore.events.envelope import Event
from qlcore.events.identity import IDENTITY_EVENTS
from qlcore.events.ops import OPS_EVENTS
from qlcore.events.reproduce import REPRODUCE_EVENTS, ReproductionCompleted, ReproductionFailed
from qlcore.events.runs import RunIngested
from qlcore.events.transparency import TRANSPARENCY_EVENTS

__all__ = [
    "APPENDS",
    "OPERATOR",
    "OPERATOR_OPS",
    "RESPONSE_WINDOW",
    "RPC_CALLS",
    "SELF_APPENDS",
    "TEST",
    "Permissions",
    "inbox_prefix",
    "jobs_names",
    "permissions_for",
    "users",
]

OPERATOR = "operator"

# How long a user may answer a request it received (one answer). nats-server's default is two
# minutes, after which an answer is refused as a permissions violation: an operator's
# `ql ops replay` of a million runs (the runner waits up to 600 s) or the attestation of a large
# workspace outlasts it, and its caller then waits for an answer that never comes.
RESPONSE_WINDOW = "15m"
TEST = "test"  # the test harness: everything, and only in a test server's configuration

# Which service appends which events: exactly one writer per event type (a unit test checks that
# every type of the registry has one). A service can publish to no other ``{ns}.log.*`` subject,
# so it cannot forge another service's facts (an api_key.created, a card.published).
APPENDS: dict[str, tuple[type[Event], ...]] = {
    # and every service appends the operators' skips of its own dead letters, each on its own
    # subject (ops.dead_letter_skipped.<service>: SELF_APPENDS below)
    "ingest": (RunIngested,),
    "provenance": (),
    "leaderboard": CORPUS_EVENTS,
    "attestation": ATTESTATION_EVENTS,
    "card": CARD_EVENTS,
    "reproduce": REPRODUCE_EVENTS,
    "gateway": IDENTITY_EVENTS,
    "tlog": TRANSPARENCY_EVENTS,  # a workspace's opt-in to run commitments
}

# Event types each service appends for itself only, on ``{ns}.log.<type>.<service>``
# (``Event.subject_suffix``): an operator's skip of one of its dead letters.
SELF_APPENDS: tuple[type[Event], ...] = OPS_EVENTS

# Requests a service makes to another on behalf of a workspace (its ``Ql-Workspace`` header is
# believed by the callee). The gateway speaks for workspaces; these two are the exceptions:
RPC_CALLS: dict[str, tuple[tuple[str, str], ...]] = {
    # a reproduced run is a run like any other: the worker ingests it as the requesting workspace
    # and, before it answers with a verdict, waits until the card read model shows it (cards.applied)
    "reproduce": (("ingest", "runs.ingest"), ("card", "cards.applied")),
    # a reproduction submitted to a card is ingested as the submitter's workspace (the gateway's ctx)
    "card": (("ingest", "runs.ingest"),),
}

# What only the operator may call, never the gateway: rebuilding a read model (it truncates it),
# importing the calibration corpus, rotating the attestation signing key.
OPERATOR_OPS: tuple[tuple[str, str], ...] = (
    ("*", "ops.replay"),
    ("*", "ops.dead_letters.>"),  # reading (events may hold secrets), retrying and skipping dead letters
    ("leaderboard", "corpus.import"),
    ("attestation", "keys.rotate"),
)

JS = "$JS.API"


@dataclass(frozen=True)
class Permissions:
    """One user's allow lists (and the few denies that carve operator operations out of a wildcard)."""

    publish: tuple[str, ...]
    subscribe: tuple[str, ...]
    publish_deny: tuple[str, ...] = ()
    allow_responses: bool = False

    def as_config(self) -> dict[str, object]:
        """The ``permissions`` map of a nats-server user."""
        publish: dict[str, object] = {"allow": list(self.publish)}
        if self.publish_deny:
            publish["deny"] = list(self.publish_deny)
        out: dict[str, object] = {"publish": publish, "subscribe": {"allow": list(self.subscribe)}}
        if self.allow_responses:
            out["allow_responses"] = {"max": 1, "expires": RESPONSE_WINDOW}
        return out


def users(*, test: bool = False) -> tuple[str, ...]:
    """Every user of a stack: the services, the operator and (in a test server only) the harness."""
    return (*SERVICES, OPERATOR, *((TEST,) if test else ()))


def inbox_prefix(settings: Settings, user: str) -> str:
    """The user's own reply subjects: nobody else may subscribe there, so no user reads another's
    replies (RPC answers, JetStream API answers, pulled messages)."""
    return f"_INBOX.{settings.namespace}_{user}"


def permissions_for(settings: Settings, user: str) -> Permissions:
    if user == TEST:
        return Permissions(publish=(">",), subscribe=(">",), allow_responses=True)
    if user == OPERATOR:
        return _operator(settings)
    if user not in SERVICES:
        raise KeyError(f"no NATS user {user!r}; one of {', '.join(users(test=True))}")
    s = settings
    publish = [
        *_log_reader(s, s.schema(user)),
        *_appends(s, APPENDS[user]),
        *(f"{_subject(s, e)}.{user}" for e in SELF_APPENDS),
        f"{s.namespace}.dlq.{user}",  # the projection runner's dead letters
        *(s.rpc_subject(svc, op) for svc, op in RPC_CALLS.get(user, ())),
    ]
    subscribe = [
        f"{s.namespace}.rpc.{user}.>",  # its own endpoints, and no one else's
        *_micro(s, user),
        f"{inbox_prefix(s, user)}.>",
    ]
    deny: list[str] = []
    if user == "ingest":
        publish.append(s.document_subject)  # whole run documents (decision 0008)
    elif user == "card":
        publish.append(s.card_changed_subject)  # notices that drop the gateways' cached badges
    elif user == "attestation":
        publish += _objects(s, write=True)  # evidence sets and evaluation results (decision 0011)
    elif user == "reproduce":
        publish += _jobs(s)
        # woken by a job's terminal event in whichever process took the request (reproduce/completions.py)
        subscribe += [_subject(s, ReproductionCompleted), _subject(s, ReproductionFailed)]
    elif user == "gateway":
        # the gateway speaks for workspaces: every backend's operations, except the operator's
        publish += [f"{s.namespace}.rpc.{svc}.>" for svc in BACKEND_SERVICES]
        publish.append(s.rpc_subject("gateway", "ops.status"))  # /health asks every gateway instance too
        deny += [s.rpc_subject(svc, op) for svc, op in OPERATOR_OPS]
        subscribe.append(s.card_changed_subject)
        publish += _objects(s, write=False)  # streams an attestation's evidence bundle to the client
    return Permissions(tuple(publish), tuple(subscribe), tuple(deny), allow_responses=True)


def _operator(s: Settings) -> Permissions:
    publish = [
        s.rpc_subject("*", "ops.>"),  # status, digest, replay of every read model
        s.rpc_subject("gateway", "admin.>"),  # orgs, workspaces, plans, the dev key
        *(s.rpc_subject(svc, op) for svc, op in OPERATOR_OPS if svc != "*"),
        "$SRV.>",  # nats.micro discovery and stats of every service
        # the supervisor creates the run log before any service starts, and only the operator may
        # change an existing log's configuration (a service could otherwise shorten its retention)
        f"{JS}.STREAM.INFO.{s.stream}",
        f"{JS}.STREAM.CREATE.{s.stream}",
        f"{JS}.STREAM.UPDATE.{s.stream}",
    ]
    subscribe = [f"{s.namespace}.dlq.>", f"{inbox_prefix(s, OPERATOR)}.>"]
    return Permissions(tuple(publish), tuple(subscribe))


def _log_reader(s: Settings, durable: str) -> list[str]:
    """Read the run log: its state, any entry by sequence (direct get, or the leader's), and its own
    durable consumer.

    The consumer's name is in every subject (nats-py creates a durable through
    ``CONSUMER.DURABLE.CREATE.<stream>.<durable>``; the 2.9 forms ``CONSUMER.CREATE.<stream>.<name>``
    carry it too), so no service can create, delete, pull from or ack another's consumer. The bare
    ``CONSUMER.CREATE.<stream>``, whose body names the consumer, is not allowed to anyone.
    """
    log = s.stream
    return [
        f"{JS}.STREAM.INFO.{log}",
        # creating a stream that exists with the same configuration is a no-op, with another
        # configuration an error: a service can create the log on a fresh server, never alter it
        f"{JS}.STREAM.CREATE.{log}",
        f"{JS}.DIRECT.GET.{log}",
        f"{JS}.DIRECT.GET.{log}.>",
        # the leader's get: the log's end, and an entry a lagging replica said it has not (qlcore.runlog)
        f"{JS}.STREAM.MSG.GET.{log}",
        *_own_consumer(log, durable),
    ]


def _own_consumer(stream: str, durable: str) -> list[str]:
    return [
        f"{JS}.CONSUMER.DURABLE.CREATE.{stream}.{durable}",
        f"{JS}.CONSUMER.CREATE.{stream}.{durable}",
        f"{JS}.CONSUMER.CREATE.{stream}.{durable}.>",
        f"{JS}.CONSUMER.DELETE.{stream}.{durable}",
        f"{JS}.CONSUMER.INFO.{stream}.{durable}",
        f"{JS}.CONSUMER.MSG.NEXT.{stream}.{durable}",
        f"$JS.ACK.{stream}.{durable}.>",
    ]


def jobs_names(s: Settings) -> tuple[str, str, str]:
    """The reproduce work queue's stream, subjects and shared consumer (services/reproduce/jobs.py)."""
    return f"{s.namespace.upper()}_REPRO_JOBS", f"{s.namespace}.jobs.reproduce.*", f"{s.namespace}_reproduce_workers"


def _jobs(s: Settings) -> list[str]:
    """The reproduce work queue is the reproduce service's alone: enqueue, take, ack, look up."""
    stream, subjects, durable = jobs_names(s)
    return [
        subjects,
        f"{JS}.STREAM.INFO.{stream}",
        f"{JS}.STREAM.CREATE.{stream}",
        f"{JS}.STREAM.MSG.GET.{stream}",  # is a job still queued (get the last message on its subject)
        *_own_consumer(stream, durable),
    ]


def _objects(s: Settings, *, write: bool) -> list[str]:
    """The namespace's Object Store bucket (``qlcore.objects``): reading an object is its meta entry
    (a message get) and an ordered consumer over its chunks; writing publishes chunks and meta."""
    bucket = f"{s.namespace.upper()}_OBJECTS"
    stream = f"OBJ_{bucket}"
    read = [
        f"{JS}.STREAM.INFO.{stream}",
        f"{JS}.STREAM.MSG.GET.{stream}",
        f"{JS}.DIRECT.GET.{stream}",
        f"{JS}.DIRECT.GET.{stream}.>",
        f"{JS}.CONSUMER.CREATE.{stream}",  # the ordered (ephemeral) consumer over one object's chunks
        f"{JS}.CONSUMER.CREATE.{stream}.>",
        f"{JS}.CONSUMER.DELETE.{stream}.>",
        f"$JS.FC.{stream}.>",  # flow control of that consumer
        f"{JS}.STREAM.NAMES",  # nats-py's subscribe looks the stream up by subject (names only)
    ]
    if not write:
        return read
    return [*read, f"{JS}.STREAM.CREATE.{stream}", f"{JS}.STREAM.PURGE.{stream}", f"$O.{bucket}.>"]


def _micro(s: Settings, user: str) -> list[str]:
    """``nats.micro`` answers PING/INFO/STATS for all services, its kind and its instance."""
    name = s.schema(user)  # the service's micro name is {ns}_{service} (qlcore.rpc)
    return ["$SRV.PING", "$SRV.INFO", "$SRV.STATS", f"$SRV.*.{name}", f"$SRV.*.{name}.*"]


def _appends(s: Settings, events: Iterable[type[Event]]) -> list[str]:
    return [_subject(s, e) for e in events]


def _subject(s: Settings, event: type[Event]) -> str:
    return f"{s.log_subject_prefix}.{event.__struct_config__.tag}"
