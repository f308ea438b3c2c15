"""How many requests the everyday workloads cost on Kitsu, counted at the server.

Counts, never times (times are for ``benchmarks/run.py``). Every count is a
delta of ``kitsu_server.requests_served()``: the server's own access log,
whatever client sent the requests, login left out. A reintroduced N+1 (one
request per shot or per task) makes these fail; the walk under
``session.no_prefetch()`` proves that the counter sees it.

The seeded data (plain REST calls, before any count): two projects of 25 and
65 shots with 3 tasks each (65 is past the 60-id chunk of the Kitsu tracker,
so both of its bulk routes are used) and a few comments. The casting test
makes its own assets.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

import gadget
import gadget._cache as query_cache
from gadget.testing import Names, write_png

from .conftest import Account, KitsuServer, RawKitsu, _seed_person

SMALL, LARGE, TASK_TYPES = 25, 65, 3


@dataclass
class Counted:
    requests: int = -1


@contextlib.contextmanager
def counted(server: KitsuServer) -> Iterator[Counted]:
    """``with counted(kitsu_server) as c: ...`` then ``c.requests``: answered meanwhile."""
    result = Counted()
    before = server.requests_served()
    yield result
    result.requests = server.requests_served() - before


@dataclass
class Seeded:
    name: str
    id: str
    shots: list[dict[str, Any]]
    nb_tasks: int


@dataclass
class Studio:
    small: Seeded
    large: Seeded
    task_types: list[str]  # names; the second one of the first shot has comments
    read_shot: str
    nb_comments: int
    publish_shot: dict[str, Any]


def _seed_project(raw: RawKitsu, name: str, shots: int, type_ids: list[str]) -> Seeded:
    project = raw.post("data/projects", {"name": name, "production_type": "featurefilm"})
    pid = project["id"]
    seq = raw.post(f"data/projects/{pid}/sequences", {"name": "sq010"})
    made = [
        raw.post(
            f"data/projects/{pid}/shots",
            {
                "name": f"sq010_sh{(i + 1) * 10:04d}",
                "sequence_id": seq["id"],
                "nb_frames": 24,
                "data": {"frame_in": 1001, "frame_out": 1024, "fps": 24},
            },
        )
        for i in range(shots)
    ]
    nb_tasks = 0
    for type_id in type_ids:  # one request: this type's tasks for every shot of the project
        raw.post(f"data/projects/{pid}/settings/task-types", {"task_type_id": type_id})
        nb_tasks += len(
            raw.post(f"actions/projects/{pid}/task-types/{type_id}/shots/create-tasks", [])
        )
    return Seeded(name, pid, made, nb_tasks)


@pytest.fixture(scope="module")
def studio(kitsu_server: KitsuServer) -> Studio:
    raw, names = kitsu_server.raw, Names()
    type_ids, type_names = [], []
    for base in ("Layout", "Anim3D", "Comp")[:TASK_TYPES]:
        task_type = raw.post("data/task-types", {"name": names(base), "for_entity": "Shot"})
        type_ids.append(task_type["id"])
        type_names.append(task_type["name"])
    small = _seed_project(raw, names("CountSmall"), SMALL, type_ids)
    large = _seed_project(raw, names("CountLarge"), LARGE, type_ids)
    wip = raw.get("data/task-status", short_name="wip")[0]["id"]
    done = raw.get("data/task-status", short_name="done")[0]["id"]
    tasks = raw.get("data/tasks", project_id=small.id)
    hero = next(
        t
        for t in tasks
        if t["entity_id"] == small.shots[0]["id"] and t["task_type_id"] == type_ids[1]
    )
    # seconds apart, as one person's comments are: comments of one second cost one
    # more request each, counted by a test of their own
    start = dt.datetime.now(dt.timezone.utc).replace(tzinfo=None) - dt.timedelta(minutes=1)
    for i in range(3):
        at = (start + dt.timedelta(seconds=i)).strftime("%Y-%m-%d %H:%M:%S")
        raw.post(
            f"actions/tasks/{hero['id']}/comment",
            {"task_status_id": wip, "comment": f"n{i}", "created_at": at},
        )
    for task in tasks[::10]:  # a few other tasks move on
        if task["id"] != hero["id"]:
            raw.post(
                f"actions/tasks/{task['id']}/comment", {"task_status_id": done, "comment": "ok"}
            )
    return Studio(
        small=small,
        large=large,
        task_types=type_names,
        read_shot=str(small.shots[0]["name"]),
        nb_comments=3,
        publish_shot=small.shots[1],
    )


def walk(project: Any) -> list[tuple[str, str, str]]:
    return [
        (shot.name, task.task_type.name, task.status.short_name)
        for shot in project.shots
        for task in shot.tasks
    ]


def read(project: Any, shot_name: str, task_type: str) -> list[Any]:
    shot = project.shots.get(name=shot_name)
    return list(shot.tasks.fetch(task_type).comments)


# -- the counter itself ---------------------------------------------------------------
def test_the_counter_counts_each_request_at_the_server(kitsu_server: KitsuServer) -> None:
    with counted(kitsu_server) as nothing:
        pass
    with counted(kitsu_server) as two:
        kitsu_server.raw.get("data/project-status")
        kitsu_server.raw.get("data/task-status")
    with counted(kitsu_server) as login:  # a login (POST /auth/login) is left out
        kitsu_server.connect().close()
    assert (nothing.requests, two.requests, login.requests) == (0, 2, 0)


# -- (a) and (f): the walk ---------------------------------------------------------------
def test_walk_costs_at_most_3_requests_whatever_the_size_then_none_warm(
    kitsu_server: KitsuServer, studio: Studio
) -> None:
    cold, warm = {}, {}
    for seeded in (studio.small, studio.large):
        with kitsu_server.connect() as session:
            project = session.projects.fetch(seeded.name)  # before counting: the project
            with counted(kitsu_server) as first:
                rows = walk(project)
            with counted(kitsu_server) as again:  # (f): the same session, within the TTL
                assert walk(project) == rows
        assert len(rows) == seeded.nb_tasks == len(seeded.shots) * TASK_TYPES
        cold[len(seeded.shots)], warm[len(seeded.shots)] = first.requests, again.requests
    # the shots with their tasks, the task types, the statuses
    assert cold[SMALL] == cold[LARGE] <= 3, f"(a) cold walk, requests by number of shots: {cold}"
    assert warm == {SMALL: 0, LARGE: 0}, f"(f) warm walk: {warm}"


def test_looking_the_project_up_then_walking_costs_at_most_4_requests(
    kitsu_server: KitsuServer, studio: Studio
) -> None:
    """The issue's whole count: ``projects.get(name=...)`` then the walk; the
    project's status (the project-status list) is read only when asked for."""
    costs = {}
    for seeded in (studio.small, studio.large):
        with kitsu_server.connect() as session:
            with counted(kitsu_server) as c:
                project = session.projects.get(name=seeded.name)
                rows = walk(project)
            assert len(rows) == seeded.nb_tasks
            costs[len(seeded.shots)] = c.requests
            with counted(kitsu_server) as status:
                assert project.status == "open"
            assert status.requests == 2  # the project, the project-status list
    assert costs == {SMALL: 4, LARGE: 4}, costs


def test_fields_the_walk_left_out_cost_one_request_whatever_the_size(
    kitsu_server: KitsuServer, studio: Studio
) -> None:
    """with-tasks leaves out task names and descriptions and every created_at:
    their first read loads them for every task (or shot) of the walk at once."""
    costs = {}
    for seeded in (studio.small, studio.large):
        with kitsu_server.connect() as session:
            project = session.projects.fetch(seeded.name)
            shots = list(project.shots)
            tasks = [t for shot in shots for t in shot.tasks]
            with counted(kitsu_server) as of_tasks:
                names = {t.name for t in tasks}
                assert all(t.created_at is not None for t in tasks)
            with counted(kitsu_server) as of_shots:
                assert all(s.created_at is not None for s in shots)
        stored = kitsu_server.raw.get("data/tasks", project_id=seeded.id)
        assert names == {t["name"] for t in stored}
        costs[len(shots)] = (of_tasks.requests, of_shots.requests)
    assert costs == {SMALL: (1, 1), LARGE: (1, 1)}, costs


def test_walk_without_prefetch_costs_one_request_per_shot(
    kitsu_server: KitsuServer, studio: Studio
) -> None:
    """What an N+1 looks like to the counter: proof that it would catch one."""
    with kitsu_server.connect() as session:
        project = session.projects.fetch(studio.small.name)
        with session.no_prefetch(), counted(kitsu_server) as naive:
            rows = walk(project)
    assert len(rows) == studio.small.nb_tasks
    assert naive.requests >= SMALL + 1, naive.requests


def test_tasks_read_as_children_take_their_kind_from_the_parents(
    kitsu_server: KitsuServer, studio: Studio
) -> None:
    """``list_children`` is told the parents' kind: a tracker that has never seen
    these shots (nothing in its id index) reads their tasks with one request, and
    asks nothing to learn that their entities are shots."""
    ids = [str(s["id"]) for s in studio.small.shots]
    with kitsu_server.connect() as session:
        tracker = session.tracker
        with counted(kitsu_server) as bulk:
            children = tracker.list_children("task", "entity_id", ids, parent_kind="shot")
    tasks = [t for found in children.values() for t in found]
    assert sorted(children) == sorted(ids)
    assert len(tasks) == studio.small.nb_tasks
    assert {t["entity_kind"] for t in tasks} == {"shot"}
    assert bulk.requests == 1, bulk.requests


def test_tasks_of_a_shot_read_alone_cost_one_request_with_its_kind(
    kitsu_server: KitsuServer, studio: Studio
) -> None:
    """``shot.tasks`` of a shot read alone asks for its id and its kind; Zou has no
    kind filter, so the tracker matches ``entity_kind`` on the records (their kind
    from its id index): one request, as for the id alone."""
    with kitsu_server.connect() as session:
        project = session.projects.fetch(studio.small.name)
        shot = project.shots.get(name=studio.read_shot)
        with counted(kitsu_server) as alone:
            tasks = shot.tasks.all()
        as_asset = session.tracker.list("task", {"entity_id": shot.id, "entity_kind": "asset"})
    assert len(tasks) == TASK_TYPES
    assert {t.entity for t in tasks} == {shot}
    assert alone.requests == 1, alone.requests
    assert as_asset == []


# -- (b): a shot by name, its task by type, the comments -----------------------------------
def test_read_by_name_costs_at_most_3_requests_cold(
    kitsu_server: KitsuServer, studio: Studio
) -> None:
    with kitsu_server.connect() as session:
        project = session.projects.fetch(studio.small.name)
        with counted(kitsu_server) as cold:
            comments = read(project, studio.read_shot, studio.task_types[1])
    assert len(comments) == studio.nb_comments
    assert cold.requests <= 3, cold.requests


def test_read_by_name_after_the_walk_costs_at_most_1_request(
    kitsu_server: KitsuServer, studio: Studio
) -> None:
    with kitsu_server.connect() as session:
        project = session.projects.fetch(studio.small.name)
        walk(project)
        with counted(kitsu_server) as after:
            comments = read(project, studio.read_shot, studio.task_types[1])
    assert len(comments) == studio.nb_comments
    # the comments of this shot's tasks only, not of every task the walk loaded
    assert after.requests <= 1, after.requests


def test_comments_of_a_walk_ask_again_only_the_tasks_with_ties(
    kitsu_server: KitsuServer,
) -> None:
    """The bulk comment route gives times to the second, in no order: a task with
    two comments in one second is asked again (its own route orders by the exact
    time), one request each; a task without a tie is not."""
    raw, names = kitsu_server.raw, Names()
    type_ids = [
        raw.post("data/task-types", {"name": names(base), "for_entity": "Shot"})["id"]
        for base in ("Layout", "Anim3D")
    ]
    seeded = _seed_project(raw, names("Ties"), 4, type_ids)
    tasks = [t["id"] for t in raw.get("data/tasks", project_id=seeded.id)]
    wip = raw.get("data/task-status", short_name="wip")[0]["id"]
    tied, single = tasks[:2], tasks[2:5]
    for task_id in tied:
        # three comments in one request: well within 2 seconds, so two share one
        batch = [{"task_status_id": wip, "text": f"c{i}", "checklist": []} for i in (1, 2, 3)]
        raw.post(f"actions/tasks/{task_id}/batch-comment", {"comments": batch})
    for task_id in single:
        raw.post(f"actions/tasks/{task_id}/comment", {"task_status_id": wip, "comment": "one"})
    stamps = [
        (c["object_id"], c["created_at"])
        for c in raw.get("data/comments", object_id=json.dumps(tasks))
    ]
    assert {task for task, at in stamps if stamps.count((task, at)) > 1} == set(tied)

    with kitsu_server.connect() as session:
        project = session.projects.fetch(seeded.name)
        walked = [task for shot in project.shots for task in shot.tasks]
        with counted(kitsu_server) as comments:
            read = {task.id: [c.text for c in task.comments] for task in walked}
    assert len(read) == seeded.nb_tasks == 8
    for task_id in tied:
        exact = [c["text"] for c in raw.get(f"data/tasks/{task_id}/comments")]
        assert read[task_id] == exact == ["c3", "c2", "c1"]
    assert all(read[task_id] == ["one"] for task_id in single)
    # the comments of every task, then one request per task with a tie
    assert comments.requests == 1 + len(tied), comments.requests


# -- (c): publish ------------------------------------------------------------------------------
def test_publish_with_preview_set_as_main_preview_costs_2_requests(
    kitsu_server: KitsuServer, studio: Studio, tmp_path: Path
) -> None:
    png = write_png(tmp_path / "render.png")
    with kitsu_server.connect() as session:
        project = session.projects.fetch(studio.small.name)
        shot = project.shots.get(name=studio.publish_shot["name"])
        task = shot.tasks.fetch(studio.task_types[0])
        session.task_statuses.all()  # reference data a session loads once
        with counted(kitsu_server) as publish:
            note = task.comments.new(
                comment="blocking", status="wfa", preview=[png], set_main_preview=True
            )
        status = note.status  # the statuses are loaded: no request
    assert publish.requests <= 2, publish.requests
    stored = kitsu_server.raw.get(f"data/shots/{studio.publish_shot['id']}")
    assert note.previews and stored["preview_file_id"] == note.previews[0].id
    assert status is not None and status.short_name == "wfa"


def test_publish_in_a_fresh_session_adds_only_the_status_lookup(
    kitsu_server: KitsuServer, studio: Studio, tmp_path: Path
) -> None:
    png = write_png(tmp_path / "render.png")
    with kitsu_server.connect() as session:
        project = session.projects.fetch(studio.small.name)
        task = project.shots.get(name=studio.publish_shot["name"]).tasks.fetch(studio.task_types[0])
        with counted(kitsu_server) as publish:
            task.comments.new(comment="wip", status="wip", preview=[png], set_main_preview=True)
    assert publish.requests <= 3, publish.requests


def test_a_new_task_with_a_status_reads_no_default_status(
    kitsu_server: KitsuServer, studio: Studio
) -> None:
    """Kitsu's default task status is read only for a task created without one."""
    names = Names()
    costs = {}
    for given in ("wip", None):
        with kitsu_server.connect() as session:
            project = session.projects.fetch(studio.small.name)
            shot = project.shots.get(name=studio.publish_shot["name"])
            session.task_statuses.all()  # reference data a session loads once
            list(shot.tasks)
            fields = {"task_type": studio.task_types[0], "name": names(f"extra{given}")}
            with counted(kitsu_server) as made:
                task = shot.tasks.new(**fields, status=given)
            costs[given] = made.requests
            assert task.status.short_name == given if given else task.status.is_default
    assert costs["wip"] == costs[None] - 1, costs


# -- (d): many shots at once -------------------------------------------------------------------
def test_new_many_costs_one_post_per_shot_and_a_constant(
    kitsu_server: KitsuServer, studio: Studio
) -> None:
    names = Names()
    seq = kitsu_server.raw.post(f"data/projects/{studio.small.id}/sequences", {"name": names("sq")})
    with kitsu_server.connect() as session:
        project = session.projects.fetch(studio.small.name)
        sequence = project.sequences.get(name=seq["name"])
        rows = [
            {
                "name": f"new_sh{i:04d}",
                "sequence": sequence,
                "frame_in": 1001,
                "frame_out": 1048,
                "custom_data": {"lens": 35},
            }
            for i in range(20)
        ]
        with counted(kitsu_server) as many:
            made = project.shots.new_many(rows)
    assert len(made) == 20
    assert many.requests <= 20 + 3, f"{many.requests} for 20 shots (not 2 per shot)"
    stored = kitsu_server.raw.get("data/shots", parent_id=seq["id"])
    assert len(stored) == 20 and all(s["data"]["frame_out"] == 1048 for s in stored)


# -- (e): casting ----------------------------------------------------------------------------------
def test_casting_many_shots_costs_at_most_2_requests(
    kitsu_server: KitsuServer, studio: Studio
) -> None:
    raw, pid = kitsu_server.raw, studio.small.id
    prop = raw.post("data/entity-types", {"name": Names()("Prop")})
    for i in range(5):
        raw.post(
            f"data/projects/{pid}/asset-types/{prop['id']}/assets/new",
            {"name": f"prop{i}", "description": "", "data": {}, "is_shared": False},
        )
    with kitsu_server.connect() as session:
        project = session.projects.fetch(studio.small.name)
        shots = project.shots.all()[:10]
        assets = project.assets.all()
        with counted(kitsu_server) as cast:
            session.set_casting({shot: [(asset, 2) for asset in assets] for shot in shots})
    assert len(assets) == 5
    assert cast.requests <= 2, cast.requests
    stored = raw.get(f"data/projects/{pid}/entities/{shots[-1].id}/casting")
    assert sorted(c["asset_id"] for c in stored) == sorted(a.id for a in assets)
    assert all(c["nb_occurences"] == 2 for c in stored)


# -- comments of a walk, by role -------------------------------------------------------------
WALK_SHOTS = 41  # x 3 task types: 123 tasks, past the 60- and 120-id chunks
WITH_PREVIEW = 61  # comments with a preview: past the 60-id chunk of preview reads


@dataclass
class Commented:
    project: Seeded
    user: Account
    client_comments: set[str]  # the tasks a client commented on


@pytest.fixture(scope="module")
def commented(kitsu_server: KitsuServer) -> Commented:
    """A project of 123 tasks, one comment each (61 with a preview), a client's
    comment on three of them, and a person of role "user" on its team."""
    raw, names = kitsu_server.raw, Names()
    type_ids = [
        raw.post("data/task-types", {"name": names(base), "for_entity": "Shot"})["id"]
        for base in ("Layout", "Anim3D", "Comp")
    ]
    seeded = _seed_project(raw, names("Commented"), WALK_SHOTS, type_ids)
    tasks = raw.get("data/tasks", project_id=seeded.id)
    wip = raw.get("data/task-status", short_name="wip")[0]["id"]
    # the route of many tasks, 20 comments a request (each makes news and
    # notifications: a long batch can outlast a request timeout on a busy machine)
    posted: list[dict[str, Any]] = []
    for i in range(0, len(tasks), 20):
        posted.extend(
            raw.post(
                "actions/tasks/batch-comment",
                {
                    "comments": [
                        {"task_id": t["id"], "task_status_id": wip, "text": f"c {t['id'][:8]}"}
                        for t in tasks[i : i + 20]
                    ]
                },
            )
        )
    for comment in posted[:WITH_PREVIEW]:  # a preview record each, no file to process
        raw.post(f"actions/tasks/{comment['object_id']}/comments/{comment['id']}/add-preview", {})
    client, _ = _seed_person(raw, "Client", "client")
    user, password = _seed_person(raw, "Artist", "user")
    for person in (client, user):
        raw.post(f"data/projects/{seeded.id}/team", {"person_id": person["id"]})
    earlier = dt.datetime.now(dt.timezone.utc).replace(tzinfo=None) - dt.timedelta(hours=1)
    by_client = [t["id"] for t in tasks[:3]]
    for task_id in by_client:  # an hour before the others: no tie in time
        raw.post(
            f"actions/tasks/{task_id}/comment",
            {
                "task_status_id": wip,
                "comment": "from the client",
                "person_id": client["id"],
                "created_at": earlier.strftime("%Y-%m-%d %H:%M:%S"),
            },
        )
    return Commented(seeded, Account(user["email"], password, user["id"]), set(by_client))


def _walk_comments(project: Any, kitsu_server: KitsuServer) -> tuple[dict[str, list[str]], int]:
    tasks = [task for shot in project.shots for task in shot.tasks]
    with counted(kitsu_server) as c:
        read = {task.id: [f"{x.text}|{len(x.previews)}" for x in task.comments] for task in tasks}
    return read, c.requests


def test_comments_of_a_walk_cost_at_most_3_requests_for_an_admin(
    kitsu_server: KitsuServer, commented: Commented
) -> None:
    """The project's comments in one request, their previews in one: whatever
    the number of tasks (123 here), never one per shot or per 60 tasks."""
    raw = kitsu_server.raw
    with kitsu_server.connect() as session:
        project = session.projects.fetch(commented.project.name)
        read, requests = _walk_comments(project, kitsu_server)
    assert len(read) == commented.project.nb_tasks == WALK_SHOTS * 3
    for task_id, texts in read.items():
        exact = [
            f"{c['text']}|{len(c['previews'])}" for c in raw.get(f"data/tasks/{task_id}/comments")
        ]
        assert texts == exact, task_id
    assert sum(t.endswith("|1") for texts in read.values() for t in texts) == WITH_PREVIEW
    assert all(len(read[t]) == 2 for t in commented.client_comments)  # an admin sees the client
    assert requests <= 3, requests


def test_comments_of_a_walk_as_a_user_are_what_their_task_route_shows(
    kitsu_server: KitsuServer, commented: Commented
) -> None:
    """A user is refused the admin's bulk route: the project's comments come in
    one request, the authors' roles in one, the previews in one; the comments
    of clients are left out as Zou's per-task route leaves them out for a user."""
    user = commented.user
    theirs = RawKitsu(kitsu_server.api_url, user.email, user.password)
    with gadget.connect(
        f"kitsu+{kitsu_server.api_url}", login=user.email, password=user.password
    ) as session:
        project = session.projects.fetch(commented.project.name)
        read, requests = _walk_comments(project, kitsu_server)
    for task_id, texts in read.items():
        shown = theirs.get(f"data/tasks/{task_id}/comments")
        assert texts == [f"{c['text']}|{len(c['previews'])}" for c in shown], task_id
    assert all(
        read[t] == [read[t][0]] and "client" not in read[t][0] for t in commented.client_comments
    )
    assert requests <= 3, requests


def test_a_route_refused_to_a_user_is_not_asked_again(
    kitsu_server: KitsuServer, commented: Commented
) -> None:
    """Comments of a few tasks (8 to 60): an admin's bulk route, refused to a
    user once; the second read goes straight to the project's comments."""
    user = commented.user
    with gadget.connect(
        f"kitsu+{kitsu_server.api_url}", login=user.email, password=user.password
    ) as session:
        project = session.projects.fetch(commented.project.name)
        ids = [task.id for shot in project.shots for task in shot.tasks]
        costs = []
        for chunk in (ids[:10], ids[10:20]):
            with counted(kitsu_server) as c:
                found = session.tracker.list_children(
                    "comment", "task_id", chunk, parent_kind="task"
                )
            assert sorted(found) == sorted(chunk)
            costs.append(c.requests)
    # data/comments (refused), the project's comments, the authors, the previews;
    # then the same without the refused route
    assert costs[0] == costs[1] + 1 and costs[1] <= 3, costs


# -- my tasks --------------------------------------------------------------------------------
def test_my_tasks_cost_2_requests_whatever_the_size(
    kitsu_server: KitsuServer, studio: Studio, commented: Commented
) -> None:
    """The logged-in person's tasks of a project (what a DCC launcher shows
    first): Zou's "my tasks" routes (open and done), for an artist as for an
    admin, on a small project and on one past every 60-id chunk."""
    raw = kitsu_server.raw
    admin_id = raw.get("auth/authenticated")["user"]["id"]
    user = commented.user
    done = raw.get("data/task-status", short_name="done")[0]["id"]
    expected: dict[tuple[str, str], set[str]] = {}
    for seeded in (studio.small, studio.large):
        tasks = raw.get("data/tasks", project_id=seeded.id)
        for who in (admin_id, user.id):
            raw.post(f"data/projects/{seeded.id}/team", {"person_id": who})
        for i, task in enumerate(tasks[:: 7 if seeded is studio.small else 5]):
            assignee = (admin_id, user.id)[i % 2]
            raw.put(f"actions/tasks/{task['id']}/assign", {"person_id": assignee})
            expected.setdefault((seeded.id, assignee), set()).add(task["id"])
        # one of the user's tasks is done: the done route has it
        first = next(iter(sorted(expected[(seeded.id, user.id)])))
        raw.post(f"actions/tasks/{first}/comment", {"task_status_id": done, "comment": "ok"})
    costs = {}
    for account in ("admin", "user"):
        if account == "admin":
            session = kitsu_server.connect()
        else:
            session = gadget.connect(
                f"kitsu+{kitsu_server.api_url}", login=user.email, password=user.password
            )
        with session:
            me = session.me.id
            for seeded in (studio.small, studio.large):
                project = session.projects.fetch(seeded.name)
                with counted(kitsu_server) as c:
                    mine = project.my_tasks.all()
                assert {t.id for t in mine} == expected[(seeded.id, me)], (account, seeded.name)
                assert all(me in t.assignee_ids and t.project_id == seeded.id for t in mine)
                assert {t.entity_kind for t in mine} == {"shot"}
                assert {t.entity.name for t in mine} <= {s["name"] for s in seeded.shots}
                costs[(account, len(seeded.shots))] = c.requests
    assert set(costs.values()) == {2}, costs


def test_my_tasks_of_an_admin_off_the_team_cost_2_requests(kitsu_server: KitsuServer) -> None:
    """An admin sees every open project: Zou's person routes give their tasks
    whether they are on the project's team or not."""
    raw, names = kitsu_server.raw, Names()
    task_type = raw.post("data/task-types", {"name": names("Mine"), "for_entity": "Shot"})
    seeded = _seed_project(raw, names("Mine"), 3, [task_type["id"]])
    admin_id = raw.get("auth/authenticated")["user"]["id"]
    team = {p["id"] for p in raw.get(f"data/projects/{seeded.id}/team")}
    assert admin_id not in team
    tasks = raw.get("data/tasks", project_id=seeded.id)
    raw.put(f"actions/tasks/{tasks[0]['id']}/assign", {"person_id": admin_id})
    with kitsu_server.connect() as session:
        project = session.projects.fetch(seeded.name)
        with counted(kitsu_server) as c:
            mine = project.my_tasks.all()
    assert [t.id for t in mine] == [tasks[0]["id"]]
    assert c.requests == 2, c.requests


# -- one episode -----------------------------------------------------------------------------
def test_walking_one_episode_reads_only_it_in_at_most_3_requests(
    kitsu_server: KitsuServer,
) -> None:
    """A series of 3 episodes of 21 shots x 2 task types: walking one episode's
    shots with their tasks asks only for that episode (Zou's with-tasks by
    episode_id), then the task types and statuses."""
    raw, names = kitsu_server.raw, Names()
    type_ids = [
        raw.post("data/task-types", {"name": names(base), "for_entity": "Shot"})["id"]
        for base in ("Layout", "Anim3D")
    ]
    project = raw.post("data/projects", {"name": names("Series"), "production_type": "tvshow"})
    pid = project["id"]
    for type_id in type_ids:
        raw.post(f"data/projects/{pid}/settings/task-types", {"task_type_id": type_id})
    episodes = {}
    for e in range(3):
        episode = raw.post(f"data/projects/{pid}/episodes", {"name": f"E{e + 1:02d}"})
        seq = raw.post(
            f"data/projects/{pid}/sequences", {"name": "sq010", "episode_id": episode["id"]}
        )
        shots = [
            raw.post(
                f"data/projects/{pid}/shots",
                {"name": f"sh{(i + 1) * 10:04d}", "sequence_id": seq["id"]},
            )
            for i in range(21)
        ]
        episodes[episode["name"]] = {s["id"] for s in shots}
    for type_id in type_ids:
        raw.post(f"actions/projects/{pid}/task-types/{type_id}/shots/create-tasks", [])

    with kitsu_server.connect() as session:
        series = session.projects.fetch(project["name"])
        episode = series.episodes.fetch("E02")
        with counted(kitsu_server) as walk:
            rows = [(s.id, t.task_type.name) for s in episode.shots for t in s.tasks]
        others = episodes["E01"] | episodes["E03"]
        read_too = [i for i in others if session._identity.held(("shot",), i) is not None]
        # the check sees what was read: every shot of the walked episode is held
        assert all(session._identity.held(("shot",), i) for i in episodes["E02"])
    assert {shot for shot, _ in rows} == episodes["E02"]
    assert len(rows) == 21 * 2
    assert read_too == [], "shots of other episodes were read"
    assert walk.requests <= 3, walk.requests


def test_walking_one_sequence_of_an_episode_reads_it_in_at_most_3_requests(
    kitsu_server: KitsuServer,
) -> None:
    """A sequence of an episode: its episode's shots with their tasks in one
    request (with-tasks ignores a sequence_id), kept to the sequence, then the
    task types and statuses; the other sequence's shots are not held."""
    raw, names = kitsu_server.raw, Names()
    type_id = raw.post("data/task-types", {"name": names("Comp"), "for_entity": "Shot"})["id"]
    project = raw.post("data/projects", {"name": names("Show"), "production_type": "tvshow"})
    pid = project["id"]
    raw.post(f"data/projects/{pid}/settings/task-types", {"task_type_id": type_id})
    episode = raw.post(f"data/projects/{pid}/episodes", {"name": "E01"})
    by_sequence: dict[str, set[str]] = {}
    for seq_name, count in (("sq010", 4), ("sq020", 3)):
        seq = raw.post(
            f"data/projects/{pid}/sequences", {"name": seq_name, "episode_id": episode["id"]}
        )
        by_sequence[seq_name] = {
            raw.post(
                f"data/projects/{pid}/shots",
                {"name": f"{seq_name}_sh{(i + 1) * 10:04d}", "sequence_id": seq["id"]},
            )["id"]
            for i in range(count)
        }
    raw.post(f"actions/projects/{pid}/task-types/{type_id}/shots/create-tasks", [])
    with kitsu_server.connect() as session:
        sequence = session.projects.fetch(project["name"]).episodes.fetch("E01")
        sequence = sequence.sequences.fetch("sq010")
        with counted(kitsu_server) as c:
            rows = [(s.id, t.task_type.name) for s in sequence.shots for t in s.tasks]
        held = {i for i in by_sequence["sq020"] if session._identity.held(("shot",), i)}
    assert {shot for shot, _ in rows} == by_sequence["sq010"] and len(rows) == 4
    assert held == set(), "shots of the other sequence were read"
    assert c.requests <= 3, c.requests


# -- (g): the walk again after the cache's lifetime: revalidated ---------------------------
REFRESH_SHOTS = 61  # past the 60-id chunk


@pytest.fixture(scope="module")
def refreshed(kitsu_server: KitsuServer) -> Seeded:
    """A project of its own: the tests below add shots to it."""
    raw, names = kitsu_server.raw, Names()
    task_type = raw.post("data/task-types", {"name": names("Refresh"), "for_entity": "Shot"})
    return _seed_project(raw, names("Refresh"), REFRESH_SHOTS, [task_type["id"]])


def shots_and_tasks(project: Any) -> list[tuple[Any, list[Any]]]:
    """The walk of the issue: ``for shot in project.shots: for task in shot.tasks``."""
    return [(shot, list(shot.tasks)) for shot in project.shots]


def with_tasks_statuses(server: KitsuServer) -> list[str]:
    """The HTTP status of every with-tasks request the server answered so far."""
    lines = server.access_log.read_text(encoding="utf-8", errors="replace").splitlines()
    return [ln.split('" ', 1)[1].split()[0] for ln in lines if "/with-tasks?" in ln]


def same(one: list[tuple[Any, list[Any]]], other: list[tuple[Any, list[Any]]]) -> bool:
    """The same entities (``is``): the same shots, each with the same tasks."""
    by_id = {shot.id: (shot, tasks) for shot, tasks in other}
    return len(one) == len(by_id) and all(
        shot.id in by_id
        and by_id[shot.id][0] is shot
        and len(by_id[shot.id][1]) == len(tasks)
        and all(t is u for t, u in zip(tasks, by_id[shot.id][1], strict=True))
        for shot, tasks in one
    )


@pytest.fixture
def later(monkeypatch: pytest.MonkeyPatch) -> Any:
    """``later(seconds)`` moves the query cache's clock on (no sleep)."""
    offset = [0.0]
    real = query_cache.clock

    def clock() -> float:
        return real() + offset[0]

    monkeypatch.setattr(query_cache, "clock", clock)

    def move(seconds: float) -> None:
        offset[0] += seconds

    return move


def test_a_walk_past_the_cache_lifetime_is_revalidated_in_one_request(
    kitsu_server: KitsuServer, refreshed: Seeded, later: Any
) -> None:
    raw = kitsu_server.raw
    with kitsu_server.connect(cache_ttl=60) as session:
        project = session.projects.fetch(refreshed.name)
        with counted(kitsu_server) as cold:
            first = shots_and_tasks(project)
        assert len(first) == REFRESH_SHOTS and sum(len(t) for _, t in first) == refreshed.nb_tasks
        before = with_tasks_statuses(kitsu_server)
        later(61)  # past the cache's lifetime: every entry of the walk is stale
        with counted(kitsu_server) as again:
            second = shots_and_tasks(project)
        assert with_tasks_statuses(kitsu_server)[len(before) :] == ["304"]
        assert same(first, second), "the revalidated walk is not the entities kept"
        with counted(kitsu_server) as fresh:  # fresh again for a whole lifetime
            later(59)
            assert same(first, shots_and_tasks(project))

        # a change on the server: the next revalidation reads it all again
        sequence = raw.get("data/sequences", project_id=refreshed.id)[0]
        added = raw.post(
            f"data/projects/{refreshed.id}/shots",
            {"name": "sq010_sh9990", "sequence_id": sequence["id"]},
        )
        later(61)
        before = with_tasks_statuses(kitsu_server)
        with counted(kitsu_server) as changed:
            third = shots_and_tasks(project)
        assert with_tasks_statuses(kitsu_server)[len(before) :] == ["200"]
        assert added["id"] in {shot.id for shot, _ in third}
        assert same(first, [pair for pair in third if pair[0].id != added["id"]])
    # each walk past a lifetime: ONE with-tasks (a 304, then a 200 after the change),
    # and the task types and statuses, whose lifetime passed too, read alongside
    assert (cold.requests, again.requests, fresh.requests, changed.requests) == (3, 3, 0, 3)


def test_a_write_in_the_session_drops_the_stale_walk(
    kitsu_server: KitsuServer, refreshed: Seeded, later: Any
) -> None:
    """A shot made in ANOTHER project leaves this project's board (and its ETag)
    as it was: only a dropped walk explains a full read (a 200) instead of a 304."""
    raw, names = kitsu_server.raw, Names()
    other = raw.post("data/projects", {"name": names("Elsewhere"), "production_type": "short"})
    raw.post(f"data/projects/{other['id']}/sequences", {"name": "sq010"})
    with kitsu_server.connect(cache_ttl=60) as session:
        project = session.projects.fetch(refreshed.name)
        first = shots_and_tasks(project)
        later(61)
        elsewhere = session.projects.get(id=other["id"])
        elsewhere.shots.new(name="sh0010", sequence="sq010")  # a write of shots
        before = with_tasks_statuses(kitsu_server)
        second = shots_and_tasks(project)
        assert with_tasks_statuses(kitsu_server)[len(before) :] == ["200"]
        assert same(first, second)


def test_walking_one_sequence_of_many_shots_reads_only_its_tasks(
    kitsu_server: KitsuServer,
) -> None:
    """A sequence of 61 shots (past the 60-id chunk) beside another one: its
    shots, then their tasks by sequence, in 2 requests once the task types
    and statuses are loaded; the other sequence's tasks are not read."""
    raw, names = kitsu_server.raw, Names()
    type_id = raw.post("data/task-types", {"name": names("Anim"), "for_entity": "Shot"})["id"]
    project = raw.post("data/projects", {"name": names("Seqs"), "production_type": "short"})
    pid = project["id"]
    raw.post(f"data/projects/{pid}/settings/task-types", {"task_type_id": type_id})
    by_sequence: dict[str, set[str]] = {}
    for seq_name, count in (("sq010", 61), ("sq020", 3)):
        seq = raw.post(f"data/projects/{pid}/sequences", {"name": seq_name})
        by_sequence[seq_name] = {
            raw.post(
                f"data/projects/{pid}/shots",
                {"name": f"sh{(i + 1) * 10:04d}", "sequence_id": seq["id"]},
            )["id"]
            for i in range(count)
        }
    raw.post(f"actions/projects/{pid}/task-types/{type_id}/shots/create-tasks", [])
    other_tasks = {t["id"] for t in raw.get("data/tasks", project_id=pid)} - {
        t["id"]
        for t in raw.get("data/tasks", project_id=pid)
        if t["entity_id"] in by_sequence["sq010"]
    }
    with kitsu_server.connect() as session:
        list(session.task_types)
        list(session.task_statuses)
        seq = session.projects.fetch(project["name"]).sequences.fetch("sq010")
        log = kitsu_server.access_log
        before = len(log.read_text(encoding="utf-8", errors="replace").splitlines())
        with counted(kitsu_server) as walk:
            rows = [(s.id, t.task_type.name) for s in seq.shots for t in s.tasks]
        read_too = [i for i in other_tasks if session._identity.held(("task",), i) is not None]
    asked = log.read_text(encoding="utf-8", errors="replace").splitlines()[before:]
    assert {shot for shot, _ in rows} == by_sequence["sq010"] and len(rows) == 61
    assert len(other_tasks) == 3 and read_too == [], "tasks of another sequence were read"
    assert walk.requests == 2, walk.requests
    # the tasks came by sequence, not with the whole project's
    assert sum(f"/data/sequences/{seq.id}/shot-tasks" in line for line in asked) == 1, asked
    assert not any(f"/data/projects/{pid}/tasks" in line for line in asked), asked
