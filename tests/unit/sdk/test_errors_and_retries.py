"""Problem documents become typed errors; retries happen only where they cannot do work twice,
with backoff, honouring Retry-After (seconds or an HTTP date), and never silently for long."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import httpx
import pytest
from quantumledger import (
    APIError,
    AsyncClient,
    AuthError,
    Client,
    ConflictError,
    ConnectionFailedError,
    ForbiddenError,
    GoneError,
    NotFoundError,
    PlanError,
    RateLimitError,
    RetryPolicy,
    ServerError,
    UnauthenticatedError,
    UnavailableError,
    ValidationError,
)
from quantumledger.errors import BadRequestError, retry_after_seconds

from tests.unit.sdk.conftest import URL
from tests.unit.sdk.fake import Script, problem, reply

ME = {"org": {"id": "org_1", "slug": "lab"}, "workspace": {"id": "ws_1", "slug": "default"}, "scopes": ["runs:read"]}
INGESTED = {"run_id": "01JRUN", "run_hash": "ab" * 32, "deduplicated": False}


@pytest.mark.parametrize(
    ("status", "slug", "cls"),
    [
        (400, "bad-request", BadRequestError),
        (401, "unauthorized", UnauthenticatedError),
        (402, "plan-feature-missing", PlanError),
        (403, "missing-scope", ForbiddenError),
        (404, "not-found", NotFoundError),
        (409, "conflict", ConflictError),
        (410, "card-withdrawn", GoneError),
        (422, "unprocessable", ValidationError),
        (500, "internal", ServerError),
    ],
)
def test_a_problem_becomes_its_typed_error_with_every_member(
    script: Script, ql: Client, status: int, slug: str, cls: type[APIError]
) -> None:
    script.on("GET", "/api/v1/me", problem(status, slug, "what happened", scope="runs:read", instance="/api/v1/me"))
    with pytest.raises(cls) as err:
        ql.me()
    e = err.value
    assert isinstance(e, APIError) and e.status == status and e.slug == slug
    assert e.type == f"https://quantumledger.dev/problems/{slug}" and e.detail == "what happened"
    assert e.instance == "/api/v1/me" and e.extensions == {"scope": "runs:read"}
    assert str(e) == f"{status} {e.title}: what happened"
    assert isinstance(e, AuthError) == (status in (401, 403))
    assert len(script.requests) == 1  # none of these is retried


def test_an_error_without_a_problem_document_still_says_what_came(script: Script, ql: Client) -> None:
    script.on(
        "GET",
        "/api/v1/me",
        httpx.Response(502, content=b"<html>bad gateway</html>", headers={"Content-Type": "text/html"}),
    )
    with pytest.raises(ServerError) as err:
        Client(URL, "k", transport=script.sync_transport(), retry=RetryPolicy(max_retries=0)).me()
    assert err.value.status == 502 and "bad gateway" in (err.value.detail or "")


def test_429_is_retried_after_the_seconds_retry_after_names(script: Script, ql: Client) -> None:
    script.on("GET", "/api/v1/me", problem(429, "too-many", headers={"Retry-After": "2"}), reply(200, ME))
    assert ql.me().workspace.id == "ws_1"
    assert script.sleeps == [2.0] and len(script.requests) == 2


def test_429_is_retried_even_for_a_command_that_is_not_idempotent(script: Script, ql: Client) -> None:
    path = "/api/v1/workspaces/ws_1/attestations"
    issued = {"attestation_id": "01JATT", "envelope": {"payload": "e30=", "payloadType": "t", "signatures": []}}
    script.on("POST", path, problem(429, "too-many", headers={"Retry-After": "1"}), reply(201, issued))
    assert ql.attestations.issue("reproducibility-baseline", workspace="ws_1").attestation_id == "01JATT"
    assert len(script.sent("POST", path)) == 2


def test_retry_after_as_an_http_date() -> None:
    later = datetime.now(UTC) + timedelta(seconds=30)
    assert 25 <= (retry_after_seconds(format_datetime(later, usegmt=True)) or 0) <= 30
    assert retry_after_seconds("7") == 7.0 and retry_after_seconds(None) is None and retry_after_seconds("soon") is None


def test_503_is_retried_for_idempotent_calls_with_backoff(script: Script, ql: Client) -> None:
    script.on(
        "POST", "/api/v1/ingest/runs", problem(503, "unavailable"), problem(503, "unavailable"), reply(201, INGESTED)
    )
    assert ql.ingest(b'{"schema": "qlprov/run/1.0"}').run_id == "01JRUN"  # ingest is idempotent by run_hash
    assert len(script.sent("POST", "/api/v1/ingest/runs")) == 3
    assert len(script.sleeps) == 2 and 0 <= script.sleeps[0] <= 0.5 and 0 <= script.sleeps[1] <= 1.0  # full jitter


def test_503_is_not_retried_for_a_command_that_may_have_acted(script: Script, ql: Client) -> None:
    for path in ("/api/v1/runs/01JRUN/reproduce", "/api/v1/workspaces/ws_1/attestations"):
        script.on("POST", path, problem(503, "unavailable", headers={"Retry-After": "1"}))
    with pytest.raises(UnavailableError) as err:
        ql.runs.reproduce("01JRUN", days=90)
    assert err.value.retry_after == 1.0
    with pytest.raises(UnavailableError):
        ql.attestations.issue("reproducibility-baseline", workspace="ws_1")
    assert len(script.requests) == 2 and script.sleeps == []


def test_retries_end_and_the_last_error_is_raised(script: Script, ql: Client) -> None:
    script.on("GET", "/api/v1/me", problem(429, "too-many", headers={"Retry-After": "1"}))
    with pytest.raises(RateLimitError):
        ql.me()
    assert len(script.requests) == 4 and script.sleeps == [1.0, 1.0, 1.0]  # max_retries=3


def test_a_long_retry_after_is_raised_not_slept_through(script: Script, ql: Client) -> None:
    script.on("GET", "/api/v1/me", problem(429, "login-throttled", headers={"Retry-After": "900"}))
    with pytest.raises(RateLimitError) as err:
        ql.me()
    assert err.value.retry_after == 900.0 and script.sleeps == [] and len(script.requests) == 1


def test_a_refused_connection_is_retried_but_a_lost_answer_only_when_idempotent(script: Script, ql: Client) -> None:
    path = "/api/v1/runs/01JRUN/reproduce"
    job = {"job_id": "01JJOB", "status": "pending", "run_id": "01JRUN"}
    script.on("POST", path, httpx.ConnectError("refused"), reply(202, job))
    assert ql.runs.reproduce("01JRUN").status == "pending"  # refused: the server did nothing
    script.routes.clear()
    script.on("POST", path, httpx.ReadTimeout("no answer"), reply(202, job))
    with pytest.raises(ConnectionFailedError):
        ql.runs.reproduce("01JRUN")  # the job may have started: not sent again
    script.on("GET", "/api/v1/me", httpx.ReadTimeout("no answer"), reply(200, ME))
    assert ql.me().org.id == "org_1"


def test_no_retries_when_turned_off(script: Script) -> None:
    script.on("GET", "/api/v1/me", problem(429, "too-many", headers={"Retry-After": "1"}))
    with (
        pytest.raises(RateLimitError),
        Client(URL, "k", transport=script.sync_transport(), retry=RetryPolicy(max_retries=0)) as c,
    ):
        c.me()
    assert len(script.requests) == 1


async def test_the_async_client_retries_and_raises_the_same_way(script: Script, aql: AsyncClient) -> None:
    script.on("GET", "/api/v1/me", problem(429, "too-many", headers={"Retry-After": "3"}), reply(200, ME))
    assert (await aql.me()).org.slug == "lab"
    assert script.sleeps == [3.0]
    script.on("POST", "/api/v1/runs/01JRUN/reproduce", problem(503, "unavailable"))
    with pytest.raises(UnavailableError):
        await aql.runs.reproduce("01JRUN")
    script.on("GET", "/api/v1/runs/01JNOPE", problem(404, "not-found", "no run"))
    with pytest.raises(NotFoundError):
        await aql.runs.get("01JNOPE")


def test_the_credential_and_the_client_name_go_with_every_request(script: Script, ql: Client) -> None:
    script.on("GET", "/api/v1/me", reply(200, ME))
    ql.me()
    sent = script.requests[0]
    assert sent.headers["authorization"] == "Bearer ql_live_test"
    assert sent.headers["user-agent"].startswith("quantumledger-python")


def test_ids_from_callers_are_one_path_segment(script: Script, ql: Client) -> None:
    script.on("GET", "/api/v1/runs/..%2Fme", reply(200, {}))
    with pytest.raises(NotFoundError):
        ql.runs.get("../../admin", verify=False)
    assert script.requests[0].url.raw_path == b"/api/v1/runs/..%2F..%2Fadmin"
    with pytest.raises(ValueError):
        ql.cards.get("")


def test_a_throttled_login_is_reported_at_once(script: Script, ql: Client) -> None:
    script.on("POST", "/api/v1/auth/login", problem(429, "login-throttled", headers={"Retry-After": "30"}))
    with pytest.raises(RateLimitError) as err:
        ql.auth.login("ada@lab.example", "wrong")
    assert err.value.retry_after == 30.0 and len(script.requests) == 1 and script.sleeps == []
