"""Members and invitations through the API: invite -> mail -> accept -> member with the role ->
the role's scopes apply -> role change -> removal; escalation refused; other orgs' ids are 404."""

from __future__ import annotations

import re
import uuid
from email.message import EmailMessage

import httpx
import pytest

from tests.fixtures import Stack
from tests.integration.identity.helpers import PASSWORD, User, bundle, signup, wait_for_mail

pytestmark = pytest.mark.integration

_INVITE = re.compile(r"ql_invite_[0-9A-Za-z]+")


def invitation_token(msg: EmailMessage) -> str:
    body = msg.get_body(preferencelist=("plain",))
    assert body is not None
    text = body.get_content()
    assert "/invitations/accept?token=" in text
    found = _INVITE.findall(text)
    assert found, "no invitation token in the mail"
    return str(found[0])


async def login(c: httpx.AsyncClient, user: User, org: str) -> dict[str, str]:
    r = await c.post("/api/v1/auth/login", json={"email": user.email, "password": PASSWORD, "org": org})
    assert r.status_code == 200, r.text
    return {"Authorization": f"Bearer {r.json()['token']}"}


async def invite(c: httpx.AsyncClient, by: dict[str, str], org_id: str, email: str, role: str) -> httpx.Response:
    return await c.post(f"/api/v1/orgs/{org_id}/invitations", headers=by, json={"email": email, "role": role})


async def test_invite_accept_member_with_role_scopes_apply_then_removed(stack: Stack) -> None:
    async with stack.client() as c:
        owner = await signup(stack, c, org_name=f"Lab {uuid.uuid4().hex[:6]}")
        guest = await signup(stack, c)  # an account of its own org, invited into the owner's
        org = f"/api/v1/orgs/{owner.org_id}"

        r = await invite(c, owner.headers, owner.org_id, guest.email.upper(), "viewer")
        assert r.status_code == 201, r.text
        inv = r.json()
        assert inv["email"] == guest.email and inv["role"] == "viewer" and inv["status"] == "pending"
        assert "ql_invite_" not in r.text  # the token goes to the mailbox only
        listed = (await c.get(f"{org}/invitations", headers=owner.headers)).json()
        assert [i["invitation_id"] for i in listed] == [inv["invitation_id"]]

        token = invitation_token(await wait_for_mail(stack, guest.email, count=2))  # 1: its verification
        # the owner (another address) cannot accept it
        r = await c.post("/api/v1/invitations/accept", headers=owner.headers, json={"token": token})
        assert r.status_code == 403 and r.json()["type"].endswith("invitation-for-another-address"), r.text
        r = await c.post("/api/v1/invitations/accept", headers=guest.headers, json={"token": token})
        assert r.status_code == 200, r.text
        assert r.json() == {
            "org_id": owner.org_id,
            "org_slug": owner.org_slug,
            "org_name": r.json()["org_name"],
            "account_id": guest.account_id,
            "role": "viewer",
        }
        again = await c.post("/api/v1/invitations/accept", headers=guest.headers, json={"token": token})
        assert again.status_code in (401, 409, 410), again.text  # single use
        assert (await c.get(f"{org}/invitations", headers=owner.headers)).json() == []

        members = {m["account_id"]: m["role"] for m in (await c.get(f"{org}/members", headers=owner.headers)).json()}
        assert members == {owner.account_id: "owner", guest.account_id: "viewer"}

        # the viewer's session in the owner's org reads runs but cannot ingest nor manage members
        as_guest = await login(c, guest, owner.org_slug)
        me = (await c.get("/api/v1/me", headers=as_guest)).json()
        assert me["org"]["id"] == owner.org_id if "id" in me["org"] else me["org"]["slug"] == owner.org_slug
        assert (await c.get("/api/v1/runs", headers=as_guest)).status_code == 200
        r = await c.post("/api/v1/ingest/runs", headers=as_guest, json=bundle(uuid.uuid4().hex))
        assert r.status_code == 403, r.text
        r = await invite(c, as_guest, owner.org_id, f"x{uuid.uuid4().hex[:6]}@lab.example", "viewer")
        assert r.status_code == 403, r.text

        # promoted to member: ingesting works on the same session at the next request
        r = await c.patch(f"{org}/members/{guest.account_id}", headers=owner.headers, json={"role": "member"})
        assert r.status_code == 200 and r.json()["role"] == "member", r.text
        r = await c.post("/api/v1/ingest/runs", headers=as_guest, json=bundle(uuid.uuid4().hex))
        assert r.status_code in (200, 201), r.text

        # the last owner can be neither demoted nor removed
        r = await c.patch(f"{org}/members/{owner.account_id}", headers=owner.headers, json={"role": "admin"})
        assert r.status_code == 409, r.text
        assert (await c.delete(f"{org}/members/{owner.account_id}", headers=owner.headers)).status_code == 409

        # removed: the session in that org stops at once
        assert (await c.delete(f"{org}/members/{guest.account_id}", headers=owner.headers)).status_code == 204
        assert (await c.get("/api/v1/runs", headers=as_guest)).status_code == 401
        members = [m["account_id"] for m in (await c.get(f"{org}/members", headers=owner.headers)).json()]
        assert members == [owner.account_id]
        # the guest's own org is untouched
        assert (await c.get("/api/v1/runs", headers=guest.headers)).status_code == 200


async def test_an_admin_cannot_grant_owner_nor_manage_admins_and_roles_are_checked(stack: Stack) -> None:
    async with stack.client() as c:
        owner = await signup(stack, c)
        admin, other = await signup(stack, c), await signup(stack, c)
        org = f"/api/v1/orgs/{owner.org_id}"
        assert (await invite(c, owner.headers, owner.org_id, admin.email, "owner")).status_code == 422
        assert (await invite(c, owner.headers, owner.org_id, admin.email, "emperor")).status_code == 422
        assert (await invite(c, owner.headers, owner.org_id, admin.email, "admin")).status_code == 201
        token = invitation_token(await wait_for_mail(stack, admin.email, count=2))
        assert (
            await c.post("/api/v1/invitations/accept", headers=admin.headers, json={"token": token})
        ).status_code == 200
        as_admin = await login(c, admin, owner.org_id)

        assert (await invite(c, as_admin, owner.org_id, other.email, "member")).status_code == 201
        token = invitation_token(await wait_for_mail(stack, other.email, count=2))
        r = await c.post("/api/v1/invitations/accept", headers=other.headers, json={"token": token})
        assert r.status_code == 200 and r.json()["role"] == "member"

        # escalation: owner is not the admin's to grant, nor are the owner's and admins' roles its to change
        r = await c.patch(f"{org}/members/{other.account_id}", headers=as_admin, json={"role": "owner"})
        assert r.status_code == 403 and r.json()["type"].endswith("privilege-not-held"), r.text
        r = await c.patch(f"{org}/members/{owner.account_id}", headers=as_admin, json={"role": "viewer"})
        assert r.status_code == 403, r.text
        assert (await c.delete(f"{org}/members/{owner.account_id}", headers=as_admin)).status_code == 403
        # but it manages members below it, and may promote up to its own role
        r = await c.patch(f"{org}/members/{other.account_id}", headers=as_admin, json={"role": "admin"})
        assert r.status_code == 200, r.text
        r = await c.patch(f"{org}/members/{other.account_id}", headers=as_admin, json={"role": "viewer"})
        assert r.status_code == 403, r.text  # now an admin: the owner's to change
        # an owner makes another owner; then the first may step down
        r = await c.patch(f"{org}/members/{admin.account_id}", headers=owner.headers, json={"role": "owner"})
        assert r.status_code == 200, r.text
        r = await c.patch(f"{org}/members/{owner.account_id}", headers=owner.headers, json={"role": "admin"})
        assert r.status_code == 200, r.text

        # a member of the org already: 409; the free plan's three members are all taken: 402
        assert (await invite(c, as_admin, owner.org_id, other.email, "viewer")).status_code == 409
        r = await invite(c, as_admin, owner.org_id, f"n{uuid.uuid4().hex[:6]}@lab.example", "viewer")
        assert r.status_code == 402, r.text


async def test_other_orgs_ids_are_404(stack: Stack) -> None:
    async with stack.client() as c:
        a, b = await signup(stack, c), await signup(stack, c)
        r = await invite(c, a.headers, a.org_id, f"z{uuid.uuid4().hex[:6]}@lab.example", "viewer")
        inv = r.json()["invitation_id"]
        for method, url, body in (
            ("GET", f"/api/v1/orgs/{a.org_id}/members", None),
            ("GET", f"/api/v1/orgs/{a.org_id}/invitations", None),
            ("POST", f"/api/v1/orgs/{a.org_id}/invitations", {"email": "q@lab.example", "role": "viewer"}),
            ("DELETE", f"/api/v1/orgs/{a.org_id}/invitations/{inv}", None),
            ("DELETE", f"/api/v1/orgs/{b.org_id}/invitations/{inv}", None),
            ("PATCH", f"/api/v1/orgs/{b.org_id}/members/{a.account_id}", {"role": "viewer"}),
            ("DELETE", f"/api/v1/orgs/{b.org_id}/members/{a.account_id}", None),
        ):
            r = await c.request(method, url, headers=b.headers, json=body)
            assert r.status_code == 404, (method, url, r.status_code, r.text)
            assert a.email not in r.text
        # a key without the admin scope does not list the org's people
        r = await c.post(
            f"/api/v1/orgs/{a.org_id}/api-keys", headers=a.headers, json={"name": "ro", "scopes": ["runs:read"]}
        )
        ro = {"Authorization": f"Bearer {r.json()['api_key']}"}
        r = await c.get(f"/api/v1/orgs/{a.org_id}/members", headers=ro)
        assert r.status_code == 403 and a.email not in r.text, r.text
        # a withdrawn invitation's link no longer works
        r = await invite(c, a.headers, a.org_id, b.email, "member")
        token = invitation_token(await wait_for_mail(stack, b.email, count=2))
        assert (
            await c.delete(f"/api/v1/orgs/{a.org_id}/invitations/{r.json()['invitation_id']}", headers=a.headers)
        ).status_code == 204
        r = await c.post("/api/v1/invitations/accept", headers=b.headers, json={"token": token})
        assert r.status_code == 401, r.text
