"""The ShotGrid tracker (``shotgrid+https://SITE``), over shotgun_api3.

The SDK is imported only when a tracker opens, so this package imports
without it.
"""

from gadget.trackers.shotgrid.tracker import ShotGridTracker

__all__ = ["ShotGridTracker"]
