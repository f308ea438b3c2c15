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
import sys
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, TypeVar

import requests

__all__ = [
    "TASK_TYPE_NAMES",
    "Api",
    "Seeded",
    "SeriesSeed",
    "new_sequence",
    "seed_assets",
    "seed_project",
    "seed_series",
    "series_summary",
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
        self.token = ""
        self.login(email, password)

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

    def login(self, email: str, password: str) -> None:
        """Log in again (as another person, or after the database was restored:
        tokens name person ids, and a restore changes them)."""
        answer = self._http().post(
            f"{self.base_url}/auth/login",
            json={"email": email, "password": password},
            timeout=self.timeout,
        )
        answer.raise_for_status()
        self.token = answer.json()["access_token"]

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


# --------------------------------------------------------------------------
# the long series (issue 12: 20 episodes x 500 shots x 6 task types)
# --------------------------------------------------------------------------
# Everything from here to the end of the file is "the series code": its hash is
# part of the dump cache's key (benchmarks/series.py), so a change here seeds again.

SEQUENCES_PER_EPISODE = 5
ARTIST_EMAIL = "series-artist@gadget-studio.com"
#: known on purpose: the artist logs in to measure "my tasks" (a local test server only)
ARTIST_PASSWORD = "bench-artist-pw-1"
ARTIST_EVERY = 20  # the artist gets the first task type's task of every 20th shot
SERIES_COMMENTS = 12


@dataclass
class SeriesSeed:
    """The seeded (or restored) series, as the benchmarks need it."""

    project_id: str
    name: str
    episodes: list[dict[str, str]]  # {id, name}, E01.. in order
    sequences: list[dict[str, str]]  # the first episode's, {id, name}, SQ010.. in order
    shots: int
    tasks: int
    task_type_names: list[str]
    artist_email: str
    artist_password: str = field(repr=False)
    artist_tasks: int = 0
    comments: int = 0
    seconds: float = 0.0  # seeding time, or restore time when ``restored``
    restored: bool = False


def total(api: Api, path: str, **params: Any) -> int:
    """How many rows a paginated crud route holds (one small request)."""
    answer = api.get(path, page=1, limit=1, **params)
    return int(answer["total"]) if isinstance(answer, dict) else len(answer)


def seed_series(
    api: Api,
    name: str,
    *,
    episodes: int = 20,
    shots_per_episode: int = 500,
    task_types: int = 6,
    log: Callable[[str], None] | None = None,
) -> SeriesSeed:
    """ONE tvshow project: ``episodes`` episodes (E01..) of 5 sequences (SQ010..)
    sharing ``shots_per_episode`` shots with frame ranges, the tasks of
    ``task_types`` shot task types on every shot, an artist (role ``user``, on the
    team, password :data:`ARTIST_PASSWORD`) assigned the first type's task of
    every 20th shot, a few comments. Progress goes to ``log`` (stderr).

    Episodes, sequences and shots: parallel POSTs, 4 in flight (Zou has no bulk
    route for them but its shots CSV import, which measured 4x slower per shot
    here: it works row by row in one request, so on one worker). Tasks: the
    bulk ``create-tasks`` route, :data:`TASK_CHUNK` shots a request, 4 in flight
    (:func:`create_tasks`). The server's own per-row work (a commit and an
    event row per shot and per task) is the floor: 8-20 ms per task on 2 cores.
    """
    say = log or (lambda msg: print(f"[seed] {msg}", file=sys.stderr, flush=True))
    if episodes < 1 or shots_per_episode < SEQUENCES_PER_EPISODE:
        raise ValueError(f"episodes >= 1 and shots_per_episode >= {SEQUENCES_PER_EPISODE}")
    t0 = time.perf_counter()
    last = [t0]

    def stage(what: str) -> None:
        now = time.perf_counter()
        say(f"{what}: {now - last[0]:.1f}s (elapsed {now - t0:.1f}s)")
        last[0] = now

    types = shot_task_types(api, task_types)
    project = api.post("data/projects", {"name": name, "production_type": "tvshow"})
    pid = project["id"]
    for task_type in types:  # listed in the project's settings, as the web UI wants
        api.post(f"data/projects/{pid}/settings/task-types", {"task_type_id": task_type["id"]})
    episode_rows = api.parallel(
        lambda i: api.post(f"data/projects/{pid}/episodes", {"name": f"E{i + 1:02d}"}),
        range(episodes),
    )
    sequence_rows = api.parallel(
        lambda job: api.post(
            f"data/projects/{pid}/sequences",
            {"name": f"SQ{(job[1] + 1) * 10:03d}", "episode_id": job[0]["id"]},
        ),
        [(e, k) for e in episode_rows for k in range(SEQUENCES_PER_EPISODE)],
    )
    stage(
        f"project {name} (tvshow), {len(types)} task types, {episodes} episodes, "
        f"{len(sequence_rows)} sequences"
    )

    per_sequence = -(-shots_per_episode // SEQUENCES_PER_EPISODE)
    count = episodes * shots_per_episode
    progress = [0]
    lock = threading.Lock()

    def new_shot(i: int) -> str:
        e, k = divmod(i, shots_per_episode)
        sequence = sequence_rows[e * SEQUENCES_PER_EPISODE + k // per_sequence]
        frame_in = 1001
        frame_out = 1001 + 23 + (k % 5) * 24
        body = {
            "name": f"SH{(k % per_sequence + 1) * 10:04d}",
            "sequence_id": sequence["id"],
            "nb_frames": frame_out - frame_in + 1,
            "description": f"series shot {i}",
            "data": {"frame_in": frame_in, "frame_out": frame_out, "fps": 24},
        }
        shot_id = str(api.post(f"data/projects/{pid}/shots", body)["id"])
        with lock:
            progress[0] += 1
            if progress[0] % 1000 == 0:
                say(f"  {progress[0]}/{count} shots (elapsed {time.perf_counter() - t0:.0f}s)")
        return shot_id

    shot_ids = api.parallel(new_shot, range(count))
    stage(f"{count} shots")
    nb_tasks = 0
    for task_type in types:  # one type at a time: progress shows
        nb_tasks += create_tasks(api, pid, [task_type], shot_ids)
        say(f"  {nb_tasks}/{count * len(types)} tasks (elapsed {time.perf_counter() - t0:.0f}s)")
    stage(f"{nb_tasks} tasks")

    artist = _series_artist(api, pid)
    first_type = types[0]["id"]
    chosen = set(shot_ids[::ARTIST_EVERY])
    type_tasks = api.get("data/tasks", project_id=pid, task_type_id=first_type)
    artist_task_ids = [t["id"] for t in type_tasks if t["entity_id"] in chosen]
    chunks = [artist_task_ids[i : i + 100] for i in range(0, len(artist_task_ids), 100)]
    assigned = sum(
        api.parallel(
            lambda ids: len(api.put(f"actions/persons/{artist['id']}/assign", {"task_ids": ids})),
            chunks,
        )
    )
    stage(f"artist {ARTIST_EMAIL} on the team, {assigned} tasks assigned")

    statuses = [status(api, s) for s in ("wip", "wfa", "done")]
    step = max(1, len(type_tasks) // SERIES_COMMENTS)
    mine = set(artist_task_ids)  # the artist's keep open statuses: "my tasks" lists them all
    others = [t["id"] for t in type_tasks[step::step] if t["id"] not in mine]
    others = others[: SERIES_COMMENTS - 2]
    targets = [artist_task_ids[0], artist_task_ids[-1], *others]

    def comment(item: tuple[int, str]) -> Any:
        i, task_id = item
        body = {"task_status_id": statuses[i % 3]["id"], "comment": f"series note {i}"}
        return api.post(f"actions/tasks/{task_id}/comment", body)

    api.parallel(comment, list(enumerate(targets)))
    stage(f"{len(targets)} comments")

    out = series_summary(api, pid, artist_email=ARTIST_EMAIL, artist_password=ARTIST_PASSWORD)
    out.seconds = time.perf_counter() - t0
    stage(f"counted: {out.shots} shots, {out.tasks} tasks")
    return out


def _series_artist(api: Api, project_id: str) -> dict[str, Any]:
    """The artist person (created once per server), on the project's team."""
    found = api.get("data/persons", email=ARTIST_EMAIL)
    if found:
        artist = dict(found[0])
    else:
        artist = api.post(
            "data/persons",
            {
                "first_name": "Series",
                "last_name": "Artist",
                "email": ARTIST_EMAIL,
                "role": "user",
            },
        )
    api.post(
        f"actions/persons/{artist['id']}/change-password",
        {"password": ARTIST_PASSWORD, "password_2": ARTIST_PASSWORD},
    )
    api.post(f"data/projects/{project_id}/team", {"person_id": artist["id"]})
    return dict(artist)


def series_summary(
    api: Api, project_id: str, *, artist_email: str, artist_password: str
) -> SeriesSeed:
    """A :class:`SeriesSeed` read back from the server (after a seeding or a restore)."""
    project = api.get(f"data/projects/{project_id}")
    episodes = sorted(
        (
            {"id": e["id"], "name": e["name"]}
            for e in api.get(f"data/projects/{project_id}/episodes")
        ),
        key=lambda e: e["name"],
    )
    sequences = (
        sorted(
            (
                {"id": s["id"], "name": s["name"]}
                for s in api.get(f"data/episodes/{episodes[0]['id']}/sequences")
            ),
            key=lambda s: s["name"],
        )
        if episodes
        else []
    )
    task_types = api.get(f"data/projects/{project_id}/task-types")
    artist = api.get("data/persons", email=artist_email)
    artist_tasks = (  # the person's open tasks, of every project
        sum(
            1
            for t in api.get(f"data/persons/{artist[0]['id']}/tasks")
            if t["project_id"] == project_id
        )
        if artist
        else 0
    )
    comments = total(api, f"data/projects/{project_id}/comments")
    return SeriesSeed(
        project_id=project_id,
        name=str(project["name"]),
        episodes=episodes,
        sequences=sequences,
        shots=total(api, "data/shots", project_id=project_id),
        tasks=total(api, "data/tasks", project_id=project_id),
        task_type_names=sorted(str(t["name"]) for t in task_types if t.get("for_entity") == "Shot"),
        artist_email=artist_email,
        artist_password=artist_password,
        artist_tasks=artist_tasks,
        comments=comments,
    )
