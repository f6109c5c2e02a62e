"""``ql leaderboard`` (and ``--trend``)."""

from __future__ import annotations

import click

from quantumledger.cli._common import client, echo_json, json_option, table

__all__ = ["leaderboard"]


def _unit(unit: str | None) -> str:
    return f" ({unit})" if unit else ""


def _value(v: float | None) -> str:
    return "-" if v is None else f"{v:.4g}"


@click.command()
@click.option(
    "--metric",
    default="median_2q_error",
    show_default=True,
    help="median_2q_error, median_1q_error, median_readout_error, median_t1, median_t2, num_qubits, ...",
)
@click.option("--provider", help="Only this provider.")
@click.option("--min-qubits", type=click.IntRange(0), help="Only devices with at least this many qubits.")
@click.option("--as-of", help="Rank the snapshots as of this date (YYYY-MM-DD) or RFC 3339 time.")
@click.option("--trend", metavar="PROVIDER/BACKEND", help="Instead: this device's metric over time.")
@click.option("--bucket", type=click.Choice(["day", "week"]), default="week", show_default=True, help="With --trend.")
@json_option
def leaderboard(
    metric: str,
    provider: str | None,
    min_qubits: int | None,
    as_of: str | None,
    trend: str | None,
    bucket: str,
    as_json: bool,
) -> None:
    """The cross-vendor hardware leaderboard: devices ranked best first by a calibration metric,
    from real calibration data (public: no credential needed)."""
    with client() as c:
        if trend:
            prov, sep, backend = trend.partition("/")
            if not sep or not backend:
                raise click.UsageError("--trend is provider/backend, e.g. ibm/ibm_hanoi")
            t = c.leaderboard.trend(prov, backend, metric=metric, bucket=bucket)
            if as_json:
                echo_json(t)
                return
            click.echo(f"{t.provider}/{t.backend}: {t.label or t.metric}{_unit(t.unit)} by {t.bucket}")
            rows: list[tuple[object, ...]] = [
                (b.start, _value(b.median), _value(b.p10), _value(b.p90), b.n) for b in t.buckets
            ]
            table(rows, ("START", "MEDIAN", "P10", "P90", "N"))
            return
        board = c.leaderboard.get(metric, provider=provider, min_qubits=min_qubits, as_of=as_of)
    if as_json:
        echo_json(board)
        return
    better = {"lower": "lower is better", "higher": "higher is better"}.get(board.direction or "", "")
    click.echo(f"{board.label or board.metric}{_unit(board.unit)}, {better}; methodology {board.methodology_version}")
    rows = [(r.rank, f"{r.provider}/{r.backend}", _value(r.value), r.qubits, r.snapshot_time) for r in board.rows]
    table(rows, ("RANK", "DEVICE", "VALUE", "QUBITS", "SNAPSHOT"))
