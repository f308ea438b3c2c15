"""What the Kitsu tracker declares (production types, the uniqueness of tasks)
against what Zou does, checked on the real server with plain REST calls."""

from __future__ import annotations

import pytest

import gadget
from gadget.testing import Names

from .conftest import KitsuServer, RawKitsu


@pytest.fixture
def names() -> Names:
    return Names()


def test_the_production_types_kitsu_offers(
    kitsu: gadget.Session, raw: RawKitsu, names: Names
) -> None:
    """Zou stores any short string; gadget takes the types Kitsu's web app offers."""
    for production_type in ("assets", "shots"):
        project = kitsu.projects.new(name=names(production_type), production_type=production_type)
        assert project.production_type == production_type
        assert raw.get(f"data/projects/{project.id}")["production_type"] == production_type
    with pytest.raises(gadget.ValidationError) as refused:
        kitsu.projects.new(name=names("nft"), production_type="nft")
    message = str(refused.value)
    assert "'nft'" in message and "kitsu" in message
    assert all(t in message for t in ("short", "featurefilm", "tvshow", "assets", "shots"))
    assert raw.get("data/projects", name=names("nft")) == []  # nothing was sent
    # the server itself would have stored it: the check is gadget's
    stored = raw.post("data/projects", {"name": names("rawnft"), "production_type": "nft"})
    assert stored["production_type"] == "nft"


def test_tasks_are_unique_by_entity_type_and_name_as_on_zou(
    kitsu: gadget.Session, raw: RawKitsu, names: Names
) -> None:
    project = kitsu.projects.new(name=names("Rules"), production_type="short")
    shot = project.shots.new(name="sh0010", sequence=project.sequences.new(name="sq010"))
    anim = kitsu.task_types.new(name=names("Anim"), for_shots=True)
    main = shot.tasks.new(task_type=anim)
    fx2 = shot.tasks.new(task_type=anim, name="fx2")
    stored = {t["id"]: t["name"] for t in raw.get("data/tasks", entity_id=shot.id)}
    assert stored == {main.id: "main", fx2.id: "fx2"}  # the name is sent; "main" by default
    with pytest.raises(gadget.AlreadyExists):
        shot.tasks.new(task_type=anim, name="fx2")
    # Zou refuses the same name, type and entity too (its constraint, not only gadget's)
    body = {
        "project_id": project.id,
        "entity_id": shot.id,
        "task_type_id": anim.id,
        "task_status_id": main.status_id,
        "name": "fx2",
    }
    answer = raw.http.post(f"{raw.base_url}/data/tasks", json=body, timeout=30)
    assert answer.status_code == 400, answer.text
    assert len(raw.get("data/tasks", entity_id=shot.id)) == 2


def test_fetch_by_type_in_a_walk_costs_the_names_only_when_types_are_shared(
    kitsu_server: KitsuServer, names: Names
) -> None:
    """A walk's tasks come without names (with-tasks leaves them out): fetch by
    type needs none for one task of that type, and loads them (1 request, for
    every task of the walk) when several share it."""
    with kitsu_server.connect() as setup:
        project = setup.projects.new(name=names("Walk"), production_type="short")
        seq = project.sequences.new(name="sq010")
        anim = setup.task_types.new(name=names("Anim"), for_shots=True)
        one = project.shots.new(name="sh0010", sequence=seq)
        two = project.shots.new(name="sh0020", sequence=seq)
        one.tasks.new(task_type=anim)
        two.tasks.new(task_type=anim, name="first")
        two.tasks.new(task_type=anim, name="second")
    with kitsu_server.connect() as session:
        walk = session.projects.fetch(project.name)
        shots = {shot.name: shot for shot in walk.shots}  # the shots with their tasks
        before = kitsu_server.requests_served()
        task = shots["sh0010"].tasks.fetch(anim.name)
        assert kitsu_server.requests_served() - before == 0
        with pytest.raises(gadget.MultipleFound) as several:
            shots["sh0020"].tasks.fetch(anim.name)
        assert "'first'" in str(several.value) and "'second'" in str(several.value)
        assert kitsu_server.requests_served() - before == 1  # the names of the walk's tasks
        assert shots["sh0020"].tasks.get(task_type=anim.name, name="second").name == "second"
        assert task.name == "main"
        assert kitsu_server.requests_served() - before == 1
