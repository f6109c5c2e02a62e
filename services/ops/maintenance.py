"""``ql ops`` (replay, digest, status of read models) and ``ql admin`` (operator commands), over NATS."""

from __future__ import annotations

import json
from typing import Any

import click

from services.ops.connection import call as _call
from services.ops.connection import operator as _operator
from services.registry import SERVICES

__all__ = ["admin", "ops"]


def _service_arg() -> Any:
    return click.argument("service", type=click.Choice(SERVICES))


@click.group()
def ops() -> None:
    """Operate read models: replay from the log, digest, status (needs NATS access)."""


@ops.command()
@_service_arg()
def replay(service: str) -> None:
    """Rebuild SERVICE's read model from sequence 1 of the run log; prints events/s and the digest."""
    out = _call(service, "ops.replay")
    rate = out["events"] / out["seconds"] if out["seconds"] else 0.0
    click.echo(f"{service}: replayed {out['events']} events in {out['seconds']:.2f} s ({rate:,.0f} events/s)")
    click.echo(f"digest {out['digest']}")


@ops.command()
@_service_arg()
def digest(service: str) -> None:
    """Print a digest of SERVICE's read model (identical after a replay)."""
    out = _call(service, "ops.digest", timeout=60)
    click.echo(f"{out['digest']}  position={out['position']}")


@ops.command()
@_service_arg()
def status(service: str) -> None:
    """Print SERVICE's projection position, lag and dead letters."""
    click.echo(json.dumps(_call(service, "ops.status", timeout=10), indent=2))


@click.group()
def admin() -> None:
    """Operator commands on orgs, workspaces, plans and keys (needs NATS access)."""


@admin.command("create-org")
@click.argument("name")
@click.option("--slug")
@click.option("--plan", default="free", show_default=True)
def create_org(name: str, slug: str | None, plan: str) -> None:
    """Create an org NAME with a default workspace and an API key (printed once)."""
    body = {"name": name, "plan": plan, **({"slug": slug} if slug else {})}
    click.echo(json.dumps(_call("gateway", "admin.create_org", body, timeout=30), indent=2))


@admin.command("set-plan")
@click.argument("org_slug")
@click.argument("plan")
@click.option("--reason", help="Why (kept in the audit trail)")
def set_plan(org_slug: str, plan: str, reason: str | None) -> None:
    """Move the org ORG_SLUG to PLAN (free, pro, enterprise, dev); effective on the next request."""
    body = {"org": org_slug, "plan": plan, "reason": reason, "operator": _operator()}
    out = _call("gateway", "admin.set_plan", body, timeout=30)
    if out["changed"]:
        click.echo(f"{out['org_slug']}: plan {out['previous_plan']} -> {out['plan']}")
    else:
        click.echo(f"{out['org_slug']}: already on plan {out['plan']}")


@admin.command("create-workspace")
@click.argument("org_slug")
@click.argument("name")
def create_workspace(org_slug: str, name: str) -> None:
    """Add a workspace NAME to the org ORG_SLUG, with an API key for it (printed once)."""
    body = {"org": org_slug, "name": name, "operator": _operator()}
    click.echo(json.dumps(_call("gateway", "admin.create_workspace", body, timeout=30), indent=2))


@admin.command("unlock")
@click.argument("email")
def unlock(email: str) -> None:
    """Lift the login throttle on the account EMAIL (every client's count and the global one).

    For an owner locked out by someone else's wrong passwords; the attacker's own address stays
    throttled by its count across accounts. Logged with your name.
    """
    out = _call("gateway", "admin.unlock", {"email": email, "operator": _operator()}, timeout=30)
    click.echo(f"{out['email']}: login unlocked ({out['cleared']} throttle counts cleared)")


@ops.group("dead-letters")
def dead_letters() -> None:
    """Events a read model could not apply: list, show, retry after a fix, or skip (recorded).

    A dead letter never stops the stack: the service serves on and /health says "degraded".
    `retry` applies the event again now (after a fix); `skip` records an ops.dead_letter_skipped
    event in the run log with your name and reason, so a replay makes the same decision.
    """


@dead_letters.command("ls")
@_service_arg()
def dead_letters_ls(service: str) -> None:
    """List SERVICE's dead letters: sequence, event type, attempts, when, error."""
    letters = _call(service, "ops.dead_letters.list", timeout=30)
    if not letters:
        click.echo(f"{service}: no dead letters")
        return
    click.echo(f"{'SEQ':>10}  {'EVENT TYPE':<28} {'ATTEMPTS':>8}  {'DEAD AT':<32} ERROR")
    for d in letters:
        error = d["error"].replace("\n", " ")
        click.echo(f"{d['seq']:>10}  {d['event_type']:<28} {d['attempts']:>8}  {d['dead_at']:<32} {error[:120]}")


@dead_letters.command("show")
@_service_arg()
@click.argument("seq", type=click.IntRange(min=1))
def dead_letters_show(service: str, seq: int) -> None:
    """Show SERVICE's dead letter at log sequence SEQ, with the event, as JSON."""
    click.echo(json.dumps(_call(service, "ops.dead_letters.show", {"seq": seq}, timeout=30), indent=2))


@dead_letters.command("retry")
@_service_arg()
@click.argument("seq", type=click.IntRange(min=1))
def dead_letters_retry(service: str, seq: int) -> None:
    """Apply SERVICE's dead letter at SEQ again (after a fix); it stays if it still fails."""
    _call(service, "ops.dead_letters.retry", {"seq": seq}, timeout=60)
    click.echo(f"{service}: sequence {seq} applied; dead letter removed")


@dead_letters.command("skip")
@_service_arg()
@click.argument("seq", type=click.IntRange(min=1))
@click.option("--reason", required=True, help="Why the read model goes on without this event (recorded)")
def dead_letters_skip(service: str, seq: int, reason: str) -> None:
    """Skip SERVICE's dead letter at SEQ for good: recorded in the run log with who and why."""
    out = _call(service, "ops.dead_letters.skip", {"seq": seq, "reason": reason, "operator": _operator()}, timeout=60)
    click.echo(f"{service}: sequence {seq} skipped (decision recorded at log sequence {out['decision_seq']})")
