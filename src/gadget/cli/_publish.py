"""``gadget publish ENTITY TASK_TYPE``: post a comment, a status, previews, attachments.

Everything is checked before anything is sent: the shot or asset (as for
``gadget show``), its task of that type, the status, the files (they exist
and are files), ``--main-preview`` given a preview. Uploads show a progress
bar on stderr when it is a terminal (none in a pipe or a log). What was
posted is printed: the comment, the status change, each file.

The post goes through :func:`post`, that is :func:`gadget.publish`: a
publish the tracker cannot take now (unreachable, an outcome it cannot say,
a main preview that did not follow) is kept in the outbox, printed as
queued with its entry's number, and the command exits 3; ``gadget outbox
flush`` posts it later, once.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from gadget.errors import ValidationError

if TYPE_CHECKING:
    from gadget._dcc import PublishResult
    from gadget.entities import Task

__all__ = ["post", "register", "run"]

Progress = Callable[[int, int], None]


def post(task: Task, fields: Mapping[str, Any], progress: Progress | None) -> PublishResult:
    """Publish on ``task`` through :func:`gadget.publish` (``fields`` as
    ``task.comments.new`` takes them): what the tracker cannot take now is kept
    in the outbox (``state == "queued"``) and ``gadget outbox flush`` posts it
    once, later. Bad input is raised, never kept."""
    from gadget import publish

    result: PublishResult = publish(
        task,
        fields.get("comment", ""),
        status=fields.get("status"),
        preview=fields.get("preview"),
        attachments=fields.get("attachments"),
        set_main_preview=bool(fields.get("set_main_preview")),
        progress=progress,
    )
    return result


@contextmanager
def _progress_bar(total_bytes: int) -> Iterator[Progress | None]:
    """A rich progress bar on stderr when it is a terminal and there are bytes to send."""
    if total_bytes <= 0 or not sys.stderr.isatty():
        yield None
        return
    from rich.progress import (
        BarColumn,
        DownloadColumn,
        Progress,
        TextColumn,
        TimeRemainingColumn,
        TransferSpeedColumn,
    )

    from gadget.cli._output import console

    with Progress(
        TextColumn("uploading"),
        BarColumn(),
        DownloadColumn(),
        TransferSpeedColumn(),
        TimeRemainingColumn(),
        console=console(stderr=True),
        transient=True,
    ) as bar:
        job = bar.add_task("upload", total=total_bytes)

        def report(sent: int, total: int) -> None:
            bar.update(job, completed=sent, total=total or total_bytes)

        yield report


def register(commands: Any) -> None:
    """Add ``gadget publish`` to the subparsers ``commands``."""
    publish = commands.add_parser(
        "publish",
        help="post a comment with a status, previews and attachments on a task",
        description="Post a comment on the TASK_TYPE task of a shot or asset (ENTITY: "
        "sequence/shot, or a shot's or an asset's name), with a status change, preview files "
        "and attachments, in one publish. Everything is checked before anything is sent. "
        "Give ENTITY and TASK_TYPE before the options taking several files.",
    )
    publish.add_argument("entity", metavar="ENTITY", help="sequence/shot, or a shot or asset name")
    publish.add_argument("task_type", metavar="TASK_TYPE", help="the task's task type (name)")
    publish.add_argument("--status", metavar="S", help="the task's new status (short name)")
    publish.add_argument("--comment", metavar="TEXT", default="", help="the comment's text")
    publish.add_argument(
        "--preview",
        metavar="FILE",
        nargs="+",
        action="extend",
        default=[],
        help="preview file(s) (images, movies)",
    )
    publish.add_argument(
        "--attach",
        metavar="FILE",
        nargs="+",
        action="extend",
        default=[],
        help="file(s) to attach to the comment",
    )
    publish.add_argument(
        "--main-preview",
        action="store_true",
        help="make the first preview the shot's or asset's main preview (thumbnail)",
    )
    publish.add_argument("--kind", choices=("shot", "asset"), help="ENTITY is a shot or an asset")
    publish.add_argument("--project", metavar="NAME", help="the project (default: TRACKER_PROJECT)")
    publish.add_argument(
        "--json", action="store_true", dest="as_json", help="print what was posted as JSON"
    )
    publish.set_defaults(run=__name__)


def _size(n: int | None) -> str:
    if n is None:
        return ""
    for unit in ("bytes", "kB", "MB", "GB"):
        if n < 1000 or unit == "GB":
            return f"{n} {unit}" if unit == "bytes" else f"{n:.1f} {unit}"
        n /= 1000  # type: ignore[assignment]
    return ""  # pragma: no cover


def run(args: argparse.Namespace) -> int:
    """``gadget publish ENTITY TASK_TYPE [--status S] [--comment TEXT] [--preview FILE...]
    [--attach FILE...] [--main-preview] [--kind shot|asset] [--project NAME] [--json]``."""
    from pathlib import Path

    from gadget.cli._listing import Scope, comment_row
    from gadget.cli._output import console, print_json
    from gadget.cli._session import open_project
    from gadget.cli._show import find_entity
    from gadget.entities import Shot

    if not (args.comment or args.status or args.preview or args.attach):
        raise ValidationError("nothing to publish: give --comment, --status, --preview or --attach")
    if args.main_preview and not args.preview:
        raise ValidationError("--main-preview needs a --preview file (nothing was posted)")
    fields: dict[str, Any] = {"comment": args.comment}
    if args.status:
        fields["status"] = args.status
    if args.preview:
        fields["preview"] = list(args.preview)
    if args.attach:
        fields["attachments"] = list(args.attach)
    if args.main_preview:
        fields["set_main_preview"] = True
    total = 0
    for name in (*args.preview, *args.attach):
        path = Path(name).expanduser()
        total += path.stat().st_size if path.is_file() else 0  # a bad path: the draft says so

    with open_project("publish", args.project) as (_, project):
        entity = find_entity(project, args.entity, args.kind)
        task = entity.tasks.fetch(args.task_type)
        before = task.status.short_name
        with _progress_bar(total) as progress:
            result = post(task, fields, progress)
        qualified = entity.qualified_name if isinstance(entity, Shot) else entity.name
        if result.queued:  # nothing more is read: the tracker may be away
            return _queued(args, result, qualified, task.entity_kind or "", before)
        comment = result.comment
        assert comment is not None  # posted: the comment, in full
        row = comment_row(Scope(project, owners={entity.id: qualified}), task, comment)
        after = task.status.short_name
        main = bool(
            args.main_preview and comment.previews and entity.preview_id == comment.previews[0].id
        )

    answer = {
        "state": "posted",
        "entity": qualified,
        "entity_kind": task.entity_kind,
        "task_id": task.id,
        "task_type": row["task_type"],
        "status_before": before,
        "status": after,
        "main_preview": main,
        "comment": row,
    }
    if args.as_json:
        print_json(answer)
        return 0

    from rich.text import Text

    out = console()
    change = f"status {before} -> {after}" if after != before else f"status {after} (unchanged)"
    out.print(Text(f"posted on {qualified} {row['task_type']}: {change}", style="bold green"))
    out.print(Text(f"comment     {row['text']!r} by {row['author']} (id {row['id']})"))
    for preview in row["previews"]:
        name = preview["name"] + (f".{preview['extension']}" if preview["extension"] else "")
        extra = f" ({preview['status']})" if preview["status"] else ""
        if main and preview is row["previews"][0]:
            extra += f", now the main preview of {qualified}"
        out.print(Text(f"preview     {name}{extra}"))
    for attachment in row["attachments"]:
        size = _size(attachment["size"])
        out.print(Text(f"attachment  {attachment['name']}" + (f" ({size})" if size else "")))
    return 0


#: the exit code of a publish kept in the outbox (not posted yet)
QUEUED = 3


def _queued(
    args: argparse.Namespace, result: PublishResult, qualified: str, kind: str, before: str
) -> int:
    """Say that the publish was kept in the outbox, and how it gets posted."""
    from gadget.cli._output import console, print_json

    if args.as_json:
        print_json(
            {
                "state": "queued",
                "entity": qualified,
                "entity_kind": kind,
                "task_type": args.task_type,
                "status_before": before,
                "outbox_id": result.outbox_id,
                "key": result.key,
                "reason": result.reason,
                "comment_id": result.comment.id if result.comment is not None else None,
            }
        )
        return QUEUED
    from rich.text import Text

    out = console()
    out.print(
        Text(
            f"queued on {qualified} {args.task_type} as outbox entry {result.outbox_id}: "
            f"{result.reason}",
            style="bold yellow",
        )
    )
    out.print(Text("`gadget outbox flush` posts it once the tracker takes it (never twice)"))
    return QUEUED
