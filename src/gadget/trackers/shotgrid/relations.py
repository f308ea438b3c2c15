"""Relations between ShotGrid entities: casting (``AssetShotConnection``),
time spent (``TimeLog``) and a project's team (``Project.users``)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from gadget.errors import NotFound, ValidationError
from gadget.trackers.base import Record, Records
from gadget.trackers.shotgrid import convert
from gadget.trackers.shotgrid.queries import any_link

if TYPE_CHECKING:
    from gadget.trackers.shotgrid.tracker import ShotGridTracker

_Rows = list[dict[str, Any]]


# -- casting -----------------------------------------------------------------
def get_casting(tracker: ShotGridTracker, shot_ids: Sequence[str]) -> dict[str, Records]:
    answer: dict[str, Records] = {str(s): [] for s in shot_ids}
    if not shot_ids:
        return answer
    for row in connections(tracker, any_link("shot", ["Shot"], shot_ids)):
        answer.setdefault(str(row["shot"]["id"]), []).append(convert.casting_entry(row))
    return answer


def connections(tracker: ShotGridTracker, where: Any) -> _Rows:
    fields = ["asset", "shot"]
    if "sg_occurrences" in tracker.schema.fields["AssetShotConnection"]:
        fields.append("sg_occurrences")
    found: _Rows = tracker.connection.find(
        "AssetShotConnection",
        [where],
        fields,
        order=[{"field_name": "id", "direction": "asc"}],
    )
    return found


def set_casting(
    tracker: ShotGridTracker, project_id: str, casting: Mapping[str, Sequence[Record]]
) -> None:
    counted = "sg_occurrences" in tracker.schema.fields["AssetShotConnection"]
    for entries in casting.values():
        for entry in entries:
            convert.sgid(entry["asset_id"], "asset_id")
            if not counted and int(entry.get("nb_occurences") or 1) != 1:
                raise ValidationError(
                    "this ShotGrid site has no field AssetShotConnection.sg_occurrences: "
                    "an asset is cast once in a shot"
                )
    current = connections(tracker, any_link("shot", ["Shot"], list(casting)))
    for row in current:
        tracker.connection.call("delete", "AssetShotConnection", row["id"])
    for shot_id, entries in casting.items():
        for entry in entries:
            data: dict[str, Any] = {
                "shot": convert.link("Shot", shot_id, "shot_id"),
                "asset": convert.link("Asset", entry["asset_id"], "asset_id"),
            }
            if counted:
                data["sg_occurrences"] = int(entry.get("nb_occurences") or 1)
            tracker.connection.call("create", "AssetShotConnection", data)


def list_cast_in(tracker: ShotGridTracker, asset_id: str) -> Records:
    rows = connections(tracker, any_link("asset", ["Asset"], [asset_id]))
    shots = sorted({str(r["shot"]["id"]) for r in rows if r.get("shot")}, key=int)
    return tracker.list("shot", {"id": shots}) if shots else []


# -- time spent ----------------------------------------------------------------
def list_time_spent(tracker: ShotGridTracker, task_id: str) -> Records:
    found = tracker.connection.find(
        "TimeLog",
        [["entity", "is", convert.link("Task", task_id)]],
        ["user", "date", "duration"],
        order=[{"field_name": "id", "direction": "asc"}],
    )
    return [convert.time_spent_record(p) for p in found]


def set_time_spent(
    tracker: ShotGridTracker,
    task_id: str,
    person_id: str,
    date: dt.date,
    duration: dt.timedelta,
    *,
    add: bool = False,
) -> Record:
    task = tracker.get("task", task_id)
    minutes = convert.to_minutes(duration, "duration") or 0
    found = tracker.connection.find(
        "TimeLog",
        [
            ["entity", "is", convert.link("Task", task_id)],
            ["user", "is", convert.link("HumanUser", person_id, "person_id")],
            ["date", "is", date.isoformat()],
        ],
        ["duration"],
    )
    if found:
        total = (found[0]["duration"] or 0) + minutes if add else minutes
        tracker.connection.call("update", "TimeLog", found[0]["id"], {"duration": total})
    else:
        data: dict[str, Any] = {
            "entity": convert.link("Task", task_id),
            "user": convert.link("HumanUser", person_id, "person_id"),
            "date": date.isoformat(),
            "duration": minutes,
        }
        if task["project_id"]:
            data["project"] = convert.link("Project", task["project_id"])
        tracker.connection.call("create", "TimeLog", data)
    for record in list_time_spent(tracker, task_id):
        if record["person_id"] == person_id and record["date"] == date:
            return record
    raise NotFound("time spent", {"task_id": task_id, "date": date})


# -- team --------------------------------------------------------------------
def set_team_member(
    tracker: ShotGridTracker, project_id: str, person_id: str, member: bool
) -> None:
    tracker.get("project", project_id)
    tracker.connection.call(
        "update",
        "Project",
        convert.sgid(project_id),
        {"users": [convert.link("HumanUser", person_id, "person_id")]},
        multi_entity_update_modes={"users": "add" if member else "remove"},
    )
