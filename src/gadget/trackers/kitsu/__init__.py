"""The Kitsu tracker (Zou, through gazu): ``kitsu+https://host/api`` or ``https://host/api``.

Importing this package does not import gazu, requests or socketio; they load
when a :class:`KitsuTracker` is constructed (``gadget.connect(...)``).
See ``docs/kitsu.md`` for the setup, the field mapping and the request costs.
"""

from __future__ import annotations

from gadget.trackers.kitsu.tracker import KitsuTracker

__all__ = ["KitsuTracker"]
