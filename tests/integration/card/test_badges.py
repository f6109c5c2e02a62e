"""Badges fetched the way shields.io and a CDN fetch them: anonymous, conditional, cacheable."""

from __future__ import annotations

import base64
import json
import xml.etree.ElementTree as ET
from typing import Any

import pytest
from qlcore import bus as qlbus
from qlcore.busauth import TEST
from qlcore.events.attestation import AttestationIssued, AttestationRevoked
from qlcore.events.reproduce import ReproductionCompleted

from services.card.domain.badges import validate_endpoint
from tests.fixtures import Stack
from tests.integration.card.helpers import eventually, ghz, ingest, publish

pytestmark = pytest.mark.integration

KINDS = ("provenance", "reproduced", "fidelity", "backend", "attested")


def _envelope(status: str, controls: list[str]) -> dict[str, Any]:
    """A DSSE envelope whose statement states the framework status and each control's status."""
    statement = {
        "_type": "https://in-toto.io/Statement/v1",
        "predicate": {"status": status, "controls": [{"id": f"c{i}", "status": c} for i, c in enumerate(controls)]},
    }
    payload = base64.b64encode(json.dumps(statement).encode()).decode()
    return {"payload": payload, "payloadType": "application/vnd.in-toto+json", "signatures": []}


@pytest.fixture(scope="module")
async def card(stack: Stack) -> dict[str, Any]:
    t = await stack.tenant()
    async with stack.client(t) as c:
        run_id = await ingest(c, ghz("kyiv", seed=4242))
        made = await publish(c, run_id)
    return {**made, "tenant": t, "run_id": run_id}


@pytest.mark.parametrize("kind", KINDS)
async def test_badges_are_cdn_cacheable_and_conditional(stack: Stack, card: dict[str, Any], kind: str) -> None:
    async with stack.client() as anon:
        for ext in ("svg", "json"):
            url = f"/badge/{card['slug']}/{kind}.{ext}"
            r = await anon.get(url)
            assert r.status_code == 200, r.text
            assert "set-cookie" not in r.headers
            cache_control = r.headers["cache-control"]
            assert cache_control.startswith("public, max-age=300, stale-while-revalidate=")
            etag = r.headers["etag"]
            assert etag.startswith('"') and not etag.startswith("W/")
            assert int(r.headers["content-length"]) == len(r.content)
            if ext == "svg":
                assert r.headers["content-type"].startswith("image/svg+xml")
                root = ET.fromstring(r.content)
                assert root.tag == "{http://www.w3.org/2000/svg}svg" and int(root.attrib["height"]) == 20
            else:
                endpoint = validate_endpoint(r.json())  # shields' own rules
                assert endpoint.label == kind and endpoint.cache_seconds == 300
            for inm in (etag, f"W/{etag}", f'"other", {etag}', "*"):
                cond = await anon.get(url, headers={"If-None-Match": inm})
                assert cond.status_code == 304 and cond.content == b"", inm
                assert cond.headers["etag"] == etag and cond.headers["cache-control"] == cache_control
            changed = await anon.get(url, headers={"If-None-Match": '"stale"'})
            assert changed.status_code == 200 and changed.content == r.content
            head = await anon.head(url)
            assert head.status_code == 200 and head.content == b"" and head.headers["etag"] == etag


async def test_badge_messages_and_errors(stack: Stack, card: dict[str, Any]) -> None:
    slug = card["slug"]
    async with stack.client() as anon:
        got = {k: (await anon.get(f"/badge/{slug}/{k}.json")).json() for k in KINDS}
        assert got["provenance"]["message"] == "verified" and got["provenance"]["color"] == "brightgreen"
        assert got["backend"]["message"] == "ibm/ibm_kyiv"
        assert got["reproduced"]["message"] == "not yet" and got["attested"]["message"] == "none"
        missing = await anon.get("/badge/no-such-card/provenance.svg")
        assert missing.status_code == 404 and b"card not found" in missing.content
        assert (await anon.get(f"/badge/{slug}/nonsense.json")).status_code == 404
        assert (await anon.get(f"/badge/{slug}/provenance.png")).status_code == 404
        assert (await anon.post(f"/badge/{slug}/provenance.svg")).status_code == 405


async def test_reproduce_service_results_and_attestations_reach_the_badges(stack: Stack, card: dict[str, Any]) -> None:
    """Events of other services change a card's badges; the gateway's cache learns it from the
    card service's change notice, without any request to the card routes."""
    slug = card["slug"]
    url = f"/badge/{slug}/reproduced.json"
    bus = await qlbus.connect(stack.settings, "test-card-badges", user=TEST)
    try:
        async with stack.client(card["tenant"]) as c, stack.client() as anon:
            assert (await anon.get(url)).json()["message"] == "not yet"  # cached in the gateway now
            drifted = ghz("kyiv", seed=99)
            drifted["results"]["counts"] = {"000": 1800, "111": 1800, "010": 496}
            drifted.pop("run_hash", None)
            reproduced_run = await ingest(c, drifted)
            await stack.wait_caught_up("card")
            run = (await anon.get(f"/api/v1/cards/{slug}")).json()["run"]
            await bus.append(
                ReproductionCompleted.new(
                    actor="service:reproduce",
                    workspace_id=card["tenant"].workspace_id,
                    job_id="job-badge-1",
                    run_id=card["run_id"],
                    run_hash=run["run_hash"],
                    reproduced_run_id=reproduced_run,
                    reproduced_run_hash="f" * 64,
                    days=90,
                    profile="bad_day",
                    seed=7,
                    verdict="drifted",
                    hellinger_fidelity=0.934,
                    noise_floor=0.0009,
                )
            )

            async def shows_reproduction() -> bool:
                listed = (await anon.get(f"/api/v1/cards/{slug}")).json()["reproduction_list"]
                return len(listed) == 1

            await eventually(shows_reproduction)
            listed = (await anon.get(f"/api/v1/cards/{slug}")).json()["reproduction_list"]
            assert [(i["verdict"], i["backend"], i["kind"], i["submitted_by"], i["method"]) for i in listed] == [
                ("drifted", "ibm/ibm_kyiv", "simulated", "owner", "drift simulation")
            ]
            # the owner's drift simulation is no reproduction: the badges say so (issue 14: "1 · best 0.934")
            assert (await anon.get(url)).json() | {"cacheSeconds": 0} == {
                "schemaVersion": 1,
                "label": "reproduced",
                "message": "not yet",
                "color": "lightgrey",
                "cacheSeconds": 0,
            }
            assert (await anon.get(f"/badge/{slug}/fidelity.json")).json()["message"] == "no data"

            attested = f"/badge/{slug}/attested.json"
            ws = card["tenant"].workspace_id

            async def issue(attestation_id: str, framework: str, status: str, controls: list[str]) -> None:
                await bus.append(
                    AttestationIssued.new(
                        actor="service:attestation",
                        workspace_id=ws,
                        attestation_id=attestation_id,
                        framework_id=framework,
                        framework_version="1.0.0",
                        evidence_root="0" * 64,
                        keyid="k1",
                        envelope=_envelope(status, controls),
                        status=status,
                    )
                )

            async def revoke(attestation_id: str) -> None:
                await bus.append(
                    AttestationRevoked.new(
                        actor="service:attestation", workspace_id=ws, attestation_id=attestation_id, reason="test"
                    )
                )

            async def badge_is(message: str, color: str) -> None:
                async def now() -> bool:
                    got = (await anon.get(attested)).json()
                    return bool(got["message"] == message and got["color"] == color)

                await eventually(now)

            # a failing attestation (1 of 3 applicable controls pass) is red, never green
            await issue(
                "att-card-1", "reproducibility-baseline", "failing", ["passing", "failing", "failing", "not_applicable"]
            )
            await badge_is("failing (1 of 3 controls pass)", "red")
            svg = (await anon.get(f"/badge/{slug}/attested.svg")).text
            assert "failing (1 of 3 controls pass)" in svg and "#dd4343" in svg and "#4b0" not in svg
            # another framework passing does not hide the failing one
            await issue("att-card-2", "eu-ai-act", "passing", ["passing", "passing"])
            await badge_is("failing (1 of 3 controls pass)", "red")
            page = (await anon.get(f"/cards/{slug}")).text
            assert "attested: failing (1 of 3 controls pass)" in page
            await revoke("att-card-1")
            await badge_is("eu-ai-act passing", "brightgreen")
            await revoke("att-card-2")
            await badge_is("revoked", "orange")
    finally:
        await bus.close()
