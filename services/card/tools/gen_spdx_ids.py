"""Regenerate ``domain/spdx_ids.json``: the SPDX license ids a card may carry.

The list is the ``license-enum`` of the CITATION.cff 1.2.0 schema (as shipped in
``cffconvert``), so every license we accept also validates in CITATION.cff. Usage::

    .venv/bin/python services/card/tools/gen_spdx_ids.py
"""

from __future__ import annotations

import json
from pathlib import Path

__all__ = ["main"]

OUT = Path(__file__).resolve().parents[1] / "domain" / "spdx_ids.json"


def main() -> int:
    import cffconvert  # test-only tool, imported here so the service never needs it

    schema_path = Path(cffconvert.__file__).parent / "schemas" / "1.2.0" / "schema.json"
    schema = json.loads(schema_path.read_text(encoding="utf-8"))
    ids = sorted(schema["definitions"]["license-enum"]["enum"])
    document = {"source": "CITATION.cff 1.2.0 schema (cffconvert 2.0.0) license-enum", "ids": ids}
    OUT.write_text(json.dumps(document, indent=0) + "\n", encoding="utf-8")
    print(f"wrote {len(ids)} ids to {OUT}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
