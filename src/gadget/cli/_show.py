"""``gadget show ENTITY``: one shot or asset, with its tasks, casting and last comments.

ENTITY is a shot's ``sequence/shot`` or a shot's or an asset's name (a name
that is both, or a shot name used in two sequences, is refused with the
forms that tell them apart; ``--kind`` picks shot or asset). The JSON object
reuses the rows of ``gadget ls``: ``tasks`` as ``ls tasks`` rows,
``comments`` as ``ls comments`` rows (newest first).

What it costs: the project and entity lookups, the entity's tasks (one
request), the reference lists they name (task types, statuses, persons:
read once a session), the comments of all its tasks (one request, sibling
prefetch), the casting or cast-in (one request) and the main preview (one).
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any

from gadget.errors import MultipleFound, NotFound, closest_names

if TYPE_CHECKING:
    from gadget.entities import Asset, Preview, Project, Shot

__all__ = ["find_entity", "register", "run", "show_data"]


def _qualified(shot: Shot) -> str:
    return shot.qualified_name


def find_entity(project: Project, key: str, kind: str | None = None) -> Shot | Asset:
    """The shot (``sequence/shot`` or name) or asset (name) ``key`` names.

    NotFound names the closest shots and assets; MultipleFound says how to
    tell apart a shot name used in two sequences, or a shot and an asset of
    the same name (``--kind``).
    """
    session = project.session
    has_assets = "assets" in session.capabilities
    if kind == "asset":
        session.tracker.require("assets")
    if kind == "shot" or (kind is None and "/" in key):
        return _shot(project, key)
    shot: Shot | None = None
    asset: Asset | None = None
    if kind != "asset":
        try:
            shot = _shot(project, key)
        except NotFound:
            shot = None
    if kind != "shot" and has_assets:
        try:
            asset = project.assets.get(name=key)
        except NotFound:
            asset = None
        except MultipleFound:
            found = project.assets.filter(name=key).all()
            types = ", ".join(sorted(a.asset_type.name for a in found))
            raise MultipleFound(
                f"{len(found)} assets of {project.name} are called {key!r} (asset types "
                f"{types}); gadget show takes a name that names one"
            ) from None
    if shot is not None and asset is not None:
        raise MultipleFound(
            f"{key!r} is both a shot ({_qualified(shot)}) and an asset of {project.name}; "
            "add --kind shot or --kind asset"
        )
    found_one = shot or asset
    if found_one is not None:
        return found_one
    names = [s.name for s in project.shots] + [_qualified(s) for s in project.shots]
    what = "shot"
    if has_assets and kind != "shot":
        names += [a.name for a in project.assets]
        what = "shot or asset" if kind is None else "asset"
    raise NotFound(what, {"name": key}, f"project {project.name}", closest_names(key, names))


def _shot(project: Project, key: str) -> Shot:
    try:
        return project.shots.fetch(key)
    except MultipleFound:
        found = project.shots.filter(name=key).all()
        named = ", ".join(sorted(_qualified(s) for s in found))
        raise MultipleFound(
            f"{len(found)} shots of {project.name} are called {key!r}: give it as "
            f"sequence/shot ({named})"
        ) from None


def _preview(preview: Preview | None) -> dict[str, Any] | None:
    if preview is None:
        return None
    return {
        "id": preview.id,
        "name": preview.name,
        "extension": preview.extension,
        "revision": preview.revision,
        "status": preview.status,
    }


def show_data(project: Project, entity: Shot | Asset, comments: int = 5) -> dict[str, Any]:
    """What ``gadget show`` prints, as one JSON-ready object (dates not yet strings)."""
    from gadget.cli._listing import Scope, comment_row, task_row
    from gadget.cli._session import natural
    from gadget.entities import Shot

    session = project.session
    is_shot = isinstance(entity, Shot)
    qualified = entity.qualified_name if isinstance(entity, Shot) else entity.name
    scope = Scope(project, owners={entity.id: qualified})
    data: dict[str, Any] = {
        "kind": "shot" if is_shot else "asset",
        "id": entity.id,
        "name": entity.name,
        "qualified_name": qualified,
        "project_id": entity.project_id,
        "project": project.name,
    }
    if isinstance(entity, Shot):
        seq = entity.sequence
        episode = seq.episode if seq is not None and seq.episode_id else None
        data.update(
            {
                "episode_id": episode.id if episode is not None else None,
                "episode": episode.name if episode is not None else None,
                "sequence_id": entity.sequence_id,
                "sequence": seq.name if seq is not None else None,
                "frame_in": entity.frame_in,
                "frame_out": entity.frame_out,
                "nb_frames": entity.nb_frames,
                "fps": entity.fps,
            }
        )
    else:
        episode = entity.episode if entity.episode_id else None
        data.update(
            {
                "asset_type_id": entity.asset_type_id,
                "asset_type": entity.asset_type.name,
                "episode_id": entity.episode_id,
                "episode": episode.name if episode is not None else None,
            }
        )
    data.update(
        {
            "description": entity.description,
            "preview_id": entity.preview_id,
            "main_preview": _preview(entity.main_preview),
            "custom_data": dict(entity.custom_data),
            "created_at": entity.created_at,
            "updated_at": entity.updated_at,
            "url": entity.url,
        }
    )
    tasks = entity.tasks.all()
    data["tasks"] = sorted(
        (task_row(scope, t) for t in tasks), key=lambda r: natural(r["task_type"])
    )
    casting = "casting" in session.capabilities
    if isinstance(entity, Shot):
        data["casting"] = (
            [
                {
                    "asset_id": e.asset.id,
                    "asset": e.asset.name,
                    "asset_type": e.asset.asset_type.name,
                    "nb_occurences": e.nb_occurences,
                    "label": e.label,
                }
                for e in entity.casting
            ]
            if casting
            else None
        )
    else:
        data["cast_in"] = sorted(_qualified(s) for s in entity.cast_in) if casting else None
    posted = [(task, c) for task in tasks for c in task.comments]  # one request for all
    posted.sort(key=lambda tc: (tc[1].created_at is not None, tc[1].created_at), reverse=True)
    data["comments_total"] = len(posted)
    data["comments"] = [comment_row(scope, task, c) for task, c in posted[: max(0, comments)]]
    return data


# -- the command -------------------------------------------------------------------
def register(commands: Any) -> None:
    """Add ``gadget show`` to the subparsers ``commands``."""
    show = commands.add_parser(
        "show",
        help="show a shot or an asset: fields, tasks, casting, last comments",
        description="Show one shot or asset of the project: its fields and custom data, its "
        "tasks with status and assignees, its casting (a shot's assets, or the shots an asset "
        "is cast in), and its last comments with their previews. ENTITY is sequence/shot, or "
        "a shot's or an asset's name.",
    )
    show.add_argument("entity", metavar="ENTITY", help="sequence/shot, or a shot or asset name")
    show.add_argument("--kind", choices=("shot", "asset"), help="look only among these")
    show.add_argument("--project", metavar="NAME", help="the project (default: TRACKER_PROJECT)")
    show.add_argument(
        "--comments",
        type=int,
        default=5,
        metavar="N",
        help="how many of the last comments to show (default 5)",
    )
    show.add_argument("--json", action="store_true", dest="as_json", help="print one JSON object")
    show.set_defaults(run=__name__)


def _files(row: dict[str, Any]) -> str:
    names = [
        f"{p['name']}.{p['extension']}" if p["extension"] else p["name"] for p in row["previews"]
    ]
    shown = [f"preview {n}" for n in names] + [
        f"attachment {a['name']}" for a in row["attachments"]
    ]
    return ", ".join(shown)


def print_entity(data: dict[str, Any]) -> None:
    """The table form of :func:`show_data`."""
    from rich.table import Table
    from rich.text import Text

    from gadget.cli._listing import _cell
    from gadget.cli._output import console, jsonable

    out = console()
    out.print(
        Text(f"{data['kind']} {data['qualified_name']}", style="bold"),
        Text(f"(project {data['project']})"),
    )
    grid = Table.grid(padding=(0, 2))
    grid.add_column(style="bold", no_wrap=True)
    grid.add_column(overflow="fold")  # a long URL wraps, whole
    if data["kind"] == "shot":
        frames = ""
        if data["frame_in"] is not None or data["frame_out"] is not None:
            frames = f"{data['frame_in']}-{data['frame_out']}"
        if data["nb_frames"] is not None:
            frames += f" ({data['nb_frames']} frames)"
        fields = [("episode", data["episode"]), ("sequence", data["sequence"]), ("frames", frames),
                  ("fps", data["fps"])]  # fmt: skip
    else:
        fields = [("asset type", data["asset_type"]), ("episode", data["episode"])]
    main = data["main_preview"]
    main_text = None
    if main is not None:
        main_text = main["name"] + (f".{main['extension']}" if main["extension"] else "")
        main_text += f" ({main['status']})" if main["status"] else ""
    fields += [("description", data["description"]), ("main preview", main_text),
               ("url", data["url"]), ("id", data["id"])]  # fmt: skip
    for label, value in fields:
        if value not in (None, ""):
            grid.add_row(label, Text(str(value)))
    out.print(grid)

    if data["custom_data"]:
        custom = Table.grid(padding=(0, 2))
        custom.add_column(style="bold", no_wrap=True)
        custom.add_column()
        for key, value in sorted(data["custom_data"].items()):
            shown = jsonable(value)
            custom.add_row(str(key), Text(shown if isinstance(shown, str) else repr(shown)))
        out.print(Text("custom data", style="bold underline"))
        out.print(custom)

    if not data["tasks"]:
        out.print(Text("tasks: ", style="bold") + Text("(none)"))
    tasks = Table(title=Text(f"{len(data['tasks'])} tasks"), title_justify="left")
    for header in ("task", "status", "assignees", "retakes", "due"):
        tasks.add_column(header, justify="right" if header == "retakes" else "left")
    for row in data["tasks"]:
        tasks.add_row(*(Text(_cell(row, k)) for k in ("task_type", "status", "assignees",
                                                         "nb_retakes", "due_date")))  # fmt: skip
    if data["tasks"]:
        out.print(tasks)

    if data["kind"] == "shot" and data["casting"] is not None:
        cast = ", ".join(
            f"{c['asset']} ({c['asset_type']})"
            + (f" x{c['nb_occurences']}" if c["nb_occurences"] != 1 else "")
            for c in data["casting"]
        )
        out.print(Text("casting: ", style="bold") + Text(cast or "(no asset cast)"))
    elif data["kind"] == "asset" and data["cast_in"] is not None:
        out.print(Text("cast in: ", style="bold") + Text(", ".join(data["cast_in"]) or "(no shot)"))

    shown = len(data["comments"])
    comments = Table(
        title=Text(f"last {shown} of {data['comments_total']} comments"), title_justify="left"
    )
    for header in ("posted", "task", "status", "author", "comment", "files"):
        comments.add_column(header)
    for row in data["comments"]:
        comments.add_row(
            Text(_cell(row, "created_at")),
            Text(row["task_type"] or ""),
            Text(row["status"] or ""),
            Text(row["author"] or ""),
            Text(row["text"] or ""),
            Text(_files(row)),
        )
    if data["comments"]:
        out.print(comments)
    else:
        out.print(Text("comments: ", style="bold") + Text("(none)"))


def run(args: argparse.Namespace) -> int:
    """``gadget show ENTITY [--kind shot|asset] [--project NAME] [--comments N] [--json]``."""
    from gadget.cli._output import print_json
    from gadget.cli._session import open_project

    with open_project("show", args.project) as (_, project):
        entity = find_entity(project, args.entity, args.kind)
        data = show_data(project, entity, args.comments)
    if args.as_json:
        print_json(data)
    else:
        print_entity(data)
    return 0
