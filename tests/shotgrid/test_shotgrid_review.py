"""Playlists on ShotGrid: a Playlist of Versions, each Version an entry's
entity (and its preview); and full-text search."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import pytest

import gadget
from gadget.errors import NotFound, ValidationError
from gadget.testing.png import write_gradient_png
from gadget.trackers.shotgrid import convert

from .mocksite import SharedSite, site_fields


def _project(session: gadget.Session) -> Any:
    return session.projects.new(name=f"pl{uuid.uuid4().hex[:6]}", production_type="short")


def _published(task: Any, folder: Path, name: str) -> Any:
    png = folder / f"{name}.png"
    write_gradient_png(png, (200, 40, 40), (20, 20, 90), width=8, height=4)
    return task.comments.new(comment=name, preview=[png]).previews[0]


def test_shotgrid_playlist_holds_the_versions_of_its_entries(
    gadget_session: gadget.Session, shotgrid_site: SharedSite, tmp_path: Path
) -> None:
    project = _project(gadget_session)
    seq = project.sequences.new(name="sq010")
    sh1, sh2 = (project.shots.new(name=n, sequence=seq) for n in ("sh0010", "sh0020"))
    task = sh1.tasks.new(task_type=gadget_session.task_types.new(name=f"Comp{project.name}"))
    v1 = _published(task, tmp_path, "v1")
    daily = project.playlists.new(name="Daily", for_entity="shot")
    daily.add(sh1, preview=v1).add(sh2)
    row = shotgrid_site.db["Playlist"][int(daily.id)]  # what the site holds
    assert row["code"] == "Daily" and row["sg_for_entity"] == "Shot"
    first, second = (shotgrid_site.db["Version"][v["id"]] for v in row["versions"])
    assert first["id"] == int(v1.id)
    # sh2 has no preview: a stand-in Version of the shot, no task and no file
    entity = second["entity"]
    assert (entity["type"], entity["id"], second["sg_task"], second["sg_uploaded_movie"]) == (
        "Shot",
        int(sh2.id),
        None,
        None,
    )
    assert second["code"] == "sh0020"
    fresh = gadget.Session(gadget_session.tracker).projects.get(id=project.id)
    entries = fresh.playlists.fetch("Daily").entries
    assert [(e.entity.name, e.preview and e.preview.id) for e in entries] == [
        ("sh0010", v1.id),
        ("sh0020", None),
    ]
    # the stand-in is no preview, and a second playlist reuses it
    with pytest.raises(NotFound):
        gadget_session.tracker.get("preview", str(second["id"]))
    client = project.playlists.new(name="Client", for_entity="shot")
    client.add(sh2)
    assert shotgrid_site.db["Playlist"][int(client.id)]["versions"] == [
        {"type": "Version", "id": second["id"]}
    ]
    # the same shot again takes the new Version in its place
    v2 = _published(task, tmp_path, "v2")
    daily.add(sh1, preview=v2)
    assert [(e.entity.name, e.preview and e.preview.id) for e in daily.entries] == [
        ("sh0010", v2.id),
        ("sh0020", None),
    ]


def test_shotgrid_playlist_entry_is_a_version_of_its_entity(
    gadget_session: gadget.Session, shotgrid_site: SharedSite, tmp_path: Path
) -> None:
    """A preview of another shot would show that shot: refused, nothing written."""
    project = _project(gadget_session)
    seq = project.sequences.new(name="sq010")
    sh1, sh2 = (project.shots.new(name=n, sequence=seq) for n in ("sh0010", "sh0020"))
    task = sh1.tasks.new(task_type=gadget_session.task_types.new(name=f"Lay{project.name}"))
    v1 = _published(task, tmp_path, "v1")
    daily = project.playlists.new(name="Daily", for_entity="shot")
    with pytest.raises(ValidationError, match=rf"Version of Shot {sh1.id}.*nothing was written"):
        gadget_session.tracker.add_playlist_entry(daily.id, sh2.id, v1.id)
    assert shotgrid_site.db["Playlist"][int(daily.id)]["versions"] == []


def test_shotgrid_playlist_for_assets(gadget_session: gadget.Session) -> None:
    project = _project(gadget_session)
    hero = project.assets.new(name="Hero", asset_type="Character")
    review = project.playlists.new(name="Assets", for_entity="asset")
    review.add(hero)
    fresh = gadget.Session(gadget_session.tracker).projects.get(id=project.id)
    again = fresh.playlists.fetch("Assets")
    assert again.for_entity == "asset"
    assert [e.entity.name for e in again.entries] == ["Hero"]


def test_shotgrid_playlist_on_a_site_without_sg_for_entity() -> None:
    """A stock site has no Playlist.sg_for_entity: its playlists are for shots."""
    fields = {f: {"type": s["type"]} for f, s in site_fields()["Playlist"].items()}
    del fields["sg_for_entity"]
    assert convert.to_shotgrid("playlist", {"name": "Daily", "for_entity": "shot"}, fields) == {
        "code": "Daily"
    }
    with pytest.raises(ValidationError, match=r"no field Playlist\.sg_for_entity"):
        convert.to_shotgrid("playlist", {"name": "Props", "for_entity": "asset"}, fields)


def test_shotgrid_search_is_one_text_search(
    gadget_session: gadget.Session, shotgrid_site: SharedSite
) -> None:
    """mockgun has no text_search: the tests' site gives one (a test double,
    tests/shotgrid/mocksite.py); these are the calls a real site gets."""
    project = _project(gadget_session)
    tag = uuid.uuid4().hex[:6]
    shot = project.shots.new(name=f"zebra{tag}", sequence=project.sequences.new(name="sq010"))
    before = len(shotgrid_site.calls)
    assert gadget_session.search(f"Zebra{tag}") == [shot]
    searches = [c for c in shotgrid_site.calls[before:] if c[0] == "text_search"]
    assert searches == [
        (
            "text_search",
            (f"Zebra{tag}", {t: [] for t in ("Project", "Sequence", "Shot", "Asset", "HumanUser")}),
            {},
        )
    ]
    before = len(shotgrid_site.calls)
    with pytest.raises(ValidationError, match="three characters"):
        gadget_session.search("ze")
    assert [c for c in shotgrid_site.calls[before:] if c[0] == "text_search"] == []
    assert gadget_session.search("  ") == []


def test_shotgrid_search_finds_people_on_the_team(gadget_session: gadget.Session) -> None:
    project = _project(gadget_session)
    tag = uuid.uuid4().hex[:6]
    kim = gadget_session.persons.new(
        first_name="Kim", last_name=f"Okapi{tag}", email=f"kim{tag}@example.com"
    )
    assert kim in gadget_session.search(f"okapi{tag}")
    assert kim not in gadget_session.search(f"okapi{tag}", project=project)
    project.team.add(kim)
    assert kim in gadget_session.search(f"okapi{tag}", project=project)
