"""The ShotGrid converter: payloads of a site's shape into records and back."""

from __future__ import annotations

import datetime as dt

import pytest

from gadget.errors import ValidationError
from gadget.trackers.shotgrid import convert
from gadget.trackers.shotgrid.schema import SiteSchema

from .mocksite import site_fields

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


def test_shotgrid_shot_cut_in_out_is_the_frame_range(site: SiteSchema) -> None:
    payload = {
        "type": "Shot",
        "id": 12,
        "code": "sh010",
        "project": {"type": "Project", "id": 3},
        "sg_sequence": {"type": "Sequence", "id": 7},
        "sg_cut_in": 1001,
        "sg_cut_out": 1100,
        "sg_cut_duration": 100,
        "sg_fps": 24.0,
        "sg_shotnumber": "010",
        "sg_cut_order": None,
        "description": "jump",
    }
    record = convert.to_record("shot", payload, site.of("shot"), URL)
    assert (record["id"], record["name"], record["project_id"], record["sequence_id"]) == (
        "12",
        "sh010",
        "3",
        "7",
    )
    assert (record["frame_in"], record["frame_out"], record["nb_frames"]) == (1001, 1100, 100)
    assert record["fps"] == 24.0
    # the site's own sg_* fields that are set, under their key without "sg_"
    assert record["custom_data"] == {"shotnumber": "010"}
    assert record["url"] == f"{URL}/detail/Shot/12"
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
    base = {
        "type": "Task",
        "content": "main",
        "step": {"type": "Step", "id": 4},
        "sg_status_list": "ip",
        "task_assignees": [{"type": "HumanUser", "id": 9}, {"type": "Group", "id": 9}],
        "start_date": "2026-03-02",
        "due_date": None,
        "est_in_mins": 360,
    }
    on_shot = convert.to_record(
        "task", {**base, "id": 1, "entity": {"type": "Shot", "id": 5}}, site.of("task"), URL
    )
    on_asset = convert.to_record(
        "task", {**base, "id": 2, "entity": {"type": "Asset", "id": 5}}, site.of("task"), URL
    )
    assert (on_shot["entity_id"], on_shot["entity_kind"]) == ("5", "shot")
    assert (on_asset["entity_id"], on_asset["entity_kind"]) == ("5", "asset")
    assert on_shot["status_id"] == "ip" and on_shot["task_type_id"] == "4"
    assert on_shot["assignee_ids"] == ["9"]  # groups are not people
    assert on_shot["start_date"] == dt.date(2026, 3, 2)
    assert on_shot["estimation"] == dt.timedelta(hours=6)
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


def test_shotgrid_step_is_a_task_type(site: SiteSchema) -> None:
    payload = {
        "type": "Step",
        "id": 2,
        "code": "Animation",
        "short_name": "Anm",
        "entity_type": "Shot",
        "color": "255,128,0",
        "list_order": 3,
    }
    record = convert.to_record("task_type", payload, site.of("task_type"), URL)
    assert record["for_shots"] is True and record["for_entity"] == "Shot"
    assert record["color"] == "#ff8000" and record["priority"] == 3
    back = convert.to_shotgrid(
        "task_type", {"color": "#ff8000", "for_shots": False}, site.of("task_type")
    )
    assert back == {"color": "255,128,0", "entity_type": "Asset"}


def test_shotgrid_project_status_and_type(site: SiteSchema) -> None:
    payload = {
        "type": "Project",
        "id": 1,
        "name": "Pilot",
        "archived": True,
        "sg_type": "TV Series",
    }
    record = convert.to_record("project", payload, site.of("project"), URL)
    assert (record["status"], record["production_type"]) == ("closed", "tvshow")
    data = convert.to_shotgrid(
        "project", {"status": "open", "production_type": "featurefilm"}, site.of("project")
    )
    assert data == {"archived": False, "sg_type": "Feature Film"}


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
