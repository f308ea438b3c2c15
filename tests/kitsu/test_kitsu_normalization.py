"""What gadget shows against what Zou stores, read back with plain REST calls.

Every test writes through gadget, then fetches the vendor payload with
:class:`RawKitsu` (requests only) and checks each rename of
``gadget.trackers.kitsu.convert`` on it.
"""

from __future__ import annotations

import datetime as dt
import uuid
from pathlib import Path

import pytest

import gadget
from gadget.testing import Names, write_pdf, write_png
from gadget.trackers.local.schema import DEFAULT_ASSET_TYPES, DEFAULT_STATUSES

from .conftest import KitsuServer, RawKitsu


@pytest.fixture
def names() -> Names:
    return Names()


@pytest.fixture
def studio(kitsu: gadget.Session, names: Names) -> dict[str, object]:
    project = kitsu.projects.new(name=names("Norm"), production_type="tvshow")
    episode = project.episodes.new(name="E01")
    seq = project.sequences.new(name="sq170", episode=episode)
    shot = project.shots.new(
        name="sq170_sh0224",
        sequence=seq,
        frame_in=1001,
        frame_out=1100,
        fps=24,
        description="hero jumps",
        custom_data={"lens": 35},
    )
    anim = kitsu.task_types.new(name=names("Anim3D"), for_shots=True)
    return {"project": project, "episode": episode, "sequence": seq, "shot": shot, "anim": anim}


def test_the_local_trackers_defaults_are_kitsus(kitsu: gadget.Session, raw: RawKitsu) -> None:
    """A new local database starts with the statuses and asset types of a new Kitsu
    (``zou init-data``): the same short names, names and flags; the same type names."""
    by_short = {s["short_name"]: s for s in raw.get("data/task-status")}
    for local in DEFAULT_STATUSES:
        kitsu_status = by_short[str(local["short_name"])]
        assert kitsu_status["name"] == local["name"]
        assert str(kitsu_status["color"]).lower() == str(local["color"]).lower()
        for flag in ("is_done", "is_retake", "is_wip", "is_feedback_request"):
            assert kitsu_status[flag] == bool(local.get(flag)), (local["short_name"], flag)
        if not kitsu_status["for_concept"]:  # Kitsu's concept default is not gadget's
            assert kitsu_status["is_default"] == bool(local.get("is_default"))
    kitsu_types = {t["name"] for t in raw.get("data/asset-types")}
    assert set(DEFAULT_ASSET_TYPES) <= kitsu_types
    assert {s.short_name for s in kitsu.task_statuses} >= set(by_short)
    assert {t.name for t in kitsu.asset_types} == kitsu_types


def test_kitsus_status_codes_carry_their_flags(kitsu: gadget.Session) -> None:
    """Kitsu's own codes, which the contract suite no longer names (it asks for a
    status by flag): each is fetched by its code, or its display name, and
    carries the flag of its role; a misspelt code names the closest one."""
    statuses = kitsu.task_statuses
    roles = {
        "todo": "is_default",
        "wip": "is_wip",
        "wfa": "is_feedback_request",
        "retake": "is_retake",
        "done": "is_done",
    }
    for code, flag in roles.items():
        status = statuses.fetch(code)
        assert status.short_name == code
        assert getattr(status, flag) is True, code
        others = [f for f in roles.values() if f != flag]
        assert not any(getattr(status, f) for f in others), code
    assert statuses.fetch("Waiting For Approval") is statuses.fetch("wfa")
    with pytest.raises(gadget.NotFound) as info:
        statuses.fetch("wipp")
    assert "wip" in info.value.closest


def test_a_new_tvshow_project_starts_without_episodes(kitsu: gadget.Session, raw: RawKitsu) -> None:
    project = kitsu.projects.new(name=Names()("Empty"), production_type="tvshow")
    assert raw.get("data/episodes", project_id=project.id) == []  # Zou's automatic E01 is gone
    assert project.status == "open" and project.is_open
    payload = raw.get(f"data/projects/{project.id}")
    assert payload["production_type"] == "tvshow"
    open_id = raw.get("data/project-status", name="Open")[0]["id"]
    assert payload["project_status_id"] == open_id
    project.update(status="closed", custom_data={"client": "acme"})
    payload = raw.get(f"data/projects/{project.id}")
    closed_id = raw.get("data/project-status", name="Closed")[0]["id"]
    assert payload["project_status_id"] == closed_id and project.status == "closed"
    assert payload["data"] == {"client": "acme"} == project.custom_data
    assert project not in kitsu.projects.filter(status="open")


def test_shot_fields_against_zou(studio: dict[str, object], raw: RawKitsu) -> None:
    shot = studio["shot"]
    assert isinstance(shot, gadget.Shot)
    payload = raw.get(f"data/shots/{shot.id}")
    assert payload["data"] == {"frame_in": 1001, "frame_out": 1100, "fps": 24, "lens": 35}
    assert payload["nb_frames"] == 100 == shot.nb_frames
    assert payload["description"] == "hero jumps"
    assert payload["parent_id"] == shot.sequence_id == studio["sequence"].id  # type: ignore[attr-defined]
    assert (shot.frame_in, shot.frame_out, shot.fps) == (1001, 1100, 24)
    assert shot.custom_data == {"lens": 35}  # data without the frame fields
    assert shot.raw["id"] == payload["id"]
    assert shot.url is not None and shot.url.endswith(f"/shots/{shot.id}/")


def test_custom_data_updates_keep_the_frame_fields(
    studio: dict[str, object], raw: RawKitsu
) -> None:
    shot = studio["shot"]
    assert isinstance(shot, gadget.Shot)
    shot.update(custom_data={"lens": 50, "camera": "A"})
    stored = raw.get(f"data/shots/{shot.id}")["data"]
    assert stored == {"frame_in": 1001, "frame_out": 1100, "fps": 24, "lens": 50, "camera": "A"}
    shot.update(frame_out=1120)
    stored = raw.get(f"data/shots/{shot.id}")
    assert stored["data"]["frame_out"] == 1120 and stored["data"]["camera"] == "A"
    assert stored["nb_frames"] == 120 == shot.nb_frames
    assert shot.custom_data == {"lens": 50, "camera": "A"}


def test_shot_creation_is_one_post(studio: dict[str, object], raw: RawKitsu) -> None:
    kitsu_tracker = studio["project"].session.tracker  # type: ignore[attr-defined]
    seq = studio["sequence"]
    before = kitsu_tracker.request_count
    record = kitsu_tracker.create(
        "shot",
        {
            "name": "sq170_sh0300",
            "project_id": seq.project_id,  # type: ignore[attr-defined]
            "sequence_id": seq.id,  # type: ignore[attr-defined]
            "frame_in": 1,
            "frame_out": 24,
            "fps": 25,
            "nb_frames": 24,
            "description": "one request",
            "custom_data": {"lens": 85},
        },
    )
    assert kitsu_tracker.request_count - before == 1
    payload = raw.get(f"data/shots/{record['id']}")
    assert payload["data"] == {"frame_in": 1, "frame_out": 24, "fps": 25, "lens": 85}
    assert (payload["nb_frames"], payload["description"]) == (24, "one request")
    assert payload["parent_id"] == seq.id  # type: ignore[attr-defined]


def test_asset_fields_against_zou(kitsu: gadget.Session, raw: RawKitsu, names: Names) -> None:
    project = kitsu.projects.new(name=names("Assets"), production_type="tvshow")
    episode = project.episodes.new(name="E01")
    char = kitsu.asset_types.new(name=names("Character"))
    hero = project.assets.new(
        name="Hero", asset_type=char, episode=episode, custom_data={"variant": "default"}
    )
    payload = raw.get(f"data/assets/{hero.id}")
    assert payload["entity_type_id"] == hero.asset_type_id == char.id
    assert payload["episode_id"] == hero.episode_id == episode.id  # Zou's source_id
    assert payload["data"] == {"variant": "default"} == hero.custom_data
    assert hero.asset_type is char


def test_task_fields_against_zou(
    kitsu: gadget.Session, studio: dict[str, object], raw: RawKitsu, kitsu_server: KitsuServer
) -> None:
    shot = studio["shot"]
    anim = studio["anim"]
    assert isinstance(shot, gadget.Shot) and isinstance(anim, gadget.TaskType)
    artist = kitsu.persons.fetch(kitsu_server.artist.email)
    task = shot.tasks.new(task_type=anim, status="todo", assignees=[artist])
    project = raw.get(f"data/projects/{shot.project_id}")
    assert anim.id in project["task_types"]  # added to the project's settings
    task.update(
        estimation=dt.timedelta(days=1), start_date="2026-03-01", due_date=dt.date(2026, 3, 15)
    )
    payload = raw.get(f"data/tasks/{task.id}")
    assert payload["estimation"] == 1440.0  # minutes
    assert payload["start_date"].startswith("2026-03-01")
    assert payload["due_date"].startswith("2026-03-15")
    assert payload["task_status_id"] == task.status_id == task.status.id
    assert payload["assignees"] == task.assignee_ids == [artist.id]
    assert task.estimation == dt.timedelta(days=1)
    assert task.entity is shot and task.entity_kind == "shot"
    # retakes: Kitsu counts them when the task enters a retake status
    task.set_status("retake", comment="hands")
    task.set_status("wip")
    task.set_status("retake", comment="hands again")
    assert raw.get(f"data/tasks/{task.id}")["retake_count"] == 2
    again = kitsu.persons.fetch(kitsu_server.artist.email)  # warm the caches, then reload
    assert again is artist
    task.refresh()
    assert task.nb_retakes == 2
    assert task.status.short_name == "retake"


def test_task_type_for_entity(kitsu: gadget.Session, raw: RawKitsu, names: Names) -> None:
    shots = kitsu.task_types.new(name=names("Layout"), for_shots=True)
    assets = kitsu.task_types.new(name=names("Modeling"), for_shots=False)
    assert raw.get(f"data/task-types/{shots.id}")["for_entity"] == "Shot"
    assert raw.get(f"data/task-types/{assets.id}")["for_entity"] == "Asset"
    assert (shots.for_shots, shots.for_entity) == (True, "Shot")
    assert (assets.for_shots, assets.for_entity) == (False, "Asset")


def test_comment_fields_against_zou(
    kitsu: gadget.Session, studio: dict[str, object], raw: RawKitsu, tmp_path: Path
) -> None:
    shot = studio["shot"]
    assert isinstance(shot, gadget.Shot)
    task = shot.tasks.new(task_type=studio["anim"], status="todo")
    note = task.comments.new(
        comment="blocking pass",
        status="wfa",
        preview=[write_png(tmp_path / "render.png")],
        attachments=[write_pdf(tmp_path / "notes.pdf")],
        checklist=["fix hands", ("fix feet", True)],
    )
    (payload,) = raw.get(f"data/tasks/{task.id}/comments")
    assert payload["id"] == note.id
    assert payload["object_id"] == note.task_id == task.id
    assert payload["person_id"] == note.author_id == kitsu.me.id
    assert payload["task_status_id"] == note.status_id == note.status.id  # type: ignore[union-attr]
    assert payload["previews"][0]["original_name"] == note.previews[0].name == "render"
    assert payload["attachment_files"][0]["name"] == note.attachments[0].name == "notes.pdf"
    assert [(c.id, c.text, c.checked) for c in note.checklist] == [
        (0, "fix hands", False),
        (1, "fix feet", True),
    ]
    # the same comment read back through gadget has the same shape
    task.comments.refresh()
    (again,) = list(task.comments)
    assert again is note
    assert [p.name for p in again.previews] == ["render"]
    assert again.previews[0].extension == "png" and again.previews[0].status == "ready"
    assert again.attachments[0].size == (tmp_path / "notes.pdf").stat().st_size
    fetched = kitsu.tracker.get("comment", note.id)  # /data/comments/{id}: previews as ids
    assert fetched["previews"][0]["name"] == "render"
    assert fetched["attachments"][0]["name"] == "notes.pdf"
    # downloads
    got = note.previews[0].download(tmp_path / "out" / "render.png")
    assert got.read_bytes() == (tmp_path / "render.png").read_bytes()
    pdf = note.attachments[0].download(tmp_path / "out" / "notes.pdf")
    assert pdf.read_bytes() == (tmp_path / "notes.pdf").read_bytes()


def test_time_spent_is_minutes_in_zou(
    kitsu: gadget.Session, studio: dict[str, object], raw: RawKitsu
) -> None:
    shot = studio["shot"]
    assert isinstance(shot, gadget.Shot)
    task = shot.tasks.new(task_type=studio["anim"])
    task.time_spent.add(kitsu.me, "2026-03-18", hours=2)
    task.time_spent.add(kitsu.me, "2026-03-18", minutes=30)
    answer = raw.get(f"actions/tasks/{task.id}/time-spents")
    assert answer[kitsu.me.id][0]["duration"] == 150.0
    assert task.time_spent.total == dt.timedelta(hours=2, minutes=30)
    # Kitsu logs time only for assignees: gadget assigned me on the way
    assert kitsu.me.id in raw.get(f"data/tasks/{task.id}")["assignees"]


def test_casting_for_many_shots_is_one_put(
    kitsu: gadget.Session, studio: dict[str, object], raw: RawKitsu, names: Names
) -> None:
    project = studio["project"]
    assert isinstance(project, gadget.Project)
    seq = studio["sequence"]
    shots = [studio["shot"]] + [
        project.shots.new(name=f"sq170_sh{n:04d}", sequence=seq) for n in (10, 20)
    ]
    char = kitsu.asset_types.new(name=names("Character"))
    hero = project.assets.new(name="Hero", asset_type=char)
    prop = project.assets.new(name="Sword", asset_type=char)
    tracker = kitsu.tracker
    before = tracker.request_count
    kitsu.set_casting({shots[0]: [(hero, 2), prop], shots[1]: [hero], shots[2]: []})
    assert tracker.request_count - before == 1
    table = raw.get(f"data/projects/{project.id}/sequences/all/casting")
    assert {r["asset_id"]: r["nb_occurences"] for r in table[shots[0].id]} == {
        hero.id: 2,
        prop.id: 1,
    }
    before = tracker.request_count
    entries = tracker.get_casting([s.id for s in shots])
    assert tracker.request_count - before == 1
    assert [e["asset_id"] for e in entries[shots[1].id]] == [hero.id]
    assert entries[shots[2].id] == []
    assert set(hero.cast_in) == {shots[0], shots[1]}


def test_missing_ids_are_not_found(kitsu: gadget.Session) -> None:
    missing = str(uuid.uuid4())
    for kind in ("project", "shot", "task", "person", "comment", "preview"):
        with pytest.raises(gadget.NotFound) as info:
            kitsu.tracker.get(kind, missing)
        assert missing in str(info.value)
    with pytest.raises(gadget.NotFound):
        kitsu.tracker.get("shot", "not-an-id")
