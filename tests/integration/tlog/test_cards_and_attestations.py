"""The log over a real stack: published cards, reproductions, attestations and opted-in runs
become entries whose proofs travel in the JSON and check offline against the log's key alone."""

from __future__ import annotations

import asyncio
import base64
from typing import Any

import pytest
from qlprov.hashing import canonical_body
from qlprov.tlog.bundle import verify_bundle
from qlprov.tlog.documents import reproduction_document_from_view
from qlprov.tlog.entry import EntryKind, parse_entry
from qlprov.tlog.merkle import tree_hash
from quantumledger.transparency import LogClient, verify_attestation, verify_card

from tests.fixtures import Stack
from tests.integration.attestation.helpers import BASELINE, run_document
from tests.integration.card.helpers import ghz, ingest, publish
from tests.integration.tlog.helpers import logs_of, with_proof, within_checkpoint

pytestmark = pytest.mark.integration


async def test_a_published_card_carries_a_proof_that_checks_offline(stack: Stack) -> None:
    t = await stack.tenant()
    async with stack.client(t) as c, stack.client() as anon:
        run_id = await ingest(c, run_document())
        made = await publish(c, run_id, title="Bell state, logged")
        card = await with_proof(anon, f"/api/v1/cards/{made['slug']}")
        info, logs = await logs_of(anon)
    result = verify_card(card, logs)
    assert result.ok, result.steps
    assert result.entry is not None and result.entry.kind is EntryKind.CARD_PUBLISHED
    assert result.entry.subject == made["slug"] and result.checkpoint is not None
    assert result.checkpoint.checkpoint.origin == info["origin"]
    tampered = {**card, "title": "Bell state, improved"}
    failed = verify_card(tampered, logs).failed
    assert failed is not None and failed.step == "document"


async def test_a_new_version_is_a_new_entry_and_the_first_proof_stays(stack: Stack) -> None:
    t = await stack.tenant()
    async with stack.client(t) as c, stack.client() as anon:
        run_id = await ingest(c, run_document())
        slug = (await publish(c, run_id, title="First"))["slug"]
        first = await with_proof(anon, f"/api/v1/cards/{slug}")
        again = await anon.get(
            f"/api/v1/cards/{slug}",
            headers={"If-None-Match": (await anon.get(f"/api/v1/cards/{slug}")).headers["ETag"]},
        )
        assert again.status_code == 304
        await publish(c, run_id, title="Second")
        await publish(c, run_id, title="Second")  # unchanged: no new version, no new entry
        second = await eventually_version(anon, slug, 2)
        _, logs = await logs_of(anon)
    assert verify_card(first, logs).ok and verify_card(second, logs).ok
    assert second["transparency"]["index"] > first["transparency"]["index"]
    async with stack.client() as anon:
        r = await anon.get("/api/v1/log/bundle", params={"kind": "card", "subject": slug})
    assert r.status_code == 200 and r.json()["index"] == second["transparency"]["index"]
    assert r.headers["access-control-allow-origin"] == "*"


async def eventually_version(c: Any, slug: str, version: int) -> dict[str, Any]:
    card = await with_proof(c, f"/api/v1/cards/{slug}")
    for _ in range(200):
        if card["version"] == version and card["transparency"]:
            return card
        await asyncio.sleep(0.05)
        card = await with_proof(c, f"/api/v1/cards/{slug}")
    raise AssertionError(f"card {slug} never reached version {version} with a proof")


async def test_only_independent_reproductions_are_logged(stack: Stack) -> None:
    owner, other = await stack.tenant(), await stack.tenant()
    async with stack.client(owner) as c, stack.client(other) as o, stack.client() as anon:
        run_id = await ingest(c, ghz("kyiv", seed=77))
        slug = (await publish(c, run_id, title="GHZ, reproduced"))["slug"]
        own = await c.post(f"/api/v1/cards/{slug}/reproductions", json=ghz("kyiv", seed=78))
        theirs = await o.post(f"/api/v1/cards/{slug}/reproductions", json=ghz("brisbane", seed=79))
        assert own.status_code == 201 and theirs.status_code == 201, (own.text, theirs.text)
        rid = theirs.json()["reproduction_id"]

        async def logged() -> Any:
            r = await anon.get("/api/v1/log/bundle", params={"kind": "reproduction", "subject": rid})
            return r.json() if r.status_code == 200 else None

        from tests.integration.tlog.helpers import eventually

        found = await eventually(logged, what="the independent reproduction's entry")
        mine = await anon.get(
            "/api/v1/log/bundle", params={"kind": "reproduction", "subject": own.json()["reproduction_id"]}
        )
        card = (await anon.get(f"/api/v1/cards/{slug}")).json()
        _, logs = await logs_of(anon)
    assert mine.status_code == 404  # the owner's own reproduction is not independent
    item = next(i for i in card["reproduction_list"] if i["reproduction_id"] == rid)
    result = verify_bundle(found["bundle"], logs, document=reproduction_document_from_view(slug, item), subject=rid)
    assert result.ok, result.steps
    assert result.entry is not None and result.entry.kind is EntryKind.REPRODUCTION_INDEPENDENT


async def test_attestations_and_revocations_are_logged(stack: Stack) -> None:
    t = await stack.tenant()
    ws = f"/api/v1/workspaces/{t.workspace_id}"
    async with stack.client(t) as c:
        assert (await c.post(f"{ws}/frameworks/{BASELINE}/enable")).status_code in (200, 201)
        assert (await c.post("/api/v1/ingest/runs", json=run_document())).status_code == 201
        att = await c.post(f"{ws}/attestations", json={"framework_id": BASELINE})
        assert att.status_code == 201, att.text
        att_id = att.json()["attestation_id"]
        issued = await with_proof(c, f"/api/v1/attestations/{att_id}")
        assert (await c.post(f"/api/v1/attestations/{att_id}/revoke", json={"reason": "superseded"})).status_code == 200

        async def revoked() -> Any:
            doc = (await c.get(f"/api/v1/attestations/{att_id}")).json()
            return doc if (doc.get("transparency") or {}).get("revocation") else None

        from tests.integration.tlog.helpers import eventually

        both = await eventually(revoked, what="the revocation's proof")
        _, logs = await logs_of(c)
    assert [r.ok for _, r in verify_attestation(issued, logs)] == [True]
    checked = verify_attestation(both, logs)
    assert [(name, r.ok) for name, r in checked] == [("issued", True), ("revoked", True)]
    revoked_entry = checked[1][1].entry
    assert revoked_entry is not None and revoked_entry.kind is EntryKind.ATTESTATION_REVOKED
    forged = {**both, "envelope": {**both["envelope"], "payload": base64.b64encode(b"{}").decode()}}
    assert all(not r.ok for _, r in verify_attestation(forged, logs))


async def test_runs_of_an_opted_in_workspace_are_committed(stack: Stack) -> None:
    t = await stack.tenant()
    ws = f"/api/v1/workspaces/{t.workspace_id}/transparency"
    async with stack.client(t) as c, stack.client() as anon:
        before = await ingest(c, run_document())
        assert (await c.get(ws)).json()["run_commitments"] is False
        r = await c.post(ws, json={"run_commitments": True})
        assert r.status_code == 200 and r.json()["run_commitments"] is True and r.json()["changed"] is True
        again = await c.post(ws, json={"run_commitments": True})
        assert again.json()["changed"] is False
        after = await ingest(c, run_document())
        await stack.wait_caught_up("provenance")
        doc = (await c.get(f"/api/v1/runs/{after}")).json()

        async def committed() -> Any:
            r = await anon.get("/api/v1/log/bundle", params={"kind": "run", "subject": doc["run_hash"]})
            return r.json() if r.status_code == 200 else None

        from tests.integration.tlog.helpers import eventually

        found = await eventually(committed, what="the run's commitment")
        earlier_hash = (await c.get(f"/api/v1/runs/{before}")).json()["run_hash"]
        earlier = await anon.get("/api/v1/log/bundle", params={"kind": "run", "subject": earlier_hash})
        _, logs = await logs_of(anon)
        assert (await c.post(ws, json={"run_commitments": False})).json()["run_commitments"] is False
    assert earlier.status_code == 404  # ingested before the opt-in
    result = verify_bundle(found["bundle"], logs, document=canonical_body(doc), subject=doc["run_hash"])
    assert result.ok, result.steps
    entry = result.entry
    assert entry is not None and entry.kind is EntryKind.RUN_COMMITTED and entry.blake3 == doc["run_hash"]
    entry_text = base64.b64decode(found["bundle"].split("\n")[1][6:]).decode()
    assert after not in entry_text and t.workspace_id not in entry_text and t.org_id not in entry_text


async def test_tiles_over_http_give_the_signed_root_and_every_entry(stack: Stack) -> None:
    t = await stack.tenant()
    async with stack.client(t) as c, stack.client() as anon:
        await publish(c, await ingest(c, run_document()), title="Tiles")
        _, logs = await logs_of(anon)
        cp = await within_checkpoint(anon, logs, 1)
        size = cp.checkpoint.size

        def read() -> tuple[bytes, list[bytes]]:
            with LogClient(stack.base_url) as client:
                root = tree_hash(size, client.reader(cp))
                from qlprov.tlog.tiles import ENTRIES, Tile, decode_entry_bundle

                entries: list[bytes] = []
                for n in range((size + 255) // 256):
                    width = min(256, size - n * 256)
                    entries += decode_entry_bundle(client.tiles([Tile(ENTRIES, n, width)])[0], width)
                return root, entries

        root, entries = await asyncio.to_thread(read)
    assert root == cp.checkpoint.root_hash
    assert len(entries) == size and all(parse_entry(e) for e in entries)
