"""The read model and the log: replay gives the same digest (and heals a tampered row),
concurrent evaluations record one event, keys rotate without breaking old attestations, and
the private key is in its 0600 file only: never in the log, never in the database."""

from __future__ import annotations

import asyncio
import base64
import json
import stat
from typing import Any

import psycopg
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy
from nats.js.object_store import ObjectStore
from psycopg import sql
from qlcore.objects import bucket_name

from tests.fixtures import Stack, Tenant
from tests.integration.attestation.helpers import BASELINE, independent_verify, run_document

pytestmark = pytest.mark.integration


async def _log(stack: Stack) -> list[tuple[str, dict[str, str], bytes]]:
    """Every message of the run log, in order (an ephemeral, unacknowledged consumer)."""
    js = stack.nc.jetstream()
    last = (await js.stream_info(stack.settings.stream)).state.last_seq
    sub = await js.pull_subscribe(
        f"{stack.settings.log_subject_prefix}.>",
        stream=stack.settings.stream,
        config=ConsumerConfig(deliver_policy=DeliverPolicy.ALL, ack_policy=AckPolicy.NONE),
    )
    out: list[tuple[str, dict[str, str], bytes]] = []
    try:
        while not out or out[-1][1]["seq"] != str(last):
            for m in await sub.fetch(512, timeout=5):
                out.append((m.subject, {**(m.headers or {}), "seq": str(m.metadata.sequence.stream)}, m.data))
    finally:
        await sub.unsubscribe()
    return out


async def _ready(stack: Stack) -> tuple[Tenant, str]:
    t = await stack.tenant()
    ws = f"/api/v1/workspaces/{t.workspace_id}"
    async with stack.client(t) as c:
        assert (await c.post(f"{ws}/frameworks/{BASELINE}/enable")).status_code == 201
        assert (await c.post("/api/v1/ingest/runs", json=run_document())).status_code == 201
    return t, ws


async def test_concurrent_evaluations_record_one_event(stack: Stack) -> None:
    t, ws = await _ready(stack)
    async with stack.client(t) as c:
        replies = await asyncio.gather(*(c.post(f"{ws}/compliance/evaluate") for _ in range(6)))
    results = [r.json()["frameworks"][0] for r in replies]
    assert sum(r["changed"] for r in results) == 1
    assert len({r["result_digest"] for r in results}) == 1
    subject = f"{stack.settings.log_subject_prefix}.compliance.evaluated"
    events = [m for m in await _log(stack) if m[0] == subject and m[1].get("Ql-Workspace") == t.workspace_id]
    assert len(events) == 1


async def test_replay_gives_the_same_digest_and_heals_a_tampered_row(stack: Stack) -> None:
    t, ws = await _ready(stack)
    async with stack.client(t) as c:
        att = (await c.post(f"{ws}/attestations", json={"framework_id": BASELINE})).json()
    await stack.wait_caught_up("attestation")
    before = (await stack.call("attestation", "ops.digest")).json()["digest"]

    verify = f"/api/v1/attestations/{att['attestation_id']}/verify"
    schema = stack.settings.schema("attestation")
    async with await psycopg.AsyncConnection.connect(stack.settings.database_url, autocommit=True) as conn:
        await conn.execute(
            sql.SQL("UPDATE {}.attestations SET evidence_set = %s WHERE attestation_id = %s").format(
                sql.Identifier(schema)
            ),
            ("sha256-" + "0" * 64, att["attestation_id"]),
        )
    async with stack.client() as public:
        v = (await public.get(verify)).json()
        assert v["valid"] is False and v["signature_valid"] is True
        assert any("evidence manifest" in e for e in v["errors"]), v["errors"]
        assert (await stack.call("attestation", "ops.digest")).json()["digest"] != before

        replayed = (await stack.call("attestation", "ops.replay", timeout=120)).json()
        after = (await stack.call("attestation", "ops.digest")).json()["digest"]
        assert replayed["digest"] == after == before
        v = (await public.get(verify)).json()
        assert v["valid"] is True and v["evidence_root"] == att["evidence_root"]


async def test_a_changed_evidence_object_fails_verification(stack: Stack) -> None:
    """The evidence lives in the Object Store: an object rewritten there (same name, other bytes)
    is caught by its digest, by verify and by the download."""
    t, ws = await _ready(stack)
    async with stack.client(t) as c:
        att = (await c.post(f"{ws}/attestations", json={"framework_id": BASELINE})).json()
        bundle = (await c.get(att["evidence"]["url"])).json()
        page = (await c.get(att["evidence"]["url"], params={"page": 0})).headers["etag"].strip('"')  # its object
    forged = [{**item, "outcome": "pass"} for item in bundle]
    store = ObjectStore(
        name=bucket_name(stack.settings), stream=f"OBJ_{bucket_name(stack.settings)}", js=stack.nc.jetstream()
    )
    await store.put(page, json.dumps(forged, separators=(",", ":")).encode())
    async with stack.client(t) as c, stack.client() as public:
        v = (await public.get(f"/api/v1/attestations/{att['attestation_id']}/verify")).json()
        assert v["valid"] is False and v["signature_valid"] is True and v["evidence_checked"] is True
        assert any("does not hash to its name" in e for e in v["errors"]), v["errors"]
        r = await c.get(att["evidence"]["url"])
        assert r.status_code == 500 and r.headers["content-type"] == "application/problem+json"


async def test_rotation_keeps_old_attestations_verifiable(stack: Stack) -> None:
    t, ws = await _ready(stack)
    async with stack.client(t) as c, stack.client() as public:
        old = (await c.post(f"{ws}/attestations", json={"framework_id": BASELINE})).json()
        rotated = (await stack.call("attestation", "keys.rotate")).json()
        assert rotated["retired"] == old["keyid"] and rotated["active"] != old["keyid"]
        jwks = (await public.get("/.well-known/quantumledger-jwks.json")).json()
        kids = [k["kid"] for k in jwks["keys"]]
        assert kids[0] == rotated["active"] and old["keyid"] in kids
        new = (await c.post(f"{ws}/attestations", json={"framework_id": BASELINE})).json()
        assert new["keyid"] == rotated["active"]
        for att in (old, new):
            assert (await public.get(f"/api/v1/attestations/{att['attestation_id']}/verify")).json()["valid"] is True
            independent_verify(att["envelope"], jwks)


def _encodings(secret: bytes) -> list[bytes]:
    return [
        secret,
        secret.hex().encode(),
        base64.b64encode(secret).rstrip(b"="),
        base64.urlsafe_b64encode(secret).rstrip(b"="),
    ]


async def test_the_private_key_is_only_in_its_file(stack: Stack) -> None:
    await _ready(stack)
    directory = stack.settings.home / "keys" / "attestation"
    assert stat.S_IMODE(directory.stat().st_mode) == 0o700
    [pem] = list(directory.glob("*.pem"))
    assert stat.S_IMODE(pem.stat().st_mode) == 0o600
    key = serialization.load_pem_private_key(pem.read_bytes(), password=None)
    assert isinstance(key, Ed25519PrivateKey)
    seed = key.private_bytes_raw()
    jwks: dict[str, Any] = (await stack.call("attestation", "keys.jwks")).json()
    assert pem.stem == jwks["keys"][0]["kid"]  # the active key, published

    needles = _encodings(seed)
    for subject, _, data in await _log(stack):
        assert not any(n in data for n in needles), subject
    async with await psycopg.AsyncConnection.connect(stack.settings.database_url) as conn:
        schema = stack.settings.schema("attestation")
        tables = await (
            await conn.execute("SELECT table_name FROM information_schema.tables WHERE table_schema = %s", (schema,))
        ).fetchall()
        for (table,) in tables:
            async with conn.cursor().copy(
                sql.SQL("COPY {}.{} TO STDOUT").format(sql.Identifier(schema), sql.Identifier(table))
            ) as copy:
                dump = b"".join([bytes(chunk) async for chunk in copy])
            assert not any(n in dump for n in needles), table
