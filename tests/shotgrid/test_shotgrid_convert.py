"""The ShotGrid converter: payloads into records and back. The payloads are
recorded from mockgun on the tests' site (tests/shotgrid/payloads/README.md)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest

from gadget.errors import ValidationError
from gadget.trackers.shotgrid import convert
from gadget.trackers.shotgrid.schema import SiteSchema

from . import record_payloads
from .mocksite import SharedSite, site_fields

URL = "https://site.shotgrid.test"


@pytest.fixture(scope="module")
def site() -> SiteSchema:
    return SiteSchema(
        {
            t: {
                f: {
                    "type": s["type"],
                    "valid_values": list(s.get("valid_values", ())),
                    "valid_types": list(s.get("valid_types", ())),
                    "default": s.get("default"),
                    "read_only": bool(s.get("read_only")),
                }
                for f, s in fields.items()
            }
            for t, fields in site_fields().items()
        }
    )


def test_shotgrid_recorded_payloads_are_what_the_double_answers(
    shotgrid_site: SharedSite, tmp_path: Path
) -> None:
    """The stored payloads are a recording, kept in step: see payloads/README.md."""
    fresh = record_payloads.texts(record_payloads.record(tmp_path))
    stored = {p.name: p.read_text() for p in record_payloads.FOLDER.glob("*.json")}
    assert stored == fresh, "re-record: python -m tests.shotgrid.record_payloads"


def _one(stored: str, **where: Any) -> dict[str, Any]:
    """The recorded payload of ``stored`` (a kind, an entity type) whose fields hold ``where``."""
    rows = [r for r in record_payloads.load(stored) if all(r.get(k) == v for k, v in where.items())]
    assert len(rows) == 1, (stored, where, rows)
    return rows[0]


def test_shotgrid_shot_cut_in_out_is_the_frame_range(site: SiteSchema) -> None:
    payload = _one("shot", code="sh0010")
    record = convert.to_record("shot", payload, site.of("shot"), URL)
    assert (record["id"], record["name"], record["project_id"], record["sequence_id"]) == (
        str(payload["id"]),
        "sh0010",
        str(payload["project"]["id"]),
        str(payload["sg_sequence"]["id"]),
    )
    assert (record["frame_in"], record["frame_out"], record["nb_frames"]) == (1001, 1100, 100)
    assert record["fps"] == 24.0 and record["description"] == "jump"
    assert record["preview_id"] == str(payload["sg_main_version"]["id"])
    # the site's own sg_* fields that are set, under their key without "sg_"
    assert record["custom_data"] == {"shotnumber": "010"}
    assert record["url"] == f"{URL}/detail/Shot/{payload['id']}"
    assert record["created_at"] == record_payloads.STAMP
    data = convert.to_shotgrid(
        "shot", {"frame_in": 1, "frame_out": 48, "sequence_id": "7"}, site.of("shot")
    )
    assert data == {
        "sg_cut_in": 1,
        "sg_cut_out": 48,
        "sg_cut_duration": 48,
        "sg_sequence": {"type": "Sequence", "id": 7},
    }


def test_shotgrid_task_says_its_entity_kind(site: SiteSchema) -> None:
    """A Shot and an Asset may share an id: the record says which it is."""
    on_shot = convert.to_record("task", _one("task", content="main"), site.of("task"), URL)
    on_asset = convert.to_record("task", _one("task", content="turntable"), site.of("task"), URL)
    assert on_shot["entity_id"] == on_asset["entity_id"]  # Shot 1 and Asset 1
    assert (on_shot["entity_kind"], on_asset["entity_kind"]) == ("shot", "asset")
    assert on_shot["status_id"] == "rev" and on_shot["task_type_id"] == on_asset["task_type_id"]
    jane = _one("person", login="jane.doe@example.com")
    assert on_shot["assignee_ids"] == [str(jane["id"])] and on_asset["assignee_ids"] == []
    assert on_shot["start_date"] == dt.date(2026, 3, 2)
    assert on_shot["due_date"] == dt.date(2026, 3, 20) and on_asset["due_date"] is None
    assert on_shot["estimation"] == dt.timedelta(hours=6)
    assert on_shot["description"] == "blocking then spline"
    data = convert.to_shotgrid(
        "task",
        {"entity_id": "5", "estimation": dt.timedelta(hours=2), "due_date": dt.date(2026, 4, 1)},
        site.of("task"),
        entity_kind="asset",
    )
    assert data == {
        "entity": {"type": "Asset", "id": 5},
        "est_in_mins": 120,
        "due_date": "2026-04-01",
    }


def test_shotgrid_task_assignees_are_people_not_groups(site: SiteSchema) -> None:
    payload = _one("task", content="main")
    grouped = {
        **payload,
        "task_assignees": [*payload["task_assignees"], {"type": "Group", "id": 9}],
    }
    record = convert.to_record("task", grouped, site.of("task"), URL)
    assert record["assignee_ids"] == [str(payload["task_assignees"][0]["id"])]


def test_shotgrid_step_is_a_task_type(site: SiteSchema) -> None:
    record = convert.to_record("task_type", _one("task_type"), site.of("task_type"), URL)
    assert (record["name"], record["short_name"]) == ("Animation", "Anm")
    assert record["for_shots"] is True and record["for_entity"] == "Shot"
    assert record["color"] == "#ff8000" and record["priority"] == 3
    back = convert.to_shotgrid(
        "task_type", {"color": "#ff8000", "for_shots": False}, site.of("task_type")
    )
    assert back == {"color": "255,128,0", "entity_type": "Asset"}


def test_shotgrid_project_status_and_type(site: SiteSchema) -> None:
    record = convert.to_record("project", _one("project"), site.of("project"), URL)
    assert (record["name"], record["status"], record["production_type"]) == (
        "Pilot",
        "closed",
        "tvshow",
    )
    assert record["fps"] == 24.0
    data = convert.to_shotgrid(
        "project", {"status": "open", "production_type": "featurefilm"}, site.of("project")
    )
    assert data == {"archived": False, "sg_type": "Feature Film"}


def test_shotgrid_episode_sequence_and_asset(site: SiteSchema) -> None:
    episode = convert.to_record("episode", _one("episode"), site.of("episode"), URL)
    sequence = convert.to_record("sequence", _one("sequence"), site.of("sequence"), URL)
    asset = convert.to_record("asset", _one("asset"), site.of("asset"), URL)
    assert episode["name"] == "E01" and sequence["episode_id"] == episode["id"]
    assert (sequence["name"], sequence["description"]) == ("sq010", "the chase")
    assert (asset["name"], asset["asset_type_id"], asset["description"]) == (
        "Hero",
        "Character",
        "the lead",
    )
    assert asset["project_id"] == sequence["project_id"] == episode["project_id"]


def test_shotgrid_note_is_a_comment(site: SiteSchema) -> None:
    payload = _one("comment")
    record = convert.to_record("comment", payload, site.of("comment"), URL)
    task = _one("task", content="main")
    assert (record["text"], record["status_id"]) == ("blocking pass\nhands next", "rev")
    assert record["task_id"] == str(task["id"])
    assert record["author_id"] == str(payload["user"]["id"])
    assert record["checklist"] == [
        {"text": "fix hands", "checked": False},
        {"text": "fix feet", "checked": True},
    ]
    # previews and attachments are embedded by the tracker (publishing.embed)
    assert (record["previews"], record["attachments"]) == ([], [])


def test_shotgrid_version_is_a_preview_and_attachment_a_file(site: SiteSchema) -> None:
    version = _one("preview")
    preview = convert.to_record("preview", version, site.of("preview"), URL)
    assert (preview["name"], preview["extension"], preview["status"]) == ("render", "png", "ready")
    assert (preview["width"], preview["height"]) == (8, 4)
    assert preview["comment_id"] == str(_one("comment")["id"])
    assert preview["task_id"] == str(_one("task", content="main")["id"])
    pdf = convert.to_record(
        "attachment", _one("attachment", filename="notes.pdf"), site.of("attachment"), URL
    )
    assert (pdf["name"], pdf["extension"], pdf["size"]) == ("notes.pdf", "pdf", 14)
    movie = version["sg_uploaded_movie"]
    assert _one("attachment", id=movie["id"])["filename"] == "render.png"


def test_shotgrid_person_department_and_playlist(site: SiteSchema) -> None:
    john = convert.to_record(
        "person", _one("person", login="john.smith@example.com"), site.of("person"), URL
    )
    anim = convert.to_record("department", _one("department", name="Animation"), {}, URL)
    assert (john["first_name"], john["last_name"], john["email"]) == (
        "John",
        "Smith",
        "john.smith@example.com",
    )
    assert john["active"] is True and john["role"] == "user"
    assert john["department_ids"] == [anim["id"]]  # HumanUser.department: the first one
    assert anim["color"] == "#ff8000"
    playlist = convert.to_record("playlist", _one("playlist"), site.of("playlist"), URL)
    assert (playlist["name"], playlist["for_entity"], playlist["for_client"]) == (
        "Daily",
        "shot",
        False,
    )
    assert playlist["entries"] == []  # the Versions' entities: relations.embed_entries


def test_shotgrid_time_log_casting_and_status(site: SiteSchema) -> None:
    logged = convert.time_spent_record(_one("TimeLog"))
    assert logged["date"] == dt.date(2026, 3, 3)
    assert logged["duration"] == dt.timedelta(hours=2)
    cast = convert.casting_entry(_one("AssetShotConnection"))
    assert cast == {"asset_id": str(_one("asset")["id"]), "nb_occurences": 2, "label": ""}
    review = convert.status_record("rev", _one("Status", code="rev"))
    assert (review["id"], review["name"], review["color"]) == ("rev", "Review", "#787878")
    assert review["is_feedback_request"] and not review["is_done"]


def test_shotgrid_statuses_and_asset_types_are_list_values() -> None:
    status = convert.status_record("rev", {"code": "rev", "name": "Pending Review"})
    assert (status["id"], status["short_name"], status["name"]) == ("rev", "rev", "Pending Review")
    assert status["is_feedback_request"] and not status["is_done"]
    assert convert.status_record("zzz", None)["name"] == "zzz"
    assert convert.asset_type_record("Prop")["id"] == "Prop"


def test_shotgrid_refuses_fields_the_site_lacks(site: SiteSchema) -> None:
    without_fps = {k: v for k, v in site.of("shot").items() if k != "sg_fps"}
    with pytest.raises(ValidationError, match=r"no field Shot\.sg_fps"):
        convert.to_shotgrid("shot", {"fps": 24}, without_fps)
    assert convert.to_shotgrid("shot", {"fps": None}, without_fps) == {}


def test_shotgrid_custom_data_keys_are_site_fields(site: SiteSchema) -> None:
    assert site.custom_payload("shot", {"shotnumber": "010", "cut_order": 3}) == {
        "sg_shotnumber": "010",
        "sg_cut_order": 3,
    }
    with pytest.raises(ValidationError, match=r"no field Shot\.sg_lens.*cut_order") as refused:
        site.custom_payload("shot", {"lens": 35})
    assert "shotnumber" in str(refused.value)
    with pytest.raises(ValidationError, match=r"sg_cut_order of type number"):
        site.custom_payload("shot", {"cut_order": "3"})
    with pytest.raises(ValidationError, match=r"of type number"):
        site.custom_payload("shot", {"cut_order": True})
    with pytest.raises(ValidationError, match=r"sg_due_1 of type date"):
        site.custom_payload("sequence", {"due_1": "next week"})
    assert site.custom_payload("sequence", {"due_1": "2026-05-01"}) == {"sg_due_1": "2026-05-01"}


def test_shotgrid_status_codes_checked_against_valid_values(site: SiteSchema) -> None:
    site.check_value("Task", "sg_status_list", "ip", "status")
    with pytest.raises(ValidationError, match=r"'wip' is not one of .*Task\.sg_status_list.*fin"):
        site.check_value("Task", "sg_status_list", "wip", "status")
