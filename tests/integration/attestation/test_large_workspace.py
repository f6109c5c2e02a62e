"""A workspace of 20,000 runs on a NATS server whose ``max_payload`` is 1 MB (NATS's default in
production): evaluate, read the gaps page by page, attest, verify, download the whole evidence
and check it with independent code, prove one item, read the trust center.

Issue 13 item 5: at ~5,100 runs issuing failed with ``MaxPayloadError`` (the evidence travelled in
the event and in replies). Here every message is refused by the server above 1 MB, so any payload
that grows with the workspace fails the test; the events' sizes are also asserted.

The runs are appended straight to the log in bulk (a document entry, then its ``run.ingested``,
decision 0008), as ``platform/test_replay_and_crash.py`` does: 20,000 runs through HTTP would
take minutes. Everything after that goes through the real stack (the attestation service and
the gateway, in process) over HTTP. The test process spends about 24 s of CPU (nats-server
included); on the shared 2-core machine at a load average of 11 to 14 it took 95 to 117 s of wall
time, a third of it appending and projecting the runs, most of the rest the attestation service
evaluating 100,000 evidence items twice (evaluate, then issue) and checking them once (verify).
"""

from __future__ import annotations

import hashlib
import json
import random
import socket
import subprocess
import tempfile
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import blake3
import pytest
import rfc8785
from qlcore.embedded import free_port, nats_server_binary

from tests.fixtures import Infra, Stack, stack_context
from tests.integration.attestation.bulk import append_runs
from tests.integration.attestation.helpers import BASELINE, independent_inclusion, run_document

pytestmark = pytest.mark.integration

RUNS = 20_000
UNSEEDED = 10  # every 10th run lacks its transpiler seed: 2,000 failing subjects for RB-4
MAX_PAYLOAD = 1024 * 1024
EVENT_LIMIT = 64 * 1024  # no event of the attestation service comes near this, whatever the workspace


@pytest.fixture(scope="module")
def small_nats() -> Iterator[str]:
    """A nats-server of this test's own, with NATS's default max_payload (1 MB)."""
    folder = Path(tempfile.mkdtemp(prefix="ql-1mb-"))
    port = free_port()
    conf = folder / "nats.conf"
    conf.write_text(f'listen: "127.0.0.1:{port}"\nmax_payload: 1MB\njetstream {{ store_dir: "{folder / "js"}" }}\n')
    proc = subprocess.Popen(
        [nats_server_binary(), "-c", str(conf), "-l", str(folder / "nats.log")],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 15
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                if time.monotonic() > deadline or proc.poll() is not None:
                    raise RuntimeError(f"nats-server did not start; see {folder / 'nats.log'}") from None
                time.sleep(0.05)
        yield f"nats://127.0.0.1:{port}"
    finally:
        proc.terminate()
        proc.wait(10)


@pytest.fixture(scope="module")
async def big_stack(infra: Infra, small_nats: str) -> AsyncIterator[Stack]:
    """The attestation service and the gateway only (the other projections would also have to
    read 20,000 runs, and they are not under test here)."""
    own = Infra(small_nats, infra.database_url, Path(tempfile.mkdtemp(prefix="ql-big-")))
    async for s in stack_context(own, services=("attestation", "gateway")):
        yield s


def _document(i: int) -> dict[str, Any]:
    doc = run_document(tag=f"run-{i}")
    if i % UNSEEDED == 0:
        doc["transpiled"] = {k: v for k, v in doc["transpiled"].items() if k != "seed_transpiler"}
    return doc


async def _last_event(stack: Stack, event_type: str) -> bytes:
    js = stack.nc.jetstream()
    msg = await js.get_msg(stack.settings.stream, subject=f"{stack.settings.log_subject_prefix}.{event_type}")
    return msg.data or b""


def _mth(hashes: list[bytes]) -> bytes:
    """RFC 9162 over leaf-hashed entries, written out (independent of the service's code)."""
    if len(hashes) == 1:
        return hashes[0]
    k = 1
    while k * 2 < len(hashes):
        k *= 2
    return hashlib.sha256(b"\x01" + _mth(hashes[:k]) + _mth(hashes[k:])).digest()


async def test_twenty_thousand_runs_under_a_one_megabyte_max_payload(big_stack: Stack) -> None:
    stack = big_stack
    assert stack.nc.max_payload == MAX_PAYLOAD  # the server's limit, as the client learnt it
    t = await stack.tenant()
    ws = f"/api/v1/workspaces/{t.workspace_id}"
    started = time.monotonic()
    await append_runs(stack, t.workspace_id, RUNS, _document)
    appended = time.monotonic()
    await stack.wait_caught_up("attestation", timeout=180)
    print(f"\n{RUNS} runs appended in {appended - started:.1f} s, projected {time.monotonic() - appended:.1f} s later")

    async with stack.client(t) as c, stack.client() as public:
        assert (await c.post(f"{ws}/frameworks/{BASELINE}/enable")).status_code == 201
        clock = time.monotonic()
        r = await c.post(f"{ws}/compliance/evaluate")
        assert r.status_code == 200, r.text
        [evaluated] = r.json()["frameworks"]
        print(f"evaluate: {time.monotonic() - clock:.1f} s, {evaluated['evidence_count']} evidence items")
        assert evaluated["evidence_count"] >= 5 * RUNS and evaluated["status"] == "failing"
        assert len(await _last_event(stack, "compliance.evaluated")) < EVENT_LIMIT

        # the gaps: a page of subjects by default, all 2,000 of RB-4 in pages of 1,000
        gaps = {g["control_id"]: g for g in (await c.get(f"{ws}/gaps")).json()["gaps"]}
        rb4 = gaps["RB-4"]
        assert rb4["failing_count"] == RUNS // UNSEEDED and len(rb4["failing"]) == 50
        seen: list[str] = []
        offset: int | None = 0
        while offset is not None:
            q = {"framework_id": BASELINE, "control_id": "RB-4", "offset": offset, "limit": 1000}
            [page] = (await c.get(f"{ws}/gaps", params=q)).json()["gaps"]
            seen += [s["id"] for s in page["failing"]]
            offset = page["failing_next_offset"]
        assert len(seen) == len(set(seen)) == RUNS // UNSEEDED

        # attest: the envelope and the event stay small, the evidence is in the Object Store
        clock = time.monotonic()
        r = await c.post(f"{ws}/attestations", json={"framework_id": BASELINE})
        assert r.status_code == 201, r.text
        print(f"issue: {time.monotonic() - clock:.1f} s, reply {len(r.content)} bytes")
        att = r.json()
        assert att["evidence_count"] == evaluated["evidence_count"] and len(r.content) < EVENT_LIMIT
        issued = await _last_event(stack, "attestation.issued")
        assert len(issued) < EVENT_LIMIT and att["attestation_id"].encode() in issued

        clock = time.monotonic()
        v = (await public.get(f"/api/v1/attestations/{att['attestation_id']}/verify")).json()
        print(f"verify: {time.monotonic() - clock:.1f} s")
        assert v["valid"] is True and v["evidence_checked"] is True, v["errors"]

        # the whole evidence, streamed by the gateway, is the bundle the statement signs
        clock = time.monotonic()
        bundle = await c.get(att["evidence"]["url"])
        assert bundle.status_code == 200 and len(bundle.content) == att["evidence"]["bytes"] > 20 * MAX_PAYLOAD
        print(f"evidence download: {time.monotonic() - clock:.1f} s, {len(bundle.content)} bytes")
        subject = att["statement"]["subject"][0]["digest"]
        assert hashlib.sha256(bundle.content).hexdigest() == subject["sha256"]
        assert blake3.blake3(bundle.content).hexdigest() == subject["blake3"]
        items = json.loads(bundle.content)
        assert len(items) == att["evidence_count"]
        leaves = [hashlib.sha256(b"\x00" + bytes.fromhex(i["digest"])).digest() for i in items]
        assert _mth(leaves).hex() == att["evidence_root"] == att["statement"]["predicate"]["evidence_root"]
        for item in random.Random(7).sample(items, 200):  # item digests, recomputed with rfc8785
            content = {k: v for k, v in item.items() if k != "digest"}
            assert hashlib.sha256(rfc8785.dumps(content)).hexdigest() == item["digest"]

        # one item, disclosed alone with its proof (from its page, not the whole set)
        wanted = items[len(items) // 2]
        one = await c.get(f"/api/v1/attestations/{att['attestation_id']}", params={"evidence_id": wanted["id"]})
        assert one.status_code == 200 and one.json()["item"] == wanted
        assert independent_inclusion(wanted, one.json()["proof"], att["evidence_root"])
        page = await c.get(att["evidence"]["url"], params={"page": 3})
        assert page.json() == items[3 * 1024 : 4 * 1024] and 'rel="next"' in page.headers["link"]

        status = (await c.get(f"{ws}/compliance")).json()["frameworks"][0]
        assert {x["id"]: x["failing_count"] for x in status["controls"]}["RB-4"] == RUNS // UNSEEDED
        trust = await public.get(f"/api/v1/trust/{t.org_slug}")
        assert trust.status_code == 200
        assert [a["att_id"] for a in trust.json()["attestations"]] == [att["attestation_id"]]
