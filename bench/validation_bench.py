"""What the strict parsing costs on a 75 KB bundle (decision 0018-validation-400-422).

Per bundle (real 127-qubit bundles, each a new job id), medians over ``N`` bundles, in one
process (no stack: the end-to-end effect is in ``ingest`` bench's per-service CPU figures):

* ``orjson_loads_ms``: the parse ingest did before (the floor);
* ``ijson_loads_ms``: ``qlprov.ijson.loads`` (I-JSON: duplicates, ranges, surrogates);
* ``storable_ms``: ``qlcore.storable.check_json`` + ``check_run_document`` on the parsed bundle;
* ``prepare_ms``: the whole of ingest's ``prepare`` (parse, checks, schema, canonical form, hash);
* ``slow_path_ms``: the path-naming parse, which runs only for text that fails or looks suspect.

Target: the checks add < 0.3 ms a bundle (ingest's whole CPU is ~1.2-1.7 ms a bundle).
"""

from __future__ import annotations

import gc
import statistics
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import orjson

from bench.common import write_results

__all__ = ["run"]

N = 400
TARGETS = {"checks_added_ms": 0.3}


def _median_ms(fn: Callable[[Any], Any], items: list[Any], rounds: int = 3) -> float:
    best = []
    for _ in range(rounds):
        times = []
        for item in items:
            t0 = time.perf_counter()
            fn(item)
            times.append(time.perf_counter() - t0)
        best.append(statistics.median(times))
    return round(min(best) * 1000, 4)


def run(results_dir: Path) -> dict[str, Any]:
    from qlcore.storable import check_json, check_run_document
    from qlprov.ijson import _strict, loads
    from quantumledger.examples import bench_bundle_bytes

    from services.ingest.domain.bundle import prepare

    bundles = [bench_bundle_bytes(10_000 + i) for i in range(N)]
    parsed = [orjson.loads(b) for b in bundles]
    gc.collect()
    gc.freeze()

    def storable(i: int) -> None:
        check_json(bundles[i], parsed[i])
        check_run_document(parsed[i])

    figures = {
        "bundle_bytes": len(bundles[0]),
        "orjson_loads_ms": _median_ms(orjson.loads, bundles),
        "ijson_loads_ms": _median_ms(loads, bundles),
        "storable_ms": _median_ms(storable, list(range(N))),
        "prepare_ms": _median_ms(lambda b: prepare(b, 4 * 1024 * 1024), bundles),
        "slow_path_ms": _median_ms(_strict, bundles[:50], rounds=1),
    }
    figures["checks_added_ms"] = round(
        figures["ijson_loads_ms"] - figures["orjson_loads_ms"] + figures["storable_ms"], 4
    )
    out = {"bundles": N, "figures": figures, "targets": TARGETS}
    write_results(results_dir, "validation", out)
    print(orjson.dumps(out, option=orjson.OPT_INDENT_2).decode())
    return out
