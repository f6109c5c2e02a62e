"""Shared benchmark plumbing: a real stack started as `make run` starts it, timing helpers, results."""

from __future__ import annotations

import contextlib
import json
import os
import platform
import shutil
import statistics
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from qlcore.embedded import free_port

__all__ = ["RunningStack", "cpu_ms_per_item", "percentile", "running_stack", "summarize", "write_results"]


@dataclass
class RunningStack:
    base_url: str
    api_key: str
    home: Path
    settings: Any
    pids: dict[str, int]

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.api_key}"}

    def cpu_seconds(self) -> dict[str, float]:
        """CPU time (user + system) used so far by each process of the stack, children included."""
        import psutil

        out: dict[str, float] = {}
        for name, pid in self.pids.items():
            try:
                p = psutil.Process(pid)
                procs = [p, *p.children(recursive=True)]
                out[name] = sum(sum(q.cpu_times()[:2]) for q in procs)
            except psutil.NoSuchProcess:
                out[name] = float("nan")
        return out


def cpu_ms_per_item(before: dict[str, float], after: dict[str, float], n: int) -> dict[str, float]:
    """CPU milliseconds each process spent per item between two :meth:`RunningStack.cpu_seconds`."""
    per = {k: round((after[k] - before[k]) * 1000 / n, 3) for k in before}
    per["total"] = round(sum(per.values()), 3)
    return per


@contextlib.contextmanager
def running_stack(services: tuple[str, ...] | None = None) -> Iterator[RunningStack]:
    """The stack as separate processes (embedded NATS + PostgreSQL unless QL_*_URL are set), in a
    temporary ``QL_HOME`` removed afterwards (``QL_BENCH_KEEP=1`` keeps it, logs included)."""
    from qlcore.stack import StackSupervisor

    from services.registry import SERVICE_MODULE, SERVICES

    home = Path(tempfile.mkdtemp(prefix="ql-bench-"))
    env = {
        **os.environ,
        "QL_HOME": str(home),
        "QL_PORT": str(free_port()),
        "QL_LOG_LEVEL": "warning",
        "QL_NAMESPACE": "bench",
    }
    sup = StackSupervisor(env=env, services=services or SERVICES, module=SERVICE_MODULE)
    try:
        key = sup.start() or (home / "dev-api-key").read_text().strip()
        pids = {name: p.pid for name, p in sup.procs.items()}
        for e in sup.embedded:
            proc = getattr(e, "proc", None)
            if proc is not None:
                pids["nats-server"] = proc.pid
        pg_pid = home / "pg" / "postmaster.pid"
        if pg_pid.exists():
            pids["postgres"] = int(pg_pid.read_text().split()[0])
        yield RunningStack(sup.settings.base_url(), key, home, sup.settings, pids)
    finally:
        sup.stop()
        if not os.environ.get("QL_BENCH_KEEP"):  # a run leaves gigabytes of log and database
            shutil.rmtree(home, ignore_errors=True)


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    s = sorted(values)
    k = (len(s) - 1) * q
    lo, hi = int(k), min(int(k) + 1, len(s) - 1)
    return s[lo] + (s[hi] - s[lo]) * (k - lo)


def summarize(samples_ms: list[float]) -> dict[str, float]:
    return {
        "n": len(samples_ms),
        "p50_ms": round(percentile(samples_ms, 0.5), 3),
        "p99_ms": round(percentile(samples_ms, 0.99), 3),
        "mean_ms": round(statistics.fmean(samples_ms), 3) if samples_ms else float("nan"),
    }


def write_results(results_dir: Path, name: str, data: dict[str, Any]) -> Path:
    results_dir.mkdir(parents=True, exist_ok=True)
    data = {
        "benchmark": name,
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "platform": platform.platform()},
        **data,
    }
    out = results_dir / f"{name}.json"
    out.write_text(json.dumps(data, indent=2, default=str) + "\n")
    print(json.dumps(data, indent=2, default=str))
    return out
