"""The SDK against the real stack: register, verify the address, log in, keys, log out, health."""

from __future__ import annotations

import uuid

import pytest
from quantumledger import UnauthenticatedError

from tests.fixtures import Stack
from tests.integration.identity.helpers import PASSWORD, verification_token, wait_for_mail
from tests.integration.platform.bundles import bundle
from tests.integration.sdk.helpers import blocking, sdk

pytestmark = pytest.mark.integration


async def test_account_journey_sessions_and_keys(stack: Stack) -> None:
    email = f"sdk{uuid.uuid4().hex[:8]}@lab.example"

    def register() -> None:
        with sdk(stack, None) as anon:
            assert anon.auth.register(email, PASSWORD, name="Ada Lovelace", org_name="SDK Lab").status
            assert anon.health().status in ("up", "degraded")

    await blocking(register)
    token = verification_token(await wait_for_mail(stack, email))

    def journey() -> None:
        with sdk(stack, None) as anon:
            verified = anon.auth.verify_email(token)
            assert verified.verified and verified.email == email
            session = anon.auth.login(email, PASSWORD)
            assert session.token.startswith("ql_sess_") and session.org_id and session.workspace_id
        with sdk(stack, session.token) as me:
            who = me.me()
            assert who.account and who.account.email == email and who.auth and who.auth.type == "session"
            assert who.org.id == session.org_id and who.role == "owner" and who.plan and who.plan.name == "free"
            key = me.keys.create("ci", ["runs:read", "runs:write"], expires_at="2099-01-01T00:00:00Z")
            assert key.api_key.startswith("ql_live_") and key.expires_at and key.expires_at.startswith("2099")
            listed = {k.key_id: k for k in me.keys.list()}
            assert listed[key.key_id].status == "active" and listed[key.key_id].prefix
            assert not hasattr(listed[key.key_id], "api_key")
            with sdk(stack, key.api_key) as ci:
                assert ci.ingest(bundle(f"sdk-{email}")).run_id
            me.keys.revoke(key.key_id)
            me.keys.revoke(key.key_id)  # twice is harmless
            with sdk(stack, key.api_key) as ci, pytest.raises(UnauthenticatedError):
                ci.runs.list()
            me.auth.logout()
            with pytest.raises(UnauthenticatedError):
                me.me()

    await blocking(journey)


async def test_members_and_invitations_through_the_sdk(stack: Stack) -> None:
    """Invite, accept with the mailed token, change the role, remove: every members operation."""
    from tests.integration.identity.helpers import signup
    from tests.integration.identity.test_members import invitation_token

    async with stack.client() as c:
        owner = await signup(stack, c)
        guest = await signup(stack, c)

    def invite() -> str:
        with sdk(stack, owner.session) as ql:
            sent = ql.members.invite(guest.email, role="viewer")
            assert sent.status == "pending" and sent.role == "viewer" and sent.email == guest.email
            assert [i.invitation_id for i in ql.members.invitations()] == [sent.invitation_id]
            return sent.invitation_id

    invitation_id = await blocking(invite)
    token = invitation_token(await wait_for_mail(stack, guest.email, count=2))  # 1: its verification

    def accept_promote_remove() -> None:
        with sdk(stack, guest.session) as as_guest:
            joined = as_guest.members.accept(token)
            assert joined.org_id == owner.org_id and joined.role == "viewer"
        with sdk(stack, owner.session) as ql:
            assert {m.account_id: m.role for m in ql.members.list()} == {
                owner.account_id: "owner",
                guest.account_id: "viewer",
            }
            assert ql.members.invitations() == []
            assert [i.status for i in ql.members.invitations(every=True)] == ["accepted"]
            assert ql.members.change_role(guest.account_id, "member").role == "member"
            ql.members.remove(guest.account_id)
            assert [m.account_id for m in ql.members.list()] == [owner.account_id]
            other = ql.members.invite(f"x{invitation_id[-6:].lower()}@lab.example")
            ql.members.revoke_invitation(other.invitation_id)
            assert ql.members.invitations() == []

    await blocking(accept_promote_remove)
