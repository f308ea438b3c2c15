"""``gadget demo``: build a small studio in a local tracker, then walk it.

The build uses only the public API and only idempotent forms (``ensure``,
``set``, comments posted on a task only while it has none), so running the
demo again on the same database changes nothing. The database is made with
``connect(url, create=True)``; ``TRACKER_LOGIN``, when set (environment or
adm_env.yml), becomes the new database's first admin, so ``gadget ls`` with
the same settings acts as that person. The walk is what pipeline
code does (``project.shots`` -> ``shot.tasks`` -> ``task.status`` ...) in a
fresh session whose tracker calls are counted, to show the prefetch at work.
"""

from __future__ import annotations

import argparse
import contextlib
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from tempfile import TemporaryDirectory
from typing import TYPE_CHECKING, Any

from gadget.errors import AuthenticationError, ConfigError
from gadget.session import Session, connect
from gadget.testing.png import RGB, write_gradient_png
from gadget.testing.spy import TrackerSpy
from gadget.trackers.local.location import parse_url

if TYPE_CHECKING:
    from gadget.entities import Project, Shot

__all__ = [
    "PROJECT",
    "READS",
    "Walk",
    "build_studio",
    "db_url",
    "demo_login",
    "register",
    "remove_database",
    "run",
    "walk",
]

#: The demo project's name (the ``TRACKER_PROJECT`` of the example adm_env.yml).
PROJECT = "Demo"
TASK_TYPES = ("Layout", "Anim3D", "Lighting")

SAM, JANE, KAI, ANA = (
    "sam@studio.example",
    "jane@studio.example",
    "kai@studio.example",
    "ana@studio.example",
)
PEOPLE = (
    ("Sam", "Lee", SAM),
    ("Jane", "Doe", JANE),
    ("Kai", "Moreau", KAI),
    ("Ana", "Ruiz", ANA),
)
#: who works on each task type (every shot's task gets these assignees)
ASSIGNEES = {"Layout": (SAM,), "Anim3D": (JANE, KAI), "Lighting": (ANA,)}
#: sequence -> the length in frames of each of its shots (all start at 1001, 24 fps)
SEQUENCES = {"sq010": (48, 72, 36, 96, 60, 24), "sq020": (120, 48, 64, 30, 84, 52)}
LENSES = (24, 35, 50, 85)
ASSETS = (("Character", "Hero"), ("Character", "Sidekick"), ("Prop", "Lamp"))
#: a colour per shot, for its previews
PALETTE: tuple[RGB, ...] = (
    (230, 126, 34),
    (52, 152, 219),
    (155, 89, 182),
    (46, 204, 113),
    (241, 196, 15),
    (231, 76, 60),
    (26, 188, 156),
    (52, 73, 94),
    (243, 156, 18),
    (41, 128, 185),
    (142, 68, 173),
    (39, 174, 96),
)


@dataclass(frozen=True)
class Note:
    """One comment of the demo's script."""

    author: str
    text: str
    status: str
    preview: str | None = None  # file stem of a generated PNG
    checklist: tuple[str, ...] = ()
    attachment: str | None = None  # file name of a generated text file


def _script() -> dict[tuple[int, str], tuple[Note, ...]]:
    """(shot index, task type) -> the comments posted on that task, oldest first."""
    script: dict[tuple[int, str], tuple[Note, ...]] = {}
    for i in range(4):
        script[(i, "Layout")] = (
            Note(SAM, "layout v1 ready for review", "wfa", preview="layout_v001"),
            Note(KAI, "approved, camera locked", "done"),
        )
    for i in range(4, 8):
        script[(i, "Layout")] = (Note(SAM, "blocking the camera moves", "wip"),)
    script[(0, "Anim3D")] = (
        Note(JANE, "blocking pass", "wfa", preview="anim_v001"),
        Note(
            KAI,
            "the arm pops at 1032; smooth the arc",
            "retake",
            checklist=("fix the arm pop at 1032", "smooth the arc"),
            attachment="notes.txt",
        ),
        Note(JANE, "fixing the arc", "wip"),
        Note(JANE, "spline pass, arm fixed", "wfa", preview="anim_v002"),
    )
    script[(1, "Anim3D")] = (Note(JANE, "blocking pass", "wip"),)
    script[(2, "Anim3D")] = (Note(KAI, "blocking pass", "wfa", preview="anim_v001"),)
    script[(0, "Lighting")] = (Note(ANA, "first light pass", "wip"),)
    return script


#: (shot index, task type, person, day, hours) of time spent (set, not added: idempotent)
TIME_SPENT = (
    *((i, "Layout", SAM, "2026-03-16", 3.0) for i in range(8)),
    (0, "Anim3D", JANE, "2026-03-16", 6.0),
    (0, "Anim3D", JANE, "2026-03-17", 7.5),
    (1, "Anim3D", JANE, "2026-03-18", 5.0),
    (2, "Anim3D", KAI, "2026-03-18", 4.0),
    (0, "Lighting", ANA, "2026-03-18", 2.5),
)


def db_url(path: Path) -> str:
    """The ``sqlite:///`` URL of a database file (absolute: ``sqlite:////abs/x.db``)."""
    return "sqlite:///" + path.as_posix()


def remove_database(path: Path) -> bool:
    """Delete a local tracker's database, its WAL files and ``<stem>.files/``.

    Refuses (ConfigError) a file that is not a SQLite database. True when
    something was deleted.
    """
    import shutil

    if path.is_file() and path.stat().st_size > 0:
        with path.open("rb") as handle:
            if handle.read(16) != b"SQLite format 3\x00":
                raise ConfigError(f"{path} is not a SQLite database; not deleting it")
    removed = False
    for suffix in ("", "-wal", "-shm", "-journal"):
        target = path.with_name(path.name + suffix)
        if target.is_file():
            target.unlink()
            removed = True
    files = parse_url(db_url(path)).files_dir
    if files is not None and files.is_dir():
        shutil.rmtree(files)
        removed = True
    return removed


# -- build -----------------------------------------------------------------
def build_studio(session: Session, workdir: Path) -> Project:
    """Create (or complete) the demo studio; idempotent. Files are written in ``workdir``."""
    project = session.projects.ensure(name=PROJECT, production_type="tvshow", fps=24)
    people = {
        email: session.persons.ensure(first_name=first, last_name=last, email=email)
        for first, last, email in PEOPLE
    }
    team = project.team.all()
    for person in people.values():
        if person not in team:
            project.team.add(person)
    for name in TASK_TYPES:
        session.task_types.ensure(name=name, for_shots=True)

    asset_types = {name: session.asset_types.ensure(name=name) for name in ("Character", "Prop")}
    assets = {
        name: project.assets.ensure(
            name=name, asset_type=asset_types[type_name], custom_data={"variant": "default"}
        )
        for type_name, name in ASSETS
    }

    shots: list[Shot] = []
    for seq_name, lengths in SEQUENCES.items():
        seq = project.sequences.ensure(name=seq_name)
        for n, length in enumerate(lengths, start=1):
            index = len(shots)
            shots.append(
                project.shots.ensure(
                    name=f"{seq_name}_sh{n * 10:04d}",
                    sequence=seq,
                    frame_in=1001,
                    frame_out=1000 + length,
                    fps=24,
                    description=f"shot {n} of {seq_name}",
                    custom_data={"lens": LENSES[index % len(LENSES)], "camera": "cam_main"},
                )
            )

    # casting replaces what is there: the same call is idempotent
    session.set_casting(
        {
            shot: [(assets["Hero"], 1)]
            + ([(assets["Sidekick"], 1)] if i % 2 else [])
            + ([(assets["Lamp"], 2)] if i % 3 == 0 else [])
            for i, shot in enumerate(shots)
        }
    )

    script = _script()
    tasks = {}
    for i, shot in enumerate(shots):
        for type_name in TASK_TYPES:
            task = shot.tasks.ensure(
                task_type=type_name,
                status="todo",
                assignees=[people[e] for e in ASSIGNEES[type_name]],
            )
            tasks[(i, type_name)] = task
            notes = script.get((i, type_name), ())
            if notes and task.comments.first() is None:
                for note in notes:
                    _post(task, note, people, workdir, PALETTE[i % len(PALETTE)])
    for i, type_name, email, day, hours in TIME_SPENT:
        tasks[(i, type_name)].time_spent.set(people[email], day, hours=hours)
    return project


def _post(task: Any, note: Note, people: dict[str, Any], workdir: Path, colour: RGB) -> None:
    previews = []
    if note.preview:
        r, g, b = colour
        light: RGB = (min(255, r + 90), min(255, g + 90), min(255, b + 90))
        previews.append(write_gradient_png(workdir / f"{note.preview}.png", light, colour))
    attachments = []
    if note.attachment:
        path = workdir / note.attachment
        path.write_text("- " + "\n- ".join(note.checklist) + "\n", encoding="utf-8")
        attachments.append(path)
    task.comments.new(
        comment=note.text,
        status=note.status,
        author=people[note.author],
        preview=previews,
        attachments=attachments,
        checklist=list(note.checklist),
        set_main_preview=bool(previews),
    )


# -- walk ------------------------------------------------------------------
#: the tracker reads the demo counts, in the order it prints them
READS = ("get", "list", "list_children", "list_with_children")


@dataclass
class Row:
    shot: str
    frames: str
    main_preview: str
    task: str
    status: str
    assignees: str
    retakes: int
    last_comment: str


@dataclass
class Walk:
    """What :func:`walk` saw."""

    rows: list[Row] = field(default_factory=list)
    shots: int = 0
    tasks: int = 0
    comments: int = 0
    main_previews: int = 0


def walk(project: Project) -> Walk:
    """Read every shot, its tasks, statuses, assignees, last comment and main
    preview, the way pipeline code does (one row per task; a shot without
    tasks gets a row of its own)."""
    seen = Walk()
    for shot in project.shots:
        seen.shots += 1
        rows: list[Row] = []
        for task in shot.tasks:
            seen.tasks += 1
            comments = task.comments.all()  # newest first
            seen.comments += len(comments)
            last = comments[0] if comments else None
            note = ""
            if last is not None:
                author = last.author
                note = f"{author.first_name}: " if author else ""
                note += last.text or "(no text)"
                if last.previews:
                    note += f" [{last.previews[0].name}]"
            rows.append(
                Row(
                    shot="",
                    frames="",
                    main_preview="",
                    task=task.task_type.name,
                    status=task.status.short_name,
                    assignees=", ".join(p.first_name for p in task.assignees),
                    retakes=task.nb_retakes,
                    last_comment=note,
                )
            )
        if not rows:
            rows.append(Row("", "", "", "", "", "", 0, ""))
        rows[0].shot, rows[0].frames = shot.name, f"{shot.frame_in}-{shot.frame_out}"
        preview = shot.main_preview  # after the tasks: their comments brought it along
        if preview is not None:
            seen.main_previews += 1
            rows[0].main_preview = preview.name
        seen.rows += rows
    return seen


def counted_walk(
    url: str, *, prefetch: bool = True, login: str | None = None
) -> tuple[Walk, dict[str, int]]:
    """Walk the demo project in a fresh session; the tracker reads it made, by method."""
    with (
        connect(url, login=login) as session,
        TrackerSpy(session.tracker, READS) as spy,
        contextlib.nullcontext() if prefetch else session.no_prefetch(),
    ):
        result = walk(session.projects.fetch(PROJECT))
    return result, {name: spy.count(name) for name in READS}


# -- the command -------------------------------------------------------------
def register(commands: Any) -> None:
    """Add ``gadget demo`` to the subparsers ``commands``."""
    demo = commands.add_parser(
        "demo",
        help="build a small studio in a local tracker and walk it",
        description="Build (or complete) a demo studio in a local SQLite tracker, then walk it "
        "as pipeline code would and count the tracker calls. Running it again changes nothing.",
    )
    demo.add_argument(
        "--db",
        default="gadget-demo.db",
        metavar="PATH",
        help="the SQLite database to use (default: gadget-demo.db in the working directory)",
    )
    demo.add_argument(
        "--fresh", action="store_true", help="delete the database (and its files) first"
    )
    demo.set_defaults(run=__name__)


def demo_login(url: str) -> str | None:
    """``TRACKER_LOGIN`` from the environment or adm_env.yml (None when unset)."""
    from gadget.config import load_config

    return load_config(url=url).login  # the demo's URL: TRACKER_URL may be unset or elsewhere


def _open(url: str, login: str | None) -> Session:
    """The demo database, made when missing (``login`` its first admin)."""
    try:
        return connect(url, login=login, create=True)
    except AuthenticationError as exc:  # an existing database that does not know the login
        raise ConfigError(
            f"{exc}. The demo database was built without TRACKER_LOGIN={login} among its "
            "people: rebuild it with `gadget demo --fresh` to make that login its first admin, "
            "or unset TRACKER_LOGIN"
        ) from exc


@contextlib.contextmanager
def _timer() -> Iterator[list[float]]:
    box = [0.0]
    start = time.perf_counter()
    try:
        yield box
    finally:
        box[0] = time.perf_counter() - start


def run(args: argparse.Namespace) -> int:
    """``gadget demo [--db PATH] [--fresh]``."""
    from rich.markup import escape
    from rich.table import Table
    from rich.text import Text

    from gadget.cli._output import console

    out = console()
    path = Path(args.db).expanduser().absolute()
    url = db_url(path)
    login = demo_login(url)
    if args.fresh and remove_database(path):
        out.print(f"removed the previous demo database {escape(str(path))}")

    with (
        _timer() as build_time,
        _open(url, login) as session,
        TemporaryDirectory(prefix="gadget-demo-") as tmp,
    ):
        existed = session.projects.filter(name=PROJECT).first() is not None
        build_studio(session, Path(tmp))
    verb = "checked (already there)" if existed else "built"
    out.print(f"studio {verb} in [bold]{escape(str(path))}[/] in {build_time[0]:.2f} s")

    with _timer() as walk_time:
        result, counts = counted_walk(url, login=login)
    lazy, lazy_counts = counted_walk(url, prefetch=False, login=login)

    table = Table(title=f"project {PROJECT}: shots and their tasks", title_justify="left")
    fixed = ("shot", "frames", "main preview", "task", "status", "assignees", "retakes")
    for name in fixed:
        table.add_column(name, no_wrap=True, justify="right" if name == "retakes" else "left")
    # one line per task: the last comment gets what the other columns leave, cut with "…"
    used = sum(
        max([len(name), *(len(str(getattr(r, name.replace(" ", "_")))) for r in result.rows)])
        for name in fixed
    )
    room = max(20, out.width - used - 3 * (len(fixed) + 1) - 1)
    table.add_column("last comment", overflow="ellipsis", no_wrap=True, max_width=room)
    for i, row in enumerate(result.rows):
        last_of_shot = i + 1 == len(result.rows) or bool(result.rows[i + 1].shot)
        table.add_row(
            Text(row.shot, style="bold"),
            Text(row.frames),
            Text(row.main_preview),
            Text(row.task),
            Text(row.status, style=_STATUS_STYLE.get(row.status, "")),
            Text(row.assignees),
            Text(str(row.retakes)),
            Text(row.last_comment),
            end_section=last_of_shot,
        )
    out.print(table)

    calls = ", ".join(f"{name} {n}" for name, n in counts.items())
    out.print(
        f"{result.shots} shots, {result.tasks} tasks, {result.comments} comments, "
        f"{result.main_previews} shots with a main preview"
    )
    out.print(
        f"the walk cost [bold]{sum(counts.values())} tracker calls[/] ({calls}) in "
        f"{walk_time[0] * 1000:.0f} ms thanks to the prefetch; "
        f"with session.no_prefetch() it costs {sum(lazy_counts.values())}"
    )
    if lazy.rows != result.rows:  # pragma: no cover - prefetch must not change what is read
        out.print("[red]warning: the walk without prefetch read something else[/]")
    hint = f"sqlite:///{args.db}" if not Path(args.db).is_absolute() else url
    out.print(
        f"next: [bold]TRACKER_URL={escape(hint)} gadget ls shots --project {PROJECT}[/] "
        "(or the adm_env.yml of the repository)"
    )
    return 0


_STATUS_STYLE = {"todo": "dim", "wip": "blue", "wfa": "magenta", "retake": "red", "done": "green"}
