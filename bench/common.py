"""Shared benchmark plumbing: a real stack started as `make run` starts it, timing helpers, results."""

from __future__ import annotations

import contextlib
import json
import os
import platform
import statistics
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from qlcore.embedded import free_port

__all__ = ["RunningStack", "percentile", "running_stack", "summarize", "write_results"]


@dataclass
class RunningStack:
    base_url: str
    api_key: str
    home: Path
    settings: Any

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.api_key}"}


@contextlib.contextmanager
def running_stack(services: tuple[str, ...] | None = None) -> Iterator[RunningStack]:
    """The stack as separate processes (embedded NATS + PostgreSQL unless QL_*_URL are set)."""
    from qlcore.stack import StackSupervisor

    home = Path(tempfile.mkdtemp(prefix="ql-bench-"))
    env = {**os.environ, "QL_HOME": str(home), "QL_PORT": str(free_port()), "QL_LOG_LEVEL": "warning",
           "QL_NAMESPACE": "bench"}
    sup = StackSupervisor(env=env, services=services)
    try:
        key = sup.start() or (home / "dev-api-key").read_text().strip()
        yield RunningStack(sup.settings.base_url(), key, home, sup.settings)
    finally:
        sup.stop()


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    s = sorted(values)
    k = (len(s) - 1) * q
    lo, hi = int(k), min(int(k) + 1, len(s) - 1)
    return s[lo] + (s[hi] - s[lo]) * (k - lo)


def summarize(samples_ms: list[float]) -> dict[str, float]:
    return {"n": len(samples_ms), "p50_ms": round(percentile(samples_ms, 0.5), 3),
            "p99_ms": round(percentile(samples_ms, 0.99), 3),
            "mean_ms": round(statistics.fmean(samples_ms), 3) if samples_ms else float("nan")}


def write_results(results_dir: Path, name: str, data: dict[str, Any]) -> Path:
    results_dir.mkdir(parents=True, exist_ok=True)
    data = {"benchmark": name, "machine": {"cpus": os.cpu_count(), "python": platform.python_version(),
                                           "platform": platform.platform()}, **data}
    out = results_dir / f"{name}.json"
    out.write_text(json.dumps(data, indent=2, default=str) + "\n")
    print(json.dumps(data, indent=2, default=str))
    return out
