"""What the tests of ``gadget copy`` share, whichever trackers they copy between.

:func:`build` makes one project holding a bit of everything a copy moves
(episodes, sequences, shots and assets with custom data, task types with a
department, two tasks of one type on a shot, assignees, comments with
statuses, authors, a checklist, previews and an attachment, a main preview,
casting, time spent, a team and a playlist), through gadget on any tracker
with the capabilities the local tracker and Kitsu have. Statuses are found by
role, people and task types get the run's unique suffix (Kitsu's are
server-wide). :func:`check_round_trip` compares two sides with
:func:`gadget.testing.compare.compare_projects` and fails naming every field
that differs beyond what the copies reported as skipped.

Not a test module: loaded by the ``copy_studio`` fixture (tests/conftest.py).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from pathlib import Path

import gadget
from gadget.testing import write_pdf, write_png
from gadget.testing.compare import compare_projects, describe


def status(session: gadget.Session, role: str) -> gadget.TaskStatus:
    """The tracker's status for a role (one with no other role's flag first)."""
    flags = ("is_default", "is_wip", "is_feedback_request", "is_retake", "is_done")
    having = [s for s in session.task_statuses if getattr(s, f"is_{role}")]
    plain = [s for s in having if sum(getattr(s, f) for f in flags) == 1]
    return (plain or having)[0]


def build(session: gadget.Session, name: str, tag: str, folder: Path) -> gadget.Project:
    """The copy tests' source project ``name`` (``tag``: the run's unique suffix)."""
    folder.mkdir(parents=True, exist_ok=True)
    project = session.projects.new(
        name=name,
        production_type="tvshow",
        fps=24,
        description="the copy tests' show",
        custom_data={"client": "ACME"},
    )
    ep = project.episodes.new(name="E01", description="pilot")
    sq010 = project.sequences.new(name="sq010", episode=ep)
    sq020 = project.sequences.new(name="sq020", episode=ep)
    sh10 = project.shots.new(
        name="sh0010",
        sequence=sq010,
        frame_in=1001,
        frame_out=1048,
        fps=24,
        description="opening",
        custom_data={"lens": 35, "camera": "A"},
    )
    sh20 = project.shots.new(name="sh0020", sequence=sq010, frame_in=1001, frame_out=1024)
    sh30 = project.shots.new(name="sh0010", sequence=sq020, frame_in=1, frame_out=12)
    char = session.asset_types.ensure(name="Character")
    prop = session.asset_types.ensure(name="Prop")
    hero = project.assets.new(
        name="Hero", asset_type=char, description="the hero", custom_data={"variant": "a"}
    )
    lamp = project.assets.new(name="Lamp", asset_type=prop)
    dept = session.departments.new(name=f"Animation {tag}", color="#ff8800")
    layout = session.task_types.new(name=f"Layout {tag}", for_shots=True, color="#112233")
    anim = session.task_types.new(
        name=f"Anim {tag}", for_shots=True, department=dept, color="#445566"
    )
    model = session.task_types.new(name=f"Modeling {tag}", for_shots=False, color="#778899")
    jane = session.persons.new(
        first_name="Jane", last_name="Copy", email=f"jane.{tag}@gadget.example", role="user"
    )
    lead = session.persons.new(
        first_name="Lee", last_name="Copy", email=f"lee.{tag}@gadget.example", role="supervisor"
    )
    jane.update(department_ids=[dept.id])
    project.team.add(jane)
    project.team.add(lead)

    wip, wfa = status(session, "wip"), status(session, "feedback_request")
    retake, done = status(session, "retake"), status(session, "done")
    for shot in (sh10, sh20, sh30):
        shot.tasks.new(task_type=layout, assignees=[lead])
    main = sh10.tasks.new(
        task_type=anim,
        assignees=[jane],
        due_date=dt.date(2026, 5, 1),
        estimation=dt.timedelta(hours=16),
        description="hero walk",
    )
    sh10.tasks.new(task_type=anim, name="crowd", assignees=[jane, lead])
    modeling = hero.tasks.new(task_type=model, assignees=[jane])
    lamp.tasks.new(task_type=model)

    main.comments.new(
        comment="blocking pass",
        status=wip,
        author=jane,
        preview=[write_png(folder / "blocking.png", width=32, height=18)],
        checklist=["arms", ("feet", True)],
    )
    main.comments.new(
        comment="arms too stiff",
        status=retake,
        author=lead,
        attachments=[write_pdf(folder / "notes.pdf")],
    )
    main.comments.new(
        comment="spline pass",
        status=wfa,
        author=jane,
        preview=[write_png(folder / "spline.png", width=48, height=27)],
        set_main_preview=True,
    )
    sh20.tasks.fetch(layout.name).comments.new(comment="camera locked", status=done, author=lead)
    modeling.comments.new(
        comment="sculpt", status=wip, author=jane, preview=[write_png(folder / "hero.png")]
    )
    sh10.casting.set([(hero, 2), lamp])
    sh20.casting.set([hero])
    main.time_spent.set(jane, dt.date(2026, 4, 2), hours=2)
    main.time_spent.set(jane, dt.date(2026, 4, 3), minutes=90)
    daily = project.playlists.new(name="Daily", for_entity="shot")
    daily.add(sh10)
    daily.add(sh20)
    return project


def check_round_trip(
    left: gadget.Session,
    right: gadget.Session,
    project: str,
    right_project: str | None = None,
    *,
    skipped: Iterable[gadget.CopyReport] = (),
) -> None:
    """Fail naming every field that differs, beyond what ``skipped`` reports left out."""
    ignore: set[tuple[str, str]] = set()
    for report in skipped:
        ignore |= report.skipped_fields()
    differences = compare_projects(left, right, project, right_project, ignore=ignore)
    assert not differences, f"{len(differences)} field(s) differ:\n{describe(differences)}"
