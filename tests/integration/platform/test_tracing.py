"""One run can be followed from its HTTP request through the ingest service into every read model."""

from __future__ import annotations

import pytest
import structlog

from tests.fixtures import Stack
from tests.integration.platform.bundles import bundle

pytestmark = pytest.mark.integration


async def test_request_id_follows_the_run_into_every_projection(stack: Stack) -> None:
    t = await stack.tenant()
    rid = "trace-me-0123456789"
    with structlog.testing.capture_logs(processors=[structlog.contextvars.merge_contextvars]) as logs:
        async with stack.client(t) as c:
            r = await c.post("/api/v1/ingest/runs", json=bundle(4242), headers={"X-Request-Id": rid})
        assert r.headers["x-request-id"] == rid
        run_id = r.json()["run_id"]
        for service in ("provenance", "ingest"):
            await stack.wait_caught_up(service)
    http = [e for e in logs if e["event"] == "http.request" and e.get("request_id") == rid]
    assert http and http[0]["status"] == 201
    ingested = [e for e in logs if e["event"] == "run.ingested" and e.get("run_id") == run_id]
    assert ingested and ingested[0]["request_id"] == rid and ingested[0]["event_id"]
    applied = {
        e["service"]
        for e in logs
        if e["event"] == "projection.applied" and rid in e.get("correlation_ids", []) and run_id in e.get("run_ids", [])
    }
    assert {"provenance", "ingest"} <= applied
