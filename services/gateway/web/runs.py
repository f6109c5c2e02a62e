"""Pages of a workspace's runs: the table, a run, its actions (publish, unpublish, reproduce,
download), and the comparison of runs. Every read and command is the service call the REST
route makes, as the signed-in member (another workspace's run is the HTML 404, never data)."""

from __future__ import annotations

import asyncio
from typing import Any

import orjson
from litestar import Controller, Request, Response, get, post
from litestar.params import Parameter
from markupsafe import Markup
from qlcore.errors import QLError, Unprocessable

from services.gateway.deps import authorized, gw_of
from services.gateway.domain.access import Principal
from services.gateway.routes.badges import badge_cache
from services.gateway.web.charts import coupling_svg, fidelity_svg, hellinger_fidelity, histogram_svg
from services.gateway.web.circuit import circuit_svg
from services.gateway.web.common import ServiceError, call, error_page, not_found, require_viewer, see_other
from services.gateway.web.render import page, query_url

__all__ = ["RunPages"]

PAGE = 50
CATCH_UP_TRIES, CATCH_UP_PAUSE_S = 40, 0.05  # at most 2 s for the report to show a card command
MAX_COMPARE = 6
PROFILES = ("stable", "typical", "bad_day")
STATUSES = ("completed", "failed", "cancelled")
NOTICES = {
    "published": "The Result Card is published.",
    "unpublished": "The Result Card is withdrawn; its public pages now answer 410.",
    "reproduced": "The reproduction finished: see its verdict below.",
    "pending": "The reproduction is running; reload this page in a moment for its verdict.",
}


def _filters(**values: str | None) -> dict[str, str]:
    return {k: v.strip() for k, v in values.items() if isinstance(v, str) and v.strip()}


async def _document(request: Request[Any, Any, Any], who: Principal, run_id: str) -> tuple[dict[str, Any], bytes]:
    """The run's document (the caller's workspace only: another's is ``NotFound``)."""
    body = (await call(request, "provenance", "runs.get", {"run_id": run_id}, who)).body
    return orjson.loads(body), body


async def _viewed_document(
    request: Request[Any, Any, Any], run_id: str
) -> tuple[Principal, dict[str, Any], bytes] | Response[Any]:
    """The signed-in viewer and the run's document, or the page to answer instead (sign in, the
    run's 404, the service's error)."""
    who = await require_viewer(request)
    if isinstance(who, Response):
        return who
    found = await _document_or_page(request, who, run_id)
    if isinstance(found, Response):
        return found
    return who, *found


async def _document_or_page(
    request: Request[Any, Any, Any], who: Principal, run_id: str
) -> tuple[dict[str, Any], bytes] | Response[Any]:
    """The run's document, or the page to answer instead (the run's 404, the service's error)."""
    try:
        return await _document(request, who, run_id)
    except ServiceError as err:
        if err.status == 404:
            return not_found(request, who, "run")
        return error_page(request, err, who, back="/runs")


async def _report(request: Request[Any, Any, Any], who: Principal, run_id: str) -> dict[str, Any] | None:
    """The reproduce service's report (calibration of the used qubits, reproductions, card); ``None``
    when it cannot answer yet (its read model is behind): the page shows the document alone."""
    try:
        reply = await call(request, "reproduce", "runs.report", {"run_id": run_id, "format": "json"}, who)
    except ServiceError:
        return None
    out = reply.json()
    return out if isinstance(out, dict) else None


def _used_qubits(report: dict[str, Any] | None) -> list[dict[str, Any]]:
    cal = (report or {}).get("calibration") or {}
    rows = cal.get("qubits") or []
    return rows if isinstance(rows, list) else []


class RunPages(Controller):
    path = "/"
    include_in_schema = False

    @get("/runs")
    async def table(
        self,
        request: Request[Any, Any, Any],
        backend: str | None = None,
        program: str | None = None,
        status: str | None = None,
        since: str | None = Parameter(default=None, query="from"),
        until: str | None = Parameter(default=None, query="to"),
        q: str | None = None,
        reproductions: str | None = None,
        cursor: str | None = None,
    ) -> Response[Any]:
        who = await require_viewer(request)
        if isinstance(who, Response):
            return who
        f = _filters(backend=backend, program=program, status=status, since=since, until=until, q=q)
        show_repro = reproductions == "1"
        query = {
            "limit": PAGE,
            "cursor": cursor or None,
            "backend": f.get("backend"),
            "program": f.get("program"),
            "status": f.get("status"),
            "since": f.get("since"),
            "until": f.get("until"),
            "q": f.get("q"),
            "kind": "all" if show_repro else "original",
        }
        error = None
        rows: list[dict[str, Any]] = []
        next_url = None
        url_params: dict[str, Any] = {
            "backend": f.get("backend"),
            "program": f.get("program"),
            "status": f.get("status"),
            "from": f.get("since"),
            "to": f.get("until"),
            "q": f.get("q"),
            "reproductions": "1" if show_repro else None,
        }
        try:
            reply = await call(request, "provenance", "runs.list", {k: v for k, v in query.items() if v}, who)
            rows = reply.json()
            nxt = (reply.headers or {}).get("X-Next-Cursor")
            if nxt:
                next_url = query_url("/runs", {**url_params, "cursor": nxt})
        except ServiceError as err:
            error = err.detail or err.title
        filtered = bool(f) or show_repro
        return page(
            request,
            "runs.html",
            title="Runs",
            who=who,
            status=422 if error else 200,
            rows=rows,
            f=f,
            show_repro=show_repro,
            statuses=STATUSES,
            error=error,
            next_url=next_url,
            first_page=bool(cursor),
            first_url=query_url("/runs", url_params),
            filtered=filtered,
        )

    @get("/runs/{run_id:str}")
    async def run(self, request: Request[Any, Any, Any], run_id: str, notice: str | None = None) -> Response[Any]:
        viewed = await _viewed_document(request, run_id)
        if isinstance(viewed, Response):
            return viewed
        who, doc, _ = viewed
        report = await _report(request, who, run_id)
        for _ in range(CATCH_UP_TRIES):  # right after a card command: its report may lag by a few ms
            published = bool(((report or {}).get("links") or {}).get("card"))
            if notice not in ("published", "unpublished") or published == (notice == "published"):
                break
            await asyncio.sleep(CATCH_UP_PAUSE_S)
            report = await _report(request, who, run_id)
        counts = (doc.get("results") or {}).get("counts") or {}
        program = doc.get("program") or {}
        title = f"{program.get('name') or 'Run'} on {doc['backend']['provider']}/{doc['backend']['name']}"
        series: list[tuple[str, dict[str, int]]] = [("this run", counts)]
        repros = (report or {}).get("reproductions") or []
        for h in ((report or {}).get("histogram") or [])[1:]:
            series.append((str(h.get("label") or h.get("run_id")), h.get("counts") or {}))
        chart = Markup(histogram_svg(series[:1], title=f"Counts of {program.get('name') or run_id}"))
        compare_chart = (
            Markup(histogram_svg(series[:8], title="Counts: this run and its reproductions"))
            if len(series) > 1
            else None
        )
        lineage = doc.get("lineage") or {}
        card = ((report or {}).get("links") or {}).get("card")
        qubits = _used_qubits(report)
        couplers = ((report or {}).get("calibration") or {}).get("couplers") or []
        done = [j for j in repros if isinstance(j.get("hellinger_fidelity"), int | float)]
        fidelity_chart = (
            Markup(fidelity_svg(done, title="Hellinger fidelity of each reproduction against its noise floor"))
            if done
            else None
        )
        coupling_chart = (
            Markup(coupling_svg(qubits, couplers, title="The qubits used on the device's coupling map"))
            if qubits
            else None
        )
        drawn = circuit_svg(str(program.get("source") or ""), title=f"Circuit of {program.get('name') or run_id}")
        return page(
            request,
            "run.html",
            circuit=Markup(drawn) if drawn else None,
            title=title,
            who=who,
            run_id=run_id,
            doc=doc,
            report=report,
            chart=chart,
            compare_chart=compare_chart,
            qubits=qubits,
            couplers=couplers,
            fidelity_chart=fidelity_chart,
            coupling_chart=coupling_chart,
            physical=((report or {}).get("calibration") or {}).get("physical_qubits"),
            lineage=lineage,
            reproduction_of=(report or {}).get("reproduction_of"),
            repros=repros,
            card=card,
            profiles=PROFILES,
            notice=NOTICES.get(notice or ""),
            total_shots=sum(counts.values()),
            top=sorted(counts.items(), key=lambda kv: -kv[1])[:5],
            base_url=gw_of(request).settings.base_url(),
            can_publish="cards:publish" in who.scopes,
            author=await _account_name(request, who),
            can_write="runs:write" in who.scopes,
        )

    @get("/runs/{run_id:str}/document.json")
    async def document(self, request: Request[Any, Any, Any], run_id: str) -> Response[Any]:
        viewed = await _viewed_document(request, run_id)
        if isinstance(viewed, Response):
            return viewed
        _, _, body = viewed
        name = f"{run_id}.qlprov.json".replace('"', "")
        return Response(
            body,
            media_type="application/json",
            headers={
                "Content-Disposition": f'attachment; filename="{name}"',
                "Cache-Control": "private, no-store",
                "X-Content-Type-Options": "nosniff",
            },
        )

    @post("/runs/{run_id:str}/publish", status_code=200)
    async def publish(self, request: Request[Any, Any, Any], run_id: str) -> Response[Any]:
        return await _card_command(request, run_id, "cards.publish")

    @post("/runs/{run_id:str}/unpublish", status_code=200)
    async def unpublish(self, request: Request[Any, Any, Any], run_id: str) -> Response[Any]:
        return await _card_command(request, run_id, "cards.unpublish")

    @post("/runs/{run_id:str}/reproduce", status_code=200)
    async def reproduce(self, request: Request[Any, Any, Any], run_id: str) -> Response[Any]:
        who = await require_viewer(request)
        if isinstance(who, Response):
            return who
        form = await request.form()
        back = f"/runs/{run_id}"
        try:
            p = await authorized(request, scope="runs:write", feature="reproductions", quota="reproductions_per_month")
            days_text = str(form.get("days") or "0").strip()
            if not days_text.isdigit() or len(days_text) > 4:
                raise Unprocessable("days must be a whole number of days, 0 to 3650")
            profile = str(form.get("profile") or "typical")
            if profile not in PROFILES:
                raise Unprocessable(f"profile must be one of {', '.join(PROFILES)}")
            wait = 20.0
            body = {"run_id": run_id, "params": {"days": int(days_text), "profile": profile}, "wait": wait}
            timeout = gw_of(request).settings.request_timeout + wait
            reply = await call(request, "reproduce", "reproductions.request", body, p, timeout=timeout)
        except QLError as err:
            if err.status == 404:
                return not_found(request, who, "run")
            return error_page(request, err, who, back=back)
        return see_other(f"{back}?notice={'reproduced' if reply.status == 200 else 'pending'}")

    @get("/compare")
    async def compare(self, request: Request[Any, Any, Any], run: list[str] | None = None) -> Response[Any]:
        who = await require_viewer(request)
        if isinstance(who, Response):
            return who
        ids = list(dict.fromkeys(r.strip() for r in (run or []) if r and r.strip()))[:MAX_COMPARE]
        if len(ids) < 2:
            return page(request, "compare.html", title="Compare runs", who=who, runs=[], ids=ids, ready=False)
        runs: list[dict[str, Any]] = []
        for run_id in ids:
            found = await _document_or_page(request, who, run_id)
            if isinstance(found, Response):
                return found
            doc, _ = found
            report = await _report(request, who, run_id)
            cal = (report or {}).get("calibration") or {}
            runs.append(
                {
                    "run_id": run_id,
                    "doc": doc,
                    "label": f"{(doc.get('program') or {}).get('name') or run_id} · {run_id[-6:]}",
                    "counts": (doc.get("results") or {}).get("counts") or {},
                    "qubits": {int(q["qubit"]): q for q in cal.get("qubits") or [] if isinstance(q.get("qubit"), int)},
                    "packages": ((doc.get("environment") or {}).get("packages") or {}),
                }
            )
        return page(request, "compare.html", title="Compare runs", who=who, ids=ids, ready=True, **_comparison(runs))


def _comparison(runs: list[dict[str, Any]]) -> dict[str, Any]:
    series = [(r["label"], r["counts"]) for r in runs]
    chart = Markup(histogram_svg(series, title="Counts of the compared runs"))
    outcomes = sorted({k for r in runs for k in r["counts"]}, key=lambda k: -sum(r["counts"].get(k, 0) for r in runs))
    fidelity = [[hellinger_fidelity(a["counts"], b["counts"]) for b in runs] for a in runs]
    same_device = len({(r["doc"]["backend"]["provider"], r["doc"]["backend"]["name"]) for r in runs}) == 1
    shared = sorted(set.intersection(*(set(r["qubits"]) for r in runs))) if runs else []
    calib = []
    for q in shared:
        row: dict[str, Any] = {"qubit": q, "values": {}}
        for metric in ("t1_us", "t2_us", "readout_error"):
            vals = [r["qubits"][q].get(metric) for r in runs]
            nums = [v for v in vals if isinstance(v, int | float)]
            row["values"][metric] = {"vals": vals, "delta": (max(nums) - min(nums)) if len(nums) == len(vals) else None}
        calib.append(row)
    names = sorted({k for r in runs for k in r["packages"]})
    packages = [
        {"name": n, "versions": [r["packages"].get(n) for r in runs]}
        for n in names
        if len({r["packages"].get(n) for r in runs}) > 1
    ]
    envs = [
        {
            "python": (r["doc"].get("environment") or {}).get("python"),
            "sdk": (r["doc"].get("environment") or {}).get("sdk") or {},
        }
        for r in runs
    ]
    return {
        "runs": runs,
        "chart": chart,
        "outcomes": outcomes[:32],
        "more_outcomes": max(0, len(outcomes) - 32),
        "fidelity": fidelity,
        "same_device": same_device,
        "calib": calib,
        "packages": packages,
        "same_packages": not packages,
        "envs": envs,
    }


def _card_fields(form: Any) -> dict[str, Any]:
    """The publish form's fields as the card service's request (it validates them: 422 naming
    the problem, shown on the error page)."""
    card: dict[str, Any] = {}
    authors = [line.strip() for line in str(form.get("authors") or "").splitlines() if line.strip()]
    card["authors"] = [{"name": a[:256]} for a in authors[:50]]
    for name, limit in (("title", 500), ("abstract", 20_000), ("license", 100)):
        value = str(form.get(name) or "").strip()
        if value:
            card[name] = value[:limit]
    return card


async def _account_name(request: Request[Any, Any, Any], who: Principal) -> str:
    if who.account_id is None:
        return ""
    async with gw_of(request).pool.connection() as conn:
        row = await (
            await conn.execute("SELECT name FROM accounts WHERE account_id = %s", (who.account_id,))
        ).fetchone()
    return str(row[0]) if row else ""


async def _card_command(request: Request[Any, Any, Any], run_id: str, op: str) -> Response[Any]:
    who = await require_viewer(request)
    if isinstance(who, Response):
        return who
    back = f"/runs/{run_id}"
    try:
        p = await authorized(request, scope="cards:publish")
        form = await request.form()
        if op == "cards.publish":
            body: dict[str, Any] = {"run_id": run_id, "card": _card_fields(form)}
        else:
            reason = str(form.get("reason") or "").strip()[:500] or None
            body = {"run_id": run_id, "reason": reason}
        reply = await call(request, "card", op, body, p)
        slug = (reply.json() or {}).get("slug")
        if isinstance(slug, str):  # the card's badges change at once, as after the REST command
            badge_cache(request.app.state).invalidate(slug)
    except QLError as err:
        if err.status == 404 and op == "cards.publish":
            return not_found(request, who, "run")
        return error_page(request, err, who, back=back)
    return see_other(f"{back}?notice={'published' if op == 'cards.publish' else 'unpublished'}")
