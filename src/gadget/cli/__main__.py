"""``python -m gadget.cli``: the ``gadget`` command."""

from __future__ import annotations

import sys

from gadget.cli import main

if __name__ == "__main__":
    sys.exit(main())
