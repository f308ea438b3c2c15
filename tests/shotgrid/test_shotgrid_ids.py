"""Shot N and Asset N are two entities: a shot's or an asset's tasks read through
the session are its own, however it was read (ids are unique per type only)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

import gadget

from .conftest import LOGIN, SITE_URL, Collision


@pytest.fixture(params=[(True, True), (True, False), (False, True), (False, False)])
def fresh(request: pytest.FixtureRequest, shotgrid_tracker_class: type) -> Iterator[gadget.Session]:
    """A new session, with the cache and prefetch on or off."""
    cache, prefetch = request.param
    session = gadget.connect(
        SITE_URL, login=LOGIN, password="secret", cache=cache, prefetch=prefetch
    )
    try:
        yield session
    finally:
        session.close()


@pytest.mark.parametrize("first", ["shot", "asset"])
def test_shotgrid_tasks_of_a_shot_and_an_asset_read_alone(
    collision: Collision, fresh: gadget.Session, first: str
) -> None:
    project = fresh.projects.get(name=collision.project)
    shot = project.shots.get(name=collision.shot)
    asset = project.assets.get(name=collision.asset)
    assert shot.id == asset.id
    expected = {"shot": [collision.on_shot], "asset": [collision.on_asset]}
    entities = {"shot": shot, "asset": asset}
    for kind in sorted(entities, key=lambda k: k != first):
        entity = entities[kind]
        assert [t.id for t in entity.tasks] == expected[kind], kind
        assert [t.entity.kind for t in entity.tasks] == [kind]


def test_shotgrid_tasks_of_an_asset_read_alone_after_a_walk_of_shots(
    collision: Collision, fresh: gadget.Session
) -> None:
    """The shots' tasks a walk prefetched are not the asset's of the same number."""
    project = fresh.projects.get(name=collision.project)
    walked = {s.name: [t.id for t in s.tasks] for s in project.shots}
    assert walked[collision.shot] == [collision.on_shot]
    asset = project.assets.get(name=collision.asset)
    assert [t.id for t in asset.tasks] == [collision.on_asset]


def test_shotgrid_tasks_of_an_asset_read_alone_beside_a_group_of_shots(
    collision: Collision, fresh: gadget.Session
) -> None:
    """A group of shots of the asset's number is no sibling group of the asset."""
    project = fresh.projects.get(name=collision.project)
    with fresh.no_prefetch():  # the shots as one group, their tasks not read
        shots = list(project.shots)
    assert len(shots) > 1
    asset = project.assets.get(name=collision.asset)
    assert [t.id for t in asset.tasks] == [collision.on_asset]
    shot = next(s for s in shots if s.name == collision.shot)
    assert [t.id for t in shot.tasks] == [collision.on_shot]
