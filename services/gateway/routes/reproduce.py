"""Reproductions and run reports: re-run a stored circuit against a drifted device, follow the
job, and read a run's report (JSON, or HTML for people).

``POST /runs/{run_id}/reproduce`` answers 200 with the outcome when the job ends within the
service's time limit, else 202 with ``Location: /api/v1/reproductions/{job_id}`` to poll. A
client may ask to wait less with RFC 7240 ``Prefer: wait=N`` (seconds) or not at all with
``Prefer: respond-async``.

An answer with a verdict is already in every read model the client reads next (the reproduced
run, the report, the card, its page and badges): the reproduce service waits for them, and this
route drops the card's cached badges (``card_slug``) before answering.
"""

from __future__ import annotations

import re
from typing import Any

import orjson
from litestar import Controller, Request, Response, get, post
from litestar.params import Parameter
from qlcore import rpc
from qlcore.errors import Unprocessable

from services.gateway.deps import authorized, forward, gw_of
from services.gateway.routes.badges import badge_cache
from services.gateway.validation import json_text

__all__ = ["ReproduceController"]

SERVICE = "reproduce"
MAX_WAIT_S = 60.0  # the service caps it further (QL_REPRODUCE_WAIT_S)
_WAIT = re.compile(r"(?:^|[,;\s])wait\s*=\s*(\d+(?:\.\d+)?)", re.IGNORECASE)


def prefer_wait(prefer: str | None) -> float | None:
    """Seconds the client is willing to wait (RFC 7240 ``Prefer``): ``respond-async`` is 0."""
    if not prefer:
        return None
    if "respond-async" in prefer.lower():
        return 0.0
    m = _WAIT.search(prefer)
    return min(float(m.group(1)), MAX_WAIT_S) if m else None


def wants_html(accept: str | None, fmt: str | None) -> bool:
    """``?format=html|json`` wins; otherwise a browser's Accept (``text/html`` before JSON)."""
    if fmt is not None:
        if fmt not in ("html", "json"):
            raise Unprocessable(f"format must be html or json, got {fmt!r}")
        return fmt == "html"
    if not accept or "text/html" not in accept:
        return False
    return "application/json" not in accept or accept.index("text/html") < accept.index("application/json")


class ReproduceController(Controller):
    path = "/api/v1"
    tags = ["reproduce"]

    @post(
        "/runs/{run_id:str}/reproduce",
        operation_id="reproduceRun",
        status_code=200,
        summary="Re-run the stored circuit against a drifted device state and score the result",
    )
    async def reproduce(self, request: Request[Any, Any, Any], run_id: str) -> Response[bytes]:
        """Body ``{"days": 90, "profile": "stable|typical|bad_day", "seed": 42, "alpha": 0.01}`` (``seed``
        optional, drawn and recorded when absent; ``alpha``, the verdict's false-"drifted" rate for an
        unchanged device, 0.001-0.1, default 0.01; outside: 422). 200: ``reproduced_run_id``,
        ``verdict`` (reproduced | drifted | failed | model_mismatch), ``hellinger_fidelity``,
        ``noise_floor``, ``p_value``, ``threshold``, ``alpha``, ``baseline_fidelity``,
        ``baseline_p_value``, ``baseline_threshold``, ``explanation`` (model_mismatch), ``detectable``,
        ``days``, ``profile``, ``seed``, ``job_id``; 202: the job is still running, poll ``Location``."""
        p = await authorized(request, scope="runs:write", feature="reproductions", quota="reproductions_per_month")
        params = await json_text(request)
        wait = prefer_wait(request.headers.get("prefer"))
        body = b'{"run_id":' + orjson.dumps(run_id) + b',"params":' + params
        body += (b',"wait":' + orjson.dumps(wait) if wait is not None else b"") + b"}"
        gw = gw_of(request)
        timeout = gw.settings.request_timeout + (wait if wait is not None else MAX_WAIT_S)
        reply = await rpc.call(gw.nc, gw.settings, SERVICE, "reproductions.request", body, gw.ctx(p), timeout=timeout)
        if reply.status == 200:  # the outcome is in the card read model: drop the card's cached badges here
            slug = (reply.json() or {}).get("card_slug")
            if isinstance(slug, str):
                badge_cache(request.app.state).invalidate(slug)
        return Response(
            reply.body, status_code=reply.status, media_type=reply.content_type, headers=reply.headers or None
        )

    @get(
        "/reproductions/{job_id:str}",
        operation_id="getReproduction",
        summary="A reproduction job: pending, completed (with its outcome) or failed",
    )
    async def job(self, request: Request[Any, Any, Any], job_id: str) -> Response[bytes]:
        p = await authorized(request, scope="runs:read")
        return await forward(request, SERVICE, "reproductions.get", {"job_id": job_id}, p)

    @get(
        "/runs/{run_id:str}/report",
        operation_id="getRunReport",
        summary="Run report: provenance, calibration of the qubits used, counts vs reproductions, verdicts, badges",
    )
    async def report(
        self,
        request: Request[Any, Any, Any],
        run_id: str,
        format: str | None = Parameter(default=None, description="json (default) or html; else by Accept"),
        before: str | None = Parameter(
            default=None,
            description="a job id: list the reproductions requested before it (the report's links.older);"
            " a report lists 50 at most",
        ),
    ) -> Response[bytes]:
        p = await authorized(request, scope="runs:read")
        fmt = "html" if wants_html(request.headers.get("accept"), format) else "json"
        q = {"run_id": run_id, "format": fmt, **({"before": before} if before else {})}
        return await forward(request, SERVICE, "runs.report", q, p)
