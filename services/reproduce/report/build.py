"""Reading what a run report needs from the read model, and answering in the asked format."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from typing import Any

import msgspec
import orjson
from qlcore import runlog
from qlcore.rpc import RpcReply, json_reply
from qlcore.service import ServiceContext
from qlprov.hashing import digest_hex

from services.reproduce import store
from services.reproduce.report.model import ReportInputs, build_report
from services.reproduce.report.page import CSP, render_report_page

__all__ = ["report_reply", "used_qubits"]


def used_qubits(document: Mapping[str, Any]) -> list[int] | None:
    """The device qubits the run used: recorded by a reproduction, else read from its transpiled
    circuit (qiskit: imported on first use). None when there is no readable circuit."""
    recorded = document.get("reproduction")
    if isinstance(recorded, Mapping) and isinstance(recorded.get("physical_qubits"), list):
        return [int(q) for q in recorded["physical_qubits"]]
    transpiled = document.get("transpiled")
    if not isinstance(transpiled, Mapping) or not isinstance(transpiled.get("source"), str):
        return None
    from services.reproduce.domain.circuit import CircuitNotRunnable, load_transpiled

    try:
        return list(load_transpiled(transpiled["source"], str(transpiled.get("format", "openqasm3"))).physical_qubits)
    except CircuitNotRunnable:
        return None


class _Results(msgspec.Struct):
    counts: dict[str, int] = {}


class _Counts(msgspec.Struct):
    results: _Results = msgspec.field(default_factory=_Results)


_counts_of = msgspec.json.Decoder(_Counts)


def _counts(document: bytes) -> dict[str, int]:
    """Only the counts of a reproduced run's document (msgspec skips the rest)."""
    try:
        return _counts_of.decode(document).results.counts
    except msgspec.ValidationError:
        return {}


async def report_reply(ctx: ServiceContext, run: store.RunRow, fmt: str, base_url: str) -> RpcReply:
    async with ctx.pool.connection() as conn:
        jobs = await store.jobs_of(conn, run.run_id)
        reproduced = await store.runs(conn, [j.reproduced_run_id for j in jobs if j.reproduced_run_id])
        card = await store.card_of(conn, run.run_id)
        original = await store.run_by_hash(conn, run.workspace_id, run.reproduction_of) if run.reproduction_of else None
    bodies = await runlog.documents_at(ctx.bus, [(r.seq, r.run_id) for r in (run, *reproduced.values())])
    document = orjson.loads(bodies[run.run_id])
    inputs = ReportInputs(
        run=run,
        document=document,
        hash_verified=digest_hex(bodies[run.run_id]) == run.run_hash,
        used_qubits=await asyncio.to_thread(used_qubits, document),
        jobs=jobs,
        reproduced_counts={rid: _counts(bodies[rid]) for rid in reproduced},
        original=original,
        card=card,
    )
    report = build_report(inputs, base_url)
    if fmt == "html":
        return RpcReply(
            200,
            render_report_page(report).encode(),
            "text/html; charset=utf-8",
            {"Content-Security-Policy": CSP, "Vary": "Accept", "Cache-Control": "private, no-cache"},
        )
    return json_reply(report, headers={"Vary": "Accept", "Cache-Control": "private, no-cache"})
