"""Read your writes after a reproduction (issue 14, item 8): once ``POST /runs/{id}/reproduce``
answers with a verdict, the reproduced run, the report, the card, its page and its badges already
show it, read at once, every time (issue 14 measured 534 of 600 immediate ``GET /runs/{id}`` 404s
and a report, card and badge 1-3 s behind). Also: what the reproduction is (a simulated one) shows
everywhere a person looks, and the run list keeps it apart from the lab's own runs."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from tests.fixtures import Stack
from tests.integration.card.helpers import publish
from tests.integration.reproduce.helpers import ghz, ingest, reproduce

pytestmark = pytest.mark.integration

ROUNDS = 20


async def test_every_read_right_after_a_verdict_sees_it(stack: Stack) -> None:
    t = await stack.tenant()
    misses: dict[str, int] = {"run": 0, "report": 0, "job": 0, "card": 0, "page": 0, "badge": 0}
    async with stack.client(t) as c, stack.client() as anon:
        run_id = (await ingest(c, ghz(3, "kyiv", shots=1024, seed=21)))["run_id"]
        slug = (await publish(c, run_id, title="Read your writes"))["slug"]
        badge_url = f"/badge/{slug}/reproduced.json"
        assert (await anon.get(badge_url)).json()["message"] == "not yet"  # now cached in the gateway
        answered = 0
        for i in range(ROUNDS):
            r = await reproduce(c, run_id, 30, "typical", seed=1000 + i, prefer="wait=60")
            assert r.status_code == 200, r.text  # a verdict, not a 202
            out = r.json()
            answered += 1
            assert out["verdict"] in ("reproduced", "drifted", "failed") and out["card_slug"] == slug
            # every read at once, all at the same moment
            run, report, job, card, page, badge = await asyncio.gather(
                c.get(f"/api/v1/runs/{out['reproduced_run_id']}"),
                c.get(f"/api/v1/runs/{run_id}/report"),
                c.get(out["location"]),
                anon.get(f"/api/v1/cards/{slug}"),
                anon.get(f"/cards/{slug}"),
                anon.get(badge_url),
            )
            misses["run"] += run.status_code != 200
            jobs = {j["job_id"]: j for j in report.json()["reproductions"]} if report.status_code == 200 else {}
            seen = jobs.get(out["job_id"], {})
            misses["report"] += (seen.get("status"), seen.get("verdict")) != ("completed", out["verdict"])
            misses["job"] += job.status_code != 200 or job.json().get("verdict") != out["verdict"]
            listed = {x["reproduction_id"]: x for x in card.json().get("reproduction_list", [])}
            mine = listed.get(out["job_id"], {})
            misses["card"] += (mine.get("verdict"), mine.get("kind"), mine.get("submitted_by")) != (
                out["verdict"],
                "simulated",
                "owner",
            )
            misses["page"] += page.text.count('<tr class="simulated">') != i + 1
            # the badge the gateway serves is the card service's rendering of the card as it is now
            fresh = await stack.call("card", "cards.badge", {"slug": slug, "badge": "reproduced.json"})
            misses["badge"] += badge.status_code != 200 or badge.json() != fresh.json()
        assert answered == ROUNDS
        assert misses == dict.fromkeys(misses, 0), misses
        # a simulated reproduction says what it is on the card and its badges, and never counts
        assert (await anon.get(badge_url)).json()["message"] == "not yet"
        summary = (await anon.get(f"/api/v1/cards/{slug}")).json()["reproductions"]
        assert (summary["simulated"], summary["independent"], summary["count"]) == (ROUNDS, 0, ROUNDS)


async def test_simulated_reproductions_are_listed_only_when_asked_for(stack: Stack) -> None:
    t = await stack.tenant()
    async with stack.client(t) as c:
        run_id = (await ingest(c, ghz(3, "kyiv", shots=1024, seed=22)))["run_id"]
        outs: list[dict[str, Any]] = []
        for seed in (1, 2):
            r = await reproduce(c, run_id, 90, "bad_day", seed=seed, prefer="wait=60")
            assert r.status_code == 200, r.text
            outs.append(r.json())
        default = (await c.get("/api/v1/runs")).json()
        assert [x["run_id"] for x in default] == [run_id] and default[0]["kind"] == "original"
        simulated = (await c.get("/api/v1/runs?kind=simulated")).json()
        assert {x["run_id"] for x in simulated} == {o["reproduced_run_id"] for o in outs}
        assert {x["kind"] for x in simulated} == {"simulated"}
        every = (await c.get("/api/v1/runs?kind=all&limit=2")).json()
        assert len(every) == 2  # a page of both kinds, newest first; the next page has the original
        page2 = await c.get("/api/v1/runs?kind=all&limit=2")
        assert page2.links.get("next") and "kind=all" in page2.links["next"]["url"]
        rest = (await c.get(page2.links["next"]["url"])).json()
        assert [x["run_id"] for x in rest] == [run_id]
        assert (await c.get("/api/v1/runs?kind=bogus")).status_code == 422
        report = (await c.get(f"/api/v1/runs/{run_id}/report")).json()
        assert {(j["kind"], j["requested_by"] != "") for j in report["reproductions"]} == {("simulated", True)}
        html = (await c.get(f"/api/v1/runs/{run_id}/report?format=html")).text
        assert "simulated" in html and "never independent ones" in html
