#!/usr/bin/env python3
"""Rewrite the capability matrix of docs/capabilities.md from the trackers' declarations.

The tables come from :func:`gadget.trackers.matrix.capability_matrix` (each
built-in tracker's ``capabilities`` and other class attributes, and the
meaning of every capability); the prose around them is left as it is::

    .venv/bin/python tools/capability_matrix.py           # rewrite the tables
    .venv/bin/python tools/capability_matrix.py --check   # exit 1 when the page is stale

tests/unit/test_capability_matrix.py fails when the committed page differs.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from gadget.trackers.matrix import capability_matrix, with_matrix

PAGE = Path(__file__).resolve().parents[1] / "docs" / "capabilities.md"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only say whether the page is stale")
    parser.add_argument("--page", type=Path, default=PAGE, help=f"default: {PAGE}")
    args = parser.parse_args(argv)
    page = args.page.read_text(encoding="utf-8")
    fresh = with_matrix(page, capability_matrix())
    if fresh == page:
        print(f"{args.page}: up to date")
        return 0
    if args.check:
        print(f"{args.page}: stale; run python tools/capability_matrix.py", file=sys.stderr)
        return 1
    args.page.write_text(fresh, encoding="utf-8")
    print(f"{args.page}: rewritten")
    return 0


if __name__ == "__main__":
    sys.exit(main())
