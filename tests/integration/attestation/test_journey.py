"""A compliance officer's first session, over HTTP: enable, evaluate, read the gaps, fix one,
evaluate again, attest, verify (ours and independent code), tamper, revoke, the signed list."""

from __future__ import annotations

import base64
import hashlib
import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from cryptography.exceptions import InvalidSignature

from tests.fixtures import Stack
from tests.integration.attestation.helpers import (
    BASELINE,
    independent_inclusion,
    independent_merkle_root,
    independent_verify,
    run_document,
)

pytestmark = pytest.mark.integration


async def _last_seq(stack: Stack) -> int:
    return int((await stack.call("attestation", "ops.status")).json()["last_event_seq"])


def _controls(evaluation: dict[str, Any]) -> dict[str, str]:
    return {c["id"]: c["status"] for c in evaluation["controls"]}


async def test_enable_evaluate_fix_attest_verify_tamper_revoke(stack: Stack) -> None:
    t = await stack.tenant()
    ws = f"/api/v1/workspaces/{t.workspace_id}"
    async with stack.client(t) as c, stack.client() as public:
        catalogue = (await public.get("/api/v1/frameworks")).json()
        assert {f["id"] for f in catalogue} >= {BASELINE, "fair-research-data"}
        framework = (await public.get(f"/api/v1/frameworks/{BASELINE}")).json()
        assert framework["version"] == "1.0.0" and len(framework["digest"]) == 64
        assert {ctl["id"] for ctl in framework["controls"]} >= {"RB-1", "RB-8", "RB-9"}

        r = await c.post(f"{ws}/frameworks/{BASELINE}/enable")
        assert r.status_code == 201, r.text
        assert r.json()["changed"] is True and r.json()["framework_version"] == "1.0.0"
        again = await c.post(f"{ws}/frameworks/{BASELINE}/enable")
        assert again.status_code == 200 and again.json()["changed"] is False

        status = (await c.get(f"{ws}/compliance")).json()
        assert status["frameworks"][0]["status"] == "not_evaluated"

        assert (await c.post("/api/v1/ingest/runs", json=run_document())).status_code == 201

        # 1. evaluate: the run passes, the tenant's own key (admin scope, no expiry) does not
        first = (await c.post(f"{ws}/compliance/evaluate")).json()
        [result] = first["frameworks"]
        assert result["changed"] is True and result["status"] == "failing"
        status = (await c.get(f"{ws}/compliance")).json()["frameworks"][0]
        assert status["result_digest"] == result["result_digest"] and status["evaluated_at"]
        controls = _controls(status)
        assert controls["RB-1"] == controls["RB-2"] == controls["RB-3"] == controls["RB-4"] == "passing"
        assert controls["RB-6"] == "not_applicable"  # no published cards yet
        assert controls["RB-8"] == controls["RB-9"] == "failing"
        assert {c["id"]: c["evidence_count"] for c in status["controls"]}["RB-1"] == 1

        # 2. the gaps name the key and say what fixes it
        gaps = {g["control_id"]: g for g in (await c.get(f"{ws}/gaps")).json()["gaps"]}
        assert set(gaps) == {"RB-8", "RB-9"}
        [subject] = gaps["RB-9"]["failing"]
        assert subject["kind"] == "api_key" and subject["reason"] == "holds broad scopes: admin"
        assert t.api_key.startswith(subject["id"]) and "runs:write" in gaps["RB-9"]["remediation"]
        assert gaps["RB-8"]["failing"][0]["reason"] == "key never expires"

        # 3. fix: a scoped key that expires, and the admin key revoked
        expires = (datetime.now(UTC) + timedelta(days=90)).isoformat()
        created = await c.post(
            f"/api/v1/orgs/{t.org_id}/api-keys",
            json={"name": "ci", "scopes": ["runs:read", "runs:write", "attest:write"], "expires_at": expires},
        )
        assert created.status_code == 201, created.text
        assert (await c.delete(f"/api/v1/orgs/{t.org_id}/api-keys/{t.key_id}")).status_code == 204
    scoped = replace(t, key_id=created.json()["key_id"], api_key=created.json()["api_key"])

    async with stack.client(scoped) as c, stack.client() as public:
        second = (await c.post(f"{ws}/compliance/evaluate")).json()["frameworks"][0]
        assert second["changed"] is True and second["status"] == "passing"
        assert second["result_digest"] != result["result_digest"]
        assert (await c.get(f"{ws}/gaps")).json()["gaps"] == []

        # 4. unchanged state: same digest, no event appended
        before = await _last_seq(stack)
        third = (await c.post(f"{ws}/compliance/evaluate")).json()["frameworks"][0]
        assert third["changed"] is False and third["result_digest"] == second["result_digest"]
        assert third["evaluated_at"] == second["evaluated_at"]
        assert await _last_seq(stack) == before

        # 5. attest
        r = await c.post(f"{ws}/attestations", json={"framework_id": BASELINE})
        assert r.status_code == 201, r.text
        att = r.json()
        assert att["status"] == "passing" and att["result_digest"] == second["result_digest"]
        assert att["evidence_root"] == second["evidence_root"]
        envelope = att["envelope"]
        assert envelope["payloadType"] == "application/vnd.in-toto+json"
        assert await _last_seq(stack) == before + 1  # the attestation only: the evaluation was unchanged

        # 6. verify publicly
        v = (await public.get(f"/api/v1/attestations/{att['attestation_id']}/verify")).json()
        assert v["valid"] is True and v["revoked"] is False and v["evidence_checked"] is True
        assert v["evidence_root"] == att["evidence_root"] and v["signature_valid"] is True

        # 7. verify with independent code and the JWKS fetched over HTTP
        jwks = (await public.get("/.well-known/quantumledger-jwks.json")).json()
        statement = independent_verify(envelope, jwks)
        assert statement["_type"] == "https://in-toto.io/Statement/v1"
        assert statement["predicate"]["evidence_root"] == att["evidence_root"]
        assert statement["predicate"]["framework"]["id"] == BASELINE
        summary = (await c.get(f"/api/v1/attestations/{att['attestation_id']}")).json()["evidence"]
        assert summary["digest"] == statement["subject"][0]["digest"] and summary["count"] == 7
        bundle = await c.get(summary["url"])  # the signed bundle, streamed from the Object Store
        assert bundle.status_code == 200 and len(bundle.content) == summary["bytes"]
        assert hashlib.sha256(bundle.content).hexdigest() == statement["subject"][0]["digest"]["sha256"]
        evidence = bundle.json()
        root, digests = independent_merkle_root(evidence)
        assert root == att["evidence_root"] and statement["subject"][0]["digest"] == digests
        page = await c.get(summary["url"], params={"page": 0})
        assert page.json() == evidence and page.headers["x-evidence-pages"] == "1" and "link" not in page.headers
        assert (await c.get(summary["url"], params={"page": 1})).status_code == 404
        cached = await c.get(summary["url"], headers={"If-None-Match": bundle.headers["etag"]})
        assert cached.status_code == 304
        # one item disclosed alone, proven under the signed root
        for item in evidence:
            one = await c.get(f"/api/v1/attestations/{att['attestation_id']}", params={"evidence_id": item["id"]})
            assert one.status_code == 200, one.text
            assert one.json()["item"] == item and independent_inclusion(item, one.json()["proof"], root)
            forged = {**item, "facts": {**item["facts"], "forged": True}, "digest": item["digest"]}
            assert not independent_inclusion(forged, one.json()["proof"], root)
        missing = await c.get(f"/api/v1/attestations/{att['attestation_id']}", params={"evidence_id": "RB-1/run:x"})
        assert missing.status_code == 404

        # 8. tamper: a changed statement fails the independent check and ours
        tampered_statement = {**statement, "predicate": {**statement["predicate"], "status": "failing"}}
        tampered = {**envelope, "payload": base64.b64encode(json.dumps(tampered_statement).encode()).decode()}
        with pytest.raises(InvalidSignature):
            independent_verify(tampered, jwks)
        bad = (await public.post("/api/v1/attestations/verify", json={"envelope": tampered})).json()
        assert bad["valid"] is False and bad["signature_valid"] is False and bad["errors"]
        good = (await public.post("/api/v1/attestations/verify", json={"envelope": envelope})).json()
        assert good["valid"] is True and good["evidence_checked"] is True and good["known"] is True

        # 9. revoke: verify says so, with the reason and the time; revoking again changes nothing
        r = await c.post(f"/api/v1/attestations/{att['attestation_id']}/revoke", json={"reason": "control drill"})
        assert r.status_code == 200, r.text
        revoked = r.json()
        assert revoked["revoked"] is True and revoked["already_revoked"] is False
        v = (await public.get(f"/api/v1/attestations/{att['attestation_id']}/verify")).json()
        assert v["revoked"] is True and v["revocation_reason"] == "control drill"
        assert v["revoked_at"] == revoked["revoked_at"] and v["valid"] is True  # the signature still holds
        again = (await c.post(f"/api/v1/attestations/{att['attestation_id']}/revoke", json={"reason": "other"})).json()
        assert again["already_revoked"] is True and again["reason"] == "control drill"

        # 10. the signed revocation list names it and verifies with the JWKS alone
        await _check_revocation_list(public, jwks, att["attestation_id"], revoked["revoked_at"])


async def _check_revocation_list(public: httpx.AsyncClient, jwks: dict[str, Any], att_id: str, at: str) -> None:
    r = await public.get("/.well-known/quantumledger-revocations.json")
    assert r.status_code == 200 and r.headers["etag"]
    listed = independent_verify(r.json(), jwks)
    assert r.json()["payloadType"] == "application/vnd.quantumledger.revocations+json"
    assert listed["_type"] == "https://quantumledger.dev/attestation/revocations/v1"
    assert {"att_id": att_id, "reason": "control drill", "revoked_at": at} in listed["revocations"]
    assert listed["issued_at"] >= at
    cached = await public.get(
        "/.well-known/quantumledger-revocations.json", headers={"If-None-Match": r.headers["etag"]}
    )
    assert cached.status_code == 304


async def test_attesting_needs_an_enabled_framework_and_a_reason_to_revoke(stack: Stack) -> None:
    t = await stack.tenant()
    ws = f"/api/v1/workspaces/{t.workspace_id}"
    async with stack.client(t) as c:
        r = await c.post(f"{ws}/attestations", json={"framework_id": BASELINE})
        assert r.status_code == 409 and "enable" in r.json()["detail"]
        r = await c.post(f"{ws}/attestations", json={"framework_id": "no-such-framework"})
        assert r.status_code == 404
        assert (await c.post(f"{ws}/frameworks/no-such-framework/enable")).status_code == 404
        assert (await c.post(f"{ws}/frameworks/{BASELINE}/enable", json={"version": "9.9.9"})).status_code == 404
        assert (await c.post(f"{ws}/frameworks/{BASELINE}/enable")).status_code == 201
        att = (await c.post(f"{ws}/attestations", json={"framework_id": BASELINE})).json()
        assert att["status"] == "failing"  # an honest attestation of what is recorded: the key's gaps
        r = await c.post(f"/api/v1/attestations/{att['attestation_id']}/revoke", json={"reason": "  "})
        assert r.status_code == 422
        r = await c.post(f"/api/v1/attestations/{att['attestation_id']}/revoke", content=b"[1]")
        assert r.status_code == 422
        listed = (await c.get(f"{ws}/attestations")).json()
        assert [a["attestation_id"] for a in listed] == [att["attestation_id"]] and "evidence" not in listed[0]
    async with stack.client() as public:
        assert (await public.get("/api/v1/attestations/01JNOSUCHATTESTATION000000/verify")).status_code == 404
        assert (await public.get(f"/api/v1/attestations/{att['attestation_id']}")).status_code == 401
