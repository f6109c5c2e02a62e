"""The closed bus, attacked: a real nats-server with the stack's generated users and permissions.

Each test starts from what the attacker of issue 11 did (a raw NATS client) and checks that the
server refuses it, and that the legitimate path still works. The server is this module's own,
closed as ``make run``'s is, whatever NATS the environment gives the rest of the suite.
"""

from __future__ import annotations

import asyncio
import ipaddress
import json
import os
import struct
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import nats
import pytest
from nats.aio.client import Client as NATS
from nats.aio.msg import Msg
from nats.js.api import AckPolicy, ConsumerConfig
from qlcore.bus import Bus, connect_nats
from qlcore.busauth import OPERATOR, CredentialStore
from qlcore.busauth.credentials import ensure_seeds
from qlcore.config import Settings, load_settings
from qlcore.embedded import EmbeddedNats
from qlcore.events.corpus import CalibrationObserved
from qlcore.rpc import RpcContext, RpcReply, RpcRequest, RpcServer, call, json_reply

pytestmark = pytest.mark.integration

NS = "ql"
LOG = "QL_LOG"


@dataclass
class Closed:
    server: EmbeddedNats
    settings: Settings


@dataclass
class Client:
    nc: NATS
    errors: list[str] = field(default_factory=list)

    async def refused(self, what: str, subject: str, timeout: float = 5.0) -> None:
        """Wait (bounded) until the server has reported the violation for ``subject``."""
        needle = f'permissions violation for {what} to "{subject.lower()}"'
        async with asyncio.timeout(timeout):
            while not any(needle in e.lower() for e in self.errors):
                await asyncio.sleep(0.01)


@pytest.fixture(scope="module")
def closed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Closed]:
    root = tmp_path_factory.mktemp("closed-bus")
    store = CredentialStore(root / "credentials")  # the production users only: no test harness
    folder = store.ensure(NS)
    server = EmbeddedNats(root / "nats", authorization=store.authorization()).start()
    settings = load_settings(env={}, nats_url=server.url, namespace=NS, home=root, nats_credentials_dir=folder)
    try:
        yield Closed(server, settings)
    finally:
        server.stop()


@pytest.fixture
async def as_user(closed: Closed) -> AsyncIterator[Any]:
    opened: list[NATS] = []

    async def connect(user: str) -> Client:
        client = Client(None)  # type: ignore[arg-type]

        async def on_error(exc: Exception) -> None:
            client.errors.append(str(exc))

        client.nc = await connect_nats(
            closed.settings, f"attack-{user}", user=user, allow_reconnect=False, error_cb=on_error
        )
        opened.append(client.nc)
        return client

    yield connect
    for nc in opened:
        await nc.close()


@pytest.fixture(scope="module")
async def log(closed: Closed) -> Bus:
    """The run log, created by the operator as the supervisor does, and provenance's consumer."""
    nc = await connect_nats(closed.settings, "setup", user=OPERATOR, allow_reconnect=False)
    await Bus(nc, closed.settings).ensure_stream()
    await nc.close()
    prov = await connect_nats(closed.settings, "setup-provenance", user="provenance", allow_reconnect=False)
    await prov.jetstream().add_consumer(
        LOG, ConsumerConfig(durable_name=f"{NS}_provenance", ack_policy=AckPolicy.ALL, filter_subject=f"{NS}.log.>")
    )
    await prov.close()
    return Bus(nc, closed.settings)


async def settled(nc: NATS) -> None:
    """Until the server has processed everything ``nc`` sent. Two round trips: nats-py 2.16 writes a
    flush's PING straight to the socket, ahead of commands still queued for its flusher task, so
    one PONG does not prove that a SUB just made has reached the server."""
    await nc.flush()
    await nc.flush()


async def _ok(m: Msg) -> None:
    await m.respond(b"ok")


async def _refused_at_connect(closed: Closed, **options: Any) -> str:
    async def quiet(_: Exception) -> None:
        return None

    with pytest.raises(nats.errors.Error) as info:
        await nats.connect(
            closed.server.url, allow_reconnect=False, max_reconnect_attempts=0, error_cb=quiet, **options
        )
    return str(info.value)


async def test_a_client_without_credentials_or_with_wrong_ones_cannot_connect(closed: Closed, tmp_path: Path) -> None:
    assert "Authorization Violation" in await _refused_at_connect(closed)
    assert "Authorization Violation" in await _refused_at_connect(closed, user="gateway", password="gateway")
    ensure_seeds(tmp_path, ["gateway"])  # a well-formed nkey the server does not know
    assert "Authorization Violation" in await _refused_at_connect(closed, nkeys_seed=str(tmp_path / "gateway.nk"))


async def test_a_service_cannot_read_another_services_requests(closed: Closed, as_user: Any) -> None:
    spy, provenance, gateway = await as_user("leaderboard"), await as_user("provenance"), await as_user("gateway")
    subject = f"{NS}.rpc.provenance.runs.list"
    stolen = await spy.nc.subscribe(f"{NS}.rpc.provenance.>")
    await spy.refused("subscription", f"{NS}.rpc.provenance.>")
    wide = await spy.nc.subscribe(">")
    await spy.refused("subscription", ">")
    served = await provenance.nc.subscribe(f"{NS}.rpc.provenance.>")
    await settled(provenance.nc)
    await gateway.nc.publish(subject, b'{"limit": 1}', headers={"Ql-Workspace": "ws-victim"})
    msg = await served.next_msg(timeout=5)
    assert msg.headers and msg.headers["Ql-Workspace"] == "ws-victim"
    await settled(spy.nc)  # anything routed to the spy would have been written before this round trip's answer
    assert stolen.pending_msgs == 0 and wide.pending_msgs == 0


async def test_a_service_cannot_forge_a_workspace_header(closed: Closed, as_user: Any) -> None:
    """The attack of issue 11: a raw request with another org's workspace header."""
    forger, provenance, gateway = await as_user("leaderboard"), await as_user("provenance"), await as_user("gateway")
    served = await provenance.nc.subscribe(f"{NS}.rpc.provenance.>")
    await settled(provenance.nc)
    subject = f"{NS}.rpc.provenance.runs.list"
    await forger.nc.publish(subject, b"{}", reply=f"_INBOX.{NS}_leaderboard.x", headers={"Ql-Workspace": "ws-victim"})
    await forger.refused("publish", subject)
    await gateway.nc.publish(subject, b"{}", headers={"Ql-Workspace": "ws-marker"})
    first = await served.next_msg(timeout=5)  # the forged request would have come first
    assert first.headers and first.headers["Ql-Workspace"] == "ws-marker"

    card, ingest = await as_user("card"), await as_user("ingest")
    answering = await ingest.nc.subscribe(f"{NS}.rpc.ingest.>", cb=_ok)
    await settled(ingest.nc)
    reply = await card.nc.request(f"{NS}.rpc.ingest.runs.ingest", b"{}", timeout=5)  # the recorded exception
    assert reply.data == b"ok"
    await card.nc.publish(f"{NS}.rpc.ingest.runs.ingest_many", b"{}")
    await card.refused("publish", f"{NS}.rpc.ingest.runs.ingest_many")
    await card.nc.publish(subject, b"{}")
    await card.refused("publish", subject)
    await answering.unsubscribe()


async def test_replies_reach_only_the_caller(closed: Closed, as_user: Any) -> None:
    spy, provenance, gateway = await as_user("leaderboard"), await as_user("provenance"), await as_user("gateway")
    for subject in ("_INBOX.>", f"_INBOX.{NS}_gateway.>"):
        await spy.nc.subscribe(subject)
        await spy.refused("subscription", subject)
    answers: list[Msg] = []

    async def answer(m: Msg) -> None:
        answers.append(m)
        await m.respond(b"the answer")

    await provenance.nc.subscribe(f"{NS}.rpc.provenance.runs.get", cb=answer)
    await settled(provenance.nc)
    reply = await gateway.nc.request(f"{NS}.rpc.provenance.runs.get", b"{}", timeout=5)
    assert reply.data == b"the answer" and answers[0].reply.startswith(f"_INBOX.{NS}_gateway.")
    await spy.nc.publish(answers[0].reply, b"a spoofed answer")  # knowing the reply subject is not enough
    await spy.refused("publish", answers[0].reply)
    await provenance.nc.publish(answers[0].reply, b"a second answer")  # one response per request
    await provenance.refused("publish", answers[0].reply)


async def test_a_service_cannot_touch_another_services_consumer(closed: Closed, log: Bus, as_user: Any) -> None:
    intruder = await as_user("leaderboard")
    js = intruder.nc.jetstream(timeout=1)
    durable = f"{NS}_provenance"
    with pytest.raises(nats.errors.TimeoutError):
        await js.delete_consumer(LOG, durable)
    await intruder.refused("publish", f"$JS.API.CONSUMER.DELETE.{LOG}.{durable}")
    with pytest.raises(nats.errors.TimeoutError):
        await js.add_consumer(LOG, ConsumerConfig(durable_name=durable, filter_subject=f"{NS}.>"))
    await intruder.refused("publish", f"$JS.API.CONSUMER.DURABLE.CREATE.{LOG}.{durable}")
    body = json.dumps({"stream_name": LOG, "config": {"durable_name": durable, "ack_policy": "none"}}).encode()
    await intruder.nc.publish(f"$JS.API.CONSUMER.CREATE.{LOG}", body, reply=f"_INBOX.{NS}_leaderboard.c")
    await intruder.refused("publish", f"$JS.API.CONSUMER.CREATE.{LOG}")  # the name in the body: nobody's
    await intruder.nc.publish(f"$JS.API.CONSUMER.MSG.NEXT.{LOG}.{durable}", b"1", reply=f"_INBOX.{NS}_leaderboard.n")
    await intruder.refused("publish", f"$JS.API.CONSUMER.MSG.NEXT.{LOG}.{durable}")

    owner = await as_user("provenance")
    info = await owner.nc.jetstream().consumer_info(LOG, durable)
    assert info.config.ack_policy == AckPolicy.ALL and info.config.filter_subject == f"{NS}.log.>"
    await js.add_consumer(LOG, ConsumerConfig(durable_name=f"{NS}_leaderboard", filter_subject=f"{NS}.log.>"))
    await js.delete_consumer(LOG, f"{NS}_leaderboard")  # its own: allowed


async def test_only_an_events_owner_appends_it_and_nobody_but_the_operator_changes_the_log(
    closed: Closed, log: Bus, as_user: Any
) -> None:
    leaderboard = await as_user("leaderboard")
    js = leaderboard.nc.jetstream(timeout=1)
    before = (await js.stream_info(LOG)).state.last_seq
    with pytest.raises(nats.errors.TimeoutError):
        await js.publish(f"{NS}.log.api_key.created", b"{}", stream=LOG)
    await leaderboard.refused("publish", f"{NS}.log.api_key.created")
    assert (await js.stream_info(LOG)).state.last_seq == before
    event = CalibrationObserved.new(
        actor="operator:test", workspace_id=None, key="ibm/fake@2025-01-01T00:00:00Z", provider="ibm",
        backend="fake", num_qubits=5, taken_at="2025-01-01T00:00:00Z", source={}, metrics={}, methodology="m1",
    )  # fmt: skip
    assert (await Bus(leaderboard.nc, closed.settings).append(event)).seq == before + 1  # its own event type
    info = await js.stream_info(LOG)
    with pytest.raises(nats.errors.TimeoutError):
        await js.update_stream(info.config.evolve(max_msgs=1))  # would throw the log away
    await leaderboard.refused("publish", f"$JS.API.STREAM.UPDATE.{LOG}")
    assert (await js.stream_info(LOG)).state.messages == before + 1


async def test_the_operator_operates_but_does_not_speak_for_workspaces(closed: Closed, log: Bus, as_user: Any) -> None:
    operator, provenance = await as_user(OPERATOR), await as_user("provenance")
    await provenance.nc.subscribe(f"{NS}.rpc.provenance.>", cb=_ok)
    await settled(provenance.nc)
    assert (await operator.nc.request(f"{NS}.rpc.provenance.ops.status", b"", timeout=5)).data == b"ok"
    await operator.nc.publish(f"{NS}.rpc.provenance.runs.list", b"{}", headers={"Ql-Workspace": "ws-victim"})
    await operator.refused("publish", f"{NS}.rpc.provenance.runs.list")
    await operator.nc.publish(f"$JS.API.DIRECT.GET.{LOG}", b'{"seq": 1}', reply=f"_INBOX.{NS}_operator.g")
    await operator.refused("publish", f"$JS.API.DIRECT.GET.{LOG}")


def _listening(pid: int) -> set[tuple[str, int]]:
    """The TCP addresses the process ``pid`` listens on (from /proc: its socket inodes in LISTEN)."""
    inodes = set()
    for fd in os.listdir(f"/proc/{pid}/fd"):
        try:
            target = os.readlink(f"/proc/{pid}/fd/{fd}")
        except OSError:
            continue
        if target.startswith("socket:["):
            inodes.add(target[8:-1])
    out = set()
    for table in ("tcp", "tcp6"):
        for line in Path(f"/proc/{pid}/net/{table}").read_text().splitlines()[1:]:
            parts = line.split()
            if parts[3] != "0A" or parts[9] not in inodes:  # 0A: LISTEN
                continue
            address, port = parts[1].split(":")
            raw = b"".join(struct.pack("<I", int(address[i : i + 8], 16)) for i in range(0, len(address), 8))
            out.add((str(ipaddress.ip_address(raw)), int(port, 16)))
    return out


def test_the_server_listens_on_loopback_only_and_has_no_monitoring_port(closed: Closed) -> None:
    assert closed.server.proc is not None
    assert _listening(closed.server.proc.pid) == {("127.0.0.1", closed.server.port)}


async def test_service_discovery_answers_the_operator_only(closed: Closed, as_user: Any) -> None:
    """``nats.micro`` endpoints and their $SRV control subjects work under the service's own set."""

    async def runs_list(req: RpcRequest) -> RpcReply:
        return json_reply({"workspace": req.ctx.workspace_id})

    provenance = await as_user("provenance")
    server = RpcServer(provenance.nc, closed.settings, "provenance")
    server.add("runs.list", runs_list)
    await server.start()
    await settled(provenance.nc)
    try:
        operator, gateway, other = await as_user(OPERATOR), await as_user("gateway"), await as_user("leaderboard")
        pong = await operator.nc.request(f"$SRV.PING.{NS}_provenance", b"", timeout=5)
        assert json.loads(pong.data)["name"] == f"{NS}_provenance"
        stats = await operator.nc.request(f"$SRV.STATS.{NS}_provenance", b"", timeout=5)
        assert json.loads(stats.data)["endpoints"][0]["subject"] == f"{NS}.rpc.provenance.runs.list"
        reply = await call(gateway.nc, closed.settings, "provenance", "runs.list", b"", RpcContext("ws-1", "org-1"))
        assert reply.json() == {"workspace": "ws-1"}
        await other.nc.publish(f"$SRV.PING.{NS}_provenance", b"", reply=f"_INBOX.{NS}_leaderboard.p")
        await other.refused("publish", f"$SRV.PING.{NS}_provenance")
        assert not provenance.errors  # answering requests and discovery needed nothing it lacks
    finally:
        await server.stop()
