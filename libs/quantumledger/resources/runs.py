"""Runs: ingest (one, or a stream), list, fetch, report, reproduce."""

from __future__ import annotations

import builtins
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any, Literal, TypeVar
from urllib.parse import parse_qs, urlsplit

import httpx
import msgspec

from quantumledger._calls import (
    Call,
    Follow,
    Page,
    Resource,
    StreamCall,
    decoded,
    endpoint,
    json_value,
    paginated,
    seg,
    streamed,
    text,
)
from quantumledger._transport import bundle_line
from quantumledger.errors import ReproductionFailedError
from quantumledger.models import IngestResult, Report, Reproduction, RunSummary, StreamResult

__all__ = ["Bundle", "Reproductions", "Runs", "bundle_bytes"]

M = TypeVar("M")
Bundle = Mapping[str, Any] | bytes | str | Path
JSON = {"Content-Type": "application/json"}
Profile = Literal["stable", "typical", "bad_day"]
WAIT_S = 600.0


def bundle_bytes(bundle: Bundle) -> bytes:
    """A bundle as the JSON bytes to send: a parsed document, JSON text, or the Path of a file."""
    if isinstance(bundle, Path):
        return bundle.read_bytes()
    if isinstance(bundle, str):
        return bundle.encode()
    if isinstance(bundle, bytes):
        return bundle
    return msgspec.json.encode(bundle)


def _page(r: httpx.Response) -> Page[RunSummary]:
    nxt = r.links.get("next", {}).get("url")
    cursor = parse_qs(urlsplit(nxt).query).get("cursor", [None])[0] if nxt else None
    return Page(decoded(builtins.list[RunSummary])(r), next_url=nxt, next_cursor=cursor)


RUN_FILTERS = ("program", "since", "until", "q", "kind")


def _filters(filters: dict[str, str | None]) -> dict[str, str | None]:
    unknown = sorted(set(filters) - set(RUN_FILTERS))
    if unknown:
        raise TypeError(f"unknown run filter(s) {', '.join(unknown)}; one of {', '.join(RUN_FILTERS)}")
    return filters


def _verified(verify: bool) -> Any:
    def parse(r: httpx.Response) -> dict[str, Any]:
        doc: dict[str, Any] = json_value(r)
        if verify:
            from quantumledger.verify import verify as verify_document

            verify_document(r.content)  # strictly, from the bytes received (I-JSON, schema, hash)
        return doc

    return parse


def job(r: httpx.Response) -> Reproduction:
    """A reproduction job; one that ended ``failed`` is raised as :class:`ReproductionFailedError`."""
    out: Reproduction = decoded(Reproduction)(r)
    if out.status == "failed":
        problem = {
            "type": "https://quantumledger.dev/problems/reproduction-failed",
            "title": "The reproduction failed",
            "status": out.error_status or 500,
            "detail": out.error,
            **{k: v for k, v in out.to_dict().items() if k not in ("status", "error")},
        }
        raise ReproductionFailedError(out.error_status or 500, problem)
    return out


class Runs(Resource[M]):
    """Runs of your workspace (``runs:read``; ingesting needs ``runs:write``)."""

    @endpoint
    def ingest(self, bundle: Bundle) -> Call[IngestResult]:
        """Ingest one ``qlprov/run/1.0`` bundle. Idempotent by ``run_hash``: sending it again
        answers the same ``run_id`` with ``deduplicated=True`` (so it is retried safely)."""
        return Call(
            "POST",
            "/api/v1/ingest/runs",
            decoded(IngestResult),
            content=bundle_bytes(bundle),
            headers=JSON,
            idempotent=True,
        )

    @streamed
    def ingest_stream(
        self,
        bundles: Iterable[Bundle],
        *,
        progress: bool | None = None,
        total: int | None = None,
        chunk_size: int = 256,
    ) -> StreamCall[StreamResult]:
        """Ingest many bundles over NDJSON; yields one :class:`StreamResult` per bundle as the
        ledger acknowledges it. One bad bundle does not stop the others: its result carries
        ``error`` (a problem). ``line`` is the bundle's 1-based position in ``bundles``.

        ``progress``: a tqdm bar on stderr (default: when stderr is a terminal); ``total``
        sizes it. Bundles go in requests of ``chunk_size``, each retried on 429/503.
        """
        return StreamCall(
            "/api/v1/ingest/runs:stream",
            (bundle_line(b) for b in bundles),
            parse=lambda n, line: msgspec.structs.replace(msgspec.json.decode(line, type=StreamResult), line=n),
            chunk_lines=chunk_size,
            progress=progress,
            total=total,
        )

    @endpoint
    def list(
        self,
        *,
        backend: str | None = None,
        status: str | None = None,
        limit: int = 50,
        cursor: str | None = None,
        **filters: str | None,
    ) -> Call[Page[RunSummary]]:
        """One page of runs, most recent first; ``page.next_cursor`` fetches the next.
        ``backend`` is ``provider/name`` (``ibm/ibm_kyiv``); ``status`` completed|failed|cancelled;
        ``filters``: ``program`` (exact name), ``since``/``until`` (a date or an RFC 3339 time),
        ``q`` (a prefix of the run id, the run hash or the program name), ``kind`` (experiments, the
        server's default: every run but the simulated reproductions; original, reproduction, simulated, all)."""
        params = {"backend": backend, "status": status, "limit": limit, "cursor": cursor, **_filters(filters)}
        return Call("GET", "/api/v1/runs", _page, params=params)

    @paginated
    def iter(
        self, *, backend: str | None = None, status: str | None = None, limit: int = 200, **filters: str | None
    ) -> Call[Page[RunSummary]]:
        """Every run, most recent first, page after page (``Link: rel=next``); filters as :meth:`list`."""
        params = {"backend": backend, "status": status, "limit": limit, **_filters(filters)}
        return Call("GET", "/api/v1/runs", _page, params=params)

    @endpoint
    def get(self, run_id: str, *, verify: bool = True) -> Call[dict[str, Any]]:
        """The run's full provenance document (``qlprov/run/1.0``), exactly as stored. Verified
        offline first (I-JSON, schema, ``run_hash`` recomputed) unless ``verify=False``:
        a :class:`~quantumledger.VerificationError` if it does not."""
        return Call("GET", f"/api/v1/runs/{seg(run_id)}", _verified(verify))

    @endpoint
    def report(self, run_id: str) -> Call[Report]:
        """The run report: provenance, calibration of the qubits used, counts against the
        reproductions', verdicts and badges."""
        return Call("GET", f"/api/v1/runs/{seg(run_id)}/report", decoded(Report), params={"format": "json"})

    @endpoint
    def report_html(self, run_id: str) -> Call[str]:
        """The run report as a self-contained HTML page (inline SVG, no script)."""
        return Call("GET", f"/api/v1/runs/{seg(run_id)}/report", text, params={"format": "html"})

    @endpoint
    def reproduce(
        self,
        run_id: str,
        *,
        days: float = 30,
        profile: Profile | str = "typical",
        seed: int | None = None,
        alpha: float | None = None,
        wait: bool = False,
        timeout: float = WAIT_S,
    ) -> Call[Reproduction]:
        """Re-run the stored circuit against its device drifted by ``days`` and score it.

        ``alpha``: the test's level, the rate at which an unchanged device is called drifted
        (0.001 to 0.1; the server's default, 0.01, when absent).

        ``wait=False``: answers at once with the pending job (poll ``ql.reproductions.get``).
        ``wait=True``: follows the job (``202`` + ``Location``, honouring ``Retry-After``) for up
        to ``timeout`` seconds and returns it completed; a failed job raises
        :class:`ReproductionFailedError`, a job still running :class:`WaitTimeoutError`. Never
        retried after a 503: each request starts (and counts) a new job.
        """
        body: dict[str, Any] = {"days": days, "profile": profile}
        if seed is not None:
            body["seed"] = seed
        if alpha is not None:
            body["alpha"] = alpha
        return Call(
            "POST",
            f"/api/v1/runs/{seg(run_id)}/reproduce",
            job,
            body=body,
            headers={} if wait else {"Prefer": "respond-async"},
            idempotent=False,
            follow=Follow(done=lambda b: b.get("status") != "pending", timeout=timeout) if wait else None,
        )


class Reproductions(Resource[M]):
    """Reproduction jobs (start one with ``runs.reproduce``)."""

    @endpoint
    def get(self, job_id: str, *, wait: bool = False, timeout: float = WAIT_S) -> Call[Reproduction]:
        """A job: ``pending``, ``completed`` or (raised) failed; ``wait=True`` follows it to its end."""
        return Call(
            "GET",
            f"/api/v1/reproductions/{seg(job_id)}",
            job,
            follow=Follow(done=lambda b: b.get("status") != "pending", timeout=timeout) if wait else None,
        )
