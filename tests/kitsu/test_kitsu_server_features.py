"""What the Kitsu tracker does on an older Zou: the same records by the routes
that server offers, at a cost counted at the server.

The server here is Zou 1.0.97. An older one is shown two ways: the tracker
option ``zou_version`` makes the tracker choose its routes as on that
version (the honest seam: the server still answers, and what it answers is
compared with what a session using every feature reads); a loopback server
in front of the real one (``loopback.FaultServer``) answers what only an
older or unsupported server would: its version, a plain with-tasks answer,
a missing route.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest

import gadget
import gadget._cache as query_cache
from gadget.cli._doctor import FAIL, _check_server, _State
from gadget.config import TrackerConfig
from gadget.errors import ConfigError
from gadget.testing import Names

from .conftest import KitsuServer
from .loopback import Fault, FaultServer
from .test_request_counts import Seeded, _seed_project, counted

SHOTS = 61  # past the 60-id chunk
CURRENT = {
    "compact": True,
    "stream": True,
    "etag": True,
    "bulk_casting": True,
    "project_comments": True,
}


@dataclass
class Board:
    project: Seeded
    commented: list[str]  # task ids with comments


@pytest.fixture(scope="module")
def board(kitsu_server: KitsuServer) -> Board:
    raw, names = kitsu_server.raw, Names()
    type_ids = [
        raw.post("data/task-types", {"name": names(base), "for_entity": "Shot"})["id"]
        for base in ("FeatLayout", "FeatAnim")
    ]
    seeded = _seed_project(raw, names("Features"), SHOTS, type_ids)
    tasks = raw.get("data/tasks", project_id=seeded.id)
    wip = raw.get("data/task-status", short_name="wip")[0]["id"]
    commented = [t["id"] for t in tasks[::9]]
    raw.post(
        "actions/tasks/batch-comment",
        {
            "comments": [
                {"task_id": i, "task_status_id": wip, "text": f"n {i[:8]}"} for i in commented
            ]
        },
    )
    return Board(seeded, commented)


def _session(kitsu_server: KitsuServer, url: str | None = None, **options: Any) -> gadget.Session:
    """A session as the admin, ``options`` the tracker's (``zou_version``), with a
    one-minute cache lifetime."""
    config = TrackerConfig(
        url=url or f"kitsu+{kitsu_server.api_url}",
        login=kitsu_server.admin_email,
        password=kitsu_server.admin_password,
        events_url=kitsu_server.events_url,
        options=options,
    )
    return gadget.connect(config=config, cache_ttl=60)


@pytest.fixture
def later(monkeypatch: pytest.MonkeyPatch) -> Any:
    """``later(seconds)`` moves the query cache's clock on (no sleep)."""
    offset = [0.0]
    real = query_cache.clock
    monkeypatch.setattr(query_cache, "clock", lambda: real() + offset[0])

    def move(seconds: float) -> None:
        offset[0] += seconds

    return move


@pytest.fixture
def proxy(kitsu_server: KitsuServer) -> Iterator[FaultServer]:
    with FaultServer(kitsu_server.bare_url) as server:
        yield server


def _records(project: Any) -> list[tuple[Any, ...]]:
    """What a walk and its comments give, in the walk's order."""
    return [
        (
            shot.id,
            shot.name,
            shot.sequence.name,
            shot.frame_in,
            shot.frame_out,
            task.id,
            task.task_type.name,
            task.status.short_name,
            tuple(task.assignee_ids),
            tuple((c.id, c.text, c.status.short_name) for c in task.comments),
        )
        for shot in project.shots
        for task in shot.tasks
    ]


def _with_tasks(proxy: FaultServer) -> list[tuple[str, str | None]]:
    """Each with-tasks request that went through the proxy: its path and If-None-Match."""
    return [(s.path, s.if_none_match) for s in proxy.seen if "/with-tasks" in s.path]


def test_an_older_zou_gives_the_same_walk_and_comments_by_its_routes(
    kitsu_server: KitsuServer, board: Board, proxy: FaultServer, later: Any
) -> None:
    """Zou 1.0.52 (no compact with-tasks, no ETag): the plain with-tasks, no
    validator, the walk past the cache's lifetime read again in full; the
    records and comments are those of a session with every feature."""
    with _session(kitsu_server) as current:
        project = current.projects.fetch(board.project.name)
        with counted(kitsu_server) as with_all:
            expected = _records(project)
    assert len(expected) == board.project.nb_tasks == SHOTS * 2
    assert sum(bool(row[-1]) for row in expected) == len(board.commented)

    url = f"kitsu+{proxy.url}/api"
    with _session(kitsu_server, url, zou_version="1.0.52") as old:
        assert old.tracker.server_info()["features"] == {  # type: ignore[attr-defined]
            **dict.fromkeys(CURRENT, False),
            "project_comments": True,
        }
        project = old.projects.fetch(board.project.name)
        with counted(kitsu_server) as cold:
            found = _records(project)
        later(61)  # past the cache's lifetime
        with counted(kitsu_server) as again:
            assert [(s.id, len(s.tasks)) for s in project.shots] == [
                (row[0], 2) for row in expected[::2]
            ]
    assert found == expected
    asked = _with_tasks(proxy)
    assert len(asked) == 2, asked
    assert all("compact" not in path and sent is None for path, sent in asked), asked
    # as many requests as with every feature; past the lifetime, the walk in full
    # again (with-tasks, the task types and statuses)
    assert cold.requests == with_all.requests, (cold.requests, with_all.requests)
    assert again.requests == 3, again.requests


def test_a_zou_without_etag_is_read_again_in_full_past_the_cache_lifetime(
    kitsu_server: KitsuServer, board: Board, proxy: FaultServer, later: Any
) -> None:
    """Zou 1.0.60: compact with-tasks, no If-None-Match (1.0.69 brought the
    ETag); Zou 1.0.97 as it is: a 304."""
    costs = {}
    for version in ("1.0.60", None):
        options = {"zou_version": version} if version else {}
        with _session(kitsu_server, f"kitsu+{proxy.url}/api", **options) as session:
            project = session.projects.fetch(board.project.name)
            before = len(_with_tasks(proxy))
            first = [(s.id, [t.id for t in s.tasks]) for s in project.shots]
            later(61)
            with counted(kitsu_server) as again:
                assert [(s.id, [t.id for t in s.tasks]) for s in project.shots] == first
            costs[version] = again.requests
            (cold_path, cold_sent), (path, sent) = _with_tasks(proxy)[before:]
        assert "compact=true" in cold_path and "compact=true" in path
        assert cold_sent is None
        assert (sent is None) == (version is not None), (version, sent)
    # either way ONE with-tasks (a 200 in full, or a 304) beside the task types and statuses
    assert costs == {"1.0.60": 3, None: 3}, costs


def test_casting_on_a_zou_before_the_bulk_route_is_one_put_per_shot(
    kitsu_server: KitsuServer, board: Board, proxy: FaultServer
) -> None:
    raw, pid = kitsu_server.raw, board.project.id
    prop = raw.post("data/entity-types", {"name": Names()("FeatProp")})
    for i in range(3):
        raw.post(
            f"data/projects/{pid}/asset-types/{prop['id']}/assets/new",
            {"name": f"prop{i}", "description": "", "data": {}, "is_shared": False},
        )
    with _session(kitsu_server, f"kitsu+{proxy.url}/api", zou_version="1.0.53") as session:
        project = session.projects.fetch(board.project.name)
        shots = project.shots.all()[:4]
        assets = project.assets.all()
        with counted(kitsu_server) as cast:
            session.set_casting({shot: [(asset, 2) for asset in assets] for shot in shots})
    puts = [s.path for s in proxy.seen if s.method == "PUT"]
    assert sorted(puts) == sorted(
        f"/api/data/projects/{pid}/entities/{s.id}/casting" for s in shots
    )
    assert cast.requests == 1 + len(shots), cast.requests  # the casting read first, then a PUT each
    for shot in shots:
        stored = raw.get(f"data/projects/{pid}/entities/{shot.id}/casting")
        assert sorted(c["asset_id"] for c in stored) == sorted(a.id for a in assets)
        assert all(c["nb_occurences"] == 2 for c in stored)


def test_a_missing_bulk_casting_route_falls_back_and_is_not_asked_again(
    kitsu_server: KitsuServer, board: Board, proxy: FaultServer
) -> None:
    """A server that answers 404 to the bulk route (and to the probe without
    credentials: a missing route) gets one PUT per shot, this time and the next."""
    pid = board.project.id
    with _session(kitsu_server, f"kitsu+{proxy.url}/api") as session:
        project = session.projects.fetch(board.project.name)
        shots = project.shots.all()[4:6]
        missing = Fault("status", status=404, body=b'{"message": "Not found"}')
        proxy.plan("PUT", "/entities/casting", missing, missing)
        session.set_casting({shot: [] for shot in shots})
        session.set_casting({shot: [] for shot in shots})
    bulk = [s for s in proxy.seen if s.path.endswith(f"/data/projects/{pid}/entities/casting")]
    version_reads = [s for s in proxy.seen if s.path.rstrip("/") == "/api"]
    per_shot = [s for s in proxy.seen if s.method == "PUT" and s not in bulk]
    assert [s.method for s in bulk] == ["PUT", "PUT"]  # the request, then the probe
    assert bulk[1].fault == "status", "the probe was not answered as a missing route"
    assert len(version_reads) == 1  # an older Zou: its version read (and supported)
    assert len(per_shot) == 2 * len(shots)


def test_a_current_zou_pays_no_request_for_its_version(
    kitsu_server: KitsuServer, board: Board, proxy: FaultServer
) -> None:
    with _session(kitsu_server, f"kitsu+{proxy.url}/api") as session:
        project = session.projects.fetch(board.project.name)
        with counted(kitsu_server) as walk:
            rows = [(s.id, t.id) for s in project.shots for t in s.tasks]
        info = session.tracker.server_info()  # type: ignore[attr-defined]
    assert len(rows) == board.project.nb_tasks
    assert walk.requests == 3, walk.requests
    assert [s.path for s in proxy.seen if s.path.rstrip("/") == "/api"] == [
        "/api/"
    ]  # server_info's
    assert info["version"] == "1.0.97" and info["features"] == CURRENT
    assert info["unsupported"] is None


def _old_root(version: str) -> Fault:
    return Fault("status", body=json.dumps({"api": "Zou", "version": version}).encode())


def test_a_zou_older_than_the_minimum_is_refused_naming_both_versions(
    kitsu_server: KitsuServer, board: Board, proxy: FaultServer
) -> None:
    """A plain answer to with-tasks (a Zou before 1.0.53) makes the tracker read
    the version; 1.0.14 is refused. ``server_info`` says so without raising,
    and ``gadget doctor`` fails its server check with the same words."""
    with _session(kitsu_server, f"kitsu+{proxy.url}/api") as session:
        project = session.projects.fetch(board.project.name)
        list(session.task_types)  # read before: the walk then sends with-tasks alone
        list(session.task_statuses)
        proxy.plan("GET", "/with-tasks?", Fault("status", body=b"[]"))
        proxy.plan("GET", "/api", _old_root("1.0.14"))
        with pytest.raises(ConfigError) as refused:
            list(project.shots)
        proxy.plan("GET", "/api", _old_root("1.0.14"))
        info = session.tracker.server_info()  # type: ignore[attr-defined]
        doctor = _State(None)
        doctor.session = session
        proxy.plan("GET", "/api", _old_root("1.0.14"))
        check = _check_server(doctor)
    message = str(refused.value)
    assert "runs Zou 1.0.14; gadget needs Zou 1.0.15 or later" in message, message
    assert proxy.url.split("://")[1] in message
    assert info["version"] == "1.0.14" and info["unsupported"] == message
    assert check.status == FAIL and message in check.detail and "upgrade" in check.fix


def test_an_old_supported_zou_learnt_from_a_plain_answer_gets_the_plain_form_next(
    kitsu_server: KitsuServer, board: Board, proxy: FaultServer, later: Any
) -> None:
    """A plain answer to ``compact=true`` and a version 1.0.40: the next walk
    asks the plain form, with no validator."""
    with _session(kitsu_server, f"kitsu+{proxy.url}/api") as session:
        project = session.projects.fetch(board.project.name)
        list(session.task_types)
        list(session.task_statuses)
        proxy.plan("GET", "/with-tasks?", Fault("status", body=b"[]"))
        proxy.plan("GET", "/api", _old_root("1.0.40"))
        assert list(project.shots) == []
        later(61)
        assert len(list(project.shots)) == SHOTS
        info = session.tracker.server_info()  # type: ignore[attr-defined]
    (first, _), (second, sent) = _with_tasks(proxy)
    assert "compact=true" in first and "compact" not in second and sent is None
    assert info["features"]["compact"] is False
