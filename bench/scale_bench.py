"""Cost as the ledger grows (issue 13.7): one workspace filled to ``QL_BENCH_SCALE_RUNS`` runs
(default 1,000,000), measured at a tenth of that and at all of it, on a stack started as
`make run` starts it.

At each size:

* ``GET /runs`` p50/p99: the first page, the last page (page 10,000 of 100 at 1M) and pages at
  random depths by cursor, each filter of the list (backend, status, both; a common and a rare
  value of each) and a filtered page at random depth; ``GET /runs/{id}`` for random ids, small
  and 75 KB runs (``bench.scale_reads``);
* why: ``EXPLAIN (ANALYZE, BUFFERS)`` of each list query, the B-tree depth of each index;
* replay of the provenance read model (``ops.replay``, what ``ql ops replay provenance`` calls),
  events/s;
* disk per run: the run log in JetStream, each service's schema in PostgreSQL (``bench.scale_disk``);
* real HTTP ingest (``POST /ingest/runs:stream``) of small and of 75 KB bundles, bundles/s (also
  on the empty store), against the bulk fill's rate.

The runs are small real bundles (``bench.scale_runs``) appended in bulk as the entries ingest
writes (``bench.scale_fill``); the time until every read model has applied them is a figure too,
and so is the time until provenance has copied their documents (``GET /runs/{id}`` is measured
once it has: ``services/provenance/copier.py``).
``QL_BENCH_SCALE_HTTP_RUNS`` (2,000 small), ``QL_BENCH_SCALE_REPLAYS`` (3 at the tenth) and
``QL_BENCH_SCALE_REPLAYS_FULL`` (1 at the full size: a replay of 1M events takes minutes) size the
rest; ``QL_BENCH_SCALE_SECONDS``/``_ROUNDS`` (5 s, 3) each latency measurement.
Targets: list pages and ``GET /runs/{id}`` p99 < 50 ms. See docs/scale.md.
"""

from __future__ import annotations

import asyncio
import os
import time
from pathlib import Path
from typing import Any

import httpx
import psycopg
from qlcore import rpc
from qlcore.bus import connect, connect_nats
from qlcore.busauth import OPERATOR
from qlcore.config import SERVICES
from qlcore.runlog import event_at

from bench.common import RunningStack, cpu_ms_per_item, running_stack, write_results
from bench.scale_disk import btree_levels, jetstream_bytes, postgres_bytes, sizes
from bench.scale_fill import append_runs, check_headers, wait_caught_up
from bench.scale_ingest import LARGE_PER_PHASE, http_ingest
from bench.scale_lists import list_figures
from bench.scale_reads import idle_cpu
from bench.scale_runs import SmallRuns

__all__ = ["run"]

TARGETS = {
    "list_first_page_p99_ms": 50,
    "list_last_page_p99_ms": 50,
    "list_random_depth_p99_ms": 50,
    "get_run_p99_ms": 50,
}


def _say(what: str) -> None:
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"[scale {time.strftime('%H:%M:%S')} load {load}] {what}", flush=True)


def _env_int(name: str, default: int) -> int:
    return int(os.environ.get(name, str(default)).replace("_", ""))


async def _ingested_as(s: RunningStack) -> tuple[str, str]:
    """The workspace and actor of the last run ingested over HTTP; checks the bulk headers against it."""
    bus = await connect(s.settings, "bench-scale", user="ingest")
    try:
        seq = await bus.last_event_seq()
        event = await event_at(bus, seq)
        await check_headers(bus, seq)
    finally:
        await bus.close()
    return str(event.workspace_id), event.actor


async def _fill(
    s: RunningStack, db: psycopg.Connection[Any], small: SmallRuns, indices: range, ws: str, actor: str
) -> dict[str, Any]:
    """Bulk-append ``indices``; how fast, how long until every read model applied them, what they cost."""
    schemas = {name: s.settings.schema(name) for name in SERVICES}
    bus = await connect(s.settings, "bench-scale-fill", user="ingest")  # appends what ingest appends
    operator = await connect_nats(s.settings, "bench-scale", user=OPERATOR)  # asks the read models
    try:
        before = await sizes(bus.js, s.settings.stream, db, schemas)
        c0, t0 = s.cpu_seconds(), time.perf_counter()
        filled = await append_runs(bus, (small.run(i) for i in indices), workspace_id=ws, actor=actor)
        _say(f"appended {filled.runs:,} runs in {filled.seconds:.0f} s; waiting for the read models")
        caught_up = await wait_caught_up(operator, s.settings, SERVICES, t0)
        _say(f"read models applied them {max(caught_up.values()):.0f} s after the first append; waiting for copies")
        copied = await _documents_copied(db, schemas["provenance"], t0)
        cpu = cpu_ms_per_item(c0, s.cpu_seconds(), len(indices))
        after = await sizes(bus.js, s.settings.stream, db, schemas)
    finally:
        await bus.close()
        await operator.close()
    slowest = max(caught_up.values())
    _say(f"provenance copied their documents {copied:.0f} s after the first append")
    return {
        "append": filled.as_dict(),
        "caught_up_s": caught_up,
        "all_caught_up_s": slowest,
        "documents_copied_s": copied,
        "documents_copied_per_s": round(len(indices) / copied, 1),
        "absorbed_runs_per_s": round(len(indices) / slowest, 1),
        "cpu_ms_per_run": cpu,
        "bytes": after.per_run_since(before, len(indices)),
    }


async def _documents_copied(db: psycopg.Connection[Any], schema: str, t0: float) -> float:
    """Seconds from ``t0`` until provenance's copier has gone through every run
    (``services/provenance/copier.py``): ``GET /runs/{id}`` is measured on the copies."""
    while True:
        row = db.execute(
            f'SELECT c.seq >= coalesce((SELECT max(seq) FROM "{schema}".runs), 0) FROM "{schema}".documents_copied c'
        ).fetchone()
        if row is not None and row[0]:
            return round(time.perf_counter() - t0, 1)
        await asyncio.sleep(1.0)


def _resend_one(s: RunningStack, small: SmallRuns, i: int, db: psycopg.Connection[Any], ws: str) -> None:
    """A bulk run sent again over HTTP is found by ingest's claims: 200, deduplicated, the same run id."""
    r = httpx.post(f"{s.base_url}/api/v1/ingest/runs", content=small.run(i).bundle(), headers=s.headers, timeout=30)
    schema = s.settings.schema("provenance")
    row = db.execute(
        f'SELECT run_id FROM "{schema}".runs WHERE workspace_id = %s AND run_hash = %s', (ws, small.run(i).run_hash)
    ).fetchone()
    if r.status_code != 200 or not r.json()["deduplicated"] or row is None or r.json()["run_id"] != row[0]:
        raise RuntimeError(f"a bulk run re-sent over HTTP was not recognised: {r.status_code} {r.text[:300]}")


async def _replays(s: RunningStack, rounds: int) -> list[dict[str, Any]]:
    """``ops.replay`` of the provenance read model, ``rounds`` times. The runner stops waiting after
    600 s and the call fails, while the replay goes on: then it is timed from here, to caught up."""
    nc = await connect_nats(s.settings, "bench-scale", user=OPERATOR)
    out = []
    try:
        for _ in range(rounds):
            c0, t0 = s.cpu_seconds(), time.perf_counter()
            reply = await rpc.call(nc, s.settings, "provenance", "ops.replay", timeout=3600)
            if reply.status == 200:
                events, seconds = reply.json()["events"], reply.json()["seconds"]
            else:
                seconds = (await wait_caught_up(nc, s.settings, ["provenance"], t0))["provenance"]
                info = await nc.jetstream().stream_info(s.settings.stream, f"{s.settings.log_subject_prefix}.>")
                events = sum((info.state.subjects or {}).values())
            out.append(
                {
                    "events": events,
                    "seconds": round(seconds, 1),
                    "events_per_s": round(events / seconds, 1),
                    "timed": "by ops.replay" if reply.status == 200 else "from here (ops.replay gave up waiting)",
                    "cpu_ms_per_event": cpu_ms_per_item(c0, s.cpu_seconds(), events),
                }
            )
    finally:
        await nc.close()
    return out


async def _disk(s: RunningStack, db: psycopg.Connection[Any], runs: int) -> dict[str, Any]:
    nc = await connect_nats(s.settings, "bench-scale", user=OPERATOR)
    try:
        store = s.home / "nats" / "jetstream" if not os.environ.get("QL_NATS_URL") else None
        js = await jetstream_bytes(nc.jetstream(), s.settings.stream, store, runs)
    finally:
        await nc.close()
    schemas = {name: s.settings.schema(name) for name in SERVICES}
    return {"jetstream": js, "postgres": postgres_bytes(db, schemas, runs)}


def _table_state(db: psycopg.Connection[Any], schema: str) -> dict[str, Any]:
    row = db.execute(
        "SELECT n_live_tup, n_dead_tup, last_autovacuum::text, last_autoanalyze::text, autovacuum_count"
        " FROM pg_stat_user_tables WHERE schemaname = %s AND relname = 'runs'",
        (schema,),
    ).fetchone()
    keys = ("live_tuples", "dead_tuples", "last_autovacuum", "last_autoanalyze", "autovacuum_count")
    return dict(zip(keys, row or (), strict=False))


def _measure(s: RunningStack, db: psycopg.Connection[Any], small: SmallRuns, ws: str, replays: int) -> dict[str, Any]:
    schema = s.settings.schema("provenance")
    runs = int(db.execute(f'SELECT count(*) FROM "{schema}".runs WHERE workspace_id = %s', (ws,)).fetchone()[0])  # type: ignore[index]
    copies = int(db.execute(f'SELECT count(*) FROM "{schema}".documents').fetchone()[0])  # type: ignore[index]
    out: dict[str, Any] = {"runs": runs, "documents_copied": copies, "load_average": os.getloadavg()}
    out["table"] = _table_state(db, schema)
    _say(f"{runs:,} runs: reads")
    idle = idle_cpu(s)
    out["idle_cpu_ms_per_s"] = {k: round(v * 1000, 1) for k, v in idle.items()}
    out["reads"] = list_figures(s, small, ws, idle)
    out["btree_levels"] = btree_levels(db, schema)
    out["disk"] = asyncio.run(_disk(s, db, runs))
    _say(f"{runs:,} runs: {replays} replays of the provenance read model")
    out["replay"] = asyncio.run(_replays(s, replays))
    return out


def _median(values: list[float]) -> float:
    v = sorted(values)
    return v[len(v) // 2]


def _p99(read: dict[str, Any]) -> dict[str, float]:
    return {c: read[c]["p99_ms"] for c in ("c1", "c8")}


def _figures(point: dict[str, Any]) -> dict[str, Any]:
    reads, disk = point["reads"], point["disk"]
    return {
        "runs": point["runs"],
        "list_first_page_p99_ms": _p99(reads["list_first_page"]),
        "list_last_page_p99_ms": _p99(reads["list_last_page"]),
        "list_random_depth_p99_ms": _p99(reads["list_random_depth"]),
        "get_run_p99_ms": _p99(reads["get_run_small"]),
        "get_run_75kb_p99_ms": _p99(reads["get_run_75kb"]),
        "filters_p99_ms": {k.removeprefix("filter_"): _p99(v) for k, v in reads.items() if k.startswith("filter_")},
        "stack_cpu_ms_per_request": {k: v["c1"]["cpu_ms_per_request"]["total"] for k, v in reads.items()},
        "list_sql_execution_ms": {k: v["plan"]["execution_ms"] for k, v in reads.items() if "plan" in v},
        "filter_sql_execution_ms_without_filter_indexes": {
            k.removeprefix("filter_"): v["plan_without_filter_indexes"]["execution_ms"]
            for k, v in reads.items()
            if "plan_without_filter_indexes" in v
        },
        "replay_events_per_s": _median([r["events_per_s"] for r in point["replay"]]),
        "fill_absorbed_runs_per_s": point["fill"]["absorbed_runs_per_s"],
        "http_stream_small_bundles_per_s": point["http_ingest"]["small"]["bundles_per_s"],
        "http_stream_75kb_bundles_per_s": point["http_ingest"]["large_75kb"]["bundles_per_s"],
        "jetstream_bytes_per_run": disk["jetstream"]["stream_bytes_per_run"],
        "jetstream_bytes_per_small_run_added": point["fill"]["bytes"]["jetstream_bytes_per_run"],
        "postgres_bytes_per_run": disk["postgres"]["bytes_per_run"],
        "postgres_bytes_per_small_run_added": point["fill"]["bytes"]["postgres_bytes_per_run"],
    }


def run(results_dir: Path) -> dict[str, Any]:
    n = _env_int("QL_BENCH_SCALE_RUNS", 1_000_000)
    per_http = _env_int("QL_BENCH_SCALE_HTTP_RUNS", 2000)
    replays = (_env_int("QL_BENCH_SCALE_REPLAYS", 3), _env_int("QL_BENCH_SCALE_REPLAYS_FULL", 1))
    if n // 10 <= per_http:
        raise ValueError("QL_BENCH_SCALE_RUNS must be more than 10 x QL_BENCH_SCALE_HTTP_RUNS (the first fill)")
    small = SmallRuns()
    small.check(range(0, 400, 13))
    points: list[dict[str, Any]] = []
    with running_stack() as s, psycopg.connect(s.settings.database_url, autocommit=True) as db:
        _say(f"stack up; real HTTP ingest of {per_http:,} small and {LARGE_PER_PHASE} 75 KB bundles")
        http = [asyncio.run(http_ingest(s, db, small, range(0, per_http), phase=0))]
        ws, actor = asyncio.run(_ingested_as(s))
        next_index = per_http
        for phase, size in enumerate((n // 10, n), start=1):
            _say(f"bulk fill to {size:,} runs")
            fill = asyncio.run(_fill(s, db, small, range(next_index, size), ws, actor))
            _resend_one(s, small, size - 1, db, ws)
            _say("real HTTP ingest")
            http.append(asyncio.run(http_ingest(s, db, small, range(size, size + per_http), phase)))
            next_index = size + per_http
            points.append({"fill": fill, "http_ingest": http[-1], **_measure(s, db, small, ws, replays[phase - 1])})
    figures = {f"at_{p['runs']}": _figures(p) for p in points}
    result = {
        "runs_wanted": n,
        "bundles": "small real bundles (4.4-5.9 KB, 8 devices) appended in bulk as ingest's entries;"
        " real HTTP ingest of small and 75 KB bundles at each size",
        "http_ingest_empty_store": http[0],
        "figures": figures,
        "targets": TARGETS,
        "points": points,
    }
    write_results(results_dir, "scale", result)
    return result
