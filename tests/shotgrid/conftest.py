"""Fixtures of the ShotGrid tests: a ShotGrid tracker over mockgun.

``shotgrid+https://mock.shotgrid.test`` is served, in these tests only, by
:class:`MockShotGridTracker`: the real tracker with a client factory that
makes a :class:`tests.shotgrid.mocksite.MockSiteClient` per thread, all on
one shared site. The tests' person logs in with a login and password (mockgun
checks no credentials).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

import pytest
from shotgun_api3.lib import mockgun  # in the dev extra: a missing SDK fails, never skips

import gadget
from gadget.config import TrackerConfig
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


@dataclass(frozen=True)
class Collision:
    project: str
    shot: str
    asset: str
    on_shot: str
    on_asset: str
    ident: str  # the number the shot and the asset share


@pytest.fixture
def collision(gadget_session: gadget.Session) -> Collision:
    """A shot and an asset of one number, each with a task of one step."""
    session = gadget_session
    tag = uuid.uuid4().hex[:8]
    project = session.projects.new(name=f"same{tag}", production_type="short")
    seq = project.sequences.new(name="sq010")
    char = session.asset_types.new(name=f"Char{tag}")
    shot = project.shots.new(name="sh0000", sequence=seq)
    asset = project.assets.new(name="a0000", asset_type=char)
    n = 1
    while shot.id != asset.id:  # ids are per type: make two of one number
        if int(shot.id) < int(asset.id):
            shot = project.shots.new(name=f"sh{n:04d}", sequence=seq)
        else:
            asset = project.assets.new(name=f"a{n:04d}", asset_type=char)
        n += 1
    project.shots.new(name="sh9999", sequence=seq)  # the shot has a sibling
    step = session.task_types.new(name=f"Both{tag}")
    on_shot = shot.tasks.new(task_type=step)
    # the session checks uniqueness on entity_kind too (unique_keys): no AlreadyExists
    on_asset = asset.tasks.new(task_type=step)
    return Collision(project.name, shot.name, asset.name, on_shot.id, on_asset.id, shot.id)


#: decides, before a client call runs, whether it fails: (method, args, kwargs)
#: -> an exception to raise, or None to let the call through
Refusal = Callable[[str, tuple[Any, ...], dict[str, Any]], Exception | None]


class _Refusing:
    """A client that raises what ``refuse`` says before a call reaches the
    site (a failure a real site shows and mockgun never does)."""

    def __init__(self, inner: MockSiteClient, refuse: Refusal) -> None:
        self._inner = inner
        self._refuse = refuse

    def __getattr__(self, name: str) -> Any:
        method = getattr(self._inner, name)
        if not callable(method) or name.startswith("_"):
            return method

        def call(*args: Any, **kwargs: Any) -> Any:
            failure = self._refuse(name, args, kwargs)
            if failure is not None:
                raise failure
            return method(*args, **kwargs)

        return call


@pytest.fixture
def refusing_session(
    shotgrid_tracker_class: type[ShotGridTracker], shotgrid_site: SharedSite
) -> Iterator[Callable[[Refusal], gadget.Session]]:
    """Sessions on the tests' site whose client refuses the calls a function
    picks: ``refusing_session(lambda method, args, kwargs: error or None)``."""
    opened: list[gadget.Session] = []

    def make(refuse: Refusal) -> gadget.Session:
        class Refusing(shotgrid_tracker_class):  # type: ignore[valid-type,misc]
            client_factory = staticmethod(
                lambda url, kw: _Refusing(MockSiteClient(shotgrid_site, url, **kw), refuse)
            )

        tracker = Refusing(TrackerConfig(url=SITE_URL, login=LOGIN, password="pw"))
        tracker.open()
        opened.append(gadget.Session(tracker))
        return opened[-1]

    yield make
    for session in opened:
        session.close()
