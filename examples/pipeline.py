"""One pipeline script, any tracker: walk, publish, log time, read back.

Run it against whatever tracker the environment (or ``adm_env.yml``) names::

    TRACKER_URL=sqlite:///studio.db TRACKER_PROJECT=MyShow \\
        python examples/pipeline.py render.png [--task-type Anim] [--hours 1.5]

It walks the project (every shot with its tasks), fetches the first shot's
task of one task type, publishes a comment asking for feedback with
``render.png`` as the shot's main preview, logs time on the task, reads all
that back from the tracker and prints a summary.

The same lines run on the local tracker, Kitsu and ShotGrid, because the
script only uses what they share:

- task statuses are chosen by their role flag (``is_feedback_request``...),
  never by a code (``wfa`` on Kitsu, ``rev`` on ShotGrid), and the summary
  prints the role;
- it needs no optional capability but ``previews`` and ``time_spent``, and
  checks them in ``session.capabilities`` first (no ``custom_data``, no
  ``playlists``);
- the summary shows names, counts, roles and durations: never ids, URLs or
  dates, which are the tracker's own.

``main(project, preview)`` does the work and returns the summary, so a test
(or another tool) can call it on a project it opened itself.
"""

from __future__ import annotations

import argparse
import datetime as dt
import filecmp
import sys
import tempfile
from collections import Counter
from pathlib import Path

import gadget
from gadget import Project, Session, Shot, TaskStatus

#: the role flags of a task status, the first that is set names its role
ROLES = ("done", "retake", "feedback_request", "wip", "default")
#: what this script needs beyond what every tracker does
NEEDS = ("previews", "time_spent")


def role(status: TaskStatus | None) -> str:
    """The role of a status ("wip", "done"...), "other" when it has no role flag."""
    if status is None:
        return "none"
    return next((r for r in ROLES if getattr(status, f"is_{r}")), "other")


def status_for(session: Session, wanted: str) -> TaskStatus:
    """The tracker's task status for a role: one with that flag and no other role's."""
    having = [s for s in session.task_statuses if getattr(s, f"is_{wanted}")]
    plain = [s for s in having if role(s) == wanted]
    if not having:
        raise gadget.NotFound("task status", {f"is_{wanted}": True}, "the tracker's statuses")
    return (plain or having)[0]


def walk(project: Project) -> list[str]:
    """One line per shot (sorted by name) with its tasks' types and status roles."""
    lines = []
    shots = sorted(project.shots, key=lambda s: s.name)
    tasks = 0
    for shot in shots:
        states = sorted(f"{t.task_type.name}={role(t.status)}" for t in shot.tasks)
        tasks += len(states)
        lines.append(f"  {_key(shot)} {shot.nb_frames}f: {' '.join(states)}")
    return [f"walk: {len(shots)} shots, {tasks} tasks", *lines]


def main(
    project: Project,
    preview: Path,
    *,
    task_type: str = "Anim",
    hours: float = 1.5,
    day: dt.date | None = None,
) -> str:
    """Publish ``preview`` on the first shot's ``task_type`` task; return the summary."""
    session = project.session
    missing = [c for c in NEEDS if c not in session.capabilities]
    if missing:
        raise gadget.Unsupported(f"this script needs {', '.join(missing)}")
    out = walk(project)

    # the first shot (by name) that has a task of that type
    shot = next(
        (
            s
            for s in sorted(project.shots, key=lambda s: s.name)
            if any(t.task_type.name == task_type for t in s.tasks)
        ),
        None,
    )
    if shot is None:
        raise gadget.NotFound("shot", f"with a {task_type} task", f"project {project.name!r}")
    task = shot.tasks.fetch(task_type)
    text = f"{task_type} {preview.stem} for review"
    note = task.comments.new(
        comment=text,
        status=status_for(session, "feedback_request"),
        preview=[preview],
        set_main_preview=True,
    )
    task.time_spent.add(session.me, day or dt.date.today(), hours=hours)
    out.append(f"published on {shot.name} {task_type}: {text!r} -> {role(note.status)}")

    # read it all back from the tracker, not from what the writes returned
    session.clear_cache()
    shot = project.shots.fetch(_key(shot))
    task = shot.tasks.fetch(task_type)
    latest = task.comments.first()
    if latest is None:  # another process deleted it meanwhile
        raise gadget.NotFound("comment", None, f"{task_type} of {shot.name!r}")
    out.append("read back:")
    out.append(f"  latest comment: {latest.text!r} (the one published: {_yes(latest == note)})")
    out.append(f"  its status: {role(latest.status)}; task status: {role(task.status)}")
    out.extend(f"  preview: {p.name}.{p.extension} {p.width}x{p.height}" for p in latest.previews)
    thumb = shot.main_preview
    out.append(
        f"  shot main preview: {thumb.name if thumb else None}"
        f" (the comment's: {_yes(thumb is not None and thumb in latest.previews)})"
    )
    if thumb is not None:
        with tempfile.TemporaryDirectory() as folder:
            copy = thumb.download(Path(folder) / f"main.{thumb.extension}")
            same = filecmp.cmp(copy, preview, shallow=False)
        out.append(f"  its file is the one published: {_yes(same)}")
    entries = list(task.time_spent)
    out.append(f"  time spent: {task.time_spent.total} in {len(entries)} entry(ies)")

    roles = Counter(role(t.status) for t in project.tasks)
    out.append("tasks by status role: " + ", ".join(f"{r} {n}" for r, n in sorted(roles.items())))
    return "\n".join(out) + "\n"


def _key(shot: Shot) -> str:
    """A shot's natural key in its project: "sequence/shot"."""
    return f"{shot.sequence.name}/{shot.name}" if shot.sequence else shot.name


def _yes(flag: bool) -> str:
    return "yes" if flag else "no"


def cli(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("preview", type=Path, help="the image to publish (a PNG)")
    parser.add_argument("--task-type", default="Anim", help="the task type to publish on")
    parser.add_argument("--hours", type=float, default=1.5, help="time to log (hours)")
    args = parser.parse_args(argv)
    try:
        with Project.from_env() as project:
            print(main(project, args.preview, task_type=args.task_type, hours=args.hours), end="")
    except gadget.GadgetError as exc:  # a clear message, not a traceback
        print(f"pipeline: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(cli())
