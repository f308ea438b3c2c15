"""The ``gadget_session`` the contract suite needs, for the local trackers.

Parametrized over ``memory://`` and a new SQLite file in the test's temporary
directory (made with ``create=True``), so every contract test runs against both. A colleague's Kitsu
conftest provides the same fixture for a real server.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

import gadget


def _url(kind: str, tmp_path: Path) -> str:
    if kind == "memory":
        return "memory://"
    return f"sqlite:///{tmp_path / 'studio.db'}"


@pytest.fixture(params=["memory", "sqlite"])
def gadget_session(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[gadget.Session]:
    session = gadget.connect(_url(request.param, tmp_path), create=True)
    try:
        yield session
    finally:
        session.close()
