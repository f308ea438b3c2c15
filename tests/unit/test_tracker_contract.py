"""The contract as a tracker author sees it: the required core, the optional
methods' defaults, the tracker as a context manager, the parents' kind given
to ``list_children``, ids recognised by the tracker's own rule.

:class:`TicketTracker` is an example tracker written as docs/writing-a-tracker.md
says, importing public modules only: the required core over dicts, no
capability, and ids of its own ("T-1", "T-2", ...).
"""

from __future__ import annotations

import copy
import datetime as dt
import re
import uuid
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, ClassVar

import pytest

import gadget
from gadget import TrackerConfig, TrackerUnavailable, Unsupported
from gadget.errors import NotFound
from gadget.ids import looks_like_id
from gadget.kinds import KINDS
from gadget.testing.spy import TrackerSpy
from gadget.trackers.base import (
    CAPABILITIES,
    OPTIONAL_METHODS,
    REQUIRED_METHODS,
    CommentDraft,
    Record,
    Records,
    Tracker,
)
from gadget.trackers.local import LocalTracker

#: what a field holds when a new record does not say
DEFAULTS: dict[str, Any] = {
    "assignee_ids": [],
    "department_ids": [],
    "checklist": [],
    "previews": [],
    "attachments": [],
    "entries": [],
    "nb_retakes": 0,
    "active": True,
    "for_shots": False,
    "is_done": False,
    "is_retake": False,
    "is_wip": False,
    "is_feedback_request": False,
    "is_default": False,
}


class TicketTracker(Tracker):
    """ticket:// -- the required core only, in dicts; ids are "T-<n>"."""

    name: ClassVar[str] = "ticket"

    def __init__(self, config: TrackerConfig) -> None:
        super().__init__(config)
        self._tables: dict[str, dict[str, Record]] = {kind: {} for kind in KINDS}
        self._count = 0
        self._me: str | None = None
        self.opened = False
        #: (kind, parent_field, parent_kind) of each list_children call
        self.children_asked: list[tuple[str, str, str]] = []

    def open(self) -> None:
        self.opened = True
        if self._me is None:
            self._insert("task_status", {"short_name": "todo", "name": "Todo", "is_default": True})
            self._insert("task_status", {"short_name": "wip", "name": "WIP", "is_wip": True})
            self._me = self._insert("person", {"email": "me@gadget-studio.com"})["id"]

    def close(self) -> None:
        self.opened = False

    def looks_like_id(self, value: str) -> bool:
        return re.fullmatch(r"T-[0-9]+", value) is not None

    def whoami(self) -> Record:
        assert self._me is not None, "open() first"
        return self.get("person", self._me)

    def _insert(self, kind: str, fields: Mapping[str, Any]) -> Record:
        self._count += 1
        record: Record = {f: copy.deepcopy(DEFAULTS.get(f)) for f in KINDS[kind].fields}
        record.update(id=f"T-{self._count}", created_at=None, updated_at=None)
        record.update(custom_data={}, url=None, raw={})
        record.update(copy.deepcopy(dict(fields)))
        if kind == "project" and record["status"] is None:
            record["status"] = "open"
        if kind == "task" and record["status_id"] is None:
            statuses = self._tables["task_status"].values()
            record["status_id"] = next(s["id"] for s in statuses if s["is_default"])
        self._tables[kind][record["id"]] = record
        return copy.deepcopy(record)

    def get(self, kind: str, id: str) -> Record:
        try:
            return copy.deepcopy(self._tables[kind][id])
        except KeyError:
            raise NotFound(kind.replace("_", " "), {"id": id}) from None

    def list(self, kind: str, filters: Mapping[str, Any]) -> Records:
        def match(record: Record) -> bool:
            for field, want in filters.items():
                have = record.get(field)
                if isinstance(want, (list, tuple)):
                    if have not in want:
                        return False
                elif isinstance(have, list):
                    if want not in have:
                        return False
                elif have != want:
                    return False
            return True

        found = [copy.deepcopy(r) for r in self._tables[kind].values() if match(r)]
        return found[::-1] if kind == "comment" else found

    def list_children(
        self, kind: str, parent_field: str, parent_ids: Sequence[str], *, parent_kind: str
    ) -> dict[str, Records]:
        parents = self._tables[parent_kind]
        assert all(pid in parents for pid in parent_ids), f"not all {parent_kind}s: {parent_ids}"
        self.children_asked.append((kind, parent_field, parent_kind))
        return {pid: self.list(kind, {parent_field: pid}) for pid in parent_ids}

    def create(self, kind: str, fields: Mapping[str, Any]) -> Record:
        return self._insert(kind, fields)

    def update(self, kind: str, id: str, fields: Mapping[str, Any]) -> Record:
        record = self._tables[kind][id]
        changes = copy.deepcopy(dict(fields))
        record["custom_data"].update(changes.pop("custom_data", None) or {})
        record.update(changes)
        return copy.deepcopy(record)

    def create_comment(self, task_id: str, draft: CommentDraft) -> Record:
        task = self._tables["task"][task_id]
        task["status_id"] = draft.status_id or task["status_id"]
        return self._insert(
            "comment",
            {
                "text": draft.text,
                "task_id": task_id,
                "status_id": task["status_id"],
                "author_id": draft.author_id or self._me,
                "checklist": [{"text": t, "checked": c} for t, c in draft.checklist],
            },
        )


def _config() -> TrackerConfig:
    return TrackerConfig(url="ticket://studio")


# -- the required core and the optional tail ----------------------------------------
def test_the_required_core_is_exactly_what_is_abstract() -> None:
    assert Tracker.__abstractmethods__ == frozenset(REQUIRED_METHODS)
    assert not set(OPTIONAL_METHODS) & set(REQUIRED_METHODS)
    for name, capabilities in OPTIONAL_METHODS.items():
        assert capabilities and set(capabilities) <= CAPABILITIES, name
        assert callable(getattr(Tracker, name)), name


#: each optional method with arguments to call it, and the capability its default names
OPTIONAL_CALLS: list[tuple[str, tuple[Any, ...], str]] = [
    ("delete", ("shot", "T-1"), "delete"),
    ("set_main_preview", ("T-1",), "previews"),
    ("download", ("preview", "T-1", Path("out.png")), "previews"),
    ("download", ("attachment", "T-1", Path("out.pdf")), "attachments"),
    ("get_casting", (["T-1"],), "casting"),
    ("set_casting", ("T-1", {"T-2": []}), "casting"),
    ("list_cast_in", ("T-1",), "casting"),
    ("list_time_spent", ("T-1",), "time_spent"),
    ("set_time_spent", ("T-1", "T-2", dt.date(2026, 1, 5), dt.timedelta(hours=1)), "time_spent"),
    ("add_playlist_entry", ("T-1", "T-2", None), "playlists"),
    ("set_team_member", ("T-1", "T-2", True), "team"),
    ("search", ("hero",), "search"),
]


def test_every_optional_method_is_called_here() -> None:
    assert {name for name, _, _ in OPTIONAL_CALLS} == set(OPTIONAL_METHODS)


@pytest.mark.parametrize(("method", "args", "capability"), OPTIONAL_CALLS)
def test_a_core_tracker_raises_unsupported_for_the_rest(
    method: str, args: tuple[Any, ...], capability: str
) -> None:
    tracker = TicketTracker(_config())  # builds: nothing abstract is left
    assert method not in vars(TicketTracker)
    with pytest.raises(Unsupported) as info:
        getattr(tracker, method)(*args)
    assert str(info.value) == f"the ticket tracker does not support {capability}"


def test_a_core_tracker_behind_a_session() -> None:
    """Pipeline code runs on the core; each optional feature says what it lacks."""
    tracker = TicketTracker(_config())
    tracker.open()
    with gadget.Session(tracker) as session:
        project = session.projects.new(name="Pilot", production_type="short")
        seq = project.sequences.new(name="sq010")
        shot = project.shots.new(name="sh0010", sequence=seq, frame_in=1, frame_out=24)
        anim = session.task_types.new(name="Anim", for_shots=True)
        task = shot.tasks.new(task_type=anim)
        task.comments.new(comment="blocking")
        assert [c.text for c in task.comments] == ["blocking"]
        assert session.capabilities == frozenset()
        with pytest.raises(Unsupported, match="ticket tracker does not support casting"):
            shot.casting.assets  # noqa: B018
        with pytest.raises(Unsupported, match="does not support time_spent"):
            list(task.time_spent)
        with pytest.raises(Unsupported, match="does not support delete"):
            shot.delete()
        assert [s.name for s in project.shots] == ["sh0010"]


def test_a_capability_declared_without_its_methods_fails_when_defined() -> None:
    with pytest.raises(TypeError) as info:

        class Casting(TicketTracker):
            capabilities = frozenset({"casting", "attachments"})

            def get_casting(self, shot_ids: Sequence[str]) -> dict[str, Records]:
                return {s: [] for s in shot_ids}

    message = str(info.value)
    assert "Casting declares capabilities it does not implement" in message
    assert "set_casting() for casting" in message and "list_cast_in() for casting" in message
    assert "download() for attachments" in message
    assert "get_casting" not in message

    class Team(TicketTracker):  # declared and implemented: fine
        capabilities = frozenset({"team"})

        def set_team_member(self, project_id: str, person_id: str, member: bool) -> None:
            pass

    Team(_config()).set_team_member("T-1", "T-2", True)
    with pytest.raises(Unsupported, match="does not support casting"):
        Team(_config()).get_casting([])


# -- the context manager ---------------------------------------------------------
def test_a_tracker_opens_and_closes_as_a_context_manager() -> None:
    with TicketTracker(_config()) as tracker:
        assert isinstance(tracker, TicketTracker)
        assert tracker.opened
        assert tracker.whoami()["email"] == "me@gadget-studio.com"
    assert not tracker.opened
    with pytest.raises(KeyError, match="boom"), TicketTracker(_config()) as failing:
        raise KeyError("boom")
    assert not failing.opened  # closed on the way out, the error kept


def test_the_local_tracker_is_one_too(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'studio.db'}"
    with LocalTracker(TrackerConfig(url=url, create=True, login="lead@gadget-studio.com")) as local:
        assert local.whoami()["email"] == "lead@gadget-studio.com"
    with pytest.raises(TrackerUnavailable, match="not open"):
        local.whoami()
    assert (tmp_path / "studio.db").is_file()


# -- list_children is told the parents' kind ---------------------------------------------
def test_the_session_tells_list_children_the_parents_kind() -> None:
    """Every bulk read of children says what the parents are (the tracker above
    checks that they are), the tasks of shots and of assets included."""
    tracker = TicketTracker(_config())
    tracker.open()
    with gadget.Session(tracker) as built:
        project = built.projects.new(name="Pilot", production_type="short")
        anim = built.task_types.new(name="Anim", for_shots=True)
        comp = built.task_types.new(name="Comp", for_shots=True)
        model = built.task_types.new(name="Model", for_shots=False)
        props = built.asset_types.new(name="Props")
        for seq_name in ("sq010", "sq020"):
            seq = project.sequences.new(name=seq_name)
            for shot_name in ("sh0010", "sh0020"):
                shot = project.shots.new(name=shot_name, sequence=seq)
                for task_type in (anim, comp):
                    shot.tasks.new(task_type=task_type).comments.new(comment="blocking")
        for asset_name in ("chair", "table"):
            asset = project.assets.new(name=asset_name, asset_type=props)
            asset.tasks.new(task_type=model).comments.new(comment="sculpt")
    tracker.children_asked.clear()
    with gadget.Session(tracker) as session, TrackerSpy(tracker) as spy:
        project = session.projects.get(id=project.id)
        comments = [
            c.text
            for seq in project.sequences
            for shot in seq.shots
            for task in shot.tasks
            for c in task.comments
        ]
        comments += [c.text for asset in project.assets for t in asset.tasks for c in t.comments]
    assert comments == ["blocking"] * 8 + ["sculpt"] * 2
    assert sorted(set(tracker.children_asked)) == [
        ("comment", "task_id", "task"),
        ("shot", "sequence_id", "sequence"),
        ("task", "entity_id", "asset"),
        ("task", "entity_id", "shot"),
    ]
    assert all(set(c.kwargs) == {"parent_kind"} for c in spy.of("list_children"))


# -- ids recognised by the tracker's own rule ---------------------------------------
def test_each_tracker_says_what_its_ids_look_like() -> None:
    ticket = TicketTracker(_config())
    local = LocalTracker(TrackerConfig(url="memory://"))
    a_uuid = str(uuid.uuid4())
    assert ticket.looks_like_id("T-12")
    assert not ticket.looks_like_id("12") and not ticket.looks_like_id(a_uuid)
    assert local.looks_like_id("12") and local.looks_like_id(a_uuid)  # the default rule
    assert not local.looks_like_id("T-12")
    assert all(local.looks_like_id(v) == looks_like_id(v) for v in ("12", "T-12", a_uuid, "x"))


def _shot_with_tasks(session: gadget.Session) -> tuple[Any, dict[str, Any]]:
    """A shot with a task of each of the types Anim, "T-999" and "1234" (names)."""
    project = session.projects.new(name="Pilot", production_type="short")
    shot = project.shots.new(name="sh0010", sequence=project.sequences.new(name="sq010"))
    types = {}
    for name in ("Anim", "T-999", "1234"):
        types[name] = session.task_types.new(name=name, for_shots=True)
        shot.tasks.new(task_type=types[name])
    return shot, types


def test_a_string_is_an_id_or_a_name_as_the_tracker_says() -> None:
    """ "T-999" is an id on the ticket tracker and a name on the local one;
    "1234" the other way round. The session asks the tracker, wherever it tells
    an id from a name (a ref given as a string, ``tasks.fetch``)."""
    ticket = TicketTracker(_config())
    ticket.open()
    with gadget.Session(ticket) as session:
        shot, types = _shot_with_tasks(session)
        anim_id = types["Anim"].id
        assert re.fullmatch(r"T-[0-9]+", anim_id)
        with TrackerSpy(ticket) as spy:  # an id: used as it is, no task type read
            assert shot.tasks.get(task_type=anim_id).task_type_id == anim_id
            assert shot.tasks.fetch(anim_id).task_type_id == anim_id
        assert spy.count("list", "task_type") == 0, spy
        assert shot.tasks.get(task_type="1234").task_type_id == types["1234"].id  # a name
        assert shot.tasks.fetch("1234").task_type_id == types["1234"].id
        with pytest.raises(NotFound):  # an id, of no task type: not the name
            shot.tasks.get(task_type="T-999")
        with pytest.raises(NotFound):
            shot.tasks.fetch("T-999")

    with gadget.connect("memory://") as session:
        shot, types = _shot_with_tasks(session)
        assert shot.tasks.get(task_type="T-999").task_type_id == types["T-999"].id  # a name
        assert shot.tasks.fetch("T-999").task_type_id == types["T-999"].id
        with pytest.raises(NotFound):  # all digits: an id here, of no task type
            shot.tasks.get(task_type="1234")
        with pytest.raises(NotFound):
            shot.tasks.fetch("1234")
