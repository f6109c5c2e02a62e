"""/schema/openapi.json is a typed contract, and the API's real answers conform to it (issue 15, item 4).

Every operation has its request body and answers typed (JSON Schema from msgspec types), the
security it needs, problem+json errors with their statuses; the NDJSON stream is in it. Then
the answers of every operation, on the happy path and on errors, are checked against the
document: the status is documented, the media type is, and the body validates.
"""

from __future__ import annotations

from typing import Any

import httpx
import orjson
import pytest
from jsonschema import Draft202012Validator

from tests.fixtures import Stack
from tests.integration.platform.bundles import bundle

pytestmark = pytest.mark.integration

BASELINE = "reproducibility-baseline"
METHODS = ("get", "post", "put", "patch", "delete")


async def _document(stack: Stack) -> dict[str, Any]:
    async with stack.client() as c:
        r = await c.get("/schema/openapi.json")
    assert r.status_code == 200
    return dict(r.json())


def _operations(doc: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [(path, m, item[m]) for path, item in doc["paths"].items() for m in METHODS if m in item]


async def test_every_operation_is_typed(stack: Stack) -> None:
    doc = await _document(stack)
    assert doc["openapi"].startswith("3.1")
    schemes = doc["components"]["securitySchemes"]
    assert schemes["bearer"] == {**schemes["bearer"], "type": "http", "scheme": "bearer"}
    assert schemes["session"]["in"] == "cookie" and schemes["session"]["name"] == "ql_session"
    ops = _operations(doc)
    assert len(ops) >= 45
    for path, method, op in ops:
        where = f"{method.upper()} {path} ({op.get('operationId')})"
        assert op.get("operationId"), where
        responses = op["responses"]
        ok = {k: v for k, v in responses.items() if k.startswith("2")}
        assert ok, where
        for status, answer in ok.items():
            if status != "204":
                assert answer.get("content"), f"{where}: {status} has no typed content"
                for media, typed in answer["content"].items():
                    if media.endswith("json"):
                        assert typed.get("schema") not in (None, {}, {"type": "string"}), f"{where}: {media} untyped"
        assert "default" in responses, where
        for status, answer in responses.items():
            if status[0] in "45" or status == "default":
                assert list(answer["content"]) == ["application/problem+json"], f"{where}: {status}"
        if op.get("security") != []:
            assert {"401", "403"} <= set(responses), where
        if method == "post" and path != "/api/v1/auth/logout" and not path.endswith(("/evaluate", "/compliance")):
            body = op.get("requestBody")
            if body is not None:
                assert body["content"], where
                line_by_line = "application/x-ndjson" in body["content"]  # each line's problem is in the 200
                assert {"415"} | (set() if line_by_line else {"400", "422"}) <= set(responses), where
    for op_id in ("ingestRun", "publishCard", "reproduceRun", "issueAttestation", "revokeAttestation", "register"):
        op = next(o for _, _, o in ops if o.get("operationId") == op_id)
        assert op["requestBody"]["content"]["application/json"]["schema"], op_id
    stream = doc["paths"]["/api/v1/ingest/runs:stream"]["post"]
    assert "application/x-ndjson" in stream["requestBody"]["content"]
    assert "application/x-ndjson" in stream["responses"]["200"]["content"]


def _check(doc: dict[str, Any], path: str, method: str, r: httpx.Response) -> None:
    """``r`` is an answer the document allows: its status, its media type, and its body's schema."""
    op = doc["paths"][path][method]
    where = f"{method.upper()} {path} -> {r.status_code}"
    answer = op["responses"].get(str(r.status_code)) or op["responses"].get("default")
    assert answer is not None, f"{where}: status not documented"
    if r.status_code in (204, 304):
        return
    media = r.headers["content-type"].split(";")[0].strip()
    content = answer.get("content", {})
    assert media in content, f"{where}: {media} not documented ({list(content)})"
    schema = content[media]["schema"]
    if media.startswith("text/") or "yaml" in media or "bibtex" in media or "research-info" in media:
        return
    body = [orjson.loads(x) for x in r.text.splitlines() if x] if media == "application/x-ndjson" else r.json()
    validator = Draft202012Validator({**schema, "components": doc["components"]})
    for item in body if media == "application/x-ndjson" else [body]:
        errors = sorted(validator.iter_errors(item), key=lambda e: list(e.path))
        assert not errors, f"{where}: {errors[0].message} at {list(errors[0].path)}"


async def test_real_answers_conform_to_the_document(stack: Stack) -> None:
    doc = await _document(stack)
    t = await stack.tenant()
    seen: set[str] = set()

    async with stack.client(t) as c, stack.client() as anon:

        async def call(
            template: str, method: str = "get", path: str | None = None, client: Any = None, **kw: Any
        ) -> httpx.Response:
            r = await (client or c).request(method.upper(), path or template, **kw)
            _check(doc, template, method, r)
            seen.add(doc["paths"][template][method]["operationId"])
            return r

        r = await call("/api/v1/ingest/runs", "post", json=bundle("openapi"))
        run_id = r.json()["run_id"]
        await call("/api/v1/ingest/runs", "post", json=bundle("openapi"))  # 200, deduplicated
        await call("/api/v1/ingest/runs", "post", content=b"{broken")  # 400
        await call("/api/v1/ingest/runs", "post", content=b"{}", headers={"Content-Type": "text/plain"})  # 415
        await call("/api/v1/ingest/runs", "post", json={"schema": "qlprov/run/1.0"})  # 422
        await call("/api/v1/ingest/runs", "post", client=anon, json=bundle("anon"))  # 401
        lines = orjson.dumps(bundle("openapi-stream")) + b"\n{broken\n"
        await call(
            "/api/v1/ingest/runs:stream", "post", content=lines, headers={"Content-Type": "application/x-ndjson"}
        )
        await stack.wait_caught_up("card")
        await call("/api/v1/runs")
        await call("/api/v1/runs", path="/api/v1/runs?limit=0")  # 422
        await call("/api/v1/runs/{run_id}", path=f"/api/v1/runs/{run_id}")
        await call("/api/v1/runs/{run_id}", path="/api/v1/runs/01NOSUCHRUN")  # 404
        await call("/api/v1/me")
        await call("/api/v1/health", client=anon)
        r = await call(
            "/api/v1/runs/{run_id}/card/publish",
            "post",
            path=f"/api/v1/runs/{run_id}/card/publish",
            json={"authors": [{"name": "Ada"}]},
        )
        slug = r.json()["slug"]
        card = f"/api/v1/cards/{slug}"
        await call("/api/v1/cards/{slug}", path=card, client=anon)
        for fmt in ("bibtex", "csl", "ris", "cff"):
            await call("/api/v1/cards/{slug}/citation", path=f"{card}/citation?format={fmt}", client=anon)
        await call("/api/v1/cards/{slug}/embed", path=f"{card}/embed?format=json", client=anon)
        await call("/api/v1/cards/{slug}/embed", path=f"{card}/embed", client=anon)
        await call("/api/v1/cards/{slug}/provenance", path=f"{card}/provenance", client=anon)
        await call(
            "/api/v1/cards/{slug}/reproductions",
            "post",
            path=f"{card}/reproductions",
            json=bundle("openapi-reproduction"),
        )
        await call("/api/v1/runs/{run_id}/report", path=f"/api/v1/runs/{run_id}/report")
        await call("/api/v1/runs/{run_id}/reproduce", "post", path=f"/api/v1/runs/{run_id}/reproduce", json={})
        keys = f"/api/v1/orgs/{t.org_id}/api-keys"
        await call("/api/v1/orgs/{org_id}/api-keys", path=keys)
        await call("/api/v1/orgs/{org_id}/api-keys", "post", path=keys, json={"name": "x", "scopes": ["runs:read"]})
        await call("/api/v1/leaderboard", client=anon)
        await call("/api/v1/leaderboard/methodology", client=anon)
        await call(
            "/api/v1/backends/{provider}/{backend_id}/trend", path="/api/v1/backends/ibm/ibm_kyiv/trend", client=anon
        )
        await call("/api/v1/frameworks", client=anon)
        await call("/api/v1/frameworks/{fw_id}", path=f"/api/v1/frameworks/{BASELINE}", client=anon)
        ws = f"/api/v1/workspaces/{t.workspace_id}"
        await call(
            "/api/v1/workspaces/{ws_id}/frameworks/{fw_id}/enable", "post", path=f"{ws}/frameworks/{BASELINE}/enable"
        )
        await call("/api/v1/workspaces/{ws_id}/compliance/evaluate", "post", path=f"{ws}/compliance/evaluate")
        await call("/api/v1/workspaces/{ws_id}/compliance", path=f"{ws}/compliance")
        await call("/api/v1/workspaces/{ws_id}/gaps", path=f"{ws}/gaps")
        r = await call(
            "/api/v1/workspaces/{ws_id}/attestations",
            "post",
            path=f"{ws}/attestations",
            json={"framework_id": BASELINE},
        )
        att = r.json()["attestation_id"]
        await call("/api/v1/workspaces/{ws_id}/attestations", path=f"{ws}/attestations")
        await call("/api/v1/attestations/{att_id}", path=f"/api/v1/attestations/{att}")
        await call("/api/v1/attestations/{att_id}/verify", path=f"/api/v1/attestations/{att}/verify", client=anon)
        await call("/api/v1/attestations/{att_id}/evidence", path=f"/api/v1/attestations/{att}/evidence")
        await call("/api/v1/attestations/{att_id}/envelope", path=f"/api/v1/attestations/{att}/envelope", client=anon)
        await call("/api/v1/attestations/verify", "post", client=anon, json={"envelope": r.json()["envelope"]})
        await call("/.well-known/quantumledger-jwks.json", client=anon)
        await call("/.well-known/quantumledger-revocations.json", client=anon)
        await call("/api/v1/trust/{org_slug}", path=f"/api/v1/trust/{t.org_slug}", client=anon)
        await call(
            "/api/v1/attestations/{att_id}/revoke",
            "post",
            path=f"/api/v1/attestations/{att}/revoke",
            json={"reason": "x"},
        )
        await call("/api/v1/workspaces/{ws_id}/transparency", path=f"{ws}/transparency")
        await call(
            "/api/v1/workspaces/{ws_id}/transparency",
            "post",
            path=f"{ws}/transparency",
            json={"run_commitments": False},
        )
        await call("/.well-known/quantumledger-log.json", client=anon)
        await call("/api/v1/log/entries/{index}", path="/api/v1/log/entries/0", client=anon)
        await call("/api/v1/log/bundle", path=f"/api/v1/log/bundle?kind=card&subject={slug}", client=anon)
        await call("/api/v1/log/proof/inclusion", path="/api/v1/log/proof/inclusion?index=0&size=1", client=anon)
        await call("/api/v1/log/proof/consistency", path="/api/v1/log/proof/consistency?from=1&to=1", client=anon)
        await call(
            "/api/v1/runs/{run_id}/card/unpublish",
            "post",
            path=f"/api/v1/runs/{run_id}/card/unpublish",
            json={"reason": "x"},
        )
        email = f"openapi-{t.org_slug}@example.org"
        register = {"email": email, "password": "correct horse battery", "name": "Eve", "org_name": "Eve Lab"}
        await call("/api/v1/auth/register", "post", client=anon, json=register)  # 202
        await call("/api/v1/auth/register", "post", client=anon, json={"email": email})  # 422
        await call("/api/v1/auth/login", "post", client=anon, json={"email": email, "password": "wrong password!"})
        await call("/api/v1/auth/verify-email", "post", client=anon, json={"token": "not-a-token"})
        await call("/api/v1/auth/logout", "post", client=anon)  # 401
        await call("/api/v1/reproductions/{job_id}", path="/api/v1/reproductions/01NOSUCHJOB")  # 404
        key = (await c.post(keys, json={"name": "gone", "scopes": ["runs:read"]})).json()["key_id"]
        await call("/api/v1/orgs/{org_id}/api-keys/{key_id}", "delete", path=f"{keys}/{key}")  # 204
        org = f"/api/v1/orgs/{t.org_id}"
        await call("/api/v1/orgs/{org_id}/members", path=f"{org}/members")
        r = await call(
            "/api/v1/orgs/{org_id}/invitations",
            "post",
            path=f"{org}/invitations",
            json={"email": f"invited-{t.org_slug}@example.org", "role": "viewer"},
        )
        await call("/api/v1/orgs/{org_id}/invitations", "post", path=f"{org}/invitations", json={"email": "x"})  # 422
        await call("/api/v1/orgs/{org_id}/invitations", path=f"{org}/invitations")
        inv = f"{org}/invitations/{r.json()['invitation_id']}"
        await call("/api/v1/orgs/{org_id}/invitations/{invitation_id}", "delete", path=inv)  # 204
        nobody = f"{org}/members/acc_01NOSUCHACCOUNT"
        await call("/api/v1/orgs/{org_id}/members/{account_id}", "patch", path=nobody, json={"role": "viewer"})  # 404
        await call("/api/v1/orgs/{org_id}/members/{account_id}", "delete", path=nobody)  # 404
        token = "ql_invite_" + "A" * 49
        await call("/api/v1/invitations/accept", "post", json={"token": token})  # 403: a key is no person
    every = {op["operationId"] for _, _, op in _operations(doc)}
    assert seen == every, sorted(every - seen)
