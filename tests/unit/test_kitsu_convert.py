"""The Kitsu converters on payloads recorded from a real Zou 1.0.97.

The payloads in ``tests/kitsu/payloads/`` were written by
``tools/record_kitsu_payloads.py``; nothing here is a hand-written vendor
dict. Every vendor rename of :mod:`gadget.trackers.kitsu.convert` is checked
against what the server really answered.
"""

from __future__ import annotations

import datetime as dt
import json
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from gadget.errors import ValidationError
from gadget.kinds import COMMON_FIELDS, KINDS, IdUrl
from gadget.trackers.base import MISSING
from gadget.trackers.kitsu import convert

PAYLOADS = Path(__file__).resolve().parents[1] / "kitsu" / "payloads"
WEB = "https://kitsu.mystudio.com"


@cache
def _load(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((PAYLOADS / f"{name}.json").read_text(encoding="utf-8"))
    return data


def payload(name: str) -> Any:
    return _load(name)["payload"]


def statuses() -> dict[str, str]:
    return {row["id"]: row["name"] for row in payload("project_status_list")}


def status_ids() -> dict[str, str]:
    return {name.lower(): ident for ident, name in statuses().items()}


def task_status(short_name: str) -> str:
    return next(s["id"] for s in payload("task_status_list") if s["short_name"] == short_name)


def test_the_payloads_were_recorded_from_zou() -> None:
    files = sorted(PAYLOADS.glob("*.json"))
    assert len(files) > 40
    for path in files:
        record = json.loads(path.read_text(encoding="utf-8"))
        assert record["zou"] == "1.0.97"
        assert record["request"].split()[0] in ("GET", "POST", "PUT", "socket.io")


def test_no_secret_was_recorded() -> None:
    for path in PAYLOADS.glob("*.json"):
        text = path.read_text(encoding="utf-8")
        assert "access_token" not in text and "refresh_token" not in text, path.name
        assert '"password"' not in text, path.name


# -- every record ------------------------------------------------------------------
RECORDS = [
    ("project", "project_create"),
    ("project", "project_get"),
    ("episode", "episode_create"),
    ("episode", "episode_get"),
    ("sequence", "sequence_create"),
    ("sequence", "sequence_get"),
    ("shot", "shot_create"),
    ("shot", "shot_get"),
    ("shot", "shot_update"),
    ("asset_type", "asset_type_create"),
    ("asset", "asset_create"),
    ("asset", "asset_get"),
    ("task_type", "task_type_create"),
    ("task", "task_create"),
    ("task", "task_get"),
    ("person", "person_create"),
    ("department", "department_create"),
    ("playlist", "playlist_create"),
    ("playlist", "playlist_add_entity"),
    ("preview", "preview_get"),
    ("attachment", "attachment_get"),
]


@pytest.mark.parametrize(("kind", "name"), RECORDS)
def test_records_hold_the_normalized_fields_only(kind: str, name: str) -> None:
    raw = payload(name)
    record = convert.to_record(kind, raw, web=WEB, project_statuses=statuses())
    allowed = set(COMMON_FIELDS) | set(KINDS[kind].fields) | {"entity_kind", "for_shots"}
    assert set(record) <= allowed, set(record) - allowed
    assert record["id"] == raw["id"]
    assert record["raw"] == raw
    assert isinstance(record["custom_data"], dict)
    for stamp in ("created_at", "updated_at"):
        value = record[stamp]
        assert isinstance(value, dt.datetime) and value.tzinfo is not None
        assert value.replace(tzinfo=None) == dt.datetime.fromisoformat(raw[stamp])


@pytest.mark.parametrize(
    ("kind", "name"),
    [(k, n) for k, n in RECORDS if k not in ("preview", "attachment", "asset_type", "department")],
)
def test_data_is_custom_data(kind: str, name: str) -> None:
    raw = payload(name)
    record = convert.to_record(kind, raw, project_statuses=statuses())
    expected = dict(raw.get("data") or {})
    if kind == "shot":
        for field in convert.SHOT_DATA_FIELDS:
            expected.pop(field, None)
    assert record["custom_data"] == expected
    assert "data" not in record


# -- projects -----------------------------------------------------------------------
def test_project() -> None:
    raw = payload("project_create")
    record = convert.to_record("project", raw, web=WEB, project_statuses=statuses())
    assert record["name"] == raw["name"]
    assert record["production_type"] == "tvshow"
    assert record["status"] == "open"
    assert raw["fps"] == "25" and record["fps"] == 25  # Zou keeps fps as text
    assert record["custom_data"] == {"client": "acme"}
    assert record["url"] == f"{WEB}/productions/{raw['id']}/"


def test_project_status_writes_as_an_id() -> None:
    body = convert.to_kitsu("project", {"status": "closed"}, project_status_ids=status_ids())
    closed = next(s["id"] for s in payload("project_status_list") if s["name"] == "Closed")
    assert body == {"project_status_id": closed}
    with pytest.raises(ValidationError, match="open"):
        convert.to_kitsu("project", {"status": "archived"}, project_status_ids=status_ids())


# -- shots --------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("name", "lens"),
    [("shot_create", 35), ("shot_get", 35), ("shot_list", 35), ("shots_with_tasks", 50)],
)
def test_shot_frame_fields_are_first_class(name: str, lens: int) -> None:
    raw = payload(name)
    raw = next(s for s in raw if s["name"] == "sq170_sh0224") if isinstance(raw, list) else raw
    record = convert.to_record("shot", raw)
    assert (record["frame_in"], record["frame_out"], record["fps"]) == (1001, 1100, 24)
    assert record["nb_frames"] == 100
    assert record["custom_data"] == {"lens": lens}  # recorded before / after an update
    assert record["sequence_id"] == raw["parent_id"]
    assert record["description"] == "hero jumps"


def test_shot_preview_is_preview_id() -> None:
    raw = payload("shot_get_with_preview")
    assert raw["preview_file_id"]
    assert convert.to_record("shot", raw)["preview_id"] == raw["preview_file_id"]
    assert convert.to_record("shot", payload("shot_get"))["preview_id"] is None


def test_shot_url_uses_its_episode() -> None:
    raw = payload("shot_get")
    url = convert.to_record("shot", raw, web=WEB)["url"]
    assert url == (
        f"{WEB}/productions/{raw['project_id']}/episodes/{raw['episode_id']}/shots/{raw['id']}/"
    )


def test_writing_custom_data_keeps_the_frame_fields() -> None:
    stored = payload("shot_get")["data"]
    body = convert.to_kitsu("shot", {"custom_data": {"lens": 50, "extra": 1}}, current_data=stored)
    assert body == {
        "data": {"frame_in": 1001, "frame_out": 1100, "fps": 24, "lens": 50, "extra": 1}
    }
    assert payload("shot_update")["data"]["lens"] == 50  # what the server kept


def test_writing_frame_fields_goes_into_data() -> None:
    stored = payload("shot_get")["data"]
    body = convert.to_kitsu(
        "shot", {"frame_out": 1200, "nb_frames": 200, "sequence_id": "seq"}, current_data=stored
    )
    assert body["data"] == {**stored, "frame_out": 1200}
    assert body["nb_frames"] == 200
    assert body["parent_id"] == "seq"
    # custom data can't smuggle a frame field in
    body = convert.to_kitsu("shot", {"custom_data": {"frame_in": 1}}, current_data=stored)
    assert body["data"]["frame_in"] == 1001


def test_create_shot_body_carries_everything() -> None:
    body = convert.to_kitsu(
        "shot",
        {
            "name": "sh0010",
            "sequence_id": "seq",
            "frame_in": 1001,
            "frame_out": 1100,
            "fps": 24,
            "nb_frames": 100,
            "description": "d",
            "custom_data": {"lens": 35},
        },
    )
    assert body == {
        "name": "sh0010",
        "parent_id": "seq",
        "nb_frames": 100,
        "description": "d",
        "data": {"lens": 35, "frame_in": 1001, "frame_out": 1100, "fps": 24},
    }


# -- sequences, episodes, assets ------------------------------------------------------
def test_sequence_and_episode() -> None:
    episode = payload("episode_create")
    sequence = convert.to_record("sequence", payload("sequence_create"), web=WEB)
    assert sequence["episode_id"] == episode["id"]
    assert sequence["custom_data"] == {"mood": "dark"}
    assert sequence["url"].endswith(f"/episodes/{episode['id']}/sequences/{sequence['id']}/")
    got = convert.to_record("sequence", payload("sequence_get"))
    assert got["episode_id"] == episode["id"]
    assert convert.to_record("episode", episode)["project_id"] == episode["project_id"]


@pytest.mark.parametrize("name", ["asset_create", "asset_get"])
def test_asset(name: str) -> None:
    raw = payload(name)
    record = convert.to_record("asset", raw, web=WEB)
    assert record["asset_type_id"] == payload("asset_type_create")["id"] == raw["entity_type_id"]
    assert record["episode_id"] == payload("episode_create")["id"]
    assert record["preview_id"] is None  # asset_get says "" for no preview
    assert record["custom_data"] == {"variant": "default"}
    assert record["url"] == (
        f"{WEB}/productions/{raw['project_id']}/episodes/{record['episode_id']}/assets/{raw['id']}/"
    )


def test_asset_type() -> None:
    record = convert.to_record("asset_type", payload("asset_type_create"))
    assert record["name"].startswith("Character")
    assert record["url"] is None


def test_entity_kind_of() -> None:
    types = {row["id"]: row["name"] for row in payload("entity_type_list")}
    assert convert.entity_kind_of(payload("shot_create")) == "shot"
    assert convert.entity_kind_of(payload("asset_get")) == "asset"
    assert convert.entity_kind_of(payload("set_main_preview"), types) == "shot"  # type "Entity"
    assert convert.entity_kind_of(payload("set_main_preview")) is None


# -- task types, statuses, tasks ------------------------------------------------------
def test_task_type_for_shots() -> None:
    raw = payload("task_type_create")
    record = convert.to_record("task_type", raw)
    assert record["for_entity"] == "Shot" and record["for_shots"] is True
    assert record["department_id"] == payload("department_create")["id"]
    assert convert.to_kitsu("task_type", {"for_shots": False}) == {"for_entity": "Asset"}
    assert convert.to_kitsu("task_type", {"for_entity": "shot", "for_shots": True}) == {
        "for_entity": "Shot"
    }


def test_task_statuses() -> None:
    records = {
        r["short_name"]: r
        for r in (convert.to_record("task_status", s) for s in payload("task_status_list"))
    }
    assert records["retake"]["is_retake"] and records["wfa"]["is_feedback_request"]
    assert records["todo"]["is_default"] and records["done"]["is_done"]
    assert records["wip"]["is_wip"]


@pytest.mark.parametrize("name", ["task_create", "task_get", "project_tasks"])
def test_task(name: str) -> None:
    raw = payload(name)
    raw = next(t for t in raw if t["estimation"]) if isinstance(raw, list) else raw
    record = convert.to_record("task", raw, web=WEB, entity_kind="shot")
    assert record["status_id"] == raw["task_status_id"] == task_status("todo")
    assert sorted(record["assignee_ids"]) == sorted(raw["assignees"])
    assert len(record["assignee_ids"]) == 2
    assert record["nb_retakes"] == 0
    assert raw["estimation"] == 480.0 and record["estimation"] == dt.timedelta(hours=8)
    assert record["start_date"] == dt.date(2026, 3, 1)
    assert record["due_date"] == dt.date(2026, 3, 15)
    assert record["custom_data"] == {"difficulty": "hard"}
    assert record["entity_kind"] == "shot"
    assert record["url"] == f"{WEB}/productions/{raw['project_id']}/shots/tasks/{raw['id']}/"


def test_task_retakes() -> None:
    raw = payload("task_get_after_retake")
    assert raw["retake_count"] == 1
    record = convert.to_record("task", raw)
    assert record["nb_retakes"] == 1 and record["status_id"] == task_status("retake")


def test_task_update_answer_has_no_assignees() -> None:
    record = convert.to_record("task", payload("task_update"))
    assert "assignee_ids" not in record  # the session keeps what it had
    assert record["priority"] == 2


def test_task_writes() -> None:
    body = convert.to_kitsu(
        "task",
        {
            "status_id": "s",
            "assignee_ids": ["a", "b"],
            "estimation": dt.timedelta(days=1),
            "start_date": dt.date(2026, 3, 1),
            "due_date": dt.datetime(2026, 3, 15, 12),
            "custom_data": {"k": 1},
        },
        current_data={"j": 0},
    )
    assert body == {
        "task_status_id": "s",
        "assignees": ["a", "b"],
        "estimation": 1440.0,
        "start_date": "2026-03-01",
        "due_date": "2026-03-15",
        "data": {"j": 0, "k": 1},
    }
    with pytest.raises(ValidationError, match="nb_retakes"):
        convert.to_kitsu("task", {"nb_retakes": 3})
    with pytest.raises(ValidationError, match="no task field"):
        convert.to_kitsu("task", {"colour": "red"})


def test_minutes() -> None:
    assert convert.from_minutes(90) == dt.timedelta(hours=1, minutes=30)
    assert convert.to_minutes(dt.timedelta(hours=2, minutes=30)) == 150.0
    assert convert.from_minutes(None) is None


# -- comments, previews, attachments ----------------------------------------------------
def _same_shape(comment: dict[str, Any]) -> None:
    assert comment["text"] == "blocking pass"
    assert comment["status_id"] == task_status("wfa")
    assert comment["author_id"] == payload("auth_authenticated")["user"]["id"]
    assert comment["task_id"] == payload("task_create")["id"]
    assert comment["checklist"] == [
        {"id": 0, "text": "fix hands", "checked": False},
        {"id": 1, "text": "fix feet", "checked": True},
    ]
    (preview,) = comment["previews"]
    assert preview["name"] == "render"
    assert preview["extension"] == "png"
    assert preview["revision"] == 1
    assert preview["status"] == "ready"
    assert (preview["width"], preview["height"]) == (32, 18)
    assert preview["task_id"] == comment["task_id"]
    assert preview["comment_id"] == comment["id"]
    (attachment,) = comment["attachments"]
    assert attachment["name"] == "notes.pdf"
    assert attachment["extension"] == "pdf"
    assert attachment["size"] == 24
    assert attachment["comment_id"] == comment["id"]


def test_comment_from_the_batch_answer() -> None:
    raw = payload("comment_batch")[0]
    assert raw["previews"] == [] and raw["preview_files"]
    _same_shape(convert.comment_record(raw))


def test_comment_from_the_task_comments() -> None:
    raws = payload("task_comments")
    assert isinstance(raws[1]["previews"][0], dict)
    _same_shape(convert.comment_record(raws[1]))
    # the route lists newest first
    assert raws[0]["text"] == "hands again"


def test_comment_from_the_comment_route_with_ids() -> None:
    raw = payload("comment_get")
    assert isinstance(raw["previews"][0], str)
    previews = {p["id"]: p for p in payload("preview_list")}
    _same_shape(convert.comment_record(raw, previews=previews))


def test_comment_from_a_relations_list() -> None:
    raw = next(c for c in payload("comment_list_relations") if c["text"] == "blocking pass")
    assert isinstance(raw["attachment_files"][0], str)
    previews = {p["id"]: p for p in payload("preview_list")}
    attachment = payload("attachment_get")
    comment = convert.comment_record(
        raw, previews=previews, attachments={attachment["id"]: attachment}
    )
    _same_shape(comment)


def test_an_unresolved_preview_keeps_its_id() -> None:
    raw = payload("comment_get")
    comment = convert.comment_record(raw)
    assert comment["previews"][0]["id"] == raw["previews"][0]
    assert comment["previews"][0]["name"] == ""


def test_preview_record() -> None:
    raw = payload("preview_get")
    record = convert.preview_record(raw)
    assert raw["name"] != "render" and raw["original_name"] == "render"
    assert record["name"] == "render"
    assert record["comment_id"] == payload("comment_get")["id"]
    assert record["duration"] == 0.0 and record["raw"] == raw


def test_comment_writes() -> None:
    assert convert.to_kitsu("comment", {"text": "x", "status_id": "s"}) == {
        "text": "x",
        "task_status_id": "s",
    }
    with pytest.raises(ValidationError):
        convert.to_kitsu("comment", {"previews": []})


# -- people -----------------------------------------------------------------------------
def test_person_and_department() -> None:
    person = convert.to_record("person", payload("person_list")[0], web=WEB)
    dept = payload("department_create")
    assert person["department_ids"] == [dept["id"]]
    assert person["role"] == "user" and person["active"] is True
    assert person["url"] == f"{WEB}/people/{person['id']}/"
    assert convert.to_record("department", dept)["color"] == "#ff8800"
    assert convert.to_kitsu("person", {"department_ids": ["d"]}) == {"departments": ["d"]}


def test_team() -> None:
    emails = {convert.to_record("person", p)["email"] for p in payload("team_list")}
    assert payload("person_create")["email"] in emails


# -- time spent, casting, playlists, events ------------------------------------------------
def test_time_spent_minutes() -> None:
    assert payload("time_spent_set")["duration"] == 120.0
    added = convert.time_spent_record(payload("time_spent_add"))
    assert added["duration"] == dt.timedelta(hours=2, minutes=30)
    assert added["date"] == dt.date(2026, 3, 18)
    rows = [
        convert.time_spent_record(r)
        for key, value in payload("time_spent_list").items()
        if key != "total"
        for r in value
    ]
    assert sorted(r["duration"] for r in rows) == [
        dt.timedelta(minutes=45),
        dt.timedelta(minutes=150),
    ]


def test_casting() -> None:
    shot = payload("shot_create")
    asset = payload("asset_create")
    table = payload("casting_all")
    rows = convert.casting_rows(table[shot["id"]])
    assert rows == [{"asset_id": asset["id"], "nb_occurences": 2, "label": "animate"}]
    assert convert.casting_rows(payload("casting_shot")) == rows
    assert convert.casting_payload(rows) == payload("casting_update")[shot["id"]]
    assert {r["shot_id"] for r in payload("cast_in")} == set(table)


def test_playlist_entries() -> None:
    created = convert.to_record("playlist", payload("playlist_create"), web=WEB)
    assert created["entries"] == []
    assert created["url"].endswith(f"/playlists/{created['id']}/")
    added = convert.to_record("playlist", payload("playlist_add_entity"))
    preview = payload("comment_batch")[0]["preview_files"][0]
    assert added["entries"] == [
        {"entity_id": payload("shot_create")["id"], "preview_id": preview["id"]}
    ]
    listed = convert.to_record("playlist", payload("playlist_list")[0])
    assert listed["entries"] == added["entries"]
    assert listed["for_entity"] == "shot" and listed["for_client"] is False


def test_events() -> None:
    raw = payload("event_task_status_changed")
    event = convert.event_record("task:status-changed", raw)
    assert event["event"] == "task:status-changed"
    assert event["task_id"] == payload("task_create")["id"]
    assert event["status_id"] == task_status("wfa")
    assert event["previous_status_id"] == task_status("todo")
    assert event["raw"] == raw
    comment = convert.event_record("comment:new", payload("event_comment_new"))
    assert comment["comment_id"] and comment["task_id"] == event["task_id"]


# -- values ---------------------------------------------------------------------------------
def test_dates() -> None:
    assert convert.parse_date("2026-03-15T00:00:00") == dt.date(2026, 3, 15)
    assert convert.parse_date(None) is None
    moment = convert.parse_datetime(payload("task_create")["created_at"])
    assert moment is not None and moment.tzinfo is dt.timezone.utc
    assert convert.parse_datetime("not a date") is None


# -- listings with their tasks (with-tasks), plain and compact ------------------------------
def _compact(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """The ``compact=true`` form of a with-tasks answer: positional rows under a header."""
    shot_fields = [k for k in rows[0] if k != "tasks"] + ["tasks"]
    task_fields = list(rows[0]["tasks"][0])
    return {
        "compact": True,
        "shot_fields": shot_fields,
        "task_fields": task_fields,
        "rows": [
            [r[k] for k in shot_fields[:-1]] + [[[t[k] for k in task_fields] for t in r["tasks"]]]
            for r in rows
        ],
    }


def test_with_tasks_records_are_partial_and_the_same_from_either_form() -> None:
    rows = payload("shots_with_tasks")
    project_id = rows[0]["project_id"]
    plain = convert.with_tasks_records(
        "shot",
        convert.with_tasks_payloads(json.loads(json.dumps(rows)), "shot"),
        project_id=project_id,
    )
    compact = convert.with_tasks_records(
        "shot", convert.with_tasks_payloads(_compact(rows), "shot"), project_id=project_id
    )
    assert plain == compact
    shots, tasks = plain
    assert [s["id"] for s in shots] == [r["id"] for r in rows if not r["canceled"]]
    assert shots[0][MISSING] == ("created_at", "updated_at")
    assert "created_at" not in shots[0] and shots[0]["frame_in"] == rows[0]["frame_in"]
    task = tasks[rows[0]["id"]][0]
    assert set(task[MISSING]) == {"name", "description", "created_at", "updated_at"}
    assert not set(task[MISSING]) & set(task)
    assert task["project_id"] == project_id and task["entity_kind"] == "shot"
    assert task["assignee_ids"] == rows[0]["tasks"][0]["assignees"]
    assert task["status_id"] == rows[0]["tasks"][0]["task_status_id"]


def _as_plain(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Records with raw as a dict, a url as its string and an absent
    custom_data as the empty dict the entity makes of it."""
    out = []
    for record in records:
        url = record.get("url")
        out.append(
            {
                **record,
                "raw": {
                    k: list(v) if isinstance(v, tuple) else v for k, v in record["raw"].items()
                },
                "url": url.of(record["id"]) if isinstance(url, IdUrl) else url,
                "custom_data": record.get("custom_data") or {},
            }
        )
    return out


@pytest.mark.parametrize("web", [WEB, None])
def test_compact_rows_read_by_position_give_the_same_records(web: str | None) -> None:
    rows = payload("shots_with_tasks")
    project_id = rows[0]["project_id"]
    plain = convert.with_tasks_records(
        "shot",
        convert.with_tasks_payloads(json.loads(json.dumps(rows)), "shot"),
        project_id=project_id,
        web=web,
    )
    answer = _compact(rows)
    shots, tasks = convert.compact_with_tasks_records(
        "shot", answer, iter(answer["rows"]), project_id=project_id, web=web
    )
    assert _as_plain(shots) == _as_plain(plain[0])
    assert tasks.keys() == plain[1].keys()
    for shot_id, found in tasks.items():
        assert _as_plain(found) == _as_plain(plain[1][shot_id])
    task = next(t for found in tasks.values() for t in found)
    assert isinstance(task["raw"], convert.CompactRow)  # the row itself, not a dict
    assert task["raw"]["project_id"] == project_id  # what the listing implies
    assert "tasks" not in shots[0]["raw"]  # a parent's raw hides its tasks


def test_a_compact_row_reads_as_its_payload() -> None:
    row = convert.CompactRow({"id": 0, "name": 1, "late": 2}, ("t1", "Anim"), {"project_id": "p"})
    assert dict(row) == {"id": "t1", "name": "Anim", "project_id": "p"}
    assert len(row) == 3 and "late" not in row and row.get("late") is None
    with pytest.raises(KeyError):
        row["nothing"]


def test_ids_repeated_from_row_to_row_are_one_object() -> None:
    rows = payload("shots_with_tasks")
    answer = json.loads(json.dumps(_compact(rows)))  # fresh strings per row, as decoded
    _, tasks = convert.compact_with_tasks_records(
        "shot", answer, answer["rows"], project_id=rows[0]["project_id"]
    )
    found = [t for ts in tasks.values() for t in ts]
    types = {t["task_type_id"] for t in found}
    assert len({id(t["task_type_id"]) for t in found}) == len(types)
    assert all(t["entity_id"] is shot for shot, ts in tasks.items() for t in ts)


def test_a_task_payload_without_assignees_is_marked_partial() -> None:
    row = dict(payload("task_list")[0])
    assert convert.left_out("task", row) == ()
    del row["assignees"]
    record = convert.as_partial(convert.to_record("task", row), convert.left_out("task", row))
    assert record[MISSING] == ("assignee_ids",) and "assignee_ids" not in record
