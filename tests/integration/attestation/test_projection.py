"""The attestation read model's card rows, through the projection on real NATS and PostgreSQL.

Issue 12: the projection once wrote the envelope's event schema version (always 1) into
``cards.version``. A card published twice must show version 2, and the upsert guard must keep
the newest version when an older ``card.published`` is applied after a newer one. The late event
is applied by the projection itself in a transaction that is rolled back: appended to the shared
log, it would also reach the card service, whose own read model rightly refuses it.
"""

from __future__ import annotations

import msgspec
import psycopg
import pytest
from psycopg import sql
from qlcore.events import new_event_id
from qlcore.events.cards import CardPublished

from services.attestation.projection import AttestationProjection
from tests.fixtures import Stack
from tests.integration.attestation.helpers import run_document

pytestmark = pytest.mark.integration


async def _card_row(stack: Stack, concept_id: str) -> tuple[int, str, bool]:
    schema = stack.settings.schema("attestation")
    async with await psycopg.AsyncConnection.connect(stack.settings.database_url) as conn:
        row = await (
            await conn.execute(
                sql.SQL("SELECT version, title, withdrawn FROM {}.cards WHERE concept_id = %s").format(
                    sql.Identifier(schema)
                ),
                (concept_id,),
            )
        ).fetchone()
    assert row is not None, concept_id
    return int(row[0]), str(row[1]), bool(row[2])


async def test_a_new_card_version_replaces_the_row_and_a_late_older_one_does_not(stack: Stack) -> None:
    t = await stack.tenant()
    async with stack.client(t) as c:
        run = (await c.post("/api/v1/ingest/runs", json=run_document())).json()
        meta = {"authors": [{"name": "Ada Lovelace"}], "license": "CC-BY-4.0"}
        first = await c.post(f"/api/v1/runs/{run['run_id']}/card/publish", json={**meta, "title": "Bell, first"})
        assert first.status_code == 201, first.text
        second = await c.post(f"/api/v1/runs/{run['run_id']}/card/publish", json={**meta, "title": "Bell, second"})
        assert second.status_code == 200, second.text
    await stack.wait_caught_up("attestation")
    concept_id = first.json()["concept_id"]
    assert await _card_row(stack, concept_id) == (2, "Bell, second", False)

    # the first version's event applied again after the second (a late, older publication)
    late = CardPublished(
        event_id=new_event_id(),
        occurred_at="2025-01-01T00:00:00Z",
        workspace_id=t.workspace_id,
        actor="test",
        correlation_id=new_event_id(),
        concept_id=concept_id,
        version_id="older-version",
        card_version=1,
        slug=first.json()["slug"],
        run_id=run["run_id"],
        run_hash=run["run_hash"],
        title="Bell, first",
        authors=[{"name": "Ada Lovelace"}],
        license="CC-BY-4.0",
    )
    schema = stack.settings.schema("attestation")
    async with await psycopg.AsyncConnection.connect(stack.settings.database_url) as conn:
        await conn.execute(sql.SQL("SET search_path TO {}").format(sql.Identifier(schema)))
        async with conn.cursor() as cur:
            await AttestationProjection().apply(cur, late, 10**12)
            await cur.execute("SELECT version, title, withdrawn FROM cards WHERE concept_id = %s", (concept_id,))
            assert await cur.fetchone() == (2, "Bell, second", False)
        await conn.rollback()
    assert msgspec.to_builtins(late)["schema_version"] == 1  # what the old code stored as the card's version
