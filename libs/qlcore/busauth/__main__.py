"""``python -m qlcore.busauth deploy-auth [PATH]``: write the production cluster's users and their
permissions (``deploy/nats/auth.conf``) from :mod:`qlcore.busauth.permissions`."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from qlcore.busauth.serverconf import deploy_authorization


def main() -> int:
    ap = argparse.ArgumentParser(prog="python -m qlcore.busauth")
    ap.add_argument("command", choices=["deploy-auth"])
    ap.add_argument("path", type=Path, nargs="?", default=Path("deploy/nats/auth.conf"))
    args = ap.parse_args()
    args.path.write_text(deploy_authorization())
    print(f"wrote {args.path}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
