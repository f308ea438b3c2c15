"""``python -m gadget``: the ``gadget`` command (the same as ``python -m gadget.cli``)."""

from __future__ import annotations

import sys

from gadget.cli import main

if __name__ == "__main__":
    sys.exit(main())
