"""``ql corpus``: import real calibration snapshots that ship inside PyPI packages (needs NATS access).

``ql corpus import SOURCE`` measures the snapshots locally (the vendor packages are read here,
by :mod:`qlcore.corpus.adapters`) and sends them to the leaderboard service
(:mod:`services.ops.corpus_import`), which appends one ``calibration.observed`` event per new
snapshot (``services/leaderboard/handlers.py`` says why the service appends). Importing the same
source twice adds nothing.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import click
from qlcore.corpus.adapters import ALL, SOURCES, SourceUnavailableError, load_source, source_names

from services.ops.connection import operator as _operator
from services.ops.connection import settings as _settings

__all__ = ["corpus"]


@click.group()
def corpus() -> None:
    """Calibration corpus: real device snapshots from vendor packages, for the leaderboard."""


@corpus.command("sources")
def list_sources() -> None:
    """List the corpus sources and the packages they read."""
    for spec in SOURCES.values():
        click.echo(f"{spec.name:<12} {spec.description} [{', '.join(spec.packages)}]")
    click.echo(f"{ALL:<12} every source above, each snapshot once")


@corpus.command("import")
@click.argument("source", type=click.Choice(source_names()))
@click.option(
    "--wheel-cache",
    type=click.Path(file_okay=False, path_type=Path),
    envvar="QL_WHEEL_CACHE",
    help="Where ibm-history keeps older qiskit-ibm-runtime wheels (pip download, once). "
    "Default: $QL_WHEEL_CACHE or ~/.cache/quantumledger/wheels",
)
@click.option(
    "--batch-kib",
    type=click.IntRange(16, 4096),
    default=768,
    show_default=True,
    help="Largest request sent to the leaderboard service",
)
def import_source(source: str, wheel_cache: Path | None, batch_kib: int) -> None:
    """Import SOURCE's snapshots into the run log (idempotent); prints events/s.

    SOURCE is one of the `ql corpus sources` or `all`. The server is found like `ql ops`:
    QL_NATS_URL and QL_NAMESPACE, else the stack that `make run` started under QL_HOME.
    """
    from tqdm import tqdm

    try:
        with tqdm(desc=f"measuring {source}", unit=" snapshots", disable=None) as bar:
            observations = []
            for observation in load_source(source, wheel_cache=wheel_cache):
                observations.append(observation)
                bar.update()
    except SourceUnavailableError as exc:
        raise click.ClickException(f"{source}: {exc} (install the pinned versions: make install)") from exc
    summary = _send(observations, batch_kib * 1024)
    dropped = (
        f", {summary.deduplicated_by_log} dropped by the log's de-duplication" if summary.deduplicated_by_log else ""
    )
    click.echo(
        f"{source}: {summary.received} snapshots, {summary.appended} new, {summary.already_imported} already "
        f"imported{dropped}; {summary.seconds:.2f} s, {summary.events_per_s:,.0f} events/s "
        f"({summary.observations_per_s:,.0f} snapshots/s checked)"
    )


def _send(observations: list[Any], max_batch_bytes: int) -> Any:
    import nats
    from qlcore.busauth import CredentialError
    from qlcore.errors import QLError
    from tqdm import tqdm

    from services.ops.connection import connect
    from services.ops.corpus_import import send_observations

    settings = _settings()

    async def go() -> Any:
        async def quiet(_: Exception) -> None:  # the failure is reported once, below
            return None

        nc = await connect(
            settings, connect_timeout=3, max_reconnect_attempts=1, reconnect_time_wait=0.2, error_cb=quiet
        )
        try:
            with tqdm(total=len(observations), desc="importing", unit=" snapshots", disable=None) as bar:
                return await send_observations(
                    nc,
                    settings,
                    observations,
                    operator=_operator(),
                    max_batch_bytes=max_batch_bytes,
                    on_batch=lambda n, _: bar.update(n),
                )
        finally:
            await nc.close()

    try:
        return asyncio.run(go())
    except (QLError, CredentialError) as exc:
        raise click.ClickException(str(exc)) from exc
    except (OSError, nats.errors.Error) as exc:
        raise click.ClickException(f"cannot reach NATS at {settings.nats_url}: {exc} (is `make run` up?)") from exc
