"""Fixtures shared by the unit tests."""

from __future__ import annotations

from pathlib import Path

import pytest

import gadget


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    """The URL of a new, empty local database file (``sqlite:////abs/path``).

    The file is made here, once, so a test opens an existing database the
    way a pipeline tool does.
    """
    url = f"sqlite:///{tmp_path / 'studio.db'}"
    gadget.connect(url, create=True).close()
    return url
