"""Roles on the real Kitsu server: what each role may do through gadget.

Real people of each Kitsu role (user, supervisor, manager, vendor, client)
on one project's team, each assigned a task of their own; a second task is
assigned to nobody. Each person walks the project, publishes, changes
statuses, adds time spent and creates a shot, on their own task and on the
other one. What Kitsu lets a role do works through gadget; what it refuses
is a ``PermissionDenied`` naming the operation and the role, and leaves
nothing on the server. :data:`EXPECTED` is what these tests observed on
Zou 1.0.97; the table of docs/kitsu.md ("What each role may do") is made
from it (``test_the_docs_table_is_the_observed_one``).
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

import gadget
from gadget.testing import Names, write_png

from .conftest import KitsuServer, _seed_person

ROOT = Path(__file__).resolve().parents[2]
ROLES = ("user", "supervisor", "manager", "vendor", "client")

#: operation -> (its words in the docs table, the words a refusal names)
OPERATIONS: dict[str, tuple[str, str]] = {
    "walk": ("walk the project (shots, tasks, comments)", ""),
    "publish": ("publish on their task (comment, status, preview)", "post a comment on a task"),
    "main_preview": ("... with `set_main_preview=True`", "main preview"),
    "set_status": ("change their task's status", "post a comment on a task"),
    "time_spent": ("add time spent on their task", "add time spent on a task"),
    "other_publish": ("comment on a task not assigned to them", "post a comment on a task"),
    "other_status": ("change the status of a task not assigned to them", "post a comment"),
    "other_time_spent": ("add their time on a task not assigned to them", "add time spent"),
    "new_shot": ("create a shot", "create shots"),
}

ALL = "yes"
NO = "refused"
HIDDEN = "not visible (NotFound)"
ASSIGNED = "only their assigned tasks"

#: what each role may do, as observed on Zou 1.0.97 (rows of OPERATIONS)
EXPECTED: dict[str, dict[str, str]] = {
    "user": {
        "walk": ALL,
        "publish": ALL,
        "main_preview": ALL,
        "set_status": ALL,
        "time_spent": ALL,
        "other_publish": NO,
        "other_status": NO,
        "other_time_spent": NO,
        "new_shot": NO,
    },
    "supervisor": {
        "walk": ALL,
        "publish": ALL,
        "main_preview": ALL,
        "set_status": ALL,
        "time_spent": ALL,
        "other_publish": ALL,
        "other_status": ALL,
        "other_time_spent": ALL,
        "new_shot": NO,
    },
    "manager": {
        "walk": ALL,
        "publish": ALL,
        "main_preview": ALL,
        "set_status": ALL,
        "time_spent": ALL,
        "other_publish": ALL,
        "other_status": ALL,
        "other_time_spent": ALL,
        "new_shot": ALL,
    },
    "vendor": {
        "walk": ASSIGNED,
        "publish": ALL,
        "main_preview": ALL,
        "set_status": ALL,
        "time_spent": ALL,
        "other_publish": HIDDEN,
        "other_status": HIDDEN,
        "other_time_spent": HIDDEN,
        "new_shot": NO,
    },
    "client": {
        "walk": ALL,
        "publish": ALL,
        "main_preview": NO,
        "set_status": ALL,
        "time_spent": ALL,
        "other_publish": ALL,
        "other_status": ALL,
        "other_time_spent": NO,
        "new_shot": NO,
    },
}


@dataclass
class Person:
    role: str
    email: str
    password: str
    id: str


@dataclass
class Team:
    """The project every role works on."""

    project_name: str
    task_type: str
    people: dict[str, Person]
    shots: dict[str, str]  # shot name -> id ("sh_<role>" and "sh_other")


@pytest.fixture(scope="module")
def team(kitsu_server: KitsuServer) -> Iterator[Team]:
    names = Names()
    people: dict[str, Person] = {}
    with kitsu_server.connect() as admin:
        project = admin.projects.new(name=names("Roles"), production_type="short")
        seq = project.sequences.new(name="sq010")
        anim = admin.task_types.new(name=names("Anim"), for_shots=True)
        shots = {}
        for role in ROLES:
            person, password = _seed_person(kitsu_server.raw, role.capitalize(), role)
            people[role] = Person(role, person["email"], password, person["id"])
            project.team.add(person["id"])
            shot = project.shots.new(name=f"sh_{role}", sequence=seq)
            shot.tasks.new(task_type=anim, assignees=[person["id"]])
            shots[shot.name] = shot.id
        other = project.shots.new(name="sh_other", sequence=seq)
        other.tasks.new(task_type=anim)  # assigned to nobody
        shots[other.name] = other.id
    try:
        yield Team(project.name, anim.name, people, shots)
    finally:  # Zou counts active people against its user limit (100)
        for person in people.values():
            kitsu_server.raw.put(f"data/persons/{person.id}", {"active": False})


@dataclass
class Attempt:
    session: gadget.Session
    team: Team
    person: Person
    tmp: Path

    def project(self) -> gadget.Project:
        return self.session.projects.fetch(self.team.project_name)

    def task(self, shot: str) -> gadget.Task:
        return self.project().shots.fetch(f"sq010/{shot}").tasks.fetch(self.team.task_type)

    def own(self) -> gadget.Task:
        return self.task(f"sh_{self.person.role}")

    def other(self) -> gadget.Task:
        return self.task("sh_other")


def _walk(a: Attempt) -> str:
    seen = {shot.name: [t.task_type.name for t in shot.tasks] for shot in a.project().shots}
    for shot in a.project().shots:
        for task in shot.tasks:
            list(task.comments)
    if set(a.team.shots) <= set(seen):  # a manager may have made one more
        return ALL
    assert seen == {f"sh_{a.person.role}": [a.team.task_type]}, seen
    return ASSIGNED


def _publish(a: Attempt) -> None:
    png = write_png(a.tmp / f"{a.person.role}-v1.png")
    note = a.own().comments.new(comment="v1", status="wfa", preview=[png])
    assert note.author.email == a.person.email and note.previews[0].name == png.stem


def _main_preview(a: Attempt) -> None:
    png = write_png(a.tmp / f"{a.person.role}-v2.png")
    a.own().comments.new(comment="v2", preview=[png], set_main_preview=True)


def _set_status(a: Attempt) -> None:
    a.own().set_status("wip")


def _time_spent(a: Attempt) -> None:
    a.own().time_spent.add(a.session.me, datetime.date(2026, 3, 2), hours=1)


def _other_publish(a: Attempt) -> None:
    a.other().comments.new(comment=f"note from the {a.person.role}")


def _other_status(a: Attempt) -> None:
    a.other().set_status("wip")


def _other_time_spent(a: Attempt) -> None:
    a.other().time_spent.add(a.session.me, datetime.date(2026, 3, 3), hours=1)


def _new_shot(a: Attempt) -> None:
    project = a.project()
    project.shots.new(name=f"sh_new_{a.person.role}", sequence=project.sequences.fetch("sq010"))


ATTEMPTS: dict[str, Callable[[Attempt], Any]] = {
    "walk": _walk,
    "publish": _publish,
    "main_preview": _main_preview,
    "set_status": _set_status,
    "time_spent": _time_spent,
    "other_publish": _other_publish,
    "other_status": _other_status,
    "other_time_spent": _other_time_spent,
    "new_shot": _new_shot,
}


@pytest.mark.parametrize("role", ROLES)
def test_each_role_does_what_kitsu_allows_it(
    kitsu_server: KitsuServer, team: Team, role: str, tmp_path: Path
) -> None:
    person = team.people[role]
    raw = kitsu_server.raw
    observed: dict[str, str] = {}
    refusals: dict[str, str] = {}
    with gadget.connect(
        f"kitsu+{kitsu_server.api_url}", login=person.email, password=person.password
    ) as session:
        assert session.me.role == role
        attempt = Attempt(session, team, person, tmp_path)
        for name, run in ATTEMPTS.items():
            before = _server_state(raw, team, person)
            try:
                outcome = run(attempt)
            except gadget.PermissionDenied as exc:
                observed[name] = NO
                refusals[name] = str(exc)
                after = _server_state(raw, team, person)
                assert after == before, f"{role} {name}: refused, yet the server changed"
            except gadget.NotFound:
                observed[name] = HIDDEN
            else:
                observed[name] = outcome if isinstance(outcome, str) else ALL
    assert observed == EXPECTED[role]
    for name, message in refusals.items():
        words = OPERATIONS[name][1]
        named = f"(role {role})" in message or f"role {role!r}" in message
        assert words in message and named and person.email in message, (name, message)
    own_shot = raw.get(f"data/shots/{team.shots[f'sh_{role}']}")
    if EXPECTED[role]["main_preview"] == NO:
        assert own_shot["preview_file_id"] is None  # the main preview was not set
    else:
        assert own_shot["preview_file_id"] is not None


def _server_state(raw: Any, team: Team, person: Person) -> tuple[Any, ...]:
    """What a refused write could have changed: the comments on the person's
    task and on the other task, its status, the time spent there, the shots."""
    other = raw.get(f"data/shots/{team.shots['sh_other']}/tasks")[0]
    own = raw.get(f"data/shots/{team.shots[f'sh_{person.role}']}/tasks")[0]
    comments = [
        *raw.get(f"data/tasks/{other['id']}/comments"),
        *raw.get(f"data/tasks/{own['id']}/comments"),
    ]
    spent = raw.get(f"actions/tasks/{other['id']}/time-spents")
    shots = raw.get("data/shots", project_id=other["project_id"])
    return (
        sorted(c["id"] for c in comments),
        other["task_status_id"],
        sorted(str(s) for s in (spent if isinstance(spent, list) else [spent])),
        sorted(s["name"] for s in shots),
    )


def roles_table() -> str:
    """The Markdown table of docs/kitsu.md, from :data:`EXPECTED`."""
    lines = [
        "| what the person does | " + " | ".join(ROLES) + " |",
        "|---|" + "---|" * len(ROLES),
    ]
    for name, (words, _) in OPERATIONS.items():
        cells = [EXPECTED[role][name] for role in ROLES]
        lines.append(f"| {words} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def test_the_docs_table_is_the_observed_one() -> None:
    docs = (ROOT / "docs" / "kitsu.md").read_text(encoding="utf-8")
    assert roles_table() in docs, "docs/kitsu.md: paste roles_table() of this module"
