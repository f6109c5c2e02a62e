"""Registration timing (issue 11: enumeration): does ``POST /api/v1/auth/register`` answer in the
same time whether or not the address has an account?

On a stack started as `make run` starts it, one client, one request at a time, interleaved so
that drift in the machine's load falls on every kind alike: ``TRIES`` (50) registrations of new
addresses, ``TRIES`` of an address with a verified account and ``TRIES`` of one with an account
that is still unverified. Reported: the median, p90 and mean of each, and the differences of the
medians from the new addresses' (and the median of each known try minus the new try just before
it, which cancels drift in the machine's load). Target: medians within 5 ms of each other.
``QL_BENCH_REGISTRATION_TRIES`` changes the 50. On a shared machine the load average (reported)
moves the figures more than the 5 ms looked for: compare runs made at a quiet moment.

Timing belongs here, never in a test (a shared CI machine makes timed assertions flaky);
``tests/unit/identity/test_registration_work.py`` checks the cause instead: every path does the
same expensive steps.
"""

from __future__ import annotations

import os
import re
import statistics
import time
import uuid
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import httpx

from bench.common import RunningStack, percentile, running_stack, write_results

__all__ = ["TRIES", "measure", "run"]

TRIES = 50
WARMUP = 5
TARGET_MS = 5.0
PASSWORD = "correct horse battery staple"
_TOKEN = re.compile(r"ql_verify_[0-9A-Za-z]+")


def _body(email: str) -> dict[str, str]:
    return {"email": email, "password": PASSWORD, "name": "Bench Mark", "org_name": f"Bench {email[:8]}"}


def _verified(s: RunningStack, c: httpx.Client) -> str:
    """An address with a verified account (registered, its link followed from the outbox)."""
    email = f"known-{uuid.uuid4().hex[:8]}@bench.example"
    c.post("/api/v1/auth/register", json=_body(email)).raise_for_status()
    outbox = s.settings.home / "outbox"
    deadline = time.monotonic() + 30
    while True:
        for path in sorted(outbox.glob("*.eml")) if outbox.is_dir() else []:
            msg = message_from_bytes(path.read_bytes(), policy=policy.default)
            body = msg.get_body(preferencelist=("plain",)) if isinstance(msg, EmailMessage) else None
            if msg["To"] == email and body is not None and (found := _TOKEN.search(body.get_content())):
                c.post("/api/v1/auth/verify-email", json={"token": found[0]}).raise_for_status()
                return email
        if time.monotonic() > deadline:
            raise TimeoutError(f"no verification mail to {email} in {outbox}")
        time.sleep(0.05)


def _timed(c: httpx.Client, email: str) -> float:
    t = time.perf_counter()
    r = c.post("/api/v1/auth/register", json=_body(email))
    ms = (time.perf_counter() - t) * 1000
    if r.status_code != 202:
        raise RuntimeError(f"register {email}: {r.status_code} {r.text[:200]}")
    return ms


def _stats(samples: list[float]) -> dict[str, float]:
    return {
        "n": len(samples),
        "median_ms": round(statistics.median(samples), 2),
        "p90_ms": round(percentile(samples, 0.9), 2),
        "mean_ms": round(statistics.fmean(samples), 2),
    }


def measure(s: RunningStack, tries: int = TRIES) -> dict[str, Any]:
    load = os.getloadavg()  # the figures mean little on a busy machine: say how busy it was
    with httpx.Client(base_url=s.base_url, timeout=60) as c:
        verified = _verified(s, c)
        unverified = f"pending-{uuid.uuid4().hex[:8]}@bench.example"
        c.post("/api/v1/auth/register", json=_body(unverified)).raise_for_status()
        for i in range(WARMUP):  # connections, argon2's first allocations, the projection's caches
            _timed(c, f"warm-{i}-{uuid.uuid4().hex[:8]}@bench.example")
            _timed(c, verified)
        samples: dict[str, list[float]] = {"new": [], "known_verified": [], "known_unverified": []}
        for _ in range(tries):
            samples["new"].append(_timed(c, f"new-{uuid.uuid4().hex[:12]}@bench.example"))
            samples["known_verified"].append(_timed(c, verified))
            samples["known_unverified"].append(_timed(c, unverified))
    out: dict[str, Any] = {k: _stats(v) for k, v in samples.items()}
    base = out["new"]["median_ms"]
    out["median_difference_ms"] = {k: round(out[k]["median_ms"] - base, 2) for k in samples if k != "new"}
    # each known try against the new one just before it: drift in the machine's load cancels out
    out["median_paired_difference_ms"] = {
        k: round(statistics.median(b - a for a, b in zip(samples["new"], samples[k], strict=True)), 2)
        for k in samples
        if k != "new"
    }
    out["load_average_1m"] = {"before": load[0], "after": os.getloadavg()[0]}
    out["target_ms"] = TARGET_MS
    out["within_target"] = all(abs(d) <= TARGET_MS for d in out["median_difference_ms"].values())
    return out


def run(results_dir: Path) -> dict[str, Any]:
    tries = int(os.environ.get("QL_BENCH_REGISTRATION_TRIES", TRIES))
    with running_stack() as s:
        figures = measure(s, tries)
    write_results(results_dir, "registration", {"tries_each": tries, **figures})
    return figures
