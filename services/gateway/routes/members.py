"""Members and invitations of an org: list, invite (the link goes by mail), accept, change roles,
remove, revoke an invitation (``services.gateway.identity.members`` has the rules)."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, delete, get, patch, post

from services.gateway.deps import gw_of, principal_of
from services.gateway.identity.members import (
    AcceptInvitation,
    ChangeRole,
    Invite,
    accept_invitation,
    change_role,
    invite,
    list_invitations,
    list_members,
    remove_member,
    revoke_invitation,
)

__all__ = ["InvitationsController", "MembersController"]


class MembersController(Controller):
    path = "/api/v1/orgs/{org_id:str}"
    tags = ["members"]

    @get("/members", operation_id="listMembers", summary="The org's members and their roles, oldest first")
    async def members(self, request: Request[Any, Any, Any], org_id: str) -> list[dict[str, Any]]:
        return await list_members(gw_of(request).ident, await principal_of(request), org_id)

    @patch(
        "/members/{account_id:str}",
        operation_id="changeMemberRole",
        summary="Change a member's role (owner or admin; at most the caller's own role; never the last owner)",
    )
    async def change(
        self, request: Request[Any, Any, Any], org_id: str, account_id: str, data: ChangeRole
    ) -> dict[str, Any]:
        return await change_role(gw_of(request).ident, await principal_of(request), org_id, account_id, data)

    @delete(
        "/members/{account_id:str}",
        operation_id="removeMember",
        status_code=204,
        summary="Remove a member, or leave the org (never its last owner); their sessions and keys stop",
    )
    async def remove(self, request: Request[Any, Any, Any], org_id: str, account_id: str) -> None:
        await remove_member(gw_of(request).ident, await principal_of(request), org_id, account_id)

    @get(
        "/invitations",
        operation_id="listInvitations",
        summary="The org's pending invitations, newest first (?all=true: every one)",
    )
    async def invitations(
        self, request: Request[Any, Any, Any], org_id: str, all: bool = False
    ) -> list[dict[str, Any]]:
        return await list_invitations(gw_of(request).ident, await principal_of(request), org_id, every=all)

    @post(
        "/invitations",
        operation_id="createInvitation",
        status_code=201,
        summary="Invite an email address as admin, member or viewer; the link is mailed to it",
    )
    async def invite(self, request: Request[Any, Any, Any], org_id: str, data: Invite) -> dict[str, Any]:
        return await invite(gw_of(request).ident, await principal_of(request), org_id, data)

    @delete(
        "/invitations/{invitation_id:str}",
        operation_id="revokeInvitation",
        status_code=204,
        summary="Withdraw a pending invitation; its link stops working",
    )
    async def revoke(self, request: Request[Any, Any, Any], org_id: str, invitation_id: str) -> None:
        await revoke_invitation(gw_of(request).ident, await principal_of(request), org_id, invitation_id)


class InvitationsController(Controller):
    path = "/api/v1/invitations"
    tags = ["members"]

    @post(
        "/accept",
        operation_id="acceptInvitation",
        status_code=200,
        summary="Accept an invitation, signed in with the invited address: become a member with its role",
    )
    async def accept(self, request: Request[Any, Any, Any], data: AcceptInvitation) -> dict[str, Any]:
        return await accept_invitation(gw_of(request).ident, await principal_of(request), data)
