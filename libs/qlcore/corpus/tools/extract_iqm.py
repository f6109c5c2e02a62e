"""Extract IQM's fake-backend error profiles from the iqm-client wheel into a data file.

``iqm-client[qiskit]`` pins ``qiskit<2.2`` and cannot share the environment with qiskit 2.6,
so the numbers are carried as ``libs/qlcore/corpus/data/iqm_fake_backends.json``. The error
profiles are plain literals in the package's source: this script downloads the wheel (``pip
download --no-deps``, never installed), parses ``fake_<name>.py`` with :mod:`ast`
(:func:`qlcore.corpus.vendors.iqm.profile_from_source`), and writes the literals unchanged
(units: ns), naming the package, version and wheel digest.

Run: ``.venv/bin/python -m qlcore.corpus.tools.extract_iqm``
"""

from __future__ import annotations

import argparse
import hashlib
import json
import zipfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from qlcore.corpus.adapters.iqm import DATA_FILE
from qlcore.corpus.adapters.wheels import ensure_wheels
from qlcore.corpus.vendors.iqm import profile_from_source

__all__ = ["BACKENDS", "PACKAGE", "VERSION", "extract", "main"]

PACKAGE = "iqm-client"
VERSION = "36.0.0"
BACKENDS = ("garnet", "deneb")
_FAKE_DIR = "iqm/qiskit_iqm/fake_backends"


def extract(wheel: Path, backends: tuple[str, ...] = BACKENDS) -> dict[str, Any]:
    """The data file's content, from the iqm-client wheel at ``wheel``."""
    with zipfile.ZipFile(wheel) as archive:
        record = next(i for i in archive.infolist() if i.filename.endswith(".dist-info/RECORD"))
        built_at = datetime(*record.date_time, tzinfo=UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        profiles = {}
        for backend in backends:
            path = f"{_FAKE_DIR}/fake_{backend}.py"
            profiles[backend] = {"path": path, **profile_from_source(archive.read(path).decode("utf-8"))}
    version = wheel.name.split("-")[1]
    return {
        "package": PACKAGE,
        "version": version,
        "wheel": wheel.name,
        "wheel_sha256": hashlib.sha256(wheel.read_bytes()).hexdigest(),
        "built_at": built_at,
        "built_at_note": "timestamp of the wheel's RECORD entry (its build time); the profiles are undated",
        "extracted_by": "libs/qlcore/corpus/tools/extract_iqm.py",
        "units": {"t1s": "ns", "t2s": "ns", "durations": "ns"},
        "backends": profiles,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--version", default=VERSION)
    parser.add_argument("--out", type=Path, default=DATA_FILE)
    args = parser.parse_args(argv)
    (wheel,) = ensure_wheels([args.version], distribution=PACKAGE)
    data = extract(wheel)
    args.out.write_text(json.dumps(data, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    print(f"wrote {args.out} from {wheel.name}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
