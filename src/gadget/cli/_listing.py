"""``gadget ls KIND``: a table for people, one JSON array for scripts.

KIND is projects, episodes, sequences, shots, assets, tasks, comments or
persons. Projects and persons are the tracker's; the rest are those of the
project named by ``--project`` or TRACKER_PROJECT, all of them unless
filters narrow the listing (:data:`FILTERS` says which listing takes which).

JSON rows use gadget's normalized field names. Each relation appears twice:
``<relation>_id`` (the tracker id) and ``<relation>`` (its natural key, what
``fetch()`` takes: a sequence's name, a task type's name, a status's short
name, persons' e-mails, a shot's "sequence/shot"). Dates and datetimes are
ISO 8601 strings; durations (a task's ``estimation``) are seconds. Rows are
sorted by natural key (:func:`sort_key`), digits as numbers.

What it costs: the project lookup, then one listing of the kind asked for
and the few it names (the project's sequences for shot names ...); the
comments of every task listed are read together (sibling prefetch: one
request, or one per window of tasks on a tracker that caps it), never one
request per task.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from dataclasses import dataclass, fields
from functools import cached_property
from typing import TYPE_CHECKING, Any

from gadget.cli._session import natural
from gadget.errors import ValidationError

if TYPE_CHECKING:
    from gadget.entities import (
        Asset,
        Comment,
        Episode,
        Person,
        Project,
        Sequence,
        Shot,
        Task,
        TaskStatus,
        TaskType,
    )
    from gadget.session import Session

__all__ = [
    "FILTERS",
    "KINDS_LISTED",
    "Scope",
    "Selection",
    "comment_row",
    "list_rows",
    "register",
    "run",
    "task_row",
]

#: what ``gadget ls`` lists
KINDS_LISTED = (
    "projects",
    "episodes",
    "sequences",
    "shots",
    "assets",
    "tasks",
    "comments",
    "persons",
)
_TASK_FILTERS = ("episode", "sequence", "task_type", "status", "assignee", "mine")
#: the filters each listing takes (another is a usage error naming those it takes)
FILTERS: dict[str, tuple[str, ...]] = {
    "projects": (),
    "episodes": (),
    "sequences": ("episode",),
    "shots": ("episode", "sequence"),
    "assets": ("episode",),
    "tasks": _TASK_FILTERS,
    "comments": _TASK_FILTERS,
    "persons": (),
}
#: the listings not scoped to a project
GLOBAL = ("projects", "persons")


@dataclass
class Selection:
    """The filters given to ``gadget ls`` (names as typed; None: not given)."""

    episode: str | None = None
    sequence: str | None = None
    task_type: str | None = None
    status: str | None = None
    assignee: str | None = None
    mine: bool = False

    def given(self) -> list[str]:
        """The filters set, by field name."""
        return [f.name for f in fields(self) if getattr(self, f.name)]

    def describe(self) -> str:
        """``status wfa, assignee jane@...`` (empty when nothing is given)."""
        shown = []
        for name in self.given():
            value = getattr(self, name)
            label = name.replace("_", " ")
            shown.append("mine" if name == "mine" else f"{label} {value}")
        return ", ".join(shown)

    @classmethod
    def from_args(cls, args: argparse.Namespace) -> Selection:
        return cls(
            episode=getattr(args, "episode", None),
            sequence=getattr(args, "sequence", None),
            task_type=getattr(args, "task_type", None),
            status=getattr(args, "status", None),
            assignee=getattr(args, "assignee", None),
            mine=bool(getattr(args, "mine", False)),
        )


def _option(name: str) -> str:
    return "--" + name.replace("_", "-")


def check_selection(what: str, selection: Selection) -> None:
    """Refuse a filter the listing does not take, and --mine with --assignee."""
    wrong = [n for n in selection.given() if n not in FILTERS[what]]
    if wrong:
        takes = ", ".join(_option(n) for n in FILTERS[what]) or "no filter"
        raise ValidationError(
            f"`gadget ls {what}` does not take {', '.join(_option(n) for n in wrong)} "
            f"(it takes {takes})"
        )
    if selection.mine and selection.assignee:
        raise ValidationError("give --mine or --assignee, not both")


def _common(entity: Any) -> dict[str, Any]:
    return {
        "custom_data": dict(entity.custom_data),
        "created_at": entity.created_at,
        "updated_at": entity.updated_at,
        "url": entity.url,
    }


class Scope:
    """What the rows of one project read, each at most once, and the filters resolved.

    Resolving a filter reads what it names (``--status`` the statuses,
    ``--sequence`` the project's sequences ...) and fails with NotFound,
    naming the closest, before anything is listed.
    """

    def __init__(
        self,
        project: Project,
        selection: Selection | None = None,
        owners: dict[str, str] | None = None,
    ) -> None:
        self.project = project
        self._owners = owners
        self.session: Session = project.session
        self.selection = selection or Selection()
        sel = self.selection
        self.episode: Episode | None = project.episodes.fetch(sel.episode) if sel.episode else None
        self.sequence: Sequence | None = None
        if sel.sequence:
            sequences = project.sequences
            if self.episode is not None:
                sequences = sequences.filter(episode=self.episode)
            self.sequence = sequences.fetch(sel.sequence)
        self.task_type: TaskType | None = (
            self.session.task_types.fetch(sel.task_type) if sel.task_type else None
        )
        self.status: TaskStatus | None = (
            self.session.task_statuses.fetch(sel.status) if sel.status else None
        )
        self.assignee: Person | None = None
        if sel.mine:
            self.assignee = self.session.me
        elif sel.assignee:
            self.assignee = self.session.persons.fetch(sel.assignee)

    # -- what the project holds, read once -----------------------------------
    @cached_property
    def sequences(self) -> dict[str, Sequence]:
        return {s.id: s for s in self.project.sequences}

    @cached_property
    def episodes(self) -> dict[str, Episode]:
        if "episodes" not in self.session.capabilities:
            return {}
        return {e.id: e for e in self.project.episodes}

    @cached_property
    def shots(self) -> list[Shot]:
        return self.project.shots.all()

    @cached_property
    def assets(self) -> list[Asset]:
        if "assets" not in self.session.capabilities:
            return []
        return self.project.assets.all()

    def episode_name(self, episode_id: str | None) -> str | None:
        if not episode_id:
            return None
        episode = self.episodes.get(episode_id)
        return episode.name if episode is not None else None

    def sequence_of(self, shot: Shot) -> Sequence | None:
        return self.sequences.get(shot.sequence_id or "") or shot.sequence

    def shot_name(self, shot: Shot) -> str:
        """``"sequence/shot"``, the key ``project.shots.fetch()`` takes."""
        seq = self.sequence_of(shot)
        return f"{seq.name}/{shot.name}" if seq is not None else shot.name

    @cached_property
    def owners(self) -> dict[str, str]:
        """Shot and asset id -> its qualified name (a shot's ``sequence/shot``); the
        ``owners`` given, else every shot and asset of the project (read once)."""
        if self._owners is not None:
            return self._owners
        names = {s.id: self.shot_name(s) for s in self.shots}
        names.update({a.id: a.name for a in self.assets})
        return names

    # -- the episode / sequence filters ----------------------------------------
    def _shot_in_scope(self, shot: Shot) -> bool:
        if self.sequence is not None and shot.sequence_id != self.sequence.id:
            return False
        if self.episode is not None:
            seq = self.sequence_of(shot)
            return seq is not None and seq.episode_id == self.episode.id
        return True

    def _asset_in_scope(self, asset: Asset) -> bool:
        if self.sequence is not None:
            return False  # a sequence holds shots only
        return self.episode is None or asset.episode_id == self.episode.id

    @cached_property
    def entity_ids(self) -> set[str] | None:
        """The shots and assets --episode / --sequence leave (None: no such filter)."""
        if self.episode is None and self.sequence is None:
            return None
        ids = {s.id for s in self.shots if self._shot_in_scope(s)}
        return ids | {a.id for a in self.assets if self._asset_in_scope(a)}

    def tasks(self) -> list[Task]:
        """The project's tasks the filters leave (--status too: the task's)."""
        return self._tasks(self.status)

    def _tasks(self, status: TaskStatus | None) -> list[Task]:
        wanted: dict[str, Any] = {}
        if self.task_type is not None:
            wanted["task_type"] = self.task_type
        if status is not None:
            wanted["status"] = status
        tasks = self.project.tasks.filter(**wanted) if wanted else self.project.tasks
        found = tasks.all()
        if self.assignee is not None:
            found = [t for t in found if self.assignee.id in t.assignee_ids]
        scope = self.entity_ids
        if scope is not None:
            found = [t for t in found if t.entity_id in scope]
        return found

    def comments(self) -> list[tuple[Task, Comment]]:
        """The comments of the tasks the filters leave (--status: the comment's)."""
        found = []
        for task in self._tasks(None):
            # the first read loads every task's comments; the tracker gives them newest
            # first, ties within a second broken: oldest first is that order reversed
            for comment in reversed(task.comments.all()):
                if self.status is None or comment.status_id == self.status.id:
                    found.append((task, comment))
        return found

    def entity_name(self, task: Task) -> str | None:
        name = self.owners.get(task.entity_id or "")
        if name is None:
            entity = task.entity
            name = getattr(entity, "name", None) if entity is not None else None
        return name


# -- rows ------------------------------------------------------------------------
def project_rows(session: Session) -> list[dict[str, Any]]:
    return [
        {
            "id": p.id,
            "name": p.name,
            "code": p.code,
            "production_type": p.production_type,
            "status": p.status,
            "fps": p.fps,
            "description": p.description,
            **_common(p),
        }
        for p in session.projects
    ]


def person_rows(session: Session) -> list[dict[str, Any]]:
    persons = session.persons.all()
    departments: dict[str, str] = {}
    if "departments" in session.capabilities and any(p.department_ids for p in persons):
        departments = {d.id: d.name for d in session.departments}
    return [
        {
            "id": p.id,
            "name": p.name,
            "first_name": p.first_name,
            "last_name": p.last_name,
            "email": p.email,
            "role": p.role,
            "active": p.active,
            "department_ids": list(p.department_ids),
            "departments": [departments.get(d, d) for d in p.department_ids],
            **_common(p),
        }
        for p in persons
    ]


def episode_rows(scope: Scope) -> list[dict[str, Any]]:
    project = scope.project
    return [
        {
            "id": e.id,
            "name": e.name,
            "project_id": e.project_id,
            "project": project.name,
            "description": e.description,
            **_common(e),
        }
        for e in scope.episodes.values()
    ]


def sequence_rows(scope: Scope) -> list[dict[str, Any]]:
    project = scope.project
    return [
        {
            "id": s.id,
            "name": s.name,
            "project_id": s.project_id,
            "project": project.name,
            "episode_id": s.episode_id,
            "episode": scope.episode_name(s.episode_id),
            "description": s.description,
            **_common(s),
        }
        for s in scope.sequences.values()
        if scope.episode is None or s.episode_id == scope.episode.id
    ]


def shot_rows(scope: Scope) -> list[dict[str, Any]]:
    project = scope.project
    rows = []
    for shot in scope.shots:
        if not scope._shot_in_scope(shot):
            continue
        seq = scope.sequence_of(shot)
        rows.append(
            {
                "id": shot.id,
                "name": shot.name,
                "qualified_name": scope.shot_name(shot),
                "project_id": shot.project_id,
                "project": project.name,
                "episode_id": seq.episode_id if seq is not None else None,
                "episode": scope.episode_name(seq.episode_id) if seq is not None else None,
                "sequence_id": shot.sequence_id,
                "sequence": seq.name if seq else None,
                "frame_in": shot.frame_in,
                "frame_out": shot.frame_out,
                "nb_frames": shot.nb_frames,
                "fps": shot.fps,
                "description": shot.description,
                "preview_id": shot.preview_id,
                **_common(shot),
            }
        )
    return rows


def asset_rows(scope: Scope) -> list[dict[str, Any]]:
    project = scope.project
    return [
        {
            "id": asset.id,
            "name": asset.name,
            "project_id": asset.project_id,
            "project": project.name,
            "asset_type_id": asset.asset_type_id,
            "asset_type": asset.asset_type.name,
            "episode_id": asset.episode_id,
            "episode": scope.episode_name(asset.episode_id),
            "description": asset.description,
            "preview_id": asset.preview_id,
            **_common(asset),
        }
        for asset in scope.assets
        if scope._asset_in_scope(asset)
    ]


def task_row(scope: Scope, task: Task) -> dict[str, Any]:
    return {
        "id": task.id,
        "project_id": task.project_id,
        "project": scope.project.name,
        "entity_kind": task.entity_kind,
        "entity_id": task.entity_id,
        "entity": scope.entity_name(task),
        "task_type_id": task.task_type_id,
        "task_type": task.task_type.name,
        "status_id": task.status_id,
        "status": task.status.short_name,
        "assignee_ids": list(task.assignee_ids),
        "assignees": [p.email or p.name for p in task.assignees],
        "nb_retakes": task.nb_retakes,
        "start_date": task.start_date,
        "due_date": task.due_date,
        "estimation": task.estimation,
        "priority": task.priority,
        "description": task.description,
        **_common(task),
    }


def task_rows(scope: Scope) -> list[dict[str, Any]]:
    return [task_row(scope, task) for task in scope.tasks()]


def comment_row(scope: Scope, task: Task, comment: Comment) -> dict[str, Any]:
    status = comment.status
    author = comment.author
    return {
        "id": comment.id,
        "project_id": task.project_id,
        "project": scope.project.name,
        "task_id": task.id,
        "entity_kind": task.entity_kind,
        "entity_id": task.entity_id,
        "entity": scope.entity_name(task),
        "task_type_id": task.task_type_id,
        "task_type": task.task_type.name,
        "status_id": comment.status_id,
        "status": status.short_name if status is not None else None,
        "author_id": comment.author_id,
        "author": (author.email or author.name) if author is not None else None,
        "text": comment.text,
        "checklist": [
            {"id": c.id, "text": c.text, "checked": c.checked} for c in comment.checklist
        ],
        "previews": [
            {
                "id": p.id,
                "name": p.name,
                "extension": p.extension,
                "revision": p.revision,
                "status": p.status,
                "width": p.width,
                "height": p.height,
                "duration": p.duration,
            }
            for p in comment.previews
        ],
        "attachments": [
            {"id": a.id, "name": a.name, "extension": a.extension, "size": a.size}
            for a in comment.attachments
        ],
        **_common(comment),
    }


def comment_rows(scope: Scope) -> list[dict[str, Any]]:
    return [comment_row(scope, task, comment) for task, comment in scope.comments()]


#: the sort key of each listing's rows: its natural key
SORT_KEYS: dict[str, Callable[[dict[str, Any]], Any]] = {
    "projects": lambda r: natural(r["name"]),
    "persons": lambda r: natural(r["email"] or r["name"]),
    "episodes": lambda r: natural(r["name"]),
    "sequences": lambda r: (natural(r["episode"]), natural(r["name"])),
    "shots": lambda r: (natural(r["episode"]), natural(r["sequence"]), natural(r["name"])),
    "assets": lambda r: (natural(r["asset_type"]), natural(r["name"])),
    "tasks": lambda r: (r["entity_kind"] or "", natural(r["entity"]), natural(r["task_type"])),
    # then as listed (a task's comments oldest first): the sort is stable
    "comments": lambda r: (r["entity_kind"] or "", natural(r["entity"]), natural(r["task_type"])),
}


def sort_key(what: str) -> Callable[[dict[str, Any]], Any]:
    """The natural-key order of the rows of ``gadget ls what``."""
    return SORT_KEYS[what]


def list_rows(
    what: str,
    session: Session,
    project: Project | None,
    selection: Selection | None = None,
) -> list[dict[str, Any]]:
    """The JSON-ready rows ``gadget ls WHAT`` prints (before dates become strings), sorted."""
    selection = selection or Selection()
    check_selection(what, selection)
    if what == "projects":
        rows = project_rows(session)
    elif what == "persons":
        rows = person_rows(session)
    else:
        assert project is not None
        readers: dict[str, Callable[[Scope], list[dict[str, Any]]]] = {
            "episodes": episode_rows,
            "sequences": sequence_rows,
            "shots": shot_rows,
            "assets": asset_rows,
            "tasks": task_rows,
            "comments": comment_rows,
        }
        rows = readers[what](Scope(project, selection))
    return sorted(rows, key=sort_key(what))


#: table columns per kind: (header, row key)
COLUMNS: dict[str, tuple[tuple[str, str], ...]] = {
    "projects": (("name", "name"), ("type", "production_type"), ("status", "status"),
                 ("fps", "fps"), ("id", "id")),
    "episodes": (("episode", "name"), ("description", "description")),
    "sequences": (("episode", "episode"), ("sequence", "name"), ("description", "description")),
    "shots": (("sequence", "sequence"), ("shot", "name"), ("in", "frame_in"),
              ("out", "frame_out"), ("frames", "nb_frames"), ("fps", "fps"),
              ("description", "description")),
    "assets": (("type", "asset_type"), ("asset", "name"), ("episode", "episode"),
               ("description", "description")),
    "tasks": (("entity", "entity"), ("task", "task_type"), ("status", "status"),
              ("assignees", "assignees"), ("retakes", "nb_retakes"), ("due", "due_date")),
    "comments": (("entity", "entity"), ("task", "task_type"), ("status", "status"),
                 ("author", "author"), ("posted", "created_at"), ("comment", "text"),
                 ("files", "files")),
    "persons": (("name", "name"), ("email", "email"), ("role", "role"),
                ("departments", "departments"), ("active", "active")),
}  # fmt: skip
_NUMERIC = ("in", "out", "frames", "fps", "retakes")


def _cell(row: dict[str, Any], key: str) -> str:
    from gadget.cli._output import jsonable

    if key == "files":
        names = [
            f"{p['name']}.{p['extension']}" if p["extension"] else p["name"]
            for p in row["previews"]
        ]
        return ", ".join(names + [a["name"] for a in row["attachments"]])
    value = row[key]
    if key == "created_at" and value is not None:
        return str(value.strftime("%Y-%m-%d %H:%M"))
    value = jsonable(value)
    if value is None:
        return ""
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return str(value)


# -- the command -------------------------------------------------------------------
def register(commands: Any) -> None:
    """Add ``gadget ls`` to the subparsers ``commands``."""
    ls = commands.add_parser(
        "ls",
        help="list projects, episodes, sequences, shots, assets, tasks, comments or persons",
        description="List the projects or persons of the tracker, or the episodes, sequences, "
        "shots, assets, tasks or comments of a project (all of them unless filters narrow "
        "the listing), sorted by natural key: a table, or with --json one JSON array of "
        "objects (normalized field names; relations as <relation>_id and their natural key; "
        "dates ISO 8601; durations in seconds).",
    )
    ls.add_argument("what", choices=KINDS_LISTED, metavar="KIND", help=", ".join(KINDS_LISTED))
    ls.add_argument("--project", metavar="NAME", help="the project (default: TRACKER_PROJECT)")
    ls.add_argument(
        "--episode",
        metavar="NAME",
        help="sequences, shots, assets, tasks, comments of this episode",
    )
    ls.add_argument("--sequence", metavar="NAME", help="shots, tasks and comments of this sequence")
    ls.add_argument("--task-type", metavar="NAME", help="tasks and comments of this task type")
    ls.add_argument(
        "--status", metavar="S", help="tasks with this status (short name); comments that set it"
    )
    ls.add_argument(
        "--assignee",
        metavar="PERSON",
        help="tasks assigned to this person (e-mail or full name), and their comments",
    )
    ls.add_argument(
        "--mine",
        action="store_true",
        help="tasks assigned to the logged-in person, and their comments",
    )
    ls.add_argument("--json", action="store_true", dest="as_json", help="print one JSON array")
    ls.set_defaults(run=__name__)


def _rows_of(
    what: str, selection: Selection, given: str | None
) -> tuple[list[dict[str, Any]], str]:
    from gadget.cli._session import open_project, open_session

    check_selection(what, selection)  # before connecting: a usage error costs nothing
    if what in GLOBAL:
        with open_session() as session:
            return list_rows(what, session, None, selection), ""
    with open_project(f"ls {what}", given) as (session, project):
        return list_rows(what, session, project, selection), project.name


def run(args: argparse.Namespace) -> int:
    """``gadget ls KIND [--project NAME] [filters] [--json]``."""
    selection = Selection.from_args(args)
    rows, project_name = _rows_of(args.what, selection, args.project)

    from gadget.cli._output import console, print_json

    if args.as_json:
        print_json(rows)
        return 0

    from rich.table import Table
    from rich.text import Text

    title = f"{len(rows)} {args.what}" + (f" of {project_name}" if project_name else "")
    if selection.given():
        title += f" ({selection.describe()})"
    table = Table(title=Text(title), title_justify="left")
    for header, _ in COLUMNS[args.what]:
        table.add_column(header, justify="right" if header in _NUMERIC else "left")
    for row in rows:
        table.add_row(*(Text(_cell(row, key)) for _, key in COLUMNS[args.what]))
    console().print(table)
    return 0
