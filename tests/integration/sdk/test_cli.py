"""Every ``ql`` command of the SDK against the real stack, as a user types it (CliRunner), with
the exit codes that ``ql --help`` documents."""

from __future__ import annotations

import json
import stat
import uuid
from pathlib import Path
from typing import Any

import pytest
from quantumledger.cli.main import cli

from tests.fixtures import Stack
from tests.integration.attestation.helpers import BASELINE, run_document
from tests.integration.identity.helpers import PASSWORD, verification_token, wait_for_mail
from tests.integration.platform.bundles import bundle
from tests.integration.sdk.helpers import blocking, ghz, ql, sdk

pytestmark = pytest.mark.integration


def _write(path: Path, value: object) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(value))
    return path


async def test_ingest_runs_ls_show_verify(stack: Stack, tmp_path: Path) -> None:
    t = await stack.tenant()
    runs = tmp_path / "runs"
    _write(runs / "ghz3.qlprov.json", ghz(3))
    (runs / "more.ndjson").write_text(
        json.dumps(bundle("n1")) + "\n\n" + json.dumps({"schema": "nope"}) + "\n" + json.dumps(bundle("n3")) + "\n"
    )
    out = await blocking(ql, stack, t, "ingest", str(runs), home=tmp_path)
    assert out.exit_code == 1  # one bundle failed: named by file and line, the others went in
    assert f"{runs / 'more.ndjson'}:3: 422" in out.stderr and "3 ingested, 0 already present, 1 failed" in out.stdout
    again = await blocking(ql, stack, t, "ingest", "-q", str(runs / "ghz3.qlprov.json"), home=tmp_path)
    assert again.exit_code == 0 and again.stdout.strip().startswith("01") and "1 already present" in again.stderr
    run_id = again.stdout.strip()
    await stack.wait_caught_up("provenance")

    table = await blocking(ql, stack, t, "runs", "ls", home=tmp_path)
    lines = table.stdout.splitlines()
    assert lines[0].split() == ["RUN_ID", "CREATED", "PROGRAM", "BACKEND", "SHOTS", "STATUS"] and len(lines) == 4
    assert any(run_id in line and "ghz_3" in line and "ibm/ibm_kyiv" in line for line in lines)
    first = await blocking(ql, stack, t, "runs", "ls", "--limit", "2", home=tmp_path)
    assert len(first.stdout.splitlines()) == 3 and "more: ql runs ls --cursor " in first.stderr
    cursor = first.stderr.split("--cursor ", 1)[1].split()[0]
    rest = await blocking(ql, stack, t, "runs", "ls", "--limit", "2", "--cursor", cursor, "--json", home=tmp_path)
    every = await blocking(ql, stack, t, "runs", "ls", "--limit", "1", "--all", "--json", home=tmp_path)
    listed = json.loads(every.stdout)
    assert len(listed) == 3 and json.loads(rest.stdout)[0]["run_id"] == listed[2]["run_id"]
    assert {"run_id", "backend", "shots", "status", "program"} <= set(listed[0])
    only = await blocking(ql, stack, t, "runs", "ls", "--program", "ghz_3", "--json", home=tmp_path)
    assert [r["run_id"] for r in json.loads(only.stdout)] == [run_id]
    found = await blocking(ql, stack, t, "runs", "ls", "--search", run_id[:12], "--json", home=tmp_path)
    assert run_id in [r["run_id"] for r in json.loads(found.stdout)]

    show = await blocking(ql, stack, t, "runs", "show", run_id, home=tmp_path)
    doc = json.loads(show.stdout)
    assert show.exit_code == 0 and doc["program"]["name"] == "ghz_3"
    good = _write(tmp_path / "good.json", doc)
    assert (await blocking(ql, stack, None, "verify", str(good), home=tmp_path)).exit_code == 0
    doc["execution"]["shots"] += 1
    bad = await blocking(ql, stack, None, "verify", str(_write(tmp_path / "bad.json", doc)), home=tmp_path)
    assert bad.exit_code == 3 and "FAIL" in bad.stdout and "run_hash mismatch" in bad.stdout
    missing = await blocking(ql, stack, t, "runs", "show", "01JNOPE000000000000000000", home=tmp_path)
    assert missing.exit_code == 5 and "404" in missing.stderr
    nobody = await blocking(ql, stack, None, "runs", "ls", home=tmp_path)
    assert nobody.exit_code == 4 and "ql login" in nobody.stderr


async def test_cards_reproduce_report(stack: Stack, tmp_path: Path) -> None:
    t = await stack.tenant()
    path = _write(tmp_path / "ghz5.json", ghz(5))
    run_id = (await blocking(ql, stack, t, "ingest", "-q", str(path), home=tmp_path)).stdout.strip()
    pub = await blocking(
        ql, stack, t, "cards", "publish", run_id, "--author", "Zoë Ñúñez", "--orcid", "0000-0002-1825-0097",
        "--keyword", "ghz", "--json", home=tmp_path,
    )  # fmt: skip
    card = json.loads(pub.stdout)
    slug = card["slug"]
    assert pub.exit_code == 0 and card["authors"][0]["orcid"] == "0000-0002-1825-0097"
    shown = await blocking(ql, stack, None, "cards", "show", slug, home=tmp_path)
    assert shown.exit_code == 0 and "Zoë Ñúñez" in shown.stdout and "run_hash verified" in shown.stdout
    for fmt, start in (("bibtex", "@misc{"), ("csl", "["), ("ris", "TY  - DATA"), ("cff", "cff-version")):
        cite = await blocking(ql, stack, None, "cards", "cite", slug, "--format", fmt, home=tmp_path)
        assert cite.exit_code == 0 and cite.stdout.lstrip().startswith(start), (fmt, cite.stdout[:80])
    embed = await blocking(ql, stack, None, "cards", "embed", slug, home=tmp_path)
    assert "<iframe" in embed.stdout
    assert (
        json.loads((await blocking(ql, stack, None, "cards", "embed", slug, "--oembed", home=tmp_path)).stdout)["type"]
        == "rich"
    )

    waited = await blocking(
        ql,
        stack,
        t,
        "reproduce",
        run_id,
        "--days",
        "90",
        "--profile",
        "bad_day",
        "--alpha",
        "0.05",
        "--wait",
        home=tmp_path,
    )
    assert waited.exit_code == 0 and "hellinger fidelity" in waited.stdout and "at alpha 0.05" in waited.stdout
    started = await blocking(ql, stack, t, "reproduce", run_id, "--json", home=tmp_path)
    job = json.loads(started.stdout)
    followed = await blocking(ql, stack, t, "reproduce", "--job", job["job_id"], "--wait", "--json", home=tmp_path)
    assert json.loads(followed.stdout)["status"] == "completed"
    usage = await blocking(ql, stack, t, "reproduce", home=tmp_path)
    assert usage.exit_code == 2

    summary = await blocking(ql, stack, t, "report", run_id, home=tmp_path)
    assert summary.exit_code == 0 and "ghz_5 on ibm/ibm_kyiv" in summary.stdout and "reproductions: 2" in summary.stdout
    assert (
        json.loads((await blocking(ql, stack, t, "report", run_id, "--json", home=tmp_path)).stdout)["run_id"] == run_id
    )
    html = await blocking(ql, stack, t, "report", run_id, "--html", "-o", str(tmp_path / "r.html"), home=tmp_path)
    assert html.exit_code == 0 and (tmp_path / "r.html").read_text().lstrip().lower().startswith("<!doctype html")

    down = await blocking(ql, stack, t, "cards", "unpublish", run_id, "--reason", "superseded", home=tmp_path)
    assert down.exit_code == 0 and "withdrawn" in down.stdout
    gone = await blocking(ql, stack, None, "cards", "show", slug, home=tmp_path)
    assert gone.exit_code == 5 and "410" in gone.stderr


async def test_leaderboard(stack: Stack, tmp_path: Path) -> None:
    t = await stack.tenant()
    await blocking(
        ql, stack, t, "ingest", "-q", str(_write(tmp_path / "b.json", ghz(3, backend="brisbane"))), home=tmp_path
    )
    await stack.wait_caught_up("leaderboard")
    board = await blocking(ql, stack, None, "leaderboard", home=tmp_path)
    assert board.exit_code == 0 and board.stdout.splitlines()[1].split() == [
        "RANK",
        "DEVICE",
        "VALUE",
        "QUBITS",
        "SNAPSHOT",
    ]
    assert "ibm/ibm_brisbane" in board.stdout
    rows = json.loads(
        (await blocking(ql, stack, None, "leaderboard", "--metric", "median_t1", "--json", home=tmp_path)).stdout
    )
    assert rows["metric"] == "median_t1"
    trend = await blocking(ql, stack, None, "leaderboard", "--trend", "ibm/ibm_brisbane", home=tmp_path)
    assert trend.exit_code == 0 and "START" in trend.stdout
    bad = await blocking(ql, stack, None, "leaderboard", "--metric", "nope", home=tmp_path)
    assert bad.exit_code == 1 and "median_2q_error" in bad.stderr


async def test_attest_issue_verify_offline_revoke(stack: Stack, tmp_path: Path) -> None:
    t = await stack.tenant()

    def prepare() -> None:
        with sdk(stack, t) as c:
            c.ingest(run_document())
            c.compliance.enable(BASELINE)

    await blocking(prepare)
    saved, evidence = tmp_path / "att.json", tmp_path / "evidence.json"
    issued = await blocking(
        ql, stack, t, "attest", "issue", BASELINE, "-o", str(saved), "--evidence", str(evidence), home=tmp_path
    )
    assert issued.exit_code == 0 and f"ql attest verify {saved} --evidence {evidence}" in issued.stdout
    assert f"evidence saved to {evidence}" in issued.stderr
    att_id = issued.stdout.split()[0]
    signed = await blocking(ql, stack, None, "attest", "verify", str(saved), home=tmp_path)
    assert signed.exit_code == 0 and signed.stdout.startswith("VALID") and "evidence not checked" in signed.stdout
    offline = await blocking(
        ql, stack, None, "attest", "verify", str(saved), "--evidence", str(evidence), home=tmp_path
    )
    assert offline.exit_code == 0 and offline.stdout.startswith("VALID") and "evidence checked" in offline.stdout
    assert "revocation not checked" in offline.stdout
    fetched = await blocking(ql, stack, t, "attest", "verify", str(saved), "--fetch-evidence", "--json", home=tmp_path)
    assert fetched.exit_code == 0 and json.loads(fetched.stdout)["evidence_checked"] is True
    again = tmp_path / "again.json"
    page = await blocking(ql, stack, t, "attest", "evidence", att_id, "-o", str(again), "--page", "0", home=tmp_path)
    assert page.exit_code == 0 and again.read_bytes() == evidence.read_bytes()  # one page holds it all
    shown = await blocking(ql, stack, t, "attest", "show", att_id, "-o", str(tmp_path / "shown.json"), home=tmp_path)
    assert shown.exit_code == 0 and "evidence:" in shown.stdout
    assert json.loads((tmp_path / "shown.json").read_text())["envelope"] == json.loads(saved.read_text())["envelope"]
    jwks = tmp_path / "jwks.json"
    with sdk(stack, None) as public:
        jwks.write_bytes(
            json.dumps(__import__("msgspec").to_builtins(await blocking(public.attestations.jwks))).encode()
        )
    nowhere = await blocking(  # no network needed with --jwks: the server named does not exist
        ql,
        stack,
        None,
        "--url",
        "http://127.0.0.1:9",
        "attest",
        "verify",
        str(saved),
        "--jwks",
        str(jwks),
        "--evidence",
        str(evidence),
        "--json",
        home=tmp_path,
    )
    assert nowhere.exit_code == 0 and json.loads(nowhere.stdout)["valid"] is True
    items = json.loads(evidence.read_bytes())
    items[0]["facts"] = {}
    tampered = tmp_path / "tampered.json"
    tampered.write_text(json.dumps(items, separators=(",", ":")))
    bad = await blocking(
        ql, stack, None, "attest", "verify", str(saved), "--jwks", str(jwks), "--evidence", str(tampered), home=tmp_path
    )
    assert bad.exit_code == 3 and bad.stdout.startswith("INVALID")
    assert f"evidence {items[0]['id']}: content does not match its digest" in bad.stdout
    online = await blocking(ql, stack, None, "attest", "verify", "--online", att_id, home=tmp_path)
    assert online.exit_code == 0 and "checked by the ledger" in online.stdout
    listed = await blocking(ql, stack, t, "attest", "ls", home=tmp_path)
    assert att_id in listed.stdout
    revoked = await blocking(ql, stack, t, "attest", "revoke", att_id, "--reason", "drill", home=tmp_path)
    assert revoked.exit_code == 0 and "revoked" in revoked.stdout
    assert (await blocking(ql, stack, None, "attest", "verify", "--online", att_id, home=tmp_path)).exit_code == 3
    still = await blocking(ql, stack, None, "attest", "verify", str(saved), "--jwks", str(jwks), home=tmp_path)
    assert still.exit_code == 0  # offline, revocation is not known without a list
    lst = tmp_path / "revocations.json"

    def fetch_list() -> None:
        with sdk(stack, None) as public:
            lst.write_bytes(__import__("msgspec").json.encode(public.attestations.revocation_list()))

    await blocking(fetch_list)
    known = await blocking(
        ql, stack, None, "attest", "verify", str(saved), "--jwks", str(jwks), "--revocations", str(lst), home=tmp_path
    )
    assert known.exit_code == 3 and "REVOKED" in known.stdout and "drill" in known.stdout


async def test_login_whoami_keys_logout(stack: Stack, tmp_path: Path) -> None:
    email = f"cli{uuid.uuid4().hex[:8]}@lab.example"

    def register() -> None:
        with sdk(stack, None) as anon:
            anon.auth.register(email, PASSWORD, name="Grace Hopper", org_name="CLI Lab")

    await blocking(register)
    token = verification_token(await wait_for_mail(stack, email))
    await blocking(lambda: sdk(stack, None).auth.verify_email(token))
    wrong = await blocking(
        ql, stack, None, "login", "--email", email, "--password-stdin", home=tmp_path, stdin="nope\n"
    )
    assert wrong.exit_code == 4
    login = await blocking(
        ql, stack, None, "login", "--email", email, "--password-stdin", home=tmp_path, stdin=PASSWORD + "\n"
    )
    assert login.exit_code == 0 and f"as {email}" in login.stdout
    creds = tmp_path / "config" / "quantumledger" / "credentials"
    assert stat.S_IMODE(creds.stat().st_mode) == 0o600 and "ql_sess_" in creds.read_text()
    who = await blocking(ql, stack, None, "whoami", home=tmp_path)
    assert who.exit_code == 0 and email in who.stdout and "stored by `ql login`" in who.stdout
    made = await blocking(ql, stack, None, "keys", "create", "ci", "--scope", "runs:read", "-q", home=tmp_path)
    key = made.stdout.strip()
    assert made.exit_code == 0 and key.startswith("ql_live_")
    keys = await blocking(ql, stack, None, "keys", "ls", "--json", home=tmp_path)
    [listed] = [k for k in json.loads(keys.stdout) if k["name"] == "ci"]
    assert listed["scopes"] == ["runs:read"] and "api_key" not in listed
    table = await blocking(ql, stack, None, "keys", "ls", home=tmp_path)
    assert table.stdout.split()[:3] == ["KEY_ID", "NAME", "PREFIX"]
    revoke = await blocking(ql, stack, None, "keys", "revoke", listed["key_id"], home=tmp_path)
    assert revoke.exit_code == 0
    out = await blocking(ql, stack, None, "logout", home=tmp_path)
    assert out.exit_code == 0 and "logged out" in out.stdout and "ql_sess_" not in creds.read_text()
    assert (await blocking(ql, stack, None, "whoami", home=tmp_path)).exit_code == 4


def test_every_command_has_help_and_the_exit_codes_are_documented() -> None:
    from click.testing import CliRunner

    runner = CliRunner()
    top = runner.invoke(cli, ["--help"])
    assert "Exit codes:" in top.output and "3  verification failed" in top.output
    sdk_commands = (
        "ingest",
        "runs",
        "verify",
        "cards",
        "reproduce",
        "report",
        "leaderboard",
        "attest",
        "login",
        "logout",
        "whoami",
        "keys",
        "members",
    )
    for name in sdk_commands:
        command = cli.commands[name]
        subs = getattr(command, "commands", {})
        for args in ([name], *([name, sub] for sub in subs)):
            result = runner.invoke(cli, [*args, "--help"])
            assert result.exit_code == 0 and result.output.startswith("Usage: "), args


async def test_members_invite_accept_role_remove(stack: Stack, tmp_path: Path) -> None:
    """`ql members`: an owner invites, the guest accepts with the mailed token, the owner changes
    the role and removes them; a refusal (a member granting owner) is a clear error."""
    from types import SimpleNamespace

    from tests.integration.identity.helpers import signup
    from tests.integration.identity.test_members import invitation_token

    async with stack.client() as c:
        owner = await signup(stack, c)
        guest = await signup(stack, c)
    as_owner: Any = SimpleNamespace(api_key=owner.session)
    as_guest: Any = SimpleNamespace(api_key=guest.session)
    sent = await blocking(ql, stack, as_owner, "members", "invite", guest.email, "--role", "viewer", home=tmp_path)
    assert sent.exit_code == 0 and f"invited {guest.email} as viewer" in sent.stdout
    pending = await blocking(ql, stack, as_owner, "members", "invitations", "--json", home=tmp_path)
    [invitation] = json.loads(pending.stdout)
    assert invitation["status"] == "pending" and "token" not in json.dumps(invitation).lower().replace("_id", "")
    token = invitation_token(await wait_for_mail(stack, guest.email, count=2))
    joined = await blocking(ql, stack, as_guest, "members", "accept", token, home=tmp_path)
    assert joined.exit_code == 0 and "you are now viewer of " + owner.org_slug in joined.stdout
    listed = await blocking(ql, stack, as_owner, "members", "ls", home=tmp_path)
    lines = listed.stdout.splitlines()
    assert lines[0].split()[:3] == ["ACCOUNT_ID", "ROLE", "EMAIL"] and len(lines) == 3
    assert any(guest.account_id in line and "viewer" in line and guest.email in line for line in lines)
    grab = ("members", "role", guest.account_id, "owner", "--org", owner.org_id)
    elsewhere = await blocking(ql, stack, as_guest, *grab, home=tmp_path)  # a session is for its own org
    assert elsewhere.exit_code == 5 and elsewhere.stdout == "" and "404" in elsewhere.stderr, elsewhere
    there = await blocking(lambda: sdk(stack, None).auth.login(guest.email, guest.password, org=owner.org_slug))
    as_viewer: Any = SimpleNamespace(api_key=there.token)
    refused = await blocking(ql, stack, as_viewer, *grab, home=tmp_path)  # a viewer grants nothing
    assert refused.exit_code == 4 and refused.stdout == "" and "403" in refused.stderr, refused
    promoted = await blocking(ql, stack, as_owner, "members", "role", guest.account_id, "member", home=tmp_path)
    assert promoted.exit_code == 0 and "is now member" in promoted.stdout
    kept = await blocking(ql, stack, as_owner, "members", "remove", guest.account_id, home=tmp_path, stdin="n\n")
    assert kept.exit_code == 1  # not confirmed: nothing removed
    gone = await blocking(ql, stack, as_owner, "members", "remove", guest.account_id, "--yes", home=tmp_path)
    assert gone.exit_code == 0
    after = json.loads((await blocking(ql, stack, as_owner, "members", "ls", "--json", home=tmp_path)).stdout)
    assert [m["account_id"] for m in after] == [owner.account_id]
    other = await blocking(ql, stack, as_owner, "members", "invite", "x" + guest.email, home=tmp_path)
    other_id = other.stdout.split()[0]
    assert (await blocking(ql, stack, as_owner, "members", "revoke-invitation", other_id, home=tmp_path)).exit_code == 0
    every = json.loads(
        (await blocking(ql, stack, as_owner, "members", "invitations", "--all", "--json", home=tmp_path)).stdout
    )
    assert sorted(i["status"] for i in every) == ["accepted", "revoked"]
