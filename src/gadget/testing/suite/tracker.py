"""Contract tests at the tracker level: a tracker called directly, no Session.

The session above a tracker counts on its records being whole and its own:
every field of the kind present (or a partial record saying which it left
out), each in the type :mod:`gadget.trackers.base` documents, the parent keys
pointing at the parents, copies it may keep, bulk writes that are all or
nothing, and a bulk read answering for every parent asked. A tracker that
breaks one of these still passes many session tests (the session fills
gaps with defaults), so these tests ask the tracker itself.

They call the tracker of the ``gadget_tracker`` fixture:
``gadget_session.tracker`` by default. To test a tracker of your own making,
with no session, define ``gadget_tracker`` in your test module after the
star import (which brings the default, and a module's fixture outranks a
conftest's). Every test first makes a small
production of its own through the tracker (:class:`TrackerWorld`): a project,
sequences, shots, a task type, tasks and a comment, plus an episode, assets,
a preview, an attachment, a department and a playlist where the tracker
declares the capability for them.
"""

from __future__ import annotations

import copy
import datetime as dt
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import pytest

from gadget.errors import GadgetError, PartialWrite
from gadget.kinds import COMMON_FIELDS, KINDS, IdUrl
from gadget.testing.fixtures import Names, write_pdf, write_png
from gadget.trackers.base import MISSING, CommentDraft, Record, Records, Tracker

__all__ = [
    "KIND_CAPABILITIES",
    "PARENT_KEYS",
    "TestTrackerBulkCreation",
    "TestTrackerCopies",
    "TestTrackerListChildren",
    "TestTrackerRecords",
    "TrackerWorld",
    "gadget_tracker_world",
    "record_problems",
    "served_kinds",
]

#: The capability a kind needs; a kind not named here every tracker serves.
KIND_CAPABILITIES: dict[str, str] = {
    "episode": "episodes",
    "asset_type": "assets",
    "asset": "assets",
    "preview": "previews",
    "attachment": "attachments",
    "department": "departments",
    "playlist": "playlists",
}

#: The parent keys a record always holds (never None): the session binds a
#: record to its parents through them.
PARENT_KEYS: dict[str, tuple[str, ...]] = {
    "episode": ("project_id",),
    "sequence": ("project_id",),
    "shot": ("project_id", "sequence_id"),
    "asset": ("project_id", "asset_type_id"),
    "task": ("project_id", "entity_id", "task_type_id", "status_id"),
    "comment": ("task_id",),
    "preview": ("task_id", "comment_id"),
    "attachment": ("comment_id",),
    "playlist": ("project_id",),
}

#: (kind, parent field) pairs the session asks ``list_children`` for (the child
#: collections of the entities), with the capability they need.
CHILDREN: tuple[tuple[str, str, str | None], ...] = (
    ("sequence", "project_id", None),
    ("shot", "project_id", None),
    ("shot", "sequence_id", None),
    ("task", "project_id", None),
    ("task", "entity_id", None),
    ("comment", "task_id", None),
    ("episode", "project_id", "episodes"),
    ("sequence", "episode_id", "episodes"),
    ("asset", "project_id", "assets"),
    ("playlist", "project_id", "playlists"),
)

#: the kind of the parents ``list_children`` is asked about, per parent field
#: (the ``entity_id`` parents here are shots)
PARENT_KIND = {
    "project_id": "project",
    "sequence_id": "sequence",
    "entity_id": "shot",
    "task_id": "task",
    "episode_id": "episode",
}

#: a shot's frame fields are fields of their own, never in its custom data
_SHOT_DATA = ("frame_in", "frame_out", "fps")
_PROJECT_STATUSES = ("open", "closed")


def served_kinds(tracker: Tracker) -> list[str]:
    """The kinds ``tracker`` serves: every kind whose capability it declares."""
    return [
        kind
        for kind in KINDS
        if KIND_CAPABILITIES.get(kind) is None or KIND_CAPABILITIES[kind] in tracker.capabilities
    ]


# -- what a record must hold ------------------------------------------------------
def _is_date(value: Any) -> bool:
    return isinstance(value, dt.date) and not isinstance(value, dt.datetime)


def _value_problem(kind: str, field: str, value: Any) -> str | None:
    """Why ``value`` is not what trackers.base documents for ``field`` (None: it is)."""
    if field == "id":
        return None if isinstance(value, str) and value else "is not a non-empty str"
    if field in ("created_at", "updated_at"):
        return None if value is None or isinstance(value, dt.datetime) else "is not a datetime"
    if field == "raw":  # the vendor payload: any read-only mapping
        return None if isinstance(value, Mapping) else "is not a mapping"
    if field == "custom_data":  # None: none (the entity makes its dict when read)
        if value is None:
            return None
        if not isinstance(value, dict):
            return "is not a dict or None"
        if kind == "shot":
            inside = sorted(set(value) & set(_SHOT_DATA))
            return f"holds {', '.join(inside)} (fields of their own)" if inside else None
        return None
    if field == "url":
        ok = value is None or isinstance(value, (str, IdUrl))
        return None if ok else "is not a str, an IdUrl or None"
    if value is None:
        return None
    if field.endswith("_id"):
        return None if isinstance(value, str) and value else "is not a non-empty str"
    if field.endswith("_ids"):
        ok = isinstance(value, list) and all(isinstance(i, str) and i for i in value)
        return None if ok else "is not a list of ids (str)"
    if kind == "task" and field in ("start_date", "due_date"):
        return None if _is_date(value) else "is not a datetime.date"
    if kind == "task" and field == "estimation":
        return None if isinstance(value, dt.timedelta) else "is not a datetime.timedelta"
    if kind == "project" and field == "status":
        return None if value in _PROJECT_STATUSES else "is not 'open' or 'closed'"
    if kind == "comment" and field == "checklist":
        ok = isinstance(value, list) and all(
            isinstance(item, dict)
            and isinstance(item.get("text"), str)
            and isinstance(item.get("checked"), bool)
            for item in value
        )
        return None if ok else 'is not a list of {"text": str, "checked": bool}'
    if kind == "comment" and field in ("previews", "attachments"):
        ok = isinstance(value, list) and all(isinstance(item, dict) for item in value)
        return None if ok else "is not a list of records"
    if kind == "playlist" and field == "entries":
        ok = isinstance(value, list) and all(
            isinstance(item, dict) and {"entity_id", "preview_id"} <= set(item) for item in value
        )
        return None if ok else 'is not a list of {"entity_id", "preview_id"}'
    return None


def record_problems(kind: str, record: Any, *, whole: bool = True) -> list[str]:
    """What is wrong with ``record`` as a ``kind`` record (an empty list: nothing).

    Every field of ``KINDS[kind]`` and of ``COMMON_FIELDS`` must be present,
    in the type :mod:`gadget.trackers.base` documents, the parent keys of
    :data:`PARENT_KEYS` never None. With ``whole=False``
    the record may be partial: the fields it leaves out are absent and named
    (a tuple of str) under :data:`~gadget.trackers.base.MISSING`. A comment's
    embedded previews and attachments are checked as records of their kinds.
    """
    if not isinstance(record, dict):
        return [f"{kind}: a record is a dict, not {type(record).__name__}"]
    label = f"{kind} {record.get('id')!r}"
    problems: list[str] = []
    expected = (*COMMON_FIELDS, *KINDS[kind].fields)
    missing: Any = record.get(MISSING, ())
    if MISSING in record:
        if whole:
            problems.append(f"{label}: is partial ({MISSING}={missing!r}) where whole is due")
        if not isinstance(missing, tuple) or not all(isinstance(m, str) for m in missing):
            problems.append(f"{label}: {MISSING} is not a tuple of field names: {missing!r}")
            missing = ()
        unknown = [m for m in missing if m not in expected]
        if unknown:
            problems.append(f"{label}: {MISSING} names no field of the kind: {unknown}")
        both = [m for m in missing if m in record]
        if both:
            problems.append(f"{label}: {MISSING} names fields that are present: {both}")
        if "id" in missing:
            problems.append(f"{label}: a partial record still has its id")
    for field in expected:
        if field not in record:
            if field not in missing:
                problems.append(f"{label}: no {field!r} (and not listed under {MISSING})")
            continue
        why = _value_problem(kind, field, record[field])
        if why:
            problems.append(f"{label}: {field}={record[field]!r} {why}")
        elif record[field] is None and field in PARENT_KEYS.get(kind, ()):
            problems.append(f"{label}: parent key {field} is None")
    if kind == "comment":
        for field, inner in (("previews", "preview"), ("attachments", "attachment")):
            for item in record.get(field) or ():
                if isinstance(item, dict):
                    problems += [f"{label}.{field}: {p}" for p in record_problems(inner, item)]
    return problems


def _problems_of(kind: str, records: Iterable[Record], *, whole: bool) -> list[str]:
    return [p for record in records for p in record_problems(kind, record, whole=whole)]


def _assert_no_problems(problems: list[str], tracker: Tracker) -> None:
    assert not problems, f"the {tracker.name} tracker's records:\n" + "\n".join(problems)


# -- a production made through the tracker ------------------------------------------


def custom_data(tracker: Tracker, data: dict[str, Any]) -> dict[str, Any]:
    """``data`` where the tracker takes free custom data (capability ``custom_data``),
    else nothing: a tracker holding only its site's own fields has none of these keys."""
    return data if "custom_data" in tracker.capabilities else {}


class TrackerWorld:
    """A small production made through ``tracker`` alone, names made unique by ``names``.

    ``made[kind]`` holds the records as the tracker returned them from
    ``create`` (or ``create_comment``); the attributes hold their ids.
    Optional parts exist when the tracker declares their capability. The
    task status is the tracker's first, and so is the asset type where it
    has one: both may be fixed values of the tracker.
    """

    def __init__(self, tracker: Tracker, names: Names, folder: Path) -> None:
        self.tracker = tracker
        self.made: dict[str, Records] = {}
        caps = tracker.capabilities
        self.me = str(tracker.whoami()["id"])
        self.project = self._make("project", {"name": names("TrackerLevel")})
        self.episode: str | None = None
        if "episodes" in caps:
            self.episode = self._make("episode", {"name": "E01", "project_id": self.project})
        in_project = {"project_id": self.project}
        self.sequence = self._make(
            "sequence", {"name": "sq010", **in_project, "episode_id": self.episode}
        )
        #: a sequence without shots
        self.empty_sequence = self._make("sequence", {"name": "sq020", **in_project})
        shot = {**in_project, "sequence_id": self.sequence}
        self.shot = self._make(
            "shot",
            {"name": "sh0010", **shot, "frame_in": 1, "frame_out": 24, "nb_frames": 24}
            | {"custom_data": custom_data(tracker, {"lens": 35})},
        )
        #: a shot without tasks
        self.bare_shot = self._make("shot", {"name": "sh0020", **shot})
        self.task_type = self._make("task_type", {"name": names("Anim"), "for_shots": True})
        self.status = str(tracker.list("task_status", {})[0]["id"])
        on_shot = {**in_project, "entity_id": self.shot, "entity_kind": "shot"}
        self.task = self._make(
            "task",
            {**on_shot, "task_type_id": self.task_type, "status_id": self.status}
            | {"start_date": dt.date(2026, 3, 2), "estimation": dt.timedelta(hours=6)},
        )
        #: a task of another type on the same shot, without comments (nor status given)
        self.layout = self._make("task_type", {"name": names("Layout"), "for_shots": True})
        self.quiet_task = self._make("task", {**on_shot, "task_type_id": self.layout})
        draft = CommentDraft(
            text="blocking pass",
            status_id=self.status,
            checklist=(("fix hands", False), ("fix feet", True)),
            previews=(write_png(folder / "render.png"),) if "previews" in caps else (),
            attachments=(write_pdf(folder / "notes.pdf"),) if "attachments" in caps else (),
        )
        comment = tracker.create_comment(self.task, draft)
        self.made.setdefault("comment", []).append(comment)
        self.comment = str(comment["id"])
        self.preview: str | None = None
        self.attachment: str | None = None
        if "previews" in caps:
            self.preview = str(comment["previews"][0]["id"])
        if "attachments" in caps:
            self.attachment = str(comment["attachments"][0]["id"])
        self.asset_type: str | None = None
        self.asset: str | None = None
        if "assets" in caps:
            # one of the tracker's own where it has some (ShotGrid's are fixed values)
            types = tracker.list("asset_type", {})
            self.asset_type = (
                str(types[0]["id"]) if types else self._make("asset_type", {"name": names("Prop")})
            )
            self.asset = self._make(
                "asset", {"name": "Sword", **in_project, "asset_type_id": self.asset_type}
            )
        self.department: str | None = None
        if "departments" in caps:
            self.department = self._make("department", {"name": names("Layout")})
        self.playlist: str | None = None
        if "playlists" in caps:
            self.playlist = self._make(
                "playlist", {"name": "dailies", **in_project, "for_entity": "shot"}
            )
            tracker.add_playlist_entry(self.playlist, self.shot, self.preview)

    def _make(self, kind: str, fields: Mapping[str, Any]) -> str:
        record = self.tracker.create(kind, {k: v for k, v in fields.items() if v is not None})
        self.made.setdefault(kind, []).append(record)
        return str(record["id"])

    def ids(self) -> dict[str, str]:
        """One id of every kind the tracker serves."""
        found = {
            "project": self.project,
            "episode": self.episode,
            "sequence": self.sequence,
            "shot": self.shot,
            "asset_type": self.asset_type,
            "asset": self.asset,
            "task_type": self.task_type,
            "task_status": self.status,
            "task": self.task,
            "comment": self.comment,
            "preview": self.preview,
            "attachment": self.attachment,
            "person": self.me,
            "department": self.department,
            "playlist": self.playlist,
        }
        return {kind: ident for kind, ident in found.items() if ident is not None}

    def listings(self) -> dict[str, dict[str, Any]]:
        """The ``list()`` filters that find each kind's record of :meth:`ids`:
        its parent where it has one, else its id."""
        by_parent: dict[str, dict[str, Any]] = {
            "episode": {"project_id": self.project},
            "sequence": {"project_id": self.project},
            "shot": {"sequence_id": self.sequence},
            "asset": {"project_id": self.project},
            "task": {"entity_id": self.shot},
            "comment": {"task_id": self.task},
            "preview": {"comment_id": self.comment},
            "attachment": {"comment_id": self.comment},
            "playlist": {"project_id": self.project},
            "task_status": {},
        }
        return {kind: by_parent.get(kind, {"id": ident}) for kind, ident in self.ids().items()}

    def parents(self) -> dict[str, list[str]]:
        """Parent ids to ask ``list_children`` about per parent field, one of them
        without children."""
        return {
            "project_id": [self.project],
            "sequence_id": [self.sequence, self.empty_sequence],
            "entity_id": [self.shot, self.bare_shot],
            "task_id": [self.task, self.quiet_task],
            "episode_id": [self.episode] if self.episode else [],
        }

    def expected_parents(self) -> dict[str, dict[str, str]]:
        """kind -> {parent key: the id it must hold} for the records of :meth:`ids`."""
        out: dict[str, dict[str, str]] = {
            "sequence": {"project_id": self.project},
            "shot": {"project_id": self.project, "sequence_id": self.sequence},
            "task": {
                "project_id": self.project,
                "entity_id": self.shot,
                "task_type_id": self.task_type,
                "status_id": self.status,
            },
            "comment": {"task_id": self.task, "status_id": self.status},
            "preview": {"task_id": self.task, "comment_id": self.comment},
            "attachment": {"comment_id": self.comment},
            "playlist": {"project_id": self.project},
        }
        if self.episode:
            out["episode"] = {"project_id": self.project}
            out["sequence"]["episode_id"] = self.episode
        if self.asset_type:
            out["asset"] = {"project_id": self.project, "asset_type_id": self.asset_type}
        return {kind: keys for kind, keys in out.items() if kind in self.ids()}


@pytest.fixture
def gadget_tracker_world(
    gadget_tracker: Tracker, gadget_names: Names, tmp_path_factory: pytest.TempPathFactory
) -> TrackerWorld:
    """A :class:`TrackerWorld` on ``gadget_tracker``."""
    return TrackerWorld(gadget_tracker, gadget_names, tmp_path_factory.mktemp("gadget-tracker"))


# -- the tests ------------------------------------------------------------------
class TestTrackerRecords:
    """Every record has every field of its kind, typed as documented."""

    def test_get_gives_whole_records_of_every_kind(
        self, gadget_tracker_world: TrackerWorld
    ) -> None:
        tracker = gadget_tracker_world.tracker
        ids = gadget_tracker_world.ids()
        assert set(ids) == set(served_kinds(tracker))
        problems: list[str] = []
        for kind, ident in ids.items():
            record = tracker.get(kind, ident)
            if record.get("id") != ident:
                problems.append(f"get({kind!r}, {ident!r}) answered id {record.get('id')!r}")
            problems += record_problems(kind, record)
        _assert_no_problems(problems, tracker)

    def test_server_info_says_version_and_clock(self, gadget_tracker: Tracker) -> None:
        """``server_info()`` (``gadget doctor``): a version string or None, the clock
        skew a ``timedelta`` or None, and a second ask agrees with the first."""
        first = gadget_tracker.server_info()
        version, skew = first.get("version"), first.get("clock_skew")
        assert version is None or (isinstance(version, str) and version), first
        assert skew is None or isinstance(skew, dt.timedelta), first
        again = gadget_tracker.server_info()
        assert again.get("version") == version
        assert (again.get("clock_skew") is None) == (skew is None)

    def test_list_gives_every_field_or_names_it_missing(
        self, gadget_tracker_world: TrackerWorld
    ) -> None:
        tracker = gadget_tracker_world.tracker
        ids = gadget_tracker_world.ids()
        problems: list[str] = []
        for kind, filters in gadget_tracker_world.listings().items():
            records = tracker.list(kind, filters)
            if ids[kind] not in {r.get("id") for r in records}:
                problems.append(f"list({kind!r}, {filters!r}) misses {ids[kind]!r}")
            problems += _problems_of(kind, records, whole=False)
        _assert_no_problems(problems, tracker)

    def test_writes_answer_with_every_field(self, gadget_tracker_world: TrackerWorld) -> None:
        world = gadget_tracker_world
        tracker = world.tracker
        problems: list[str] = []
        for kind, records in world.made.items():
            problems += _problems_of(kind, records, whole=False)
        shot = tracker.update("shot", world.shot, {"description": "hero jumps"})
        assert shot["description"] == "hero jumps"
        problems += record_problems("shot", shot, whole=False)
        task = tracker.update("task", world.task, {"due_date": dt.date(2026, 3, 20)})
        assert task["due_date"] == dt.date(2026, 3, 20)
        problems += record_problems("task", task, whole=False)
        _assert_no_problems(problems, tracker)

    def test_values_read_back_as_written(self, gadget_tracker_world: TrackerWorld) -> None:
        world = gadget_tracker_world
        tracker = world.tracker
        shot = tracker.get("shot", world.shot)
        assert (shot["name"], shot["frame_in"], shot["frame_out"]) == ("sh0010", 1, 24)
        assert shot["custom_data"] == custom_data(tracker, {"lens": 35})
        task = tracker.get("task", world.task)
        assert task["start_date"] == dt.date(2026, 3, 2)
        assert task["estimation"] == dt.timedelta(hours=6)
        assert task["entity_kind"] == "shot"
        comment = tracker.get("comment", world.comment)
        assert comment["text"] == "blocking pass"
        assert [(c["text"], c["checked"]) for c in comment["checklist"]] == [
            ("fix hands", False),
            ("fix feet", True),
        ]
        previews = [world.preview] if world.preview else []
        attachments = [world.attachment] if world.attachment else []
        assert [p["id"] for p in comment["previews"]] == previews
        assert [a["id"] for a in comment["attachments"]] == attachments

    def test_tasks_filtered_on_their_entity_kind(self, gadget_tracker_world: TrackerWorld) -> None:
        """``entity_kind`` is a task filter every tracker accepts and matches
        exactly: a shot's tasks asked for with the kind "asset" are none (ids may
        be unique per kind only: ShotGrid's Shot 5 and Asset 5)."""
        world = gadget_tracker_world
        tracker = world.tracker
        on_shot = {"entity_id": world.shot, "entity_kind": "shot"}
        found = tracker.list("task", on_shot)
        assert sorted(str(t["id"]) for t in found) == sorted([world.task, world.quiet_task])
        assert {t["entity_kind"] for t in found} == {"shot"}
        assert tracker.list("task", {**on_shot, "entity_kind": "asset"}) == []
        assert tracker.list("task", {"project_id": world.project, "entity_kind": "asset"}) == []
        assert len(tracker.list("task", {"project_id": world.project, "entity_kind": "shot"})) == 2

    def test_parent_keys_hold_the_parents(self, gadget_tracker_world: TrackerWorld) -> None:
        world = gadget_tracker_world
        tracker = world.tracker
        ids = world.ids()
        problems: list[str] = []
        for kind, keys in world.expected_parents().items():
            answers = {
                "get": [tracker.get(kind, ids[kind])],
                "list": [
                    r
                    for r in tracker.list(kind, world.listings()[kind])
                    if r.get("id") == ids[kind]
                ],
            }
            for how, records in answers.items():
                for record in records:
                    for key, parent in keys.items():
                        if key in record.get(MISSING, ()):
                            continue  # a partial record may leave it out, saying so
                        if record.get(key) != parent:
                            problems.append(
                                f"{how} {kind} {ids[kind]}: {key}={record.get(key)!r}, "
                                f"not {parent!r}"
                            )
        _assert_no_problems(problems, tracker)

    def test_partial_records_name_what_they_leave_out(
        self, gadget_tracker_world: TrackerWorld
    ) -> None:
        """Records of a listing (``list``, ``list_children``, ``list_with_children``)
        may leave fields out, named under MISSING; ``get`` then has them all."""
        world = gadget_tracker_world
        tracker = world.tracker
        listings: list[tuple[str, Records]] = []
        both = tracker.list_with_children(
            "shot", {"project_id": world.project}, "task", "entity_id"
        )
        if both is not None:
            assert isinstance(both, tuple), "UNCHANGED answered without a validator"
            shots, tasks = both
            assert {world.shot, world.bare_shot} <= {r["id"] for r in shots}
            assert {r["id"] for r in shots} <= set(tasks), "a shot has no key in the children"
            assert {r["id"] for r in tasks[world.shot]} == {world.task, world.quiet_task}
            assert tasks[world.bare_shot] == []
            listings += [("shot", shots), *(("task", found) for found in tasks.values())]
        for kind, field in (("task", "entity_id"), ("shot", "sequence_id")):
            answer = tracker.list_children(
                kind, field, world.parents()[field], parent_kind=PARENT_KIND[field]
            )
            listings += [(kind, found) for found in answer.values()]
        listings += [("shot", tracker.list("shot", {"project_id": world.project}))]
        problems: list[str] = []
        for kind, records in listings:
            problems += _problems_of(kind, records, whole=False)
            for record in records:
                if record.get(MISSING):  # what it left out, get() gives
                    problems += record_problems(kind, tracker.get(kind, record["id"]))
        _assert_no_problems(problems, tracker)


class TestTrackerListChildren:
    def test_every_parent_id_is_a_key(self, gadget_tracker_world: TrackerWorld) -> None:
        world = gadget_tracker_world
        tracker = world.tracker
        ids = world.ids()
        problems: list[str] = []
        for kind, field, capability in CHILDREN:
            if capability is not None and capability not in tracker.capabilities:
                continue
            parents = world.parents()[field]
            answer = tracker.list_children(kind, field, parents, parent_kind=PARENT_KIND[field])
            where = f"list_children({kind!r}, {field!r}, {parents!r})"
            if set(answer) != set(parents):
                problems.append(f"{where}: keys {sorted(answer)}, not every parent id")
                continue
            for parent, records in answer.items():
                problems += _problems_of(kind, records, whole=False)
                for record in records:
                    if field not in record.get(MISSING, ()) and record.get(field) != parent:
                        problems.append(f"{where}: {record.get('id')} under {parent}")
            found = {r.get("id") for records in answer.values() for r in records}
            expected = field in world.expected_parents().get(kind, {})
            if expected and ids[kind] not in found:
                problems.append(f"{where}: misses {kind} {ids[kind]}")
        assert tracker.list_children("shot", "sequence_id", [], parent_kind="sequence") == {}
        _assert_no_problems(problems, tracker)

    def test_a_parent_without_children_has_an_empty_list(
        self, gadget_tracker_world: TrackerWorld
    ) -> None:
        world = gadget_tracker_world
        tracker = world.tracker
        shots = tracker.list_children(
            "shot", "sequence_id", [world.empty_sequence], parent_kind="sequence"
        )
        assert shots == {world.empty_sequence: []}
        tasks = tracker.list_children(
            "task", "entity_id", [world.bare_shot, world.shot], parent_kind="shot"
        )
        assert set(tasks) == {world.bare_shot, world.shot}
        assert tasks[world.bare_shot] == []
        assert {r["id"] for r in tasks[world.shot]} == {world.task, world.quiet_task}
        comments = tracker.list_children(
            "comment", "task_id", [world.quiet_task], parent_kind="task"
        )
        assert comments == {world.quiet_task: []}


class TestTrackerCopies:
    """What a tracker returns is the caller's: changing it changes no later answer."""

    @staticmethod
    def _spoil(record: Record) -> None:
        for value in list(record.values()):
            if isinstance(value, dict):
                value["spoiled"] = True
            elif isinstance(value, list):
                value.append("spoiled")
        record["name"] = "spoiled"
        record["id"] = "spoiled"

    def test_get_returns_copies(self, gadget_tracker_world: TrackerWorld) -> None:
        tracker = gadget_tracker_world.tracker
        changed: list[str] = []
        for kind, ident in gadget_tracker_world.ids().items():
            first = tracker.get(kind, ident)
            before = copy.deepcopy(first)
            self._spoil(first)
            if tracker.get(kind, ident) != before:
                changed.append(kind)
        assert not changed, f"get() answers changed by changing an earlier answer: {changed}"

    def test_list_returns_copies(self, gadget_tracker_world: TrackerWorld) -> None:
        tracker = gadget_tracker_world.tracker
        changed: list[str] = []
        for kind, filters in gadget_tracker_world.listings().items():
            first = tracker.list(kind, filters)
            before = copy.deepcopy(first)
            for record in first:
                self._spoil(record)
            first.clear()
            if tracker.list(kind, filters) != before:
                changed.append(kind)
        assert not changed, f"list() answers changed by changing an earlier answer: {changed}"

    def test_list_children_returns_copies(self, gadget_tracker_world: TrackerWorld) -> None:
        world = gadget_tracker_world
        tracker = world.tracker
        for kind, field in (("task", "entity_id"), ("comment", "task_id")):
            parents = world.parents()[field]
            first = tracker.list_children(kind, field, parents, parent_kind=PARENT_KIND[field])
            before = copy.deepcopy(first)
            for records in first.values():
                for record in records:
                    self._spoil(record)
                records.append({"id": "spoiled"})
            assert (
                tracker.list_children(kind, field, parents, parent_kind=PARENT_KIND[field])
                == before
            ), kind

    def test_writes_keep_no_reference_to_the_callers_fields(
        self, gadget_tracker_world: TrackerWorld
    ) -> None:
        world = gadget_tracker_world
        tracker = world.tracker
        notes = ["wide"]
        data: dict[str, Any] = {"lens": 50, "notes": notes}
        fields: dict[str, Any] = {"name": "sh0030", "project_id": world.project}
        fields |= {"sequence_id": world.sequence, "custom_data": data}
        if "custom_data" not in tracker.capabilities:  # free keys: a declared capability
            fields["custom_data"] = data = {}
        made = tracker.create("shot", fields)
        data["lens"] = 85
        notes.append("changed")
        fields["name"] = "changed"
        made["custom_data"]["lens"] = 12
        again = tracker.get("shot", made["id"])
        kept = custom_data(tracker, {"lens": 50, "notes": ["wide"]})
        assert (again["name"], again["custom_data"]) == ("sh0030", kept)


class TestTrackerBulkCreation:
    """``create_many``: every row or none (or a PartialWrite naming what is left)."""

    @staticmethod
    def _rows(world: TrackerWorld, *names: str) -> list[dict[str, Any]]:
        where = {"project_id": world.project, "sequence_id": world.empty_sequence}
        return [{"name": name, **where} for name in names]

    def test_every_row_in_order(self, gadget_tracker_world: TrackerWorld) -> None:
        world = gadget_tracker_world
        tracker = world.tracker
        rows = self._rows(world, "sh0100", "sh0110", "sh0120")
        made = tracker.create_many("shot", rows)
        assert [r["name"] for r in made] == ["sh0100", "sh0110", "sh0120"]
        _assert_no_problems(_problems_of("shot", made, whole=False), tracker)
        listed = tracker.list("shot", {"sequence_id": world.empty_sequence})
        assert sorted(r["id"] for r in listed) == sorted(r["id"] for r in made)

    def test_a_bad_last_row_leaves_nothing(self, gadget_tracker_world: TrackerWorld) -> None:
        world = gadget_tracker_world
        tracker = world.tracker
        rows = self._rows(world, "sh0100", "sh0110", "sh0120")
        rows[-1]["sequence_id"] = "no-such-sequence"  # an id no tracker has
        with pytest.raises(GadgetError) as info:
            tracker.create_many("shot", rows)
        names = {"sh0100", "sh0110", "sh0120"}
        left = [
            r["id"]
            for r in tracker.list("shot", {"project_id": world.project})
            if r.get("name") in names
        ]
        if isinstance(info.value, PartialWrite):  # what could not be undone, named
            assert info.value.kind == "shot"
            assert sorted(info.value.left) == sorted(left)
            assert left, "a PartialWrite names records that are gone"
        else:
            assert left == [], f"{info.value!r} raised, yet {len(left)} shots are left"
