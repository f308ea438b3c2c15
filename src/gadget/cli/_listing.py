"""``gadget ls projects|shots|assets|tasks``: a table for people, JSON for scripts.

JSON rows use gadget's normalized field names. Each relation appears twice:
``<relation>_id`` (the tracker id) and ``<relation>`` (its natural key, what
``fetch()`` takes: a sequence's name, a task type's name, a status's short
name, persons' e-mails, a shot's "sequence/shot"). Dates and datetimes are
ISO 8601 strings; durations (a task's ``estimation``) are seconds.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from gadget.config import load_config
from gadget.errors import ConfigError
from gadget.session import connect

if TYPE_CHECKING:
    from gadget.entities import Asset, Project, Shot, Task
    from gadget.session import Session

__all__ = ["list_rows", "register", "run"]


def _common(entity: Any) -> dict[str, Any]:
    return {
        "custom_data": dict(entity.custom_data),
        "created_at": entity.created_at,
        "updated_at": entity.updated_at,
        "url": entity.url,
    }


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


def shot_rows(project: Project) -> list[dict[str, Any]]:
    sequences = {s.id: s for s in project.sequences}  # held, so shot.sequence costs nothing
    rows = []
    for shot in project.shots:
        seq = sequences.get(shot.sequence_id or "") or shot.sequence
        rows.append(
            {
                "id": shot.id,
                "name": shot.name,
                "qualified_name": f"{seq.name}/{shot.name}" if seq else shot.name,
                "project_id": shot.project_id,
                "project": project.name,
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


def asset_rows(project: Project) -> list[dict[str, Any]]:
    assets = project.assets.all()
    episodes = {}
    if any(a.episode_id for a in assets):
        episodes = {e.id: e.name for e in project.episodes}
    rows = []
    for asset in assets:
        rows.append(
            {
                "id": asset.id,
                "name": asset.name,
                "project_id": asset.project_id,
                "project": project.name,
                "asset_type_id": asset.asset_type_id,
                "asset_type": asset.asset_type.name,
                "episode_id": asset.episode_id,
                "episode": episodes.get(asset.episode_id or ""),
                "description": asset.description,
                "preview_id": asset.preview_id,
                **_common(asset),
            }
        )
    return rows


def task_rows(project: Project) -> list[dict[str, Any]]:
    session = project.session
    tasks = project.tasks.all()
    owners: dict[str, str] = {}
    if any(t.entity_kind != "asset" for t in tasks):
        sequences = {s.id: s.name for s in project.sequences}
        shots: list[Shot] = project.shots.all()
        owners.update({s.id: f"{sequences.get(s.sequence_id or '', '?')}/{s.name}" for s in shots})
    if "assets" in session.capabilities and any(t.entity_kind == "asset" for t in tasks):
        assets: list[Asset] = project.assets.all()
        owners.update({a.id: a.name for a in assets})
    rows = []
    for task in tasks:
        rows.append(
            {
                "id": task.id,
                "project_id": task.project_id,
                "project": project.name,
                "entity_kind": task.entity_kind,
                "entity_id": task.entity_id,
                "entity": owners.get(task.entity_id or "") or _entity_name(task),
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
        )
    return rows


def _entity_name(task: Task) -> str | None:
    entity = task.entity
    return getattr(entity, "name", None) if entity is not None else None


def list_rows(what: str, session: Session, project: Project | None) -> list[dict[str, Any]]:
    """The JSON-ready rows ``gadget ls WHAT`` prints (before dates become strings)."""
    if what == "projects":
        return project_rows(session)
    assert project is not None
    readers: dict[str, Callable[[Project], list[dict[str, Any]]]] = {
        "shots": shot_rows,
        "assets": asset_rows,
        "tasks": task_rows,
    }
    return readers[what](project)


#: table columns per kind: (header, row key)
COLUMNS: dict[str, tuple[tuple[str, str], ...]] = {
    "projects": (("name", "name"), ("type", "production_type"), ("status", "status"),
                 ("fps", "fps"), ("id", "id")),
    "shots": (("sequence", "sequence"), ("shot", "name"), ("in", "frame_in"),
              ("out", "frame_out"), ("frames", "nb_frames"), ("fps", "fps"),
              ("description", "description")),
    "assets": (("type", "asset_type"), ("asset", "name"), ("episode", "episode"),
               ("description", "description")),
    "tasks": (("entity", "entity"), ("task", "task_type"), ("status", "status"),
              ("assignees", "assignees"), ("retakes", "nb_retakes"), ("due", "due_date")),
}  # fmt: skip


def _cell(value: Any) -> str:
    from gadget.cli._output import jsonable

    value = jsonable(value)
    if value is None:
        return ""
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return str(value)


def register(commands: Any) -> None:
    """Add ``gadget ls`` to the subparsers ``commands``."""
    ls = commands.add_parser(
        "ls",
        help="list projects, shots, assets or tasks",
        description="List entities of the configured tracker: a table, or with --json one JSON "
        "array of objects (normalized field names; relations as <relation>_id and their natural "
        "key; dates ISO 8601; durations in seconds).",
    )
    ls.add_argument("what", choices=("projects", "shots", "assets", "tasks"))
    ls.add_argument("--project", metavar="NAME", help="the project (default: TRACKER_PROJECT)")
    ls.add_argument("--json", action="store_true", dest="as_json", help="print one JSON array")
    ls.set_defaults(run=__name__)


def run(args: argparse.Namespace) -> int:
    """``gadget ls WHAT [--project NAME] [--json]``."""
    config = load_config()
    name = args.project or config.project
    if args.what != "projects" and not name:
        raise ConfigError(
            f"which project? `gadget ls {args.what}` needs --project NAME or TRACKER_PROJECT "
            f"(settings came from {config.source})"
        )
    with connect(config=config) as session:
        project = session.projects.fetch(name) if args.what != "projects" and name else None
        rows = list_rows(args.what, session, project)

    from gadget.cli._output import console, print_json

    if args.as_json:
        print_json(rows)
        return 0

    from rich.table import Table
    from rich.text import Text

    where = f" of {project.name}" if project is not None else ""
    table = Table(title=Text(f"{len(rows)} {args.what}{where}"), title_justify="left")
    for header, _ in COLUMNS[args.what]:
        numeric = header in ("in", "out", "frames", "fps", "retakes")
        table.add_column(header, justify="right" if numeric else "left")
    for row in rows:
        table.add_row(*(Text(_cell(row[key])) for _, key in COLUMNS[args.what]))
    console().print(table)
    return 0
