"""``ql ingest``, ``ql runs ls|show``, ``ql verify``."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import click

from quantumledger.cli import verify_log
from quantumledger.cli._common import EXIT_FAILED, EXIT_VERIFY, client, echo_json, json_option, table

__all__ = ["ingest", "runs", "verify"]


@dataclass(frozen=True)
class Source:
    """Where a bundle came from: a file, and its line for an NDJSON file."""

    path: Path
    line: int | None = None

    def __str__(self) -> str:
        return f"{self.path}:{self.line}" if self.line is not None else str(self.path)


def _files(paths: tuple[Path, ...]) -> list[Path]:
    out: list[Path] = []
    for p in paths:
        if p.is_dir():
            out.extend(sorted(x for x in p.rglob("*") if x.is_file() and x.suffix in {".json", ".ndjson"}))
        else:
            out.append(p)
    return out


def _bundles(files: list[Path], sources: list[Source]) -> Iterator[bytes]:
    """Each bundle's bytes; ``sources[i]`` says where bundle ``i + 1`` came from."""
    for f in files:
        if f.suffix == ".ndjson":
            with f.open("rb") as lines:  # read as it streams: a file may hold more than memory
                for n, line in enumerate(lines, start=1):
                    if line.strip():
                        sources.append(Source(f, n))
                        yield line.rstrip(b"\r\n")
        else:
            sources.append(Source(f))
            yield f.read_bytes()


def _count(files: list[Path]) -> int:
    def lines(f: Path) -> int:
        with f.open("rb") as handle:
            return sum(1 for line in handle if line.strip())

    return sum(lines(f) if f.suffix == ".ndjson" else 1 for f in files)


@click.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@click.option("-q", "--quiet", is_flag=True, help="Print only the run ids, one a line (for scripts); no bar.")
@click.option("--progress/--no-progress", default=True, show_default=True, help="A progress bar on stderr.")
def ingest(paths: tuple[Path, ...], quiet: bool, progress: bool) -> None:
    """Ingest run bundles from PATHS: *.json files (one bundle each), *.ndjson files (one a line)
    and folders of them, streamed over NDJSON with a progress bar. Idempotent: a bundle already
    in the ledger is reported as already present. A bundle that fails is named FILE[:LINE];
    the others go on (exit 1 if any failed)."""
    files = _files(paths)
    sources: list[Source] = []
    new = dup = failed = 0
    with client() as c:
        results = c.ingest_stream(_bundles(files, sources), progress=progress and not quiet, total=_count(files))
        for res in results:
            where = sources[res.line - 1]
            if res.error is not None:
                failed += 1
                err = res.error
                click.echo(
                    f"{where}: {err.get('status', '')} {err.get('title', '')}: {err.get('detail') or ''}", err=True
                )
            elif res.deduplicated:
                dup += 1
            else:
                new += 1
            if quiet and res.run_id:
                click.echo(res.run_id)
    summary = f"{new} ingested, {dup} already present, {failed} failed"
    click.echo(summary, err=quiet)
    if failed:
        sys.exit(EXIT_FAILED)


@click.group()
def runs() -> None:
    """List and show the runs of your workspace."""


@runs.command("ls")
@click.option("--backend", help="Only this backend: provider/name, e.g. ibm/ibm_kyiv.")
@click.option("--status", type=click.Choice(["completed", "failed", "cancelled"]), help="Only runs with this status.")
@click.option("--program", help="Only runs of this program (its exact name).")
@click.option("--since", help="Only runs created on or after this date (YYYY-MM-DD) or time (RFC 3339).")
@click.option("--until", help="Only runs created before the end of this date, or before this time.")
@click.option("--search", "q", help="Only runs whose id, hash or program name starts with this.")
@click.option("--limit", default=50, show_default=True, type=click.IntRange(1, 200), help="Runs a page.")
@click.option("--cursor", help="Start at this page (printed after a page when there are more).")
@click.option("--all", "every", is_flag=True, help="Every page, not just one.")
@json_option
def runs_ls(
    backend: str | None,
    status: str | None,
    program: str | None,
    since: str | None,
    until: str | None,
    q: str | None,
    limit: int,
    cursor: str | None,
    every: bool,
    as_json: bool,
) -> None:
    """List runs, most recent first: a table, or the API's list as JSON with --json."""
    filters = {"program": program, "since": since, "until": until, "q": q}
    with client() as c:
        if every:
            rows, nxt = list(c.runs.iter(backend=backend, status=status, limit=limit, **filters)), None
        else:
            page = c.runs.list(backend=backend, status=status, limit=limit, cursor=cursor, **filters)
            rows, nxt = page.items, page.next_cursor
        if as_json:
            echo_json(rows)
        else:
            header = ("RUN_ID", "CREATED", "PROGRAM", "BACKEND", "SHOTS", "STATUS")
            table([(r.run_id, r.created_at, r.program, r.backend, r.shots, r.status) for r in rows], header)
    if nxt:
        click.echo(f"more: ql runs ls --cursor {nxt}", err=True)


@runs.command("show")
@click.argument("run_id")
def runs_show(run_id: str) -> None:
    """Print a run's full provenance document, after verifying it offline (exit 3 if it does not)."""
    with client() as c:
        echo_json(c.runs.get(run_id))


@click.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@verify_log.options
def verify(files: tuple[Path, ...], **log: Any) -> None:
    """Verify run documents offline: recompute run_hash (RFC 8785 + BLAKE3) and check the schema
    (exit 3 if any fails). Needs no server and no account.

    With --log-key: cards, attestations, proof bundles, checkpoints and fork evidence against the
    transparency log's key (see `quantumledger.cli.verify_log`).
    """
    if verify_log.applies(files, **log):
        sys.exit(verify_log.run(files, **log))
    from quantumledger.errors import VerificationError
    from quantumledger.verify import verify as _verify

    bad = 0
    for f in files:
        try:
            res = _verify(f)
            click.echo(f"OK    {f}  run_hash={res.run_hash}")
        except VerificationError as exc:
            bad += 1
            click.echo(f"FAIL  {f}  {exc}")
    if bad:
        sys.exit(EXIT_VERIFY)
