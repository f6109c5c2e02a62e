"""``ql members ls|role|remove|invite|invitations|revoke-invitation|accept``: who is in an org, with
which role, and the invitations that bring people in (``Client.members``)."""

from __future__ import annotations

import click

from quantumledger.cli._common import client, echo_json, json_option, table

__all__ = ["members"]

ROLES = ("owner", "admin", "member", "viewer")
INVITABLE = ("admin", "member", "viewer")

org_option = click.option("--org", help="The org (id or slug; default: the credential's).")


@click.group()
def members() -> None:
    """Members of your org and their roles, and invitations (owners and admins manage them; an API
    key also needs the admin scope). A role is granted only by someone who holds it."""


@members.command("ls")
@org_option
@json_option
def ls(org: str | None, as_json: bool) -> None:
    """The org's members and their roles, oldest first."""
    with client() as c:
        items = c.members.list(org=org)
    if as_json:
        echo_json(items)
        return
    table(
        [(m.account_id, m.role, m.email or "", m.name or "", m.added_at or "") for m in items],
        ("ACCOUNT_ID", "ROLE", "EMAIL", "NAME", "ADDED"),
    )


@members.command("role")
@click.argument("account_id")
@click.argument("role", type=click.Choice(ROLES))
@org_option
def role(account_id: str, role: str, org: str | None) -> None:
    """Give member ACCOUNT_ID another ROLE (only an owner gives owner; the last owner stays one)."""
    with client() as c:
        member = c.members.change_role(account_id, role, org=org)
    click.echo(f"{member.account_id} is now {member.role}")


@members.command("remove")
@click.argument("account_id")
@org_option
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
def remove(account_id: str, org: str | None, yes: bool) -> None:
    """Remove member ACCOUNT_ID (your own id: leave the org). Their sessions and keys in it stop at once."""
    if not yes:
        click.confirm(f"Remove {account_id} from the org? Their sessions and keys stop at once", abort=True)
    with client() as c:
        c.members.remove(account_id, org=org)
    click.echo(f"{account_id} removed")


@members.command("invite")
@click.argument("email")
@click.option("--role", type=click.Choice(INVITABLE), default="member", show_default=True, help="The role it grants.")
@org_option
@json_option
def invite(email: str, role: str, org: str | None, as_json: bool) -> None:
    """Invite EMAIL: the link is mailed to that address only (valid 7 days); accepting it, signed in
    with that address, makes them a member with ROLE."""
    with client() as c:
        sent = c.members.invite(email, role=role, org=org)
    if as_json:
        echo_json(sent)
        return
    click.echo(f"{sent.invitation_id}  invited {sent.email} as {sent.role} (expires {sent.expires_at or '-'})")


@members.command("invitations")
@click.option("--all", "every", is_flag=True, help="Accepted, revoked and expired ones too.")
@org_option
@json_option
def invitations(every: bool, org: str | None, as_json: bool) -> None:
    """Pending invitations, newest first."""
    with client() as c:
        items = c.members.invitations(every=every, org=org)
    if as_json:
        echo_json(items)
        return
    rows = [(i.invitation_id, i.email, i.role, i.status or "", i.created_at or "", i.expires_at or "") for i in items]
    table(rows, ("INVITATION_ID", "EMAIL", "ROLE", "STATUS", "CREATED", "EXPIRES"))


@members.command("revoke-invitation")
@click.argument("invitation_id")
@org_option
def revoke_invitation(invitation_id: str, org: str | None) -> None:
    """Withdraw pending invitation INVITATION_ID: its link stops working."""
    with client() as c:
        c.members.revoke_invitation(invitation_id, org=org)
    click.echo(f"{invitation_id} revoked")


@members.command("accept")
@click.argument("token")
@json_option
def accept(token: str, as_json: bool) -> None:
    """Accept an invitation with TOKEN (the ql_invite_… in its link), signed in (`ql login`) with the
    invited address."""
    with client() as c:
        joined = c.members.accept(token)
    if as_json:
        echo_json(joined)
        return
    org = joined.org_slug or joined.org_id
    click.echo(f"you are now {joined.role} of {org}; `ql login --org {org}` to work in it")
