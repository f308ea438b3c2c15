"""A pytest plugin exposing the contract suite's fixtures.

Load it with ``pytest_plugins = ["gadget.testing.plugin"]`` in a conftest or
``pytest -p gadget.testing.plugin``. It provides ``gadget_names``,
``gadget_studio``, ``gadget_spy``, ``gadget_tracker``, ``gadget_tracker_world``
and the autouse capability check, and adds
the option ``--gadget-url`` (default: the ``GADGET_TEST_URL`` environment
variable): when set, a ``gadget_session`` fixture connects to that URL, with
``GADGET_TEST_LOGIN`` / ``GADGET_TEST_PASSWORD`` / ``GADGET_TEST_TOKEN`` from
the environment (and ``create=True``: a local ``sqlite:///`` database is made
when missing). A ``gadget_session`` fixture of your own overrides it, so a test module
holding only ``from gadget.testing.suite import *`` runs against any URL::

    pytest -p gadget.testing.plugin --gadget-url sqlite:////tmp/contract.db test_contract.py
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

import gadget
from gadget.testing.fixtures import (
    gadget_capability_check,
    gadget_names,
    gadget_spy,
    gadget_studio,
    gadget_tracker,
)
from gadget.testing.suite.tracker import gadget_tracker_world

__all__ = [
    "gadget_capability_check",
    "gadget_names",
    "gadget_session",
    "gadget_spy",
    "gadget_studio",
    "gadget_tracker",
    "gadget_tracker_world",
    "pytest_addoption",
]


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("gadget", "gadget contract suite")
    group.addoption(
        "--gadget-url",
        default=os.environ.get("GADGET_TEST_URL"),
        help="tracker URL the gadget_session fixture connects to (env GADGET_TEST_URL)",
    )


@pytest.fixture
def gadget_session(request: pytest.FixtureRequest) -> Iterator[gadget.Session]:
    """A session on ``--gadget-url``; without one the test fails, saying so (a
    skip would let a misconfigured run pass with nothing tested)."""
    url = request.config.getoption("--gadget-url")
    if not url:
        pytest.fail("no tracker to test: pass --gadget-url or set GADGET_TEST_URL", pytrace=False)
    session = gadget.connect(
        str(url),
        create=True,  # a local tracker makes its database when the file is new
        login=os.environ.get("GADGET_TEST_LOGIN"),
        password=os.environ.get("GADGET_TEST_PASSWORD"),
        token=os.environ.get("GADGET_TEST_TOKEN"),
    )
    try:
        yield session
    finally:
        session.close()
