"""The contract suite every gadget tracker must pass, importable by outsiders.

The same tests run against ``memory://``, ``sqlite:///...``, a real Kitsu and
any tracker a studio writes. They need one fixture from you,
``gadget_session``: a connected :class:`gadget.Session`. In your tracker's
tests::

    # conftest.py
    import pytest
    import gadget

    @pytest.fixture
    def gadget_session():
        with gadget.connect("mytracker://host/api", login=..., password=...) as session:
            yield session

    # test_contract.py
    from gadget.testing.suite import *  # noqa: F403

``pytest`` then collects every ``Test*`` class of :mod:`gadget.testing.suite`
in your module. To run several trackers, parametrize the fixture
(``@pytest.fixture(params=["memory://", "sqlite:///..."])``; a new SQLite
file is made by ``gadget.connect(url, create=True)``).

Rules the suite keeps, so it can run on a shared, persistent server:

- every test creates its own project and reference data (task types, people,
  departments) with a unique suffix (:class:`~gadget.testing.fixtures.Names`);
  nothing assumes an empty tracker, UUID ids, or the absence of other data;
- a test needing an optional capability is marked with
  :func:`~gadget.testing.fixtures.requires` and is skipped exactly when
  ``session.capabilities`` does not declare it;
- no status code is named: a test asks
  :meth:`Studio.status() <gadget.testing.fixtures.Studio.status>` for the
  tracker's status carrying a flag (``"wip"``: ``is_wip``), and makes its task
  types with the Studio;
- laziness and batching are proven by counting the session's calls into its
  tracker (:class:`~gadget.testing.spy.TrackerSpy`), never by timing.

The tracker-level tests (:mod:`gadget.testing.suite.tracker`) call the
tracker itself, with no session: ``gadget_session.tracker``, or the tracker
of a ``gadget_tracker`` fixture your test module defines after the star import.

Instead of the star import you can load :mod:`gadget.testing.plugin`
(``pytest_plugins = ["gadget.testing.plugin"]`` in a conftest, or
``-p gadget.testing.plugin``): it provides the suite's fixtures and, with
``--gadget-url URL``, a ``gadget_session`` of its own.

The call spy :class:`~gadget.testing.spy.TrackerSpy` lives in
:mod:`gadget.testing.spy`, which needs no pytest (``gadget demo`` counts its
walk with it); the names below load on first use, so ``import
gadget.testing.spy`` does not import pytest. The suite and its fixtures do;
``import gadget`` never imports it.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from gadget.testing.fixtures import (
        EMAIL_DOMAIN,
        Names,
        Studio,
        png_bytes,
        requires,
        skip_unless,
        write_pdf,
        write_png,
        write_text,
    )
    from gadget.testing.spy import TrackerSpy

# where each public name lives: pytest loads with the fixtures, not with the spy
_HOMES = {
    "TrackerSpy": "gadget.testing.spy",
    **dict.fromkeys(
        [
            "EMAIL_DOMAIN",
            "Names",
            "Studio",
            "png_bytes",
            "requires",
            "skip_unless",
            "write_pdf",
            "write_png",
            "write_text",
        ],
        "gadget.testing.fixtures",
    ),
}


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:  # a submodule (``from gadget.testing import suite``) imports as usual
        raise AttributeError(f"module 'gadget.testing' has no attribute {name!r}")
    value = getattr(importlib.import_module(home), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *_HOMES])


__all__ = [
    "EMAIL_DOMAIN",
    "Names",
    "Studio",
    "TrackerSpy",
    "png_bytes",
    "requires",
    "skip_unless",
    "write_pdf",
    "write_png",
    "write_text",
]
