"""Regenerate ``domain/badges/verdana_11px.json`` from the ``anafanafo`` npm package.

shields.io measures badge text with anafanafo's table of Verdana 11px advance widths
(``badge-maker`` calls it with ``font: '11px Verdana'``). We ship the same table so our
badges have shields' exact widths. Usage::

    cd /tmp && npm pack anafanafo@2.0.0 && tar xzf anafanafo-2.0.0.tgz
    .venv/bin/python services/card/tools/gen_verdana_widths.py \\
        /tmp/package/data/verdana-11px-normal.json

The table is MIT-licensed (Copyright (c) 2018 Metabolize LLC); the notice is kept in the output.
"""

from __future__ import annotations

import itertools
import json
import sys
from pathlib import Path

__all__ = ["main"]

OUT = Path(__file__).resolve().parents[1] / "domain" / "badges" / "verdana_11px.json"


def main(argv: list[str]) -> int:
    source = json.loads(Path(argv[1]).read_text(encoding="utf-8"))
    ranges = [[int(lo), int(hi), float(w)] for lo, hi, w in source]
    if ranges != sorted(ranges) or any(a[1] >= b[0] for a, b in itertools.pairwise(ranges)):
        raise SystemExit("ranges must be sorted and disjoint")
    document = {
        "font": "11px Verdana",
        "source": "anafanafo@2.0.0 data/verdana-11px-normal.json",
        "license": "MIT, Copyright (c) 2018 Metabolize LLC",
        "ranges": ranges,
    }
    OUT.write_text(json.dumps(document, separators=(",", ":")) + "\n", encoding="utf-8")
    print(f"wrote {len(ranges)} ranges to {OUT}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
