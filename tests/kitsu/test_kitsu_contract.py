"""The contract suite (gadget.testing) against a real Kitsu server."""

from __future__ import annotations

from gadget.testing.suite import *  # noqa: F403
