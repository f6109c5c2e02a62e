"""Nothing that is accepted can fail to apply (issue 11, item 1; the catalogue of item 6).

Every command the API takes is sent with poison: NUL in every text field, integers beyond
I-JSON's range (2^53, 2^63, 2^64) and numbers beyond a double (1e400), duplicate member
names at the top and nested, wrong media types; and every query parameter of every GET
operation in the OpenAPI document is sent junk. Each answer is a 4xx problem+json (never a
2xx, never a 5xx), nothing is appended to the log, and afterwards every read model is caught
up with no dead letter and health is "up".

The stack is this module's own, so its log and dead letters hold only what this module did.
"""

from __future__ import annotations

import asyncio
import copy
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any

import httpx
import orjson
import pytest
from qlcore.bus import Bus
from qlcore.config import SERVICES

from tests.fixtures import Infra, Stack, Tenant, stack_context
from tests.integration.platform.bundles import bundle

pytestmark = pytest.mark.integration

NUL = "\u0000"
BASELINE = "reproducibility-baseline"


@dataclass
class World:
    stack: Stack
    tenant: Tenant
    run_id: str
    slug: str
    attestation_id: str


@pytest.fixture(scope="module")
async def world(infra: Infra) -> AsyncIterator[World]:
    async for stack in stack_context(infra):
        t = await stack.tenant()
        async with stack.client(t) as c:
            r = await c.post("/api/v1/ingest/runs", json=bundle("catalogue"))
            assert r.status_code == 201, r.text
            run_id = r.json()["run_id"]
            await stack.wait_caught_up("card")
            r = await c.post(
                f"/api/v1/runs/{run_id}/card/publish", json={"authors": [{"name": "Ada"}], "license": "CC-BY-4.0"}
            )
            assert r.status_code in (200, 201), r.text
            slug = r.json()["slug"]
            ws = f"/api/v1/workspaces/{t.workspace_id}"
            assert (await c.post(f"{ws}/frameworks/{BASELINE}/enable")).status_code in (200, 201)
            assert (await c.post(f"{ws}/compliance/evaluate")).status_code == 200
            r = await c.post(f"{ws}/attestations", json={"framework_id": BASELINE})
            assert r.status_code == 201, r.text
            attestation_id = r.json()["attestation_id"]
        yield World(stack, t, run_id, slug, attestation_id)
        break


def _with(doc: dict[str, Any], path: tuple[str | int, ...], value: Any) -> dict[str, Any]:
    out = copy.deepcopy(doc)
    node: Any = out
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value
    return out


def _text_paths(value: Any, path: tuple[str | int, ...] = ()) -> list[tuple[str | int, ...]]:
    """Every string member of a JSON value (the fields a NUL goes into)."""
    if isinstance(value, str):
        return [path]
    if isinstance(value, dict):
        return [p for k, v in value.items() for p in _text_paths(v, (*path, k))]
    if isinstance(value, list):
        return [p for i, v in enumerate(value) for p in _text_paths(v, (*path, i))]
    return []


def _nul(value: Any) -> Any:
    return f"x{NUL}y" if isinstance(value, str) else value


def _poisoned(doc: dict[str, Any]) -> list[tuple[str, bytes]]:
    """``doc`` with NUL in each of its strings in turn, in a member name, and in a client extra."""
    out = []
    for path in _text_paths(doc):
        node: Any = doc
        for key in path:
            node = node[key]
        out.append(("/" + "/".join(map(str, path)), orjson.dumps(_with(doc, path, node + NUL))))
    out.append(("member name", orjson.dumps({**doc, f"extra{NUL}": 1})))
    out.append(("client extra", orjson.dumps({**doc, "extra": {"note": f"a{NUL}b"}})))
    return out


def _numbers(doc: dict[str, Any], path: tuple[str | int, ...]) -> list[tuple[str, bytes]]:
    """``doc`` with the number at ``path`` replaced by each number I-JSON refuses (as raw text)."""
    marker = "@@NUMBER@@"
    text = orjson.dumps(_with(doc, path, marker)).decode()
    return [
        (number, text.replace(f'"{marker}"', number).encode())
        for number in ("9007199254740992", "9223372036854775808", "18446744073709551616", "1e400", "-1e400")
    ]


def _duplicates(doc: dict[str, Any], nested: str | None) -> list[tuple[str, bytes]]:
    """A repeated member at the top level, and inside the object ``nested`` when given (raw text:
    a dict cannot hold them)."""

    def repeat_first(obj: dict[str, Any]) -> str:
        first = next(iter(obj))
        text = orjson.dumps(obj).decode()
        return "{" + f"{orjson.dumps(first).decode()}: {orjson.dumps(obj[first]).decode()}, " + text[1:]

    cases = [("top-level duplicate", repeat_first(doc).encode())]
    if nested is not None:
        text = orjson.dumps({**doc, nested: "@@INNER@@"}).decode().replace('"@@INNER@@"', repeat_first(doc[nested]))
        cases.append((f"duplicate in /{nested}", text.encode()))
    return cases


@dataclass(frozen=True)
class Command:
    """One JSON command of the API and a valid body for it (the catalogue varies that body)."""

    name: str
    method: str
    path: Callable[[World], str]
    body: dict[str, Any]
    auth: bool = True
    numbers: tuple[str | int, ...] | None = None  # a numeric member to push out of range


def _commands() -> list[Command]:
    def ws(w: World) -> str:
        return f"/api/v1/workspaces/{w.tenant.workspace_id}"

    return [
        Command(
            "register",
            "POST",
            lambda w: "/api/v1/auth/register",
            {"email": "eve@example.org", "password": "correct horse battery", "name": "Eve", "org_name": "Eve Lab"},
            auth=False,
        ),
        Command(
            "login",
            "POST",
            lambda w: "/api/v1/auth/login",
            {"email": "eve@example.org", "password": "correct horse battery", "org": "eve-lab"},
            auth=False,
        ),
        Command("verify-email", "POST", lambda w: "/api/v1/auth/verify-email", {"token": "abc"}, auth=False),
        Command(
            "create api key",
            "POST",
            lambda w: f"/api/v1/orgs/{w.tenant.org_id}/api-keys",
            {"name": "ci", "scopes": ["runs:read"], "workspace": "default", "expires_at": "2099-01-01T00:00:00Z"},
        ),
        Command("ingest", "POST", lambda w: "/api/v1/ingest/runs", bundle("poison"), numbers=("execution", "shots")),
        Command(
            "publish",
            "POST",
            lambda w: f"/api/v1/runs/{w.run_id}/card/publish",
            {
                "authors": [{"name": "Ada", "affiliation": "Lab"}],
                "title": "T",
                "abstract": "A",
                "license": "CC-BY-4.0",
                "keywords": ["k"],
                "version_note": 1,
            },
            numbers=("version_note",),
        ),
        Command("unpublish", "POST", lambda w: f"/api/v1/runs/{w.run_id}/card/unpublish", {"reason": "r"}),
        Command(
            "reproduce",
            "POST",
            lambda w: f"/api/v1/runs/{w.run_id}/reproduce",
            {"days": 90, "profile": "bad_day", "seed": 42},
            numbers=("seed",),
        ),
        Command(
            "submit reproduction",
            "POST",
            lambda w: f"/api/v1/cards/{w.slug}/reproductions",
            bundle("poison-reproduction"),
            numbers=("execution", "shots"),
        ),
        Command("issue attestation", "POST", lambda w: f"{ws(w)}/attestations", {"framework_id": BASELINE}),
        Command(
            "revoke attestation", "POST", lambda w: f"/api/v1/attestations/{w.attestation_id}/revoke", {"reason": "r"}
        ),
        Command(
            "verify envelope",
            "POST",
            lambda w: "/api/v1/attestations/verify",
            {"envelope": {"payload": "e30", "payloadType": "application/vnd.in-toto+json", "signatures": []}},
            auth=False,
        ),
        Command("enable framework", "POST", lambda w: f"{ws(w)}/frameworks/{BASELINE}/enable", {"version": "1.0.0"}),
        Command("transparency", "POST", lambda w: f"{ws(w)}/transparency", {"run_commitments": False}),
    ]


COMMANDS = _commands()


async def _log_end(w: World) -> int:
    return await Bus(w.stack.nc, w.stack.settings).last_event_seq()


def _assert_refused(r: httpx.Response, what: str, statuses: tuple[int, ...] = (400, 415, 422)) -> None:
    assert r.status_code in statuses, f"{what}: {r.status_code} {r.text[:300]}"
    assert r.headers["content-type"].startswith("application/problem+json"), f"{what}: {r.headers}"
    assert r.json()["status"] == r.status_code


async def _send(w: World, cmd: Command, body: bytes, content_type: str = "application/json") -> httpx.Response:
    async with w.stack.client(w.tenant if cmd.auth else None) as c:
        return await c.request(cmd.method, cmd.path(w), content=body, headers={"Content-Type": content_type})


@pytest.mark.parametrize("cmd", COMMANDS, ids=lambda c: c.name)
async def test_nul_in_every_text_field_is_422_naming_it_and_appends_nothing(world: World, cmd: Command) -> None:
    before = await _log_end(world)
    for where, body in _poisoned(cmd.body):
        r = await _send(world, cmd, body)
        _assert_refused(r, f"{cmd.name} with NUL in {where}", (422,))
        problem = r.json()
        if where.startswith("/"):  # the member is named, as a JSON Pointer
            assert problem.get("member") == where or where in problem.get("detail", ""), problem
    assert await _log_end(world) == before, f"{cmd.name}: a refused command appended events"


@pytest.mark.parametrize("cmd", [c for c in COMMANDS if c.numbers], ids=lambda c: c.name)
async def test_numbers_beyond_i_json_are_422_naming_the_member(world: World, cmd: Command) -> None:
    assert cmd.numbers is not None
    before = await _log_end(world)
    for number, body in _numbers(cmd.body, cmd.numbers):
        r = await _send(world, cmd, body)
        _assert_refused(r, f"{cmd.name} with {number}", (422,))
        assert r.json().get("member") == "/" + "/".join(map(str, cmd.numbers)), r.json()
    assert await _log_end(world) == before


@pytest.mark.parametrize(
    ("op", "body"),
    [
        ("admin.create_org", {"name": "Org", "slug": "org-x", "workspace": "main", "key_name": "k"}),
        ("admin.create_workspace", {"name": "Second", "operator": "ada"}),
        ("admin.set_plan", {"plan": "pro", "operator": "ada", "reason": "upgrade"}),
    ],
)
async def test_operator_org_commands_with_nul_are_422_and_append_nothing(
    world: World, op: str, body: dict[str, Any]
) -> None:
    """The org commands of the operator path (``ql ops orgs ...``), over the bus: the same check."""
    if op != "admin.create_org":
        body = {**body, "org": world.tenant.org_id}
    before = await _log_end(world)
    for member in body:
        reply = await world.stack.call("gateway", op, {**body, member: f"a{NUL}b"})
        assert reply.status == 422, (op, member, reply.body)
        assert reply.json()["member"] == f"/{member}"
    assert await _log_end(world) == before


@pytest.mark.parametrize(
    ("path", "value"),
    [
        (("execution", "shots"), 2**31),  # I-JSON, but beyond the read models' integer column
        (("backend", "num_qubits"), 2**40),
        (("created_at",), "2024-13-45T00:00:00Z"),  # the pattern admits it; timestamptz does not
        (("created_at",), "0000-01-01T00:00:00Z"),
        (("calibration", "taken_at"), "2024-02-30T10:00:00Z"),
        (("execution", "completed_at"), "2024-01-01T24:61:00+05:00"),
    ],
)
async def test_run_values_the_projections_cannot_store_are_422(
    world: World, path: tuple[str, ...], value: object
) -> None:
    doc = _with(bundle("unstorable"), path, value)
    member = "/" + "/".join(path)
    before = await _log_end(world)
    async with world.stack.client(world.tenant) as c:
        r = await c.post("/api/v1/ingest/runs", json=doc)
        _assert_refused(r, f"ingest with {member}={value}", (422,))
        assert r.json()["member"] == member, r.json()
        r = await c.post(
            "/api/v1/ingest/runs:stream",
            content=orjson.dumps(doc) + b"\n",
            headers={"Content-Type": "application/x-ndjson"},
        )
        assert orjson.loads(r.text.splitlines()[0])["error"]["member"] == member
    assert await _log_end(world) == before


@pytest.mark.parametrize("cmd", COMMANDS, ids=lambda c: c.name)
async def test_duplicate_member_names_are_422(world: World, cmd: Command) -> None:
    nested = next((k for k, v in cmd.body.items() if isinstance(v, dict) and v), None)
    cases = _duplicates(cmd.body, nested)
    before = await _log_end(world)
    for what, body in cases:
        r = await _send(world, cmd, body)
        _assert_refused(r, f"{cmd.name}: {what}", (422,))
        assert "duplicate" in r.json()["detail"], r.json()
    assert await _log_end(world) == before


@pytest.mark.parametrize("cmd", COMMANDS, ids=lambda c: c.name)
async def test_a_body_that_is_not_json_is_400(world: World, cmd: Command) -> None:
    before = await _log_end(world)
    for body in (b'{"a": ', b"{'a': 1}", b'{"a": "\xff"}'):
        _assert_refused(await _send(world, cmd, body), f"{cmd.name} with {body!r}", (400,))
    assert await _log_end(world) == before


@pytest.mark.parametrize("cmd", COMMANDS, ids=lambda c: c.name)
@pytest.mark.parametrize("media", ["text/plain", "multipart/form-data; boundary=x", "application/xml"])
async def test_json_commands_require_a_json_media_type(world: World, cmd: Command, media: str) -> None:
    before = await _log_end(world)
    r = await _send(world, cmd, orjson.dumps(cmd.body), media)
    _assert_refused(r, f"{cmd.name} as {media}", (415,))
    assert await _log_end(world) == before


async def test_without_a_bearer_token_a_form_or_no_media_type_is_415(world: World) -> None:
    """Only a bearer-authenticated request may omit the type or send curl's form default (CSRF)."""
    body = orjson.dumps({"email": "eve@example.org", "password": "correct horse battery", "org": None})
    async with world.stack.client() as c:
        for headers in ({"Content-Type": "application/x-www-form-urlencoded"}, {}):
            r = await c.post("/api/v1/auth/login", content=body, headers=headers)
            _assert_refused(r, f"login with {headers}", (415,))


async def test_the_stream_requires_ndjson(world: World) -> None:
    line = orjson.dumps(bundle("stream-media")) + b"\n"
    before = await _log_end(world)
    async with world.stack.client(world.tenant) as c:
        for media in ("text/plain", "application/json", "multipart/form-data; boundary=x"):
            r = await c.post("/api/v1/ingest/runs:stream", content=line, headers={"Content-Type": media})
            _assert_refused(r, f"stream as {media}", (415,))
    assert await _log_end(world) == before


async def test_the_stream_refuses_poisoned_lines_each_with_its_problem(world: World) -> None:
    doc = bundle("stream-poison")
    lines = [body for _, body in _poisoned(doc)]
    lines += [body for _, body in _numbers(doc, ("execution", "shots"))]
    lines += [body for _, body in _duplicates(doc, "execution")]
    before = await _log_end(world)
    async with world.stack.client(world.tenant) as c:
        r = await c.post(
            "/api/v1/ingest/runs:stream",
            content=b"\n".join(lines) + b"\n",
            headers={"Content-Type": "application/x-ndjson"},
        )
    assert r.status_code == 200
    results = [orjson.loads(x) for x in r.text.splitlines()]
    assert len(results) == len(lines)
    assert all(x.get("error", {}).get("status") == 422 for x in results), [x for x in results if "error" not in x]
    assert await _log_end(world) == before


async def test_a_session_cookie_form_post_creates_no_key(world: World) -> None:
    """The CSRF shape of the issue: text/plain JSON to a JSON command is refused before anything."""
    before = await _log_end(world)
    async with world.stack.client() as c:
        r = await c.post(
            f"/api/v1/orgs/{world.tenant.org_id}/api-keys",
            content=orjson.dumps({"name": "evil", "scopes": ["runs:read"]}),
            headers={"Content-Type": "text/plain", "Origin": "https://evil.example"},
            cookies={"ql_session": "x"},
        )
    assert r.status_code in (401, 403, 415), r.text
    assert await _log_end(world) == before


# -- query parameters -----------------------------------------------------------------------

JUNK = ["%00", "ibm/%00", "a%00b", "-1", "0", "99999999999999999999", "1e400", "abc", "", "%FF", "%C3%28", "x" * 3000]


def _fill(path: str, w: World) -> str:
    ids = {
        "run_id": w.run_id,
        "slug": w.slug,
        "ws_id": w.tenant.workspace_id,
        "org_id": w.tenant.org_id,
        "att_id": w.attestation_id,
        "fw_id": BASELINE,
        "provider": "ibm",
        "backend_id": "ibm_kyiv",
        "badge_type": "reproduced",
        "org_slug": w.tenant.org_slug,
    }
    for name, value in ids.items():
        path = path.replace("{" + name + "}", value)
    while "{" in path:  # any other id: a made-up one
        start, end = path.index("{"), path.index("}")
        path = path[:start] + "x" + path[end + 1 :]
    return path


async def test_every_query_parameter_with_junk_is_never_a_server_error(world: World) -> None:
    async with world.stack.client() as anon:
        schema = (await anon.get("/schema/openapi.json")).json()
    before = await _log_end(world)
    tried = 0
    async with world.stack.client(world.tenant) as c:
        for template, item in schema["paths"].items():
            op = item.get("get")
            if not op:
                continue
            names = [p["name"] for p in op.get("parameters", []) if p.get("in") == "query"]
            if "cursor" not in names and any(k in template for k in ("/runs", "/attestations", "/gaps")):
                names.append("cursor")
            path = _fill(template, world)
            for name in names:
                for junk in JUNK:
                    r = await c.get(f"{path}?{name}={junk}")
                    tried += 1
                    assert r.status_code < 500, f"GET {path}?{name}={junk[:20]}: {r.status_code} {r.text[:300]}"
                    if r.status_code >= 400:
                        assert r.headers["content-type"].startswith("application/problem+json"), (path, name, junk)
                    if "%00" in junk:
                        assert r.status_code == 422, f"GET {path}?{name}={junk}: {r.status_code}"
    assert tried > 100
    assert await _log_end(world) == before


@pytest.mark.parametrize(
    ("query", "status"),
    [
        ("status=%00", 422),
        ("backend=ibm/%00", 422),
        ("cursor=not-a-cursor", 422),
        ("cursor=MjAyNC0xMy00NVQ5OTo5OTo5OVp8MDFK", 422),  # base64 of a non-date and an id
        ("limit=100000", 422),
        ("limit=-1", 422),
        ("limit=abc", 422),
        ("limit=99999999999999999999999", 422),
    ],
)
async def test_bad_list_queries_are_422(world: World, query: str, status: int) -> None:
    async with world.stack.client(world.tenant) as c:
        r = await c.get(f"/api/v1/runs?{query}")
    _assert_refused(r, query, (status,))
    assert r.json()["type"].endswith("/unprocessable") or r.json()["type"].endswith("-cursor")
    if not query.startswith("cursor"):
        assert r.json()["parameter"] == query.split("=")[0], r.json()


async def test_typed_bodies_name_the_member(world: World) -> None:
    """litestar's own validation (register, login, keys) names the member as every 422 does."""
    async with world.stack.client(world.tenant) as c:
        r = await c.post(f"/api/v1/orgs/{world.tenant.org_id}/api-keys", json={"name": "n", "scopes": ["a", 2]})
        _assert_refused(r, "scopes[1]", (422,))
        assert r.json()["member"] == "/scopes/1" and r.json()["type"].endswith("/unprocessable")
        r = await c.post("/api/v1/auth/register", json={"password": "x", "name": "n", "org_name": "o"})
        _assert_refused(r, "no email", (422,))
        assert r.json()["member"] == "/email"


async def test_a_path_with_nul_names_no_resource(world: World) -> None:
    async with world.stack.client(world.tenant) as c:
        for path in ("/api/v1/runs/%00", "/api/v1/cards/a%00b", "/api/v1/attestations/%00/verify"):
            r = await c.get(path)
            _assert_refused(r, path, (404,))


# -- afterwards ------------------------------------------------------------------------------


async def test_zz_after_all_of_it_no_dead_letter_and_health_is_up(world: World) -> None:
    """Runs last in this module (name order within the file is definition order: it is defined last)."""
    stack = world.stack
    async with asyncio.timeout(60):
        for name in SERVICES:
            await stack.wait_caught_up(name, 60)
    letters = {name: (await stack.call(name, "ops.dead_letters.list")).json() for name in SERVICES}
    assert letters == {name: [] for name in SERVICES}, letters
    async with stack.client() as anon:
        r = await anon.get("/api/v1/health")
    assert (r.status_code, r.json()) == (200, {"status": "up"})
    async with stack.client(world.tenant) as c:
        runs = (await c.get("/api/v1/runs")).json()
    assert [x["run_id"] for x in runs] == [world.run_id]  # the read model holds only the good run
