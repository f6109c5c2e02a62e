"""The run of ``docs/one-run.md``: one ``POST /api/v1/ingest/runs`` reaches every read model that
applies ``run.ingested``, each row pointing at the same event of the run log."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime, timedelta

import psycopg
import pytest
from qlprov.hashing import run_hash

from tests.fixtures import Stack
from tests.integration.platform.bundles import bundle

pytestmark = pytest.mark.integration

READ_MODELS = ("ingest", "provenance", "leaderboard", "attestation", "card", "reproduce", "tlog", "gateway")


async def _one(conn: psycopg.AsyncConnection, stack: Stack, service: str, sql: str, *args: object) -> tuple:
    schema = stack.settings.schema(service)
    row = await (await conn.execute(sql.replace("{s}", f'"{schema}"'), args)).fetchone()
    assert row is not None, f"{service}: nothing for {sql!r} {args}"
    return tuple(row)


async def test_one_run_from_http_into_every_read_model(stack: Stack) -> None:
    t = await stack.tenant()
    # a calibration snapshot no other test sends: the leaderboard's first observation of it is this run's
    taken_at = datetime(2024, 1, 1, tzinfo=UTC) + timedelta(seconds=secrets.randbelow(300 * 86400))
    doc = bundle(f"one-run-{secrets.token_hex(4)}")
    doc["calibration"]["taken_at"] = taken_at.isoformat().replace("+00:00", "Z")
    async with stack.client(t) as c:
        opted = await c.post(f"/api/v1/workspaces/{t.workspace_id}/transparency", json={"run_commitments": True})
        assert opted.status_code == 200, opted.text
        r = await c.post("/api/v1/ingest/runs", json=doc)
        assert r.status_code == 201, r.text
        run_id, hash_ = r.json()["run_id"], r.json()["run_hash"]
        assert hash_ == run_hash(doc)
        fetched = await c.get(f"/api/v1/runs/{run_id}")  # read after ack: no wait on the client's side
        assert fetched.status_code == 200 and fetched.headers["etag"] == f'"{hash_}"'
        assert run_hash(fetched.json()) == hash_
        again = await c.post("/api/v1/ingest/runs", json=doc)
        assert again.status_code == 200 and again.json() == {"run_id": run_id, "run_hash": hash_, "deduplicated": True}
    for service in READ_MODELS:
        await stack.wait_caught_up(service)

    async with await psycopg.AsyncConnection.connect(stack.settings.database_url) as conn:
        (seq, document_seq) = await _one(
            conn, stack, "provenance", "SELECT seq, document_seq FROM {s}.runs WHERE run_id = %s", run_id
        )
        assert document_seq < seq  # the document is appended just before its event (decision 0008)
        claim = await _one(
            conn,
            stack,
            "ingest",
            "SELECT run_id, logged_seq FROM {s}.claims WHERE workspace_id = %s AND run_hash = %s",
            t.workspace_id,
            hash_,
        )
        assert claim == (run_id, seq)
        card = await _one(conn, stack, "card", "SELECT seq, hash_verified FROM {s}.runs WHERE run_id = %s", run_id)
        assert card == (seq, False)  # verified when the card is published
        repro = await _one(
            conn, stack, "reproduce", "SELECT seq, reproduction_of FROM {s}.runs WHERE run_id = %s", run_id
        )
        assert repro == (seq, None)
        att = await _one(conn, stack, "attestation", "SELECT seq, workspace_id FROM {s}.runs WHERE run_id = %s", run_id)
        assert att == (seq, t.workspace_id)
        lb = await _one(
            conn, stack, "leaderboard", "SELECT origin, provider, backend FROM {s}.observations WHERE seq = %s", seq
        )
        assert lb == ("run", "ibm", "ibm_kyiv")
        entry = await _one(
            conn,
            stack,
            "tlog",
            "SELECT kind, subject, seq FROM {s}.entries WHERE kind = 'run_committed' AND ref = %s",
            run_id,
        )
        assert entry == ("run_committed", hash_, seq)
        usage = await _one(
            conn,
            stack,
            "gateway",
            "SELECT n FROM {s}.monthly_usage WHERE org_id = %s AND metric = 'runs_per_month'",
            t.org_id,
        )
        assert usage == (1,)  # the resend appended nothing, so it is not counted


async def test_publishing_its_card_reaches_the_read_models_that_apply_card_published(stack: Stack) -> None:
    t = await stack.tenant()
    async with stack.client(t) as c:
        run_id = (await c.post("/api/v1/ingest/runs", json=bundle(f"one-card-{secrets.token_hex(4)}"))).json()["run_id"]
        r = await c.post(
            f"/api/v1/runs/{run_id}/card/publish", json={"authors": [{"name": "Ada"}], "license": "CC-BY-4.0"}
        )
        assert r.status_code == 201, r.text
        card = r.json()
        assert card["change"] == "created" and card["run"]["hash_verified"] is True
        public = await c.get(f"/api/v1/cards/{card['slug']}", headers={"Authorization": ""})
        assert public.status_code == 200 and public.json()["version_id"] == card["version_id"]
    for service in ("attestation", "reproduce", "tlog"):
        await stack.wait_caught_up(service)
    async with await psycopg.AsyncConnection.connect(stack.settings.database_url) as conn:
        (seq,) = await _one(
            conn, stack, "card", "SELECT seq FROM {s}.card_versions WHERE version_id = %s", card["version_id"]
        )
        assert await _one(
            conn, stack, "reproduce", "SELECT run_id, seq FROM {s}.cards WHERE concept_id = %s", card["concept_id"]
        ) == (run_id, seq)
        assert await _one(
            conn, stack, "attestation", "SELECT run_id, seq FROM {s}.cards WHERE concept_id = %s", card["concept_id"]
        ) == (run_id, seq)
        entry = await _one(
            conn,
            stack,
            "tlog",
            "SELECT subject, seq FROM {s}.entries WHERE kind = 'card_published' AND ref = %s",
            card["version_id"],
        )
        assert entry == (card["slug"], seq)
