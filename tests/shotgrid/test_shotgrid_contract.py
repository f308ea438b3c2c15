"""The contract suite on the ShotGrid tracker, over mockgun."""

from gadget.testing.suite import *  # noqa: F403
