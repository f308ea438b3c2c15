"""Seed a real Kitsu server for the benchmarks, fast, through Zou's REST API.

Plain ``requests`` (no gazu, no gadget), one HTTP session per thread and at
most 4 requests in flight:

- shots: parallel POST ``data/projects/{id}/shots`` (every field in one request);
- tasks: ONE POST ``actions/projects/{id}/task-types/{tt}/shots/create-tasks``
  per task type (the tasks of every shot of the project);
- a few comments (they move some tasks to other statuses), a few assets.

The caller names the projects: run.py reuses a complete walk project by its
name and gives every other project a random suffix (:func:`suffix`).
"""

from __future__ import annotations

import datetime as dt
import secrets
import threading
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, TypeVar

import requests

__all__ = [
    "TASK_TYPE_NAMES",
    "Api",
    "Seeded",
    "new_sequence",
    "seed_assets",
    "seed_project",
    "shot_task_types",
    "suffix",
]

T = TypeVar("T")
R = TypeVar("R")

#: shot task types of the benchmark projects, created as ``Bench<Name>`` (apart from Zou's own)
TASK_TYPE_NAMES = ("Layout", "Anim3D", "FX", "Lighting", "Render", "Comp", "Matte", "Roto")
WORKERS = 4
TASK_CHUNK = 250


class Api:
    """Plain REST calls to Zou as one logged-in person (one HTTP session per thread)."""

    def __init__(self, base_url: str, email: str, password: str, timeout: float = 120.0) -> None:
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self._local = threading.local()
        answer = self._http().post(
            f"{self.base_url}/auth/login",
            json={"email": email, "password": password},
            timeout=timeout,
        )
        answer.raise_for_status()
        self.token: str = answer.json()["access_token"]

    def _http(self) -> requests.Session:
        http: requests.Session | None = getattr(self._local, "http", None)
        if http is None:
            http = requests.Session()
            http.trust_env = False  # 127.0.0.1 only: never through a proxy
            self._local.http = http
        return http

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}

    def request(self, method: str, path: str, body: Any = None, **params: Any) -> Any:
        answer = self._http().request(
            method,
            f"{self.base_url}/{path}",
            json=body,
            params=params or None,
            headers=self.headers,
            timeout=self.timeout,
        )
        if answer.status_code >= 400:
            raise RuntimeError(
                f"{method} /{path} answered {answer.status_code}: {answer.text[:300]}"
            )
        return answer.json() if answer.content else None

    def get(self, path: str, **params: Any) -> Any:
        return self.request("GET", path, **params)

    def post(self, path: str, body: Any) -> Any:
        return self.request("POST", path, body)

    def put(self, path: str, body: Any) -> Any:
        return self.request("PUT", path, body)

    def parallel(self, fn: Callable[[T], R], items: Iterable[T]) -> list[R]:
        """``fn`` over ``items``, at most :data:`WORKERS` requests in flight."""
        with ThreadPoolExecutor(max_workers=WORKERS, thread_name_prefix="bench-seed") as pool:
            return list(pool.map(fn, items))


@dataclass
class Seeded:
    """What was seeded (payloads as Zou answered them)."""

    project: dict[str, Any]
    shots: list[dict[str, Any]]
    task_types: list[dict[str, Any]]
    nb_tasks: int


def suffix() -> str:
    return secrets.token_hex(3)


def shot_task_types(api: Api, count: int) -> list[dict[str, Any]]:
    """``count`` shot task types named ``Bench<Name>`` (created when missing, global)."""
    if count > len(TASK_TYPE_NAMES):
        raise ValueError(f"at most {len(TASK_TYPE_NAMES)} task types")
    existing = {t["name"]: t for t in api.get("data/task-types") if t.get("for_entity") == "Shot"}
    out = []
    for name in TASK_TYPE_NAMES[:count]:
        full = f"Bench{name}"
        task_type = existing.get(full) or api.post(
            "data/task-types", {"name": full, "for_entity": "Shot"}
        )
        out.append(task_type)
    return out


def status(api: Api, short_name: str) -> dict[str, Any]:
    rows = api.get("data/task-status", short_name=short_name)
    if not rows:
        raise RuntimeError(f"no task status {short_name!r} on the server")
    return dict(rows[0])


def seed_project(
    api: Api,
    *,
    name: str,
    shots: int,
    types: Sequence[dict[str, Any]],
    shots_per_sequence: int = 50,
    comments: int = 0,
) -> Seeded:
    """A project of ``shots`` shots with a task of each of ``types`` (see
    :func:`shot_task_types`), and ``comments`` comments."""
    project = api.post("data/projects", {"name": name, "production_type": "featurefilm"})
    pid = project["id"]
    for task_type in types:  # listed in the project's settings, as the web UI wants
        api.post(f"data/projects/{pid}/settings/task-types", {"task_type_id": task_type["id"]})
    nb_sequences = max(1, -(-shots // shots_per_sequence))
    sequences = api.parallel(
        lambda i: api.post(f"data/projects/{pid}/sequences", {"name": f"sq{(i + 1) * 10:03d}"}),
        range(nb_sequences),
    )

    def new_shot(i: int) -> dict[str, Any]:
        seq = sequences[i // shots_per_sequence]
        frame_in = 1001
        frame_out = 1001 + 23 + (i % 5) * 24
        body = {
            "name": f"{seq['name']}_sh{(i % shots_per_sequence + 1) * 10:04d}",
            "sequence_id": seq["id"],
            "nb_frames": frame_out - frame_in + 1,
            "description": f"benchmark shot {i}",
            "data": {"frame_in": frame_in, "frame_out": frame_out, "fps": 24, "lens": 35},
        }
        return dict(api.post(f"data/projects/{pid}/shots", body))

    created = api.parallel(new_shot, range(shots))
    nb_tasks = create_tasks(api, pid, types, [s["id"] for s in created])
    seeded = Seeded(project, created, list(types), nb_tasks)
    if comments:
        seed_comments(api, seeded, comments)
    return seeded


def create_tasks(
    api: Api, project_id: str, types: Sequence[dict[str, Any]], shot_ids: Sequence[str]
) -> int:
    """The tasks of every type for every shot: POST ``create-tasks`` (one task type, a
    list of shots), :data:`TASK_CHUNK` shots per request, 4 requests in flight.

    Zou spends 8-20 ms per task (it commits one event row for each): a request
    for 2,000 shots would run for minutes; chunks keep each under ~10 s."""
    jobs = [
        (task_type["id"], list(shot_ids[i : i + TASK_CHUNK]))
        for task_type in types
        for i in range(0, len(shot_ids), TASK_CHUNK)
    ]

    def post(job: tuple[str, list[str]]) -> int:
        type_id, ids = job
        route = f"actions/projects/{project_id}/task-types/{type_id}/shots/create-tasks"
        return len(api.post(route, ids))

    return sum(api.parallel(post, jobs))


def seed_comments(api: Api, seeded: Seeded, count: int) -> None:
    """``count`` comments: 3 on the second task type of the first shot, the rest
    spread over other tasks (moving them to wip / wfa / done)."""
    statuses = [status(api, s) for s in ("wip", "wfa", "done")]
    first_shot = seeded.shots[0]
    tasks = api.get("data/tasks", project_id=seeded.project["id"])
    by_key = {(t["entity_id"], t["task_type_id"]): t for t in tasks}
    target = by_key[(first_shot["id"], seeded.task_types[min(1, len(seeded.task_types) - 1)]["id"])]
    others = [t for t in tasks if t["id"] != target["id"]]
    step = max(1, len(others) // max(1, count - 3))
    plan: list[tuple[dict[str, Any], dict[str, Any], str]] = [
        (target, statuses[i % 3], f"note {i + 1} on the hero task") for i in range(min(3, count))
    ]
    plan += [
        (others[(i * step) % len(others)], statuses[i % 3], f"benchmark note {i}")
        for i in range(max(0, count - 3))
    ]

    def comment(item: tuple[dict[str, Any], dict[str, Any], str]) -> Any:
        task, st, text = item
        return api.post(
            f"actions/tasks/{task['id']}/comment", {"task_status_id": st["id"], "comment": text}
        )

    # the 3 comments on the target task stay in order (newest first is checked), a
    # second apart as one person's are: comments of one second would cost gadget a
    # request more each in a walk (Zou's bulk route keeps times to the second)
    start = dt.datetime.now(dt.timezone.utc).replace(tzinfo=None) - dt.timedelta(minutes=1)
    for i, (task, st, text) in enumerate(plan[:3]):
        at = (start + dt.timedelta(seconds=i)).strftime("%Y-%m-%d %H:%M:%S")
        api.post(
            f"actions/tasks/{task['id']}/comment",
            {"task_status_id": st["id"], "comment": text, "created_at": at},
        )
    api.parallel(comment, plan[3:])


def seed_assets(api: Api, project_id: str, count: int) -> list[dict[str, Any]]:
    """``count`` assets of a type ``BenchProp`` (created when missing)."""
    types = api.get("data/entity-types", name="BenchProp")
    asset_type = types[0] if types else api.post("data/entity-types", {"name": "BenchProp"})

    def new_asset(i: int) -> dict[str, Any]:
        body = {"name": f"prop{i + 1:03d}", "description": "", "data": {}, "is_shared": False}
        return dict(
            api.post(f"data/projects/{project_id}/asset-types/{asset_type['id']}/assets/new", body)
        )

    return api.parallel(new_asset, range(count))


def new_sequence(api: Api, project_id: str, name: str) -> dict[str, Any]:
    return dict(api.post(f"data/projects/{project_id}/sequences", {"name": name}))
