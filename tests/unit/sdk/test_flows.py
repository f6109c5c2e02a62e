"""Pages, a followed 202, the NDJSON stream in chunks, the caller's workspace, and answers that
carry more than this SDK knows."""

from __future__ import annotations

import json

import httpx
import pytest
from quantumledger import AsyncClient, Client, ReproductionFailedError, WaitTimeoutError

from tests.unit.sdk.fake import Script, problem, reply

ME = {"org": {"id": "org_1", "slug": "lab"}, "workspace": {"id": "ws_1", "slug": "default"}}


def run(i: int) -> dict[str, object]:
    return {"run_id": f"01JRUN{i:02d}", "backend": "ibm/ibm_kyiv", "shots": 1024, "status": "completed"}


def pages(script: Script) -> None:
    """Three pages by cursor, with ``Link: rel=next`` as the gateway sends it."""
    book = {None: ([1, 2], "c2"), "c2": ([3, 4], "c4"), "c4": ([5], None)}

    def handle(request: httpx.Request) -> httpx.Response:
        items, nxt = book[request.url.params.get("cursor")]
        link = {"Link": f'</api/v1/runs?limit=2&cursor={nxt}>; rel="next"'} if nxt else {}
        return reply(200, [run(i) for i in items], link)

    script.on("GET", "/api/v1/runs", handle)


def test_one_page_and_its_cursor_then_every_page(script: Script, ql: Client) -> None:
    pages(script)
    page = ql.runs.list(limit=2, backend="ibm/ibm_kyiv")
    assert [r.run_id for r in page] == ["01JRUN01", "01JRUN02"] and page.next_cursor == "c2"
    assert script.requests[0].url.params["backend"] == "ibm/ibm_kyiv" and "cursor" not in script.requests[0].url.params
    assert [r.run_id for r in ql.runs.list(limit=2, cursor=page.next_cursor)] == ["01JRUN03", "01JRUN04"]
    assert [r.run_id for r in ql.runs.iter(limit=2)] == [f"01JRUN{i:02d}" for i in range(1, 6)]
    assert [r.url.params.get("cursor") for r in script.requests[2:]] == [None, "c2", "c4"]


async def test_async_pages(script: Script, aql: AsyncClient) -> None:
    pages(script)
    assert [r.run_id async for r in aql.runs.iter(limit=2)] == [f"01JRUN{i:02d}" for i in range(1, 6)]
    assert [r.url.params.get("cursor") for r in script.requests] == [None, "c2", "c4"]


JOB = {"job_id": "01JJOB", "run_id": "01JRUN", "days": 90, "profile": "bad_day", "seed": 7}
LOCATION = "/api/v1/reproductions/01JJOB"


def follow(script: Script, last: dict[str, object]) -> None:
    pending = {**JOB, "status": "pending", "location": LOCATION}
    script.on("POST", "/api/v1/runs/01JRUN/reproduce", reply(202, pending, {"Location": LOCATION, "Retry-After": "1"}))
    script.on("GET", LOCATION, reply(200, pending, {"Retry-After": "2"}), reply(200, last))


def test_wait_follows_the_202_to_the_verdict_honouring_retry_after(script: Script, ql: Client) -> None:
    done = {**JOB, "status": "completed", "verdict": "drifted", "hellinger_fidelity": 0.947, "p_value": 0.01}
    follow(script, done)
    job = ql.runs.reproduce("01JRUN", days=90, profile="bad_day", seed=7, wait=True)
    assert (job.status, job.verdict, job.hellinger_fidelity, job.p_value) == ("completed", "drifted", 0.947, 0.01)
    assert script.sleeps == [1.0, 2.0] and len(script.sent("GET", LOCATION)) == 2
    post = script.sent("POST", "/api/v1/runs/01JRUN/reproduce")[0]
    assert json.loads(post.content) == {"days": 90, "profile": "bad_day", "seed": 7} and "prefer" not in post.headers


def test_without_wait_the_pending_job_comes_back_at_once(script: Script, ql: Client) -> None:
    follow(script, {})
    job = ql.runs.reproduce("01JRUN")
    assert job.status == "pending" and not job.done and job.location == LOCATION
    assert script.requests[0].headers["prefer"] == "respond-async" and script.sleeps == []


def test_a_failed_job_is_raised_and_a_long_one_times_out(script: Script, ql: Client) -> None:
    follow(script, {**JOB, "status": "failed", "error": "the circuit does not parse", "error_status": 422})
    with pytest.raises(ReproductionFailedError) as err:
        ql.runs.reproduce("01JRUN", wait=True)
    assert err.value.status == 422 and err.value.detail == "the circuit does not parse"
    assert err.value.extensions["job_id"] == "01JJOB"
    script.routes.clear()
    pending = {**JOB, "status": "pending", "location": LOCATION}
    script.on("GET", LOCATION, reply(200, pending, {"Retry-After": "1"}))
    with pytest.raises(WaitTimeoutError) as timeout:
        ql.reproductions.get("01JJOB", wait=True, timeout=2.5)
    assert timeout.value.last.status == "pending" and script.sleeps[-2:] == [1.0, 1.0]


async def test_async_wait(script: Script, aql: AsyncClient) -> None:
    follow(script, {**JOB, "status": "completed", "verdict": "reproduced"})
    assert (await aql.runs.reproduce("01JRUN", wait=True)).verdict == "reproduced"
    assert script.sleeps == [1.0, 2.0]


def ndjson_server(script: Script, answered: list[list[int]], fail_first: bool = False, cut_after: int | None = None):
    """Answers each line of a chunk like the gateway (``line`` within the request); remembers the
    lines of each request; optionally a 503 first, or a connection cut after some answers."""
    state = {"calls": 0}

    def handle(request: httpx.Request) -> httpx.Response:
        state["calls"] += 1
        lines = [json.loads(x) for x in request.content.decode().splitlines()]
        answered.append([x.get("i", -1) if isinstance(x, dict) else -1 for x in lines])
        if fail_first and state["calls"] == 1:
            return problem(503, "unavailable", headers={"Retry-After": "1"})
        out = []
        for n, x in enumerate(lines, start=1):
            if isinstance(x, dict) and "i" in x:
                out.append({"line": n, "run_id": f"run{x['i']}", "run_hash": "h", "deduplicated": False})
            else:
                out.append({"line": n, "error": {"status": 422, "title": "Unprocessable content"}})
        if cut_after is not None and state["calls"] == 1:
            body = "".join(json.dumps(o) + "\n" for o in out[:cut_after])
            return httpx.Response(200, content=body.encode(), headers={"Content-Type": "application/x-ndjson"})
        return httpx.Response(200, content="".join(json.dumps(o) + "\n" for o in out).encode())

    script.on("POST", "/api/v1/ingest/runs:stream", handle)


def test_the_stream_goes_in_chunks_and_numbers_lines_among_all_bundles(script: Script, ql: Client) -> None:
    answered: list[list[int]] = []
    ndjson_server(script, answered)
    bundles = [{"i": 1}, b'{"i": 2}', '{\n "i": 3\n}', b"", {"i": 5}]
    out = list(ql.ingest_stream(bundles, chunk_size=2, progress=False))
    assert answered == [[1, 2], [3, -1], [5]]  # the empty bundle went as `null`, so numbering holds
    assert [(r.line, r.run_id, r.ok) for r in out] == [
        (1, "run1", True),
        (2, "run2", True),
        (3, "run3", True),
        (4, None, False),
        (5, "run5", True),
    ]
    assert out[3].error == {"status": 422, "title": "Unprocessable content"}


def test_a_refused_chunk_is_sent_again_and_a_cut_one_only_for_its_unanswered_lines(script: Script, ql: Client) -> None:
    answered: list[list[int]] = []
    ndjson_server(script, answered, fail_first=True)
    assert [r.line for r in ql.ingest_stream([{"i": 1}, {"i": 2}], progress=False)] == [1, 2]
    assert answered == [[1, 2], [1, 2]] and script.sleeps == [1.0]
    script.routes.clear()
    answered.clear()
    ndjson_server(script, answered, cut_after=1)
    assert [r.line for r in ql.ingest_stream([{"i": 1}, {"i": 2}, {"i": 3}], progress=False)] == [1, 2, 3]
    assert answered == [[1, 2, 3], [2, 3]]


def test_the_progress_bar_counts_answers_on_stderr(
    script: Script, ql: Client, capsys: pytest.CaptureFixture[str]
) -> None:
    ndjson_server(script, [])
    list(ql.ingest_stream([{"i": i} for i in range(3)], progress=True, total=3))
    assert "3/3" in capsys.readouterr().err


async def test_async_stream(script: Script, aql: AsyncClient) -> None:
    answered: list[list[int]] = []
    ndjson_server(script, answered)
    assert [
        r.run_id async for r in aql.ingest_stream([{"i": 1}, {"i": 2}, {"i": 3}], chunk_size=2, progress=False)
    ] == [
        "run1",
        "run2",
        "run3",
    ]
    assert answered == [[1, 2], [3]]


def test_the_callers_workspace_comes_from_me_once(script: Script, ql: Client) -> None:
    script.on("GET", "/api/v1/me", reply(200, ME))
    script.on("GET", "/api/v1/workspaces/ws_1/compliance", reply(200, {"workspace_id": "ws_1", "frameworks": []}))
    script.on("GET", "/api/v1/workspaces/ws_1/gaps", reply(200, {"workspace_id": "ws_1"}))
    script.on("GET", "/api/v1/orgs/org_1/api-keys/", reply(200, []))
    assert ql.compliance.status().workspace_id == "ws_1"
    assert ql.compliance.gaps().gaps == [] and ql.keys.list() == []
    assert len(script.sent("GET", "/api/v1/me")) == 1
    script.on("GET", "/api/v1/workspaces/ws_other/gaps", problem(404, "not-found"))
    with pytest.raises(Exception, match="404"):
        ql.compliance.gaps(workspace="ws_other")


def test_answers_with_members_this_sdk_does_not_know_still_decode(script: Script, ql: Client) -> None:
    card = {
        "slug": "ghz-3-ibm-kyiv",
        "concept_id": "01JC",
        "version": 2,
        "reproductions": {"count": 3, "reproduced": 2, "by_kind": {"simulation": 2, "independent": 1}},
        "a_member_from_the_future": {"x": [1, 2]},
        "run": {"run_id": "01JRUN", "run_hash": "ab", "hash_verified": True, "new": 1},
    }
    script.on("GET", "/api/v1/cards/ghz-3-ibm-kyiv", reply(200, card))
    got = ql.cards.get("ghz-3-ibm-kyiv")
    assert got.version == 2 and got.reproductions.reproduced == 2 and got.run is not None and got.run.hash_verified
    assert got.links.html is None and got.authors == []


def test_health_down_is_an_answer(script: Script, ql: Client) -> None:
    script.on("GET", "/api/v1/health", reply(503, {"status": "down"}))
    assert ql.health().status == "down" and len(script.requests) == 1
