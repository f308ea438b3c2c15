"""Relations between ShotGrid entities: casting (``AssetShotConnection``),
time spent (``TimeLog``), a project's team (``Project.users``) and the
entries of playlists (``Playlist.versions``)."""

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


# -- playlists ---------------------------------------------------------------
def is_stand_in(version: Mapping[str, Any]) -> bool:
    """A Version that stands for its entity alone in a playlist: no task, no
    uploaded file (what :func:`add_playlist_entry` makes for an entity added
    without a preview). It is no preview: preview reads leave it out."""
    return not version.get("sg_task") and not version.get("sg_uploaded_movie")


def embed_entries(tracker: ShotGridTracker, playlists: Records) -> None:
    """Fill in the entries of playlist records from their Versions (one find
    whatever the number of playlists): each entry is the Version's entity and,
    unless the Version is a stand-in, the Version as its preview."""
    wanted = sorted({int(v["id"]) for p in playlists for v in p["raw"].get("versions") or ()})
    versions = {
        v["id"]: v
        for v in (
            tracker.connection.find(
                "Version", [["id", "in", wanted]], ["entity", "sg_task", "sg_uploaded_movie"]
            )
            if wanted
            else []
        )
    }
    for playlist in playlists:
        entries, types = [], []
        for link in playlist["raw"].get("versions") or ():
            version = versions.get(link["id"])
            if version is None or not version.get("entity"):
                continue  # retired, or of no entity: nothing gadget can show
            types.append(version["entity"]["type"])
            entries.append(
                {
                    "entity_id": str(version["entity"]["id"]),
                    "preview_id": None if is_stand_in(version) else str(version["id"]),
                }
            )
        playlist["entries"] = entries
        if playlist["for_entity"] is None:  # a site without Playlist.sg_for_entity
            playlist["for_entity"] = convert.ENTITY_KINDS.get(types[0], "shot") if types else "shot"


def add_playlist_entry(
    tracker: ShotGridTracker, playlist_id: str, entity_id: str, preview_id: str | None
) -> Record:
    """Put a Version of the entity in the playlist: the preview's, or a stand-in
    Version of the entity (no task, no file; one per entity, reused) when no
    preview is given. An entity already in the playlist keeps its place and
    takes the new Version. One update of ``Playlist.versions``."""
    playlist = tracker.get("playlist", playlist_id)
    kind = playlist["for_entity"] or "shot"
    entity_type = convert.ENTITY_TYPES[kind]
    entity = convert.link(entity_type, entity_id, f"{kind} id")
    found = tracker.connection.find(entity_type, [["id", "is", entity["id"]]], ["code", "project"])
    if not found:
        raise NotFound(kind, {"id": entity_id})
    if preview_id is not None:
        version = tracker.connection.find(
            "Version", [["id", "is", convert.sgid(preview_id, "preview_id")]], ["entity"]
        )
        if not version:
            raise NotFound("preview", {"id": preview_id})
        owner = version[0].get("entity") or {}
        if (owner.get("type"), owner.get("id")) != (entity_type, entity["id"]):
            raise ValidationError(
                f"preview {preview_id} is a Version of {owner.get('type')} {owner.get('id')}, "
                f"not of {kind} {entity_id}: a ShotGrid playlist entry is a Version of its "
                "entity (nothing was written)"
            )
        version_id = int(preview_id)
    else:
        version_id = stand_in(tracker, entity, found[0])
    current = [int(v["id"]) for v in playlist["raw"].get("versions") or ()]
    of_entity = {
        int(v["id"]) for v in tracker.connection.find("Version", [["entity", "is", entity]], ["id"])
    }
    versions = [version_id if v in of_entity else v for v in current]
    if version_id not in versions:
        versions.append(version_id)
    tracker.connection.call(
        "update",
        "Playlist",
        int(playlist_id),
        {"versions": [{"type": "Version", "id": v} for v in dict.fromkeys(versions)]},
    )
    return tracker.get("playlist", playlist_id)


def stand_in(tracker: ShotGridTracker, entity: Mapping[str, Any], row: Mapping[str, Any]) -> int:
    """The stand-in Version of an entity: the one there is, else a new one."""
    versions = tracker.connection.find(
        "Version",
        [["entity", "is", dict(entity)]],
        ["sg_task", "sg_uploaded_movie"],
        order=[{"field_name": "id", "direction": "asc"}],
    )
    for version in versions:
        if is_stand_in(version):
            return int(version["id"])
    data: dict[str, Any] = {"code": row.get("code") or "", "entity": dict(entity)}
    if row.get("project"):
        data["project"] = row["project"]
    return int(tracker.connection.call("create", "Version", data)["id"])
