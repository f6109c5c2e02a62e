"""``ql reproduce`` and ``ql report``."""

from __future__ import annotations

from pathlib import Path

import click

from quantumledger.cli._common import client, echo_json, json_option
from quantumledger.models import Reproduction

__all__ = ["report", "reproduce"]


def _describe(job: Reproduction) -> str:
    if job.status == "pending":
        return f"{job.job_id}  pending  (ql reproduce --job {job.job_id} --wait)"
    floor = f", noise floor {job.noise_floor:.4g}" if job.noise_floor is not None else ""
    fid = f"{job.hellinger_fidelity:.4f}" if job.hellinger_fidelity is not None else "-"
    test = f", p = {job.p_value:.3g} at alpha {job.alpha:g}" if job.p_value is not None and job.alpha else ""
    line = f"{job.job_id}  {job.verdict}  hellinger fidelity {fid}{floor}{test}  reproduced run {job.reproduced_run_id}"
    return f"{line}\n  {job.explanation}" if job.explanation else line


@click.command()
@click.argument("run_id", required=False)
@click.option(
    "--days", default=30.0, show_default=True, type=click.FloatRange(0, 36500), help="Drift by this many days."
)
@click.option(
    "--profile",
    type=click.Choice(["stable", "typical", "bad_day"]),
    default="typical",
    show_default=True,
    help="How the device drifts.",
)
@click.option("--seed", type=int, help="Seed of the drift and the simulation (drawn when absent).")
@click.option(
    "--alpha",
    type=click.FloatRange(0.001, 0.1),
    help="The test's level: how often an unchanged device may be called drifted (server default 0.01).",
)
@click.option("--wait/--no-wait", default=False, show_default=True, help="Wait for the verdict (follows the job).")
@click.option("--timeout", default=600.0, show_default=True, help="Seconds to wait at most with --wait.")
@click.option("--job", "job_id", help="Show (with --wait: follow) this job instead of starting one.")
@json_option
def reproduce(
    run_id: str | None,
    days: float,
    profile: str,
    seed: int | None,
    alpha: float | None,
    wait: bool,
    timeout: float,
    job_id: str | None,
    as_json: bool,
) -> None:
    """Re-run RUN_ID's circuit against its device drifted by --days and score the result
    against the original by a statistical test at level --alpha (verdict reproduced, drifted, or
    model_mismatch when the run's own calibration does not explain its counts). Each call starts a new job;
    without --wait it prints the pending job (exit 6 if --wait runs out of time)."""
    if (run_id is None) == (job_id is None):
        raise click.UsageError("give a RUN_ID, or --job JOB_ID")
    with client() as c:
        if job_id is not None:
            job = c.reproductions.get(job_id, wait=wait, timeout=timeout)
        else:
            assert run_id is not None
            job = c.runs.reproduce(
                run_id, days=days, profile=profile, seed=seed, alpha=alpha, wait=wait, timeout=timeout
            )
    if as_json:
        echo_json(job)
    else:
        click.echo(_describe(job))


@click.command()
@click.argument("run_id")
@click.option("--html", is_flag=True, help="The report as an HTML page (self-contained) instead of a summary.")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), help="Write to this file.")
@json_option
def report(run_id: str, html: bool, output: Path | None, as_json: bool) -> None:
    """The report of RUN_ID: provenance, calibration, reproductions and their verdicts."""
    with client() as c:
        if html:
            text = c.runs.report_html(run_id)
        else:
            rep = c.runs.report(run_id)
            text = None
    if html:
        assert text is not None
        if output:
            output.write_text(text, encoding="utf-8")
            click.echo(f"wrote {output}", err=True)
        else:
            click.echo(text, nl=False)
        return
    if as_json or output:
        if output:
            import json

            output.write_text(json.dumps(rep.to_dict(), indent=2, ensure_ascii=False), encoding="utf-8")
            click.echo(f"wrote {output}", err=True)
        else:
            echo_json(rep)
        return
    prov = rep.provenance
    backend = prov.get("backend") or {}
    program = prov.get("program") or {}
    click.echo(f"run {rep.run_id}  {program.get('name')} on {backend.get('provider')}/{backend.get('name')}")
    click.echo(f"  run_hash {rep.run_hash} ({'verified' if rep.hash_verified else 'not verified'})")
    s = rep.summary
    verdicts = ", ".join(f"{n} {v}" for v, n in sorted(s.verdicts.items())) or "none"
    click.echo(f"  reproductions: {s.total} ({s.completed} completed, {s.pending} pending, {s.failed} failed)")
    click.echo(f"  verdicts: {verdicts}; best fidelity {s.best_fidelity}")
    for job in rep.reproductions[:10]:
        click.echo("  " + _describe(job))
