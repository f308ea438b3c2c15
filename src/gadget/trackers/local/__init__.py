"""The local tracker: SQLite (``sqlite:///studio.db``) or in memory (``memory://``).

The reference implementation of :class:`gadget.trackers.base.Tracker` and the
embedded default the demo and the tests use. Standard library only.
"""

from __future__ import annotations

from gadget.trackers.local.tracker import LocalTracker

__all__ = ["LocalTracker"]
