"""``ql login|logout|whoami`` and ``ql keys create|ls|revoke``."""

from __future__ import annotations

import contextlib
import sys

import click

from quantumledger.cli._common import client, echo_json, json_option, table
from quantumledger.client import Client
from quantumledger.config import (
    default_base_url,
    forget_session,
    load_credentials,
    normalize_url,
    resolve_api_key,
    save_session,
)
from quantumledger.errors import UnauthenticatedError

__all__ = ["keys", "login", "logout", "whoami"]

SCOPES = ("runs:read", "runs:write", "cards:publish", "attest:write", "admin")


def _root_url(ctx: click.Context) -> str:
    url = (ctx.find_root().obj or {}).get("url")
    return normalize_url(url) if url else default_base_url()


@click.command()
@click.option("--email", prompt=True, help="Your account's email address.")
@click.option("--password-stdin", is_flag=True, help="Read the password from stdin (for scripts), not a prompt.")
@click.option("--org", help="Log in to this org (id or slug; default: your first).")
@click.pass_context
def login(ctx: click.Context, email: str, password_stdin: bool, org: str | None) -> None:
    """Log in with email and password; the session is stored (mode 0600) for this server, and
    every later `ql` command and `Client()` uses it (QL_TOKEN, when set, still comes first)."""
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = click.prompt("Password", hide_input=True)
    url = _root_url(ctx)
    with client(ctx) as c:
        session = c.auth.login(email, password, org=org)
    fields = ("token", "session_id", "expires_at", "account_id", "org_id", "workspace_id")
    path = save_session(url, {"email": email, **{k: getattr(session, k) for k in fields}})
    click.echo(f"logged in to {url} as {email} (org {session.org_id}); session stored in {path}")
    source = resolve_api_key(url)[1]
    if not source.startswith("the session"):
        click.echo(f"note: {source} takes precedence over this session (unset QL_TOKEN to use it)", err=True)


@click.command()
@click.pass_context
def logout(ctx: click.Context) -> None:
    """End the stored session for this server at once, and forget it."""
    url = _root_url(ctx)
    stored = load_credentials().get(url)
    if not isinstance(stored, dict) or not stored.get("token"):
        click.echo(f"no session stored for {url}")
        return
    with Client(url, stored["token"]) as c:
        with contextlib.suppress(UnauthenticatedError):  # already ended or expired: only forgetting is left
            c.auth.logout()
    forget_session(url)
    click.echo(f"logged out of {url}")


@click.command()
@json_option
def whoami(as_json: bool) -> None:
    """Who the current credential is: account, org, workspace, role, plan and scopes."""
    with client() as c:
        me = c.me()
        url = c.base_url
    if as_json:
        echo_json(me)
        return
    who = me.account.email if me.account else "(an API key)"
    click.echo(f"{who} at {url}")
    click.echo(f"  org {me.org.slug} ({me.org.id}), workspace {me.workspace.slug} ({me.workspace.id})")
    click.echo(f"  role {me.role}, plan {me.plan.name if me.plan else '-'}, scopes {' '.join(me.scopes)}")
    click.echo(f"  credential: {resolve_api_key(url)[1]}")


@click.group()
def keys() -> None:
    """API keys of your org (for programs and CI); create one after `ql login`."""


@keys.command("create")
@click.argument("name")
@click.option(
    "--scope",
    "scopes",
    multiple=True,
    type=click.Choice(SCOPES),
    default=("runs:read", "runs:write"),
    show_default=True,
    help="A scope (repeat for several).",
)
@click.option("--workspace", help="The key's workspace (id or slug; default: yours).")
@click.option("--expires-at", help="Expiry, RFC 3339 with a zone (e.g. 2026-12-31T00:00:00Z).")
@click.option("-q", "--quiet", is_flag=True, help="Print only the key (for scripts).")
@json_option
def create(
    name: str, scopes: tuple[str, ...], workspace: str | None, expires_at: str | None, quiet: bool, as_json: bool
) -> None:
    """Create an API key NAME. The key is shown once: store it now (e.g. as QL_TOKEN)."""
    with client() as c:
        key = c.keys.create(name, scopes, workspace=workspace, expires_at=expires_at)
    if as_json:
        echo_json(key)
    elif quiet:
        click.echo(key.api_key)
    else:
        click.echo(f"{key.key_id}  {key.name}  scopes {' '.join(key.scopes)}")
        click.echo(f"  key (shown once): {key.api_key}")


@keys.command("ls")
@json_option
def ls(as_json: bool) -> None:
    """The org's API keys, newest first (never the key itself, only its prefix)."""
    with client() as c:
        items = c.keys.list()
    if as_json:
        echo_json(items)
        return
    rows = [(k.key_id, k.name, k.prefix, " ".join(k.scopes), k.status, k.created_at, k.expires_at) for k in items]
    table(rows, ("KEY_ID", "NAME", "PREFIX", "SCOPES", "STATUS", "CREATED", "EXPIRES"))


@keys.command("revoke")
@click.argument("key_id")
def revoke(key_id: str) -> None:
    """Revoke KEY_ID: the next request with it is refused."""
    with client() as c:
        c.keys.revoke(key_id)
    click.echo(f"{key_id} revoked")
