"""``ql ingest``, ``ql runs``, ``ql verify``."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import click

from quantumledger.cli import verify_log
from quantumledger.client import APIError, Client

__all__ = ["ingest", "runs", "verify"]


def _files(paths: tuple[Path, ...]) -> list[Path]:
    out: list[Path] = []
    for p in paths:
        if p.is_dir():
            out.extend(sorted(x for x in p.rglob("*") if x.is_file() and x.suffix in {".json", ".ndjson"}))
        else:
            out.append(p)
    return out


def _bundles(files: list[Path]) -> Iterator[bytes]:
    for f in files:
        if f.suffix == ".ndjson":
            yield from (line for line in f.read_bytes().splitlines() if line.strip())
        else:
            yield f.read_bytes()


@click.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@click.option("--url", envvar="QL_URL", help="Server URL.")
@click.option("--key", envvar="QL_TOKEN", help="API key.")
def ingest(paths: tuple[Path, ...], url: str | None, key: str | None) -> None:
    """Ingest run bundles from FILES or DIRS (*.json, *.ndjson), streaming, with a progress bar."""
    from tqdm import tqdm

    files = _files(paths)
    total = sum(
        len([x for x in f.read_bytes().splitlines() if x.strip()]) if f.suffix == ".ndjson" else 1 for f in files
    )
    new = dup = failed = 0
    with Client(url, key) as c, tqdm(total=total, unit="run", file=sys.stderr) as bar:
        try:
            for res in c.ingest_stream(_bundles(files)):
                if "error" in res:
                    failed += 1
                    err = res["error"]
                    tqdm.write(f"line {res['line']}: {err.get('title')}: {err.get('detail')}", file=sys.stderr)
                elif res["deduplicated"]:
                    dup += 1
                else:
                    new += 1
                bar.update(1)
        except APIError as exc:
            raise click.ClickException(str(exc)) from exc
    click.echo(f"{new} ingested, {dup} already present, {failed} failed")
    if failed:
        sys.exit(1)


@click.group()
def runs() -> None:
    """List and show runs of your workspace."""


@runs.command("ls")
@click.option("--backend", help="provider/name, e.g. ibm/ibm_kyiv")
@click.option("--status", type=click.Choice(["completed", "failed", "cancelled"]))
@click.option("--limit", default=50, show_default=True, type=click.IntRange(1, 200))
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def runs_ls(backend: str | None, status: str | None, limit: int, as_json: bool) -> None:
    """List runs, most recent first."""
    try:
        with Client() as c:
            page, nxt = c.runs.list(backend=backend, status=status, limit=limit)
    except APIError as exc:
        raise click.ClickException(str(exc)) from exc
    if as_json:
        click.echo(json.dumps(page, indent=2))
        return
    for r in page:
        click.echo(f"{r['run_id']}  {r['created_at']:<28} {r['backend']:<24} {r['shots']:>7}  {r['status']}")
    if nxt:
        click.echo(f"(more: {nxt})", err=True)


@runs.command("show")
@click.argument("run_id")
def runs_show(run_id: str) -> None:
    """Print a run's full provenance document (verified offline first)."""
    try:
        with Client() as c:
            doc = c.runs.get(run_id)
    except APIError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(json.dumps(doc, indent=2, ensure_ascii=False))


@click.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@verify_log.options
def verify(files: tuple[Path, ...], **log: Any) -> None:
    """Verify run documents offline: recompute run_hash (RFC 8785 + BLAKE3) and check the schema.

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
            click.echo(f"OK    {f}  run_hash={getattr(res, 'run_hash', '')}")
        except VerificationError as exc:
            bad += 1
            click.echo(f"FAIL  {f}  {exc}")
    if bad:
        sys.exit(1)
