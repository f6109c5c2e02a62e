"""``make bench``: run every ``bench/*_bench.py`` (or those named), print and write figures.

Each module exposes ``run(results_dir: Path) -> dict``. ``BENCH_ARGS="ingest card"`` selects.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from pathlib import Path

HERE = Path(__file__).parent


def main() -> int:
    names = sorted(p.stem.removesuffix("_bench") for p in HERE.glob("*_bench.py"))
    ap = argparse.ArgumentParser(prog="make bench", description="Run the benchmarks; results in bench/results/")
    ap.add_argument("which", nargs="*", help=f"subset of: {', '.join(names)}")
    ap.add_argument("--results", type=Path, default=HERE / "results")
    args = ap.parse_args()
    unknown = set(args.which) - set(names)
    if unknown:
        ap.error(f"unknown benchmark(s) {sorted(unknown)}; choose from {names}")
    failed = 0
    for name in args.which or names:
        print(f"\n=== bench: {name} ===", flush=True)
        mod = importlib.import_module(f"bench.{name}_bench")
        try:
            mod.run(args.results)
        except Exception as exc:  # report and go on to the next benchmark
            failed += 1
            print(f"bench {name} failed: {exc!r}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
