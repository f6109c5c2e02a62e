"""Publishing a run as a new user would, versions, withdrawal (410 + tombstone), restore, tenancy."""

from __future__ import annotations

import asyncio

import httpx
import pytest
from qlprov.hashing import run_hash

from tests.fixtures import Stack
from tests.integration.card.helpers import AUTHORS, bell, ghz, ingest, publish
from tests.integration.identity.helpers import signup

pytestmark = pytest.mark.integration


async def test_a_new_user_publishes_a_run_and_anyone_reads_the_card(stack: Stack) -> None:
    async with stack.client() as anon:
        user = await signup(stack, anon)
        async with httpx.AsyncClient(base_url=stack.base_url, headers=user.headers, timeout=60) as owner:
            document = ghz()
            run_id = await ingest(owner, document)
            # published at once after ingest: the card service waits for its read model to have the run
            r = await owner.post(
                f"/api/v1/runs/{run_id}/card/publish",
                json={"authors": AUTHORS, "abstract": "A three-qubit GHZ state.", "keywords": ["GHZ", "entanglement"]},
            )
        assert r.status_code == 201, r.text
        made = r.json()
        assert made["change"] == "created" and made["version"] == 1
        slug = made["slug"]
        assert slug == "ghz-3-ibm-kyiv" or slug.startswith("ghz-3-ibm-kyiv-")

        r = await anon.get(f"/api/v1/cards/{slug}")  # public: no credential
        assert r.status_code == 200 and "set-cookie" not in r.headers
        card = r.json()
        assert card["title"] == "ghz_3 on ibm/ibm_kyiv" and card["license"] == "CC-BY-4.0"
        assert card["authors"][0] == {
            "name": "Zoë Ñúñez",
            "orcid": "0000-0002-1825-0097",
            "affiliation": "Universitat de Barcelona",
        }
        assert card["run"]["run_id"] == run_id and card["run"]["hash_verified"] is True
        assert card["run"]["run_hash"] == run_hash(document)
        assert (card["run"]["backend"], card["run"]["shots"]) == ("ibm/ibm_kyiv", 4096)
        assert card["run"]["calibration_taken_at"] == document["calibration"]["taken_at"]
        assert card["reproductions"]["count"] == 0 and card["reproduction_list"] == []
        base = stack.base_url
        assert card["links"]["html"] == f"{base}/cards/{slug}"
        assert card["links"]["badges"]["fidelity"]["svg"] == f"{base}/badge/{slug}/fidelity.svg"

        prov = await anon.get(card["links"]["provenance"])  # the full document, public, verifiable
        assert prov.status_code == 200
        assert prov.json()["run_hash"] == run_hash(prov.json()) == card["run"]["run_hash"]
        assert prov.json()["calibration"] == document["calibration"]

        browser = await anon.get(f"/api/v1/cards/{slug}", headers={"Accept": "text/html,application/xhtml+xml"})
        assert browser.headers["content-type"].startswith("text/html") and "<h1>" in browser.text

        etag = r.headers["etag"]
        again = await anon.get(f"/api/v1/cards/{slug}", headers={"If-None-Match": etag})
        assert again.status_code == 304 and again.content == b""


async def test_versions_unchanged_unpublish_tombstone_and_restore(stack: Stack) -> None:
    t = await stack.tenant()
    async with stack.client(t) as c, stack.client() as anon:
        run_id = await ingest(c, ghz())
        first = await publish(c, run_id, title="GHZ on Kyiv")
        slug, concept = first["slug"], first["concept_id"]

        same = await publish(c, run_id, title="GHZ on Kyiv")
        assert (same["change"], same["version"], same["version_id"]) == ("unchanged", 1, first["version_id"])

        second = await publish(c, run_id, title="GHZ-3 on IBM Kyiv", license="mit")
        assert (second["change"], second["version"], second["slug"]) == ("new_version", 2, slug)
        assert second["concept_id"] == concept and second["version_id"] != first["version_id"]
        assert second["license"] == "MIT" and second["first_published_at"] == first["published_at"]
        assert (await anon.get(f"/api/v1/cards/{slug}")).json()["title"] == "GHZ-3 on IBM Kyiv"

        r = await c.post(f"/api/v1/runs/{run_id}/card/unpublish", json={"reason": "typo in the title"})
        assert r.status_code == 200, r.text
        tomb = r.json()
        assert (tomb["slug"], tomb["status"], tomb["change"]) == (slug, "withdrawn", "withdrawn")
        again = await c.post(f"/api/v1/runs/{run_id}/card/unpublish")
        assert again.json()["change"] == "unchanged" and again.json()["withdrawn_at"] == tomb["withdrawn_at"]

        gone = await anon.get(f"/api/v1/cards/{slug}")
        assert gone.status_code == 410
        assert gone.headers["content-type"].startswith("application/problem+json")
        body = gone.json()
        assert (body["slug"], body["withdrawn_at"], body["concept_id"]) == (slug, tomb["withdrawn_at"], concept)
        assert "title" not in body or body["title"] == "Result Card withdrawn"
        assert "GHZ-3 on IBM Kyiv" not in gone.text and "run_hash" not in gone.text
        for path in ("citation?format=ris", "embed", "embed?format=json", "provenance"):
            r = await anon.get(f"/api/v1/cards/{slug}/{path}")
            assert r.status_code == 410, path
            assert "GHZ-3 on IBM Kyiv" not in r.text
        page = await anon.get(f"/cards/{slug}")
        assert page.status_code == 410 and "withdrawn" in page.text and "GHZ-3 on IBM Kyiv" not in page.text
        badge = await anon.get(f"/badge/{slug}/fidelity.json")
        assert badge.status_code == 200 and badge.json()["message"] == "withdrawn"
        assert badge.json()["color"] == "lightgrey"

        restored = await publish(c, run_id, title="GHZ-3 on IBM Kyiv", license="MIT")
        assert (restored["change"], restored["version"], restored["state"]) == ("restored", 2, "published")
        assert restored["version_id"] == second["version_id"]
        assert (await anon.get(f"/api/v1/cards/{slug}")).status_code == 200
        assert (await anon.get(f"/badge/{slug}/fidelity.json")).json()["message"] == "no data"

        third = await publish(c, run_id, title="GHZ-3 on IBM Kyiv (2nd ed.)", license="MIT")
        assert (third["change"], third["version"]) == ("new_version", 3)


async def test_another_workspace_cannot_publish_or_unpublish_your_run(stack: Stack) -> None:
    owner, other = await stack.tenant(), await stack.tenant()
    async with stack.client(owner) as c, stack.client(other) as o:
        run_id = await ingest(c, bell())
        for path in ("publish", "unpublish"):
            r = await o.post(f"/api/v1/runs/{run_id}/card/{path}", json={"authors": AUTHORS})
            assert r.status_code == 404, (path, r.text)
        made = await publish(c, run_id)
        r = await o.post(f"/api/v1/runs/{run_id}/card/unpublish")
        assert r.status_code == 404
        assert (await o.get(f"/api/v1/cards/{made['slug']}")).status_code == 200  # still public
        unauthenticated = await httpx.AsyncClient(base_url=stack.base_url).post(f"/api/v1/runs/{run_id}/card/unpublish")
        assert unauthenticated.status_code == 401
        assert (
            await c.post("/api/v1/runs/01JNOSUCHRUN0000000000000/card/publish", json={"authors": AUTHORS})
        ).status_code == 404


@pytest.mark.parametrize(
    ("body", "fragment"),
    [
        ({"authors": []}, "authors"),
        ({"authors": [{"name": "A", "orcid": "0000-0002-1825-0098"}]}, "ORCID"),
        ({"authors": [{"name": "A"}], "license": "not-a-license"}, "SPDX"),
        ({"title": "no authors"}, "authors"),
    ],
)
async def test_invalid_publish_requests_are_422(stack: Stack, body: dict[str, object], fragment: str) -> None:
    t = await stack.tenant()
    async with stack.client(t) as c:
        run_id = await ingest(c, bell())
        r = await c.post(f"/api/v1/runs/{run_id}/card/publish", json=body)
        assert r.status_code == 422, r.text
        assert fragment.lower() in r.json()["detail"].lower()
        r = await c.post(f"/api/v1/runs/{run_id}/card/publish", content=b'{"authors": [')
        assert r.status_code == 400  # not JSON at all (decision 0018-validation-400-422)


async def test_slugs_are_unique_across_workspaces_even_when_published_concurrently(stack: Stack) -> None:
    tenants = [await stack.tenant() for _ in range(3)]
    clients = [stack.client(t) for t in tenants]
    try:
        run_ids = [await ingest(c, ghz("brisbane")) for c in clients]  # one bundle, three workspaces
        cards = await asyncio.gather(*(publish(c, r) for c, r in zip(clients, run_ids, strict=True)))
        again = await asyncio.gather(*(publish(clients[0], run_ids[0]) for _ in range(3)))
    finally:
        for c in clients:
            await c.aclose()
    slugs = [card["slug"] for card in cards]
    assert len(set(slugs)) == 3 and all(s.startswith("ghz-3-ibm-brisbane") for s in slugs)
    assert {a["concept_id"] for a in again} == {cards[0]["concept_id"]}  # one card per run


async def test_publishing_needs_the_cards_scope_and_reproducing_the_runs_write_scope(stack: Stack) -> None:
    async with stack.client() as c:
        user = await signup(stack, c)
        owner = {"Authorization": f"Bearer {user.session}"}
        r = await c.post(
            f"/api/v1/orgs/{user.org_id}/api-keys", headers=owner, json={"name": "reader", "scopes": ["runs:read"]}
        )
        assert r.status_code == 201, r.text
        reader = {"Authorization": f"Bearer {r.json()['api_key']}"}
        run = await c.post("/api/v1/ingest/runs", headers=owner, json=bell())
        run_id = run.json()["run_id"]
        for path in ("publish", "unpublish"):
            r = await c.post(f"/api/v1/runs/{run_id}/card/{path}", headers=reader, json={"authors": AUTHORS})
            assert r.status_code == 403 and r.json()["scope"] == "cards:publish", r.text
        made = (await c.post(f"/api/v1/runs/{run_id}/card/publish", headers=owner, json={"authors": AUTHORS})).json()
        r = await c.post(f"/api/v1/cards/{made['slug']}/reproductions", headers=reader, json={"run_id": run_id})
        assert r.status_code == 403 and r.json()["scope"] == "runs:write"
