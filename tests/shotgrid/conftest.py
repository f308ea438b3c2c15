"""Fixtures of the ShotGrid tests: a ShotGrid tracker over mockgun.

``shotgrid+https://mock.shotgrid.test`` is served, in these tests only, by
:class:`MockShotGridTracker`: the real tracker with a client factory that
makes a :class:`tests.shotgrid.mocksite.MockSiteClient` per thread, all on
one shared site. The tests' person logs in with a login and password (mockgun
checks no credentials).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any, ClassVar

import pytest
from shotgun_api3.lib import mockgun  # in the dev extra: a missing SDK fails, never skips

import gadget
from gadget.trackers.registry import register
from gadget.trackers.shotgrid import ShotGridTracker
from gadget.trackers.shotgrid.client import ClientFactory

from .mocksite import MockSiteClient, SharedSite, write_schema_pickles

SITE_URL = "shotgrid+https://mock.shotgrid.test"
LOGIN = "gadget.tester@example.com"


def site_factory(site: SharedSite) -> ClientFactory:
    def make(url: str, kwargs: dict[str, Any]) -> MockSiteClient:
        return MockSiteClient(site, url, **kwargs)

    return make


@pytest.fixture(scope="session")
def shotgrid_site(tmp_path_factory: pytest.TempPathFactory) -> SharedSite:
    """One site for the whole run, with the tests' person and the Status rows
    of the task status codes."""
    folder: Path = tmp_path_factory.mktemp("shotgrid-schema")
    mockgun.Shotgun.set_schema_paths(*map(str, write_schema_pickles(folder)))
    site = SharedSite()
    client = MockSiteClient(site, "https://mock.shotgrid.test")
    client.create(
        "HumanUser",
        {"login": LOGIN, "name": "Gadget Tester", "firstname": "Gadget", "email": LOGIN},
    )
    names = {
        "wtg": "Waiting to Start",
        "rdy": "Ready to Start",
        "ip": "In Progress",
        "hld": "On Hold",
        "rev": "Pending Review",
        "rtk": "Retake",
        "fin": "Final",
    }
    for code, name in names.items():
        client.create("Status", {"code": code, "name": name, "bg_color": "120,120,120"})
    return site


class MockShotGridTracker(ShotGridTracker):
    """The ShotGrid tracker on the tests' mockgun site."""

    site_data: ClassVar[SharedSite]


@pytest.fixture(scope="session")
def shotgrid_tracker_class(shotgrid_site: SharedSite) -> type[ShotGridTracker]:
    MockShotGridTracker.client_factory = staticmethod(site_factory(shotgrid_site))
    register("shotgrid+https", MockShotGridTracker)
    return MockShotGridTracker


@pytest.fixture(params=["shotgrid"])
def gadget_session(shotgrid_tracker_class: type[ShotGridTracker]) -> Iterator[gadget.Session]:
    session = gadget.connect(SITE_URL, login=LOGIN, password="secret")
    try:
        yield session
    finally:
        session.close()
