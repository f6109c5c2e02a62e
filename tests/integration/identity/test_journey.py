"""Issue 3, "How it will be checked", as a new user takes the steps over HTTP."""

from __future__ import annotations

import asyncio
import uuid

import pytest

from tests.fixtures import Stack
from tests.integration.identity.helpers import (
    PASSWORD,
    bundle,
    outbox_mails,
    signup,
    verification_token,
    wait_for_mail,
)

pytestmark = pytest.mark.integration


async def test_register_verify_login_key_me_ingest_logout_revoke(stack: Stack) -> None:
    email = f"ada-{uuid.uuid4().hex[:8]}@Lab.Example"
    async with stack.client() as c:
        r = await c.post(
            "/api/v1/auth/register",
            json={"email": email, "password": PASSWORD, "name": "Ada", "org_name": "Zürich Quantum Lab"},
        )
        assert r.status_code == 202, r.text
        assert r.headers["cache-control"] == "no-store"
        address = email.lower()

        # unverified: a clear problem, after the password was checked
        r = await c.post("/api/v1/auth/login", json={"email": address, "password": PASSWORD})
        assert r.status_code == 403
        assert r.headers["content-type"].startswith("application/problem+json")
        assert r.json()["type"].endswith("/email-not-verified")

        mail = await wait_for_mail(stack, address)
        assert "Confirm your email address" in mail["Subject"]
        token = verification_token(mail)
        r = await c.post("/api/v1/auth/verify-email", json={"token": token})
        assert r.status_code == 200 and r.json() == {"verified": True, "email": address}
        r = await c.post("/api/v1/auth/verify-email", json={"token": token})
        assert r.status_code == 401 and r.json()["type"].endswith("/token-used")

        r = await c.post("/api/v1/auth/login", json={"email": email, "password": PASSWORD})
        assert r.status_code == 200, r.text
        login = r.json()
        session = login["token"]
        assert session.startswith("ql_sess_")
        cookie = r.headers["set-cookie"]
        assert cookie.startswith(f"ql_session={session};")
        assert {"httponly", "secure", "samesite=lax", "path=/"} <= {p.strip().lower() for p in cookie.split(";")}
        s_headers = {"Authorization": f"Bearer {session}"}

        me = (await c.get("/api/v1/me", headers=s_headers)).json()
        assert me["account"] == {"id": login["account_id"], "email": address, "name": "Ada", "email_verified": True}
        assert me["org"]["slug"] == "zurich-quantum-lab" or me["org"]["slug"].startswith("zurich-quantum-lab-")
        assert me["org"]["id"] == login["org_id"]
        assert me["workspace"]["id"] == login["workspace_id"] and me["workspace"]["slug"] == "default"
        assert me["role"] == "owner" and me["auth"]["type"] == "session"
        assert me["plan"]["name"] == "free"
        assert me["plan"]["features"]["attestations"] is False and me["plan"]["features"]["reproductions"] is True
        assert me["plan"]["limits"]["runs_per_month"] == 1000
        assert me["plan"]["usage"]["runs_per_month"] == 0

        org = login["org_id"]
        r = await c.post(
            f"/api/v1/orgs/{org}/api-keys",
            headers=s_headers,
            json={"name": "laptop", "scopes": ["runs:read", "runs:write"]},
        )
        assert r.status_code == 201, r.text
        created = r.json()
        key = created["api_key"]
        assert key.startswith("ql_live_") and created["prefix"] == key[:12]
        assert r.headers["cache-control"] == "no-store"
        listed = (await c.get(f"/api/v1/orgs/{org}/api-keys", headers=s_headers)).json()
        assert [k["key_id"] for k in listed] == [created["key_id"]]
        assert key not in str(listed) and listed[0]["status"] == "active"
        assert set(listed[0]) >= {"prefix", "scopes", "workspace", "created_at", "expires_at", "revoked_at"}

        k_headers = {"Authorization": f"Bearer {key}"}
        me_key = (await c.get("/api/v1/me", headers=k_headers)).json()
        assert me_key["auth"] == {"type": "api_key", "key_id": created["key_id"], "session_id": None}
        assert me_key["account"]["email"] == address and me_key["scopes"] == ["runs:read", "runs:write"]

        r = await c.post("/api/v1/ingest/runs", headers=k_headers, json=bundle(f"journey {email}"))
        assert r.status_code == 201, r.text
        run_id = r.json()["run_id"]
        await stack.wait_caught_up("provenance")
        await stack.wait_caught_up("gateway")
        runs = (await c.get("/api/v1/runs", headers=k_headers)).json()
        assert [x["run_id"] for x in runs] == [run_id]
        me = (await c.get("/api/v1/me", headers=s_headers)).json()
        assert me["plan"]["usage"]["runs_per_month"] == 1

        # the cookie alone authenticates too
        r = await c.get("/api/v1/me", headers={"Cookie": f"ql_session={session}"})
        assert r.status_code == 200 and r.json()["auth"]["type"] == "session"

        # logout: the very next call with the session, bearer or cookie, is refused
        r = await c.post("/api/v1/auth/logout", headers=s_headers)
        assert r.status_code == 204
        assert "max-age=0" in r.headers["set-cookie"].lower()
        r = await c.get("/api/v1/me", headers=s_headers)
        assert r.status_code == 401 and r.headers["www-authenticate"].startswith("Bearer")
        assert (await c.get("/api/v1/me", headers={"Cookie": f"ql_session={session}"})).status_code == 401

        # the key outlives the session; revoking it (from a new session) stops it at once
        r = await c.post("/api/v1/auth/login", json={"email": address, "password": PASSWORD})
        s2 = {"Authorization": f"Bearer {r.json()['token']}"}
        assert (await c.get("/api/v1/runs", headers=k_headers)).status_code == 200
        r = await c.delete(f"/api/v1/orgs/{org}/api-keys/{created['key_id']}", headers=s2)
        assert r.status_code == 204
        r = await c.get("/api/v1/runs", headers=k_headers)
        assert r.status_code == 401 and r.json()["type"].endswith("/token-revoked")
        listed = (await c.get(f"/api/v1/orgs/{org}/api-keys", headers=s2)).json()
        assert listed[0]["status"] == "revoked" and listed[0]["revoked_at"]
        assert (await c.delete(f"/api/v1/orgs/{org}/api-keys/{created['key_id']}", headers=s2)).status_code == 204


async def test_registering_an_address_twice_reveals_nothing(stack: Stack) -> None:
    async with stack.client() as c:
        user = await signup(stack, c)
        body = {"email": user.email, "password": "another fine password", "name": "Mallory", "org_name": "Evil"}
        r1 = await c.post("/api/v1/auth/register", json=body)
        fresh = {**body, "email": f"new-{user.email}"}
        r2 = await c.post("/api/v1/auth/register", json=fresh)
        assert r1.status_code == r2.status_code == 202
        assert r1.json() == r2.json()
        note = await wait_for_mail(stack, user.email, count=2)
        assert "already have" in note["Subject"]
        assert "ql_verify_" not in note.get_body(preferencelist=("plain",)).get_content()  # type: ignore[union-attr]
        # the existing account is untouched: its password still works, the new one does not
        r = await c.post("/api/v1/auth/login", json={"email": user.email, "password": "another fine password"})
        assert r.status_code == 401
        r = await c.post("/api/v1/auth/login", json={"email": user.email, "password": user.password})
        assert r.status_code == 200


async def test_an_unverified_address_registered_again_gets_a_new_link_that_supersedes(stack: Stack) -> None:
    email = f"late-{uuid.uuid4().hex[:8]}@lab.example"
    body = {"email": email, "password": PASSWORD, "name": "Grace", "org_name": "Late Lab"}
    async with stack.client() as c:
        assert (await c.post("/api/v1/auth/register", json=body)).status_code == 202
        assert (await c.post("/api/v1/auth/register", json=body)).status_code == 202
        first = verification_token(await wait_for_mail(stack, email, 1))
        second = verification_token(await wait_for_mail(stack, email, 2))
        assert first != second and len(outbox_mails(stack, email)) == 2
        r = await c.post("/api/v1/auth/verify-email", json={"token": first})
        assert r.status_code == 401 and r.json()["type"].endswith("/token-expired")
        assert (await c.post("/api/v1/auth/verify-email", json={"token": second})).status_code == 200
        # one account, one org: the second registration created nothing
        r = await c.post("/api/v1/auth/login", json={"email": email, "password": PASSWORD})
        assert r.status_code == 200


async def test_bad_input_is_a_422_or_401_problem(stack: Stack) -> None:
    async with stack.client() as c:
        r = await c.post(
            "/api/v1/auth/register", json={"email": "x@lab.example", "password": "short", "name": "X", "org_name": "X"}
        )
        assert r.status_code == 422 and r.json()["rule"] == "too_short"
        r = await c.post(
            "/api/v1/auth/register",
            json={"email": "not-an-address", "password": PASSWORD, "name": "X", "org_name": "X"},
        )
        assert r.status_code == 422
        r = await c.post("/api/v1/auth/verify-email", json={"token": "ql_verify_typo"})
        assert r.status_code == 401 and r.json()["type"].endswith("/invalid-token")
        r = await c.get("/api/v1/me", headers={"Authorization": "Bearer ql_live_nope"})
        assert r.status_code == 401
        r = await c.get("/api/v1/me")
        assert r.status_code == 401


async def test_logout_with_an_api_key_is_refused_and_the_key_keeps_working(stack: Stack) -> None:
    t = await stack.tenant()
    async with stack.client(t) as c:
        r = await c.post("/api/v1/auth/logout")
        assert r.status_code == 422
        assert (await c.get("/api/v1/me")).status_code == 200


async def test_the_mails_link_opens_a_page_whose_button_verifies(stack: Stack) -> None:
    email = f"page-{uuid.uuid4().hex[:8]}@lab.example"
    body = {"email": email, "password": PASSWORD, "name": "Emmy <Noether>", "org_name": "Page Lab"}
    async with stack.client() as c:
        assert (await c.post("/api/v1/auth/register", json=body)).status_code == 202
        mail = await wait_for_mail(stack, email)
        link = next(
            line.strip()
            for line in mail.get_body(("plain",)).get_content().splitlines()  # type: ignore[union-attr]
            if "/verify-email?token=" in line
        )
        token = verification_token(mail)
        for _ in range(2):  # a link scanner's fetch does not spend the token
            page = await c.get(link.removeprefix(stack.base_url))
            assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
            assert f'value="{token}"' in page.text and 'method="post"' in page.text
        done = await c.post("/verify-email", data={"token": token})
        assert done.status_code == 200 and f"{email} is verified" in done.text
        again = await c.post("/verify-email", data={"token": token})
        assert again.status_code == 401 and "already been used" in again.text
        assert (await c.post("/api/v1/auth/login", json={"email": email, "password": PASSWORD})).status_code == 200


async def test_concurrent_registrations_get_one_account_per_address_and_distinct_slugs(stack: Stack) -> None:
    org = f"Race Lab {uuid.uuid4().hex[:6]}"
    same = f"race-{uuid.uuid4().hex[:8]}@lab.example"
    emails = [same] * 4 + [f"race-{i}-{uuid.uuid4().hex[:6]}@lab.example" for i in range(8)]
    async with stack.client() as c:
        rs = await asyncio.gather(
            *(
                c.post(
                    "/api/v1/auth/register", json={"email": e, "password": PASSWORD, "name": "Racer", "org_name": org}
                )
                for e in emails
            )
        )
        assert [r.status_code for r in rs] == [202] * len(emails)
        slugs = set()
        for e in sorted(set(emails)):
            await wait_for_mail(stack, e)
            tokens = [verification_token(m) for m in outbox_mails(stack, e)]
            verified = [(await c.post("/api/v1/auth/verify-email", json={"token": t})).status_code for t in tokens]
            assert verified.count(200) == 1, verified  # only the newest link works: it superseded the others
            s = (await c.post("/api/v1/auth/login", json={"email": e, "password": PASSWORD})).json()
            me = (await c.get("/api/v1/me", headers={"Authorization": f"Bearer {s['token']}"})).json()
            slugs.add(me["org"]["slug"])
    assert len(slugs) == len(set(emails))  # one org per account, each with its own slug
    assert len(outbox_mails(stack, same)) == 4  # one registration, three more links to the same address
