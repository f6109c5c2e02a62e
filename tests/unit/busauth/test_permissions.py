"""The permission sets, read as policy: who may publish and subscribe to what (no server here;
``tests/integration/security`` checks that nats-server enforces them)."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from qlcore.busauth.permissions import (
    APPENDS,
    OPERATOR,
    SELF_APPENDS,
    TEST,
    Permissions,
    inbox_prefix,
    jobs_names,
    permissions_for,
    users,
)
from qlcore.config import SERVICES, load_settings
from qlcore.events.registry import EVENT_TYPES

S = load_settings(env={}, namespace="ql")
STREAM = S.stream


def matches(pattern: str, subject: str) -> bool:
    """NATS subject matching: ``*`` is one token, ``>`` one or more trailing tokens."""
    p, s = pattern.split("."), subject.split(".")
    for i, token in enumerate(p):
        if token == ">":
            return len(s) > i
        if i >= len(s) or (token != "*" and token != s[i]):
            return False
    return len(p) == len(s)


def may_publish(perms: Permissions, subject: str) -> bool:
    return any(matches(a, subject) for a in perms.publish) and not any(matches(d, subject) for d in perms.publish_deny)


def may_subscribe(perms: Permissions, subject: str) -> bool:
    return any(matches(a, subject) for a in perms.subscribe)


ALL = {u: permissions_for(S, u) for u in users()}


def test_subject_matching_follows_nats() -> None:
    assert matches("ql.rpc.*.ops.>", "ql.rpc.card.ops.status")
    assert not matches("ql.rpc.*.ops.>", "ql.rpc.card.ops")
    assert matches("$JS.ACK.QL_LOG.ql_card.>", "$JS.ACK.QL_LOG.ql_card.1.2.3.4.5.6")
    assert not matches("ql.log.run.ingested", "ql.log.run.ingested.x")


def test_every_event_type_has_exactly_one_writer() -> None:
    owners: dict[str, list[str]] = {}
    for service, events in APPENDS.items():
        for e in events:
            owners.setdefault(str(e.__struct_config__.tag), []).append(service)
    self_appended = {str(t.__struct_config__.tag) for t in SELF_APPENDS}
    assert set(owners) | self_appended == {str(t.__struct_config__.tag) for t in EVENT_TYPES}
    assert not set(owners) & self_appended
    for tag in self_appended:  # each service on its own subject, and nobody on another's
        for service in SERVICES:
            for user, perms in ALL.items():
                assert may_publish(perms, f"ql.log.{tag}.{service}") == (user == service), (user, tag, service)
            assert not any(may_publish(perms, f"ql.log.{tag}") for perms in ALL.values())
    assert all(len(o) == 1 for o in owners.values()), owners
    for tag, (owner,) in owners.items():
        for user, perms in ALL.items():
            assert may_publish(perms, f"ql.log.{tag}") == (user == owner), (user, tag)


def test_only_ingest_appends_documents_and_nobody_publishes_outside_its_subjects() -> None:
    assert [u for u, p in ALL.items() if may_publish(p, S.document_subject)] == ["ingest"]
    for user, perms in ALL.items():
        for subject in ("ql.log.unknown.type", ">", "ql.>", "$JS.API.>", "_INBOX.ql_gateway.x"):
            assert not may_publish(perms, subject), (user, subject)


@pytest.mark.parametrize("service", SERVICES)
def test_a_service_answers_only_its_own_requests(service: str) -> None:
    perms = ALL[service]
    assert perms.allow_responses  # it answers what it receives, and publishes no other reply
    for other in SERVICES:
        assert may_subscribe(perms, f"ql.rpc.{other}.ops.status") == (other == service)
    assert not may_subscribe(ALL[OPERATOR], f"ql.rpc.{service}.ops.status")


def test_only_the_gateway_speaks_for_workspaces_with_two_recorded_exceptions() -> None:
    callers: dict[str, set[str]] = {}
    for user in (*SERVICES, OPERATOR):
        for target in SERVICES:
            for op in ("runs.ingest", "runs.ingest_many", "runs.list", "cards.get", "reproductions.request"):
                if may_publish(ALL[user], f"ql.rpc.{target}.{op}"):
                    callers.setdefault(user, set()).add(f"{target} {op}")
    assert set(callers) == {"gateway", "card", "reproduce"}
    assert callers["card"] == callers["reproduce"] == {"ingest runs.ingest"}
    assert "provenance runs.list" in callers["gateway"] and "ingest runs.ingest_many" in callers["gateway"]


def test_reproduce_may_wait_for_the_card_read_model_and_do_nothing_else_there() -> None:
    """Read-your-writes across services: reproduce waits for ``cards.applied``; no other card
    operation (publishing, reading on someone's behalf) is open to it."""
    reproduce = ALL["reproduce"]
    assert may_publish(reproduce, "ql.rpc.card.cards.applied")
    for op in ("cards.publish", "cards.unpublish", "cards.reproduce", "cards.get", "ops.replay"):
        assert not may_publish(reproduce, f"ql.rpc.card.{op}"), op
    assert not any(
        may_publish(ALL[u], "ql.rpc.card.cards.applied") for u in SERVICES if u not in ("reproduce", "gateway")
    )


def test_operator_operations_are_the_operators_alone() -> None:
    gateway, operator = ALL["gateway"], ALL[OPERATOR]
    for service in SERVICES:
        assert may_publish(operator, f"ql.rpc.{service}.ops.replay")
        assert not may_publish(gateway, f"ql.rpc.{service}.ops.replay")
        assert may_publish(operator, f"ql.rpc.{service}.ops.status")
    for subject in (
        "ql.rpc.leaderboard.corpus.import",
        "ql.rpc.attestation.keys.rotate",
        "ql.rpc.gateway.admin.create_org",
    ):
        assert may_publish(operator, subject) and not may_publish(gateway, subject)
    assert may_publish(gateway, "ql.rpc.attestation.keys.jwks") and not may_publish(
        operator, "ql.rpc.provenance.runs.list"
    )
    assert may_publish(operator, f"$JS.API.STREAM.UPDATE.{STREAM}")
    assert [u for u, p in ALL.items() if may_publish(p, f"$JS.API.STREAM.UPDATE.{STREAM}")] == [OPERATOR]
    assert not any(may_publish(p, f"$JS.API.STREAM.DELETE.{STREAM}") for p in ALL.values())
    assert not any(may_publish(p, f"$JS.API.STREAM.PURGE.{STREAM}") for p in ALL.values())


def test_each_reply_subject_belongs_to_one_user() -> None:
    for user, perms in ALL.items():
        own = inbox_prefix(S, user)
        for other in users():
            assert may_subscribe(perms, f"{inbox_prefix(S, other)}.abc.1") == (other == user), (user, other)
        assert not may_subscribe(perms, "_INBOX.abc") and not may_subscribe(perms, f"{own}x.abc")


@pytest.mark.parametrize("service", SERVICES)
def test_a_service_manages_only_its_own_consumer(service: str) -> None:
    for user, perms in ALL.items():
        for other in SERVICES:
            durable = f"ql_{other}"
            own = user == other
            for verb in ("DURABLE.CREATE", "CREATE", "DELETE", "MSG.NEXT"):
                assert may_publish(perms, f"$JS.API.CONSUMER.{verb}.{STREAM}.{durable}") == own, (user, verb, other)
            assert may_publish(perms, f"$JS.API.CONSUMER.CREATE.{STREAM}.{durable}.ql.log.>") == own
            assert may_publish(perms, f"$JS.ACK.{STREAM}.{durable}.1.2.3.4.5.6") == own
        # the bare create names its consumer in the body: nobody may use it
        assert not may_publish(perms, f"$JS.API.CONSUMER.CREATE.{STREAM}")


def test_every_service_reads_the_log_and_only_reproduce_touches_its_work_queue() -> None:
    jobs, _, workers = jobs_names(S)
    for user in SERVICES:
        perms = ALL[user]
        assert may_publish(perms, f"$JS.API.DIRECT.GET.{STREAM}") and may_publish(
            perms, f"$JS.API.STREAM.INFO.{STREAM}"
        )
        touches = may_publish(perms, "ql.jobs.reproduce.j1") or may_publish(perms, f"$JS.API.STREAM.MSG.GET.{jobs}")
        assert touches == (user == "reproduce")
        assert may_publish(perms, f"$JS.API.CONSUMER.MSG.NEXT.{jobs}.{workers}") == (user == "reproduce")
    assert not may_publish(ALL[OPERATOR], f"$JS.API.DIRECT.GET.{STREAM}")


def test_the_work_queue_names_are_the_reproduce_services() -> None:
    from services.reproduce.adapters.jobs import JobQueue
    from services.reproduce.config import ReproduceConfig

    queue = JobQueue(SimpleNamespace(settings=S), ReproduceConfig())  # type: ignore[arg-type]
    assert jobs_names(S) == (queue.stream, queue.subjects, queue.durable)


def test_core_subjects_between_services() -> None:
    assert [u for u, p in ALL.items() if may_publish(p, S.card_changed_subject)] == ["card"]
    assert [u for u, p in ALL.items() if may_subscribe(p, S.card_changed_subject)] == ["gateway"]
    subscribers = [u for u, p in ALL.items() if may_subscribe(p, "ql.log.reproduction.completed")]
    assert subscribers == ["reproduce"]
    assert not any(may_subscribe(p, "ql.log.account.registered") for p in ALL.values())
    for service in SERVICES:
        dlq = f"ql.dlq.{service}"
        assert [u for u, p in ALL.items() if may_publish(p, dlq)] == [service]
        assert may_subscribe(ALL[OPERATOR], dlq)


def test_micro_discovery_is_answered_by_services_and_asked_by_the_operator() -> None:
    for service in SERVICES:
        perms = ALL[service]
        assert may_subscribe(perms, "$SRV.PING") and may_subscribe(perms, f"$SRV.STATS.ql_{service}")
        assert may_subscribe(perms, f"$SRV.INFO.ql_{service}.abc123")
        assert not any(may_subscribe(perms, f"$SRV.INFO.ql_{o}") for o in SERVICES if o != service)
        assert not may_publish(perms, "$SRV.PING")
    assert may_publish(ALL[OPERATOR], "$SRV.STATS.ql_card")


def test_namespaces_do_not_reach_each_other() -> None:
    other = load_settings(env={}, namespace="bench")
    for user in users():
        mine, theirs = permissions_for(S, user), permissions_for(other, user)
        for subject in (*theirs.publish, *theirs.subscribe):
            # shared by design: service discovery, and the list of stream names (names only) that
            # nats-py's subscribe uses to find an object bucket's stream
            if not subject.startswith("$SRV") and subject != "$JS.API.STREAM.NAMES":
                assert not any(matches(a, subject) for a in (*mine.publish, *mine.subscribe)), (user, subject)


def test_the_test_harness_and_unknown_users() -> None:
    assert TEST not in users() and TEST in users(test=True)
    assert permissions_for(S, TEST).publish == (">",)
    with pytest.raises(KeyError):
        permissions_for(S, "intruder")


def test_an_answer_may_come_later_than_the_longest_operation_waits() -> None:
    """nats-server refuses an answer given more than two minutes after its request by default: an
    operator's replay of a million runs (its runner waits up to 600 s) was never answered."""
    import inspect

    from qlcore.busauth.permissions import RESPONSE_WINDOW
    from qlcore.busauth.serverconf import deploy_authorization
    from qlcore.projection.runner import ProjectionRunner

    assert RESPONSE_WINDOW.endswith("m")
    longest = inspect.signature(ProjectionRunner.replay).parameters["timeout"].default
    assert int(RESPONSE_WINDOW[:-1]) * 60 > longest
    answering = [u for u in users() if permissions_for(S, u).allow_responses]
    assert answering and deploy_authorization().count(
        f'allow_responses: {{max: 1, expires: "{RESPONSE_WINDOW}"}}'
    ) == len([u for u in answering if u != TEST])
