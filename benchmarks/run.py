#!/usr/bin/env python3
"""gadget against plain gazu on a real Kitsu server: request counts and wall time.

One command::

    .venv/bin/python benchmarks/run.py                      # starts its own server
    .venv/bin/python benchmarks/run.py --state /tmp/zou-dev # reuses a running one

It seeds the server through Zou's REST API (bulk endpoints, 4 requests in
flight, see ``seed.py``), then runs every scenario for gadget and for gazu
in the same process, one after the other:

(a) walk every shot of a project with its tasks, task types and statuses;
    plus ONE raw GET ``/data/shots/with-tasks`` (the floor), and the split of
    gadget's time between its HTTP requests and its own work;
(b) a shot by name, its task by task-type name, that task's comments
    (cold, and in the session where (a) ran);
(c) publish a comment with a status and a PNG preview set as main preview;
(d) create 100 shots with frame ranges and custom data;
(e) cast 10 assets into 100 shots (gadget sends one PUT, with its long
    upload timeout: Zou spends 0.2-0.35 s per shot cast);
(f) the walk (a) again in the same gadget session (warm cache);
(g) the walk (a) again in that session once the cache's lifetime has passed
    (its clock moved on): revalidated with Kitsu's ETag (a 304), the task
    types and statuses read again;
(h) 50 publishes, each a comment with a status and its own 5 MB PNG
    preview on its own task: ``session.publish_many`` against gazu's
    ``publish_preview`` one after the other (``--publish-runs`` runs);
plus the scale stage (``benchmarks/scale.py``): the walk at ``--shots``,
``--memory-shots`` and the series' size, with its time, requests and memory.

First of all it makes the long series (``--series``, 20 episodes x 500 shots
by default, see ``series.py``): restored in seconds from a database dump
cached in ``~/.cache/gadget/bench/`` (the restore REPLACES the server's whole
database), or seeded (minutes) and dumped there. Before anything runs it
prints its time budget per stage (``budget.py``); at the end each stage's
time against it, also on the page.

Requests are counted AT THE SERVER, from the API's access log
(``ZouServer.requests_served``, login excluded), whatever client made them.
Cold means a new gadget session (or a new gazu client) per run, logged in
before the timed part. Times are medians over ``--runs`` runs. The table
goes to stdout and to ``--output`` (docs/benchmarks.md).

Only 127.0.0.1 is ever contacted.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import os
import platform
import re
import shlex
import shutil
import statistics
import struct
import sys
import tempfile
import threading
import time
import zlib
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any, TypeVar, cast

import gazu
import requests

import gadget
import gadget._cache as query_cache
from gadget.config import TrackerConfig
from gadget.testing import write_png

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path[:0] = [str(HERE), str(ROOT / "tools")]

import budget as plan  # noqa: E402  (benchmarks/budget.py)
import scale  # noqa: E402  (benchmarks/scale.py)
import seed  # noqa: E402  (benchmarks/seed.py)
import series as series_cache  # noqa: E402  (benchmarks/series.py)
import zou_server  # noqa: E402  (tools/zou_server.py)
from chart import ScalePoint, write_chart  # noqa: E402  (benchmarks/chart.py)

T = TypeVar("T")
Row = tuple[str, str, str]  # shot name, task type name, status short name

MIB = 1024 * 1024
UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
WRITE_SHOTS = 100  # (d) shots created per run, (e) shots cast into
CAST_ASSETS = 10  # (e) assets cast into each shot
COMMENTS = 20  # seeded comments on the walk projects
PUBLISHES = 50  # (h) publishes, one task each
PUBLISH_BYTES = 5_000_000  # (h) size of each PNG preview (random noise: incompressible)


def log(msg: str) -> None:
    print(f"[bench] {msg}", file=sys.stderr, flush=True)


# --------------------------------------------------------------------------
# counting requests at the server
# --------------------------------------------------------------------------


@dataclass
class Sample:
    seconds: float
    requests: int  # answered by the server meanwhile
    lines: list[str]
    sent: int | None = None  # sent by the client measured, by its own count

    @property
    def foreign(self) -> int:
        """Requests the server answered beyond what the measured client counted:
        its own retries (clients count a retried request once) or another client
        of a shared server."""
        return 0 if self.sent is None else self.requests - self.sent


class ServerCounter:
    """Requests answered by the API, from its access log (login excluded)."""

    def __init__(self, server: Any) -> None:
        self.server = server
        self.log = Path(server.state_dir) / "logs" / zou_server.ACCESS_LOG
        if not self.log.exists():
            raise SystemExit(
                f"{self.log} is missing: this server was started before request counting "
                "existed; restart it (python tools/zou_server.py start --state DIR)"
            )

    def mark(self) -> int:
        """Where the log ends, once every answered request has its line."""
        self.server.requests_served()  # waits until the log is steady
        return self.log.stat().st_size

    def since(self, mark: int) -> tuple[int, list[str]]:
        """Requests answered since ``mark`` (login left out, as ``requests_served``
        counts), and their ``METHOD /path?query`` lines."""
        self.server.requests_served()
        with open(self.log, "rb") as fh:
            fh.seek(mark)
            text = fh.read().decode("utf-8", "replace")
        answered = [ln for ln in text.splitlines() if "/auth/" not in ln]
        return len(answered), [t for t in map(_target, answered) if t]

    def measure(
        self, fn: Callable[[], T], sent: Callable[[], int] | None = None
    ) -> tuple[Sample, T]:
        """Run ``fn`` once: its wall time and the requests the server answered meanwhile.

        ``sent`` is the measured client's own request counter, read before
        and after: a difference with the server's count reveals other
        clients of a shared server.
        """
        mark = self.mark()
        before = sent() if sent else 0
        start = time.perf_counter()
        result = fn()
        seconds = time.perf_counter() - start
        after = sent() if sent else 0
        count, lines = self.since(mark)
        return Sample(seconds, count, lines, after - before if sent else None), result


def _target(access_line: str) -> str:
    """``GET /api/data/shots?project_id=...`` from a gunicorn access-log line."""
    parts = access_line.split('"')
    if len(parts) < 2:
        return ""
    method, _, rest = parts[1].partition(" ")
    return f"{method} {rest.rsplit(' ', 1)[0]}"


def _shape(line: str) -> str:
    """``GET /data/shots?project_id=&name=``: a request line without ids and values."""
    method, _, target = line.partition(" ")
    path, _, query = target.partition("?")
    path = UUID.sub("{id}", path.removeprefix("/api"))
    keys = [kv.split("=", 1)[0] for kv in query.split("&") if kv]
    return f"{method} {path}" + ("?" + "&".join(f"{k}=" for k in keys) if keys else "")


def summarize(lines: Sequence[str]) -> str:
    """``GET /data/task-types; 50x GET /data/comments?object_id=&relations=``."""
    counts = Counter(_shape(line) for line in lines)
    return "; ".join(f"{n}x {line}" if n > 1 else line for line, n in counts.items())


@dataclass
class Series:
    samples: list[Sample] = field(default_factory=list)

    def add(self, sample: Sample) -> None:
        self.samples.append(sample)

    @property
    def median(self) -> float:
        return statistics.median(s.seconds for s in self.samples)

    @property
    def requests(self) -> list[int]:
        return [s.requests for s in self.samples]

    @property
    def max_requests(self) -> int:
        return max(self.requests)

    def requests_text(self) -> str:
        counts = self.requests
        text = str(counts[0]) if min(counts) == max(counts) else f"{min(counts)}-{max(counts)}"
        unexplained = [s for s in self.samples if s.foreign]
        if unexplained:  # retries (which a client does not count) or another client
            text += f" (client counted {unexplained[0].sent})"
        return text

    @property
    def breakdown(self) -> str:
        return summarize(self.samples[0].lines) if self.samples else ""


# --------------------------------------------------------------------------
# the seeded data
# --------------------------------------------------------------------------


@dataclass
class WalkProject:
    """A project of N shots x T task types, with its two hero tasks."""

    project: dict[str, Any]
    shots: int
    tasks: int
    read_shot: str  # (b): shot name ...
    read_type: str  # ... and task type name of a task with comments
    publish_shot: dict[str, Any]  # (c) publishes on this shot's task ...
    publish_task: dict[str, Any]
    publish_type: str  # ... of this task type

    @property
    def name(self) -> str:
        return str(self.project["name"])


def _total(api: seed.Api, path: str, **params: Any) -> int:
    answer = api.get(path, page=1, limit=1, **params)
    return int(answer["total"]) if isinstance(answer, dict) else len(answer)


def walk_project(api: seed.Api, shots: int, task_types: int) -> WalkProject:
    """``bench-{shots}x{task_types}``: reused when a complete one is on the server."""
    name = f"bench-{shots}x{task_types}"
    types = seed.shot_task_types(api, task_types)
    found = [p for p in api.get("data/projects", name=name) if p["name"] == name]
    project: dict[str, Any] | None = None
    if found:
        pid = found[0]["id"]
        complete = (
            _total(api, "data/shots", project_id=pid) == shots
            and _total(api, "data/tasks", project_id=pid) == shots * task_types
        )
        if complete:
            project = found[0]
            log(f"reusing project {name} ({shots} shots x {task_types} task types)")
        else:  # an interrupted seeding: keep it out of the way
            api.put(f"data/projects/{pid}", {"name": f"{name}-stale-{seed.suffix()}"})
    if project is None:
        start = time.perf_counter()
        seeded = seed.seed_project(api, name=name, shots=shots, types=types, comments=COMMENTS)
        project = seeded.project
        log(
            f"seeded {name}: {len(seeded.shots)} shots, {seeded.nb_tasks} tasks, "
            f"{COMMENTS} comments in {time.perf_counter() - start:.1f}s"
        )
    pid = project["id"]
    read_shot, publish_shot = (
        next(s for s in api.get("data/shots", project_id=pid, name=n) if s["name"] == n)
        for n in ("sq010_sh0010", "sq010_sh0020")
    )
    read_type = types[min(1, len(types) - 1)]  # seed_comments comments this task
    publish_type = types[0]
    publish_task = api.get(
        "data/tasks", entity_id=publish_shot["id"], task_type_id=publish_type["id"]
    )[0]
    return WalkProject(
        project=project,
        shots=shots,
        tasks=shots * task_types,
        read_shot=str(read_shot["name"]),
        read_type=str(read_type["name"]),
        publish_shot=publish_shot,
        publish_task=publish_task,
        publish_type=str(publish_type["name"]),
    )


@dataclass
class WritesProject:
    """(d) and (e): a fresh project with 100 shots in sequence ``sq_cast`` and 10 assets."""

    project: dict[str, Any]
    cast_shots: list[dict[str, Any]]
    assets: list[dict[str, Any]]


def writes_project(api: seed.Api) -> WritesProject:
    project = api.post(
        "data/projects",
        {"name": f"bench-writes-{seed.suffix()}", "production_type": "featurefilm"},
    )
    pid = project["id"]
    seq = seed.new_sequence(api, pid, "sq_cast")

    def new_shot(i: int) -> dict[str, Any]:
        body = {
            "name": f"cast_sh{(i + 1) * 10:04d}",
            "sequence_id": seq["id"],
            "nb_frames": 48,
            "data": {"frame_in": 1001, "frame_out": 1048, "fps": 24},
        }
        return dict(api.post(f"data/projects/{pid}/shots", body))

    shots = api.parallel(new_shot, range(WRITE_SHOTS))
    assets = seed.seed_assets(api, pid, CAST_ASSETS)
    return WritesProject(project, shots, assets)


# --------------------------------------------------------------------------
# clients
# --------------------------------------------------------------------------


@dataclass
class Env:
    server: Any
    counter: ServerCounter
    api: seed.Api
    png: Path

    def gadget(self) -> gadget.Session:
        """A new gadget session with its default options (logs in: POST
        /auth/login, not counted)."""
        config = TrackerConfig(
            url=f"kitsu+{self.server.api_url}",
            login=self.server.admin_email,
            password=self.server.admin_password,
            events_url=self.server.events_url,
        )
        return gadget.connect(config=config)

    @contextlib.contextmanager
    def gazu(self) -> Iterator[tuple[Any, Callable[[], int]]]:
        """A new gazu client of its own (never gazu's module-level default client),
        with how many requests it has sent so far (a response hook)."""
        client = gazu.client.create_client(self.server.api_url)
        client.session.trust_env = False
        answered = [0]

        def count(response: requests.Response, *args: Any, **kwargs: Any) -> None:
            answered[0] += 1

        client.session.hooks["response"].append(count)
        gazu.log_in(  # type: ignore[no-untyped-call]
            self.server.admin_email, self.server.admin_password, client=client
        )
        try:
            yield client, lambda: answered[0]
        finally:
            client.session.close()


@contextlib.contextmanager
def http_clock(session: gadget.Session) -> Iterator[list[float]]:
    """Seconds during which the session has at least one HTTP request in flight
    (answers read in full): the server and the wire. Requests of several
    threads that overlap count once; the rest of a call's time is gadget's own
    work."""
    http = cast(Any, session.tracker).connection.session  # the Kitsu tracker's requests session
    spent = [0.0]
    state = {"in_flight": 0, "since": 0.0}
    lock = threading.Lock()
    request = http.request

    def timed(*args: Any, **kwargs: Any) -> Any:
        with lock:
            if state["in_flight"] == 0:
                state["since"] = time.perf_counter()
            state["in_flight"] += 1
        try:
            return request(*args, **kwargs)
        finally:
            with lock:
                state["in_flight"] -= 1
                if state["in_flight"] == 0:
                    spent[0] += time.perf_counter() - state["since"]

    http.request = timed
    try:
        yield spent
    finally:
        del http.request  # the class's own method again


def sent_by(session: gadget.Session) -> Callable[[], int]:
    """The gadget session's own request counter (``tracker.request_count``)."""
    tracker: Any = session.tracker  # the Kitsu tracker's escape hatch
    return lambda: int(tracker.request_count)


# --------------------------------------------------------------------------
# the scenarios: the code a user writes, once with gadget, once with gazu
# --------------------------------------------------------------------------


def gadget_walk(project: Any) -> list[Row]:
    rows = []
    for shot in project.shots:
        for task in shot.tasks:
            rows.append((shot.name, task.task_type.name, task.status.short_name))
    return rows


def gazu_walk(client: Any, project: dict[str, Any]) -> list[Row]:
    shots = gazu.shot.all_shots_for_project(project, client=client)
    statuses = {s["id"]: s for s in gazu.task.all_task_statuses(client=client)}
    rows = []
    for shot in shots:
        for task in gazu.task.all_tasks_for_shot(shot, client=client):
            status = statuses[task["task_status_id"]]
            rows.append((shot["name"], task["task_type_name"], status["short_name"]))
    return rows


def raw_with_tasks(
    http: requests.Session, base: str, project_id: str, *, compact: bool = False
) -> int:
    params = {"project_id": project_id, **({"compact": "true"} if compact else {})}
    answer = http.get(f"{base}/data/shots/with-tasks", params=params)
    answer.raise_for_status()
    body = answer.json()
    if compact:  # positional rows under a header naming the columns
        at = body["shot_fields"].index("tasks")
        return sum(len(row[at]) for row in body["rows"])
    return sum(len(shot["tasks"]) for shot in body)


def gadget_read(project: Any, shot_name: str, task_type: str) -> list[Any]:
    shot = project.shots.get(name=shot_name)
    task = shot.tasks.fetch(task_type)
    return list(task.comments)


def gazu_read(
    client: Any, project: dict[str, Any], shot_name: str, task_type: str
) -> list[dict[str, Any]]:
    seq_name = shot_name.split("_", 1)[0]
    seq = gazu.shot.get_sequence_by_name(project, seq_name, client=client)
    shot = gazu.shot.get_shot_by_name(seq, shot_name, client=client)
    tt = gazu.task.get_task_type_by_name(task_type, client=client)
    task = gazu.task.get_task_by_entity(shot, tt, client=client)
    return list(gazu.task.all_comments_for_task(task, client=client))


def shot_rows(prefix: str) -> list[dict[str, Any]]:
    return [
        {
            "name": f"{prefix}_sh{(i + 1) * 10:04d}",
            "frame_in": 1001,
            "frame_out": 1001 + 47 + i % 3,
            "custom_data": {"lens": 35 + i % 4, "camera": "cam_main"},
        }
        for i in range(WRITE_SHOTS)
    ]


# --------------------------------------------------------------------------
# the runs
# --------------------------------------------------------------------------


@dataclass
class Results:
    series: dict[tuple[str, str], Series] = field(default_factory=dict)
    checks: list[str] = field(default_factory=list)
    seed_seconds: float = 0.0
    # (h): tool -> CPU seconds of each run (API workers, this process, the machine)
    cpu: dict[str, list[CpuUse]] = field(default_factory=dict)
    # the picture's points (tool, shots, walk seconds, MiB): chart.write_chart
    points: list[ScalePoint] = field(default_factory=list)
    chart: Path | None = None  # the PNG written, when matplotlib is there
    budget: plan.Budget = field(default_factory=plan.Budget)
    long_series: seed.SeriesSeed | None = None  # --series
    scale: scale.ScaleResults | None = None  # issue 12's items 1, 2, 4, 5

    def add(self, scenario: str, tool: str, sample: Sample) -> None:
        if sample.foreign:
            log(
                f"{scenario} {tool}: the server answered {sample.requests} requests, "
                f"the client counted {sample.sent} (its retries, or another client)"
            )
        self.series.setdefault((scenario, tool), Series()).add(sample)

    def get(self, scenario: str, tool: str) -> Series | None:
        return self.series.get((scenario, tool))


@dataclass
class CpuUse:
    """CPU seconds spent during one measurement (Linux ``/proc``): by the API's
    gunicorn workers, by this process (the client), and by the whole machine
    (every process, other users' included), over ``cores`` cores."""

    workers: float
    client: float
    machine: float
    wall: float
    cores: int = field(default_factory=lambda: os.cpu_count() or 1)

    @property
    def others(self) -> float:
        """What the rest of the machine used meanwhile (not the server's API, not us)."""
        return max(0.0, self.machine - self.workers - self.client)


def _cpu_counters(server: Any) -> tuple[float, float, float] | None:
    """(API workers, this process, the machine): CPU seconds so far; None off Linux."""
    tick = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
    try:
        api_pid = int(server.public_info()["pids"]["api"]["pid"])
        workers = 0
        for pid in zou_server._children(api_pid):
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            workers += int(fields[11]) + int(fields[12])  # utime + stime
        total = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    except (OSError, KeyError, ValueError, IndexError):
        return None
    busy = sum(total[:8]) - total[3] - total[4]  # all but idle and iowait
    return workers / tick, time.process_time(), busy / tick


@contextlib.contextmanager
def cpu_use(server: Any, into: list[CpuUse]) -> Iterator[None]:
    """Append the block's :class:`CpuUse` to ``into`` (nothing off Linux)."""
    before, start = _cpu_counters(server), time.perf_counter()
    yield
    after, wall = _cpu_counters(server), time.perf_counter() - start
    if before and after:
        workers, client, machine = (b - a for a, b in zip(before, after, strict=True))
        into.append(CpuUse(workers, client, machine, wall))


def check(results: Results, ok: bool, what: str) -> None:
    results.checks.append(("ok    " if ok else "FAILED") + " " + what)
    if not ok:
        log(f"CHECK FAILED: {what}")


@contextlib.contextmanager
def cache_lifetime_passed() -> Iterator[None]:
    """Within the block, the sessions' query caches see their lifetime (300 s) passed."""
    real = query_cache.clock
    query_cache.clock = lambda: real() + 301.0
    try:
        yield
    finally:
        query_cache.clock = real


def run_reads(env: Env, wp: WalkProject, results: Results, run: int) -> None:
    """(a), (f) and (b) after (a) in one gadget session; (b) cold; gazu; the raw request."""
    measure = env.counter.measure
    with env.gadget() as session:
        project = session.projects.fetch(wp.name)  # not timed: the project itself
        sent = sent_by(session)
        with http_clock(session) as in_http:
            sample, rows = measure(lambda: gadget_walk(project), sent)
        results.add("a", "gadget", sample)
        results.add("a_http", "gadget", Sample(in_http[0], sample.requests, sample.lines))
        results.add("a_own", "gadget", Sample(sample.seconds - in_http[0], 0, []))
        sample, again = measure(lambda: gadget_walk(project), sent)
        results.add("f", "gadget", sample)
        with cache_lifetime_passed():
            sample, refreshed = measure(lambda: gadget_walk(project), sent)
        results.add("g", "gadget", sample)
        sample, comments = measure(lambda: gadget_read(project, wp.read_shot, wp.read_type), sent)
        results.add("b_after", "gadget", sample)
    with env.gadget() as session:
        project = session.projects.fetch(wp.name)
        sample, cold_comments = measure(
            lambda: gadget_read(project, wp.read_shot, wp.read_type), sent_by(session)
        )
        results.add("b", "gadget", sample)
    with env.gazu() as (client, sent):
        sample, gazu_rows = measure(lambda: gazu_walk(client, wp.project), sent)
        results.add("a", "gazu", sample)
    with env.gazu() as (client, sent):
        sample, gazu_comments = measure(
            lambda: gazu_read(client, wp.project, wp.read_shot, wp.read_type), sent
        )
        results.add("b", "gazu", sample)
    http = requests.Session()
    http.trust_env = False
    http.headers.update(env.api.headers)
    try:
        http.get(f"{env.server.api_url}/auth/authenticated").raise_for_status()  # connected
        sample, nb_tasks = measure(
            lambda: raw_with_tasks(http, env.server.api_url, wp.project["id"]), lambda: 0
        )
        sample.sent = 1
        results.add("a_raw", "raw", sample)
        sample, nb_compact = measure(
            lambda: raw_with_tasks(http, env.server.api_url, wp.project["id"], compact=True),
            lambda: 0,
        )
        sample.sent = 1
        results.add("a_raw_compact", "raw", sample)
    finally:
        http.close()
    if run == 0:
        check(results, len(rows) == wp.tasks, f"(a) gadget walked {len(rows)} tasks")
        check(results, sorted(rows) == sorted(gazu_rows), "(a) gadget and gazu rows are equal")
        check(results, sorted(rows) == sorted(again), "(f) the warm walk gives the same rows")
        check(results, sorted(rows) == sorted(refreshed), "(g) the revalidated walk: same rows")
        check(results, nb_tasks == wp.tasks, f"(a) with-tasks answered {nb_tasks} tasks")
        check(results, nb_compact == wp.tasks, f"(a) compact with-tasks: {nb_compact} tasks")
        check(
            results,
            len(comments) == len(cold_comments) == len(gazu_comments) > 0,
            f"(b) {len(comments)} comments (gadget, after a), {len(cold_comments)} (cold), "
            f"{len(gazu_comments)} (gazu)",
        )


def run_publish(env: Env, wp: WalkProject, results: Results, run: int) -> None:
    """(c): with the status already known (both tools), then looked up inside the timing."""
    measure, api = env.counter.measure, env.api
    short = ("wip", "wfa")[run % 2]
    shot_name = str(wp.publish_shot["name"])

    def main_preview() -> str:
        return str(api.get(f"data/shots/{wp.publish_shot['id']}")["preview_file_id"])

    for scenario in ("c", "c_cold"):
        with env.gadget() as session:
            project = session.projects.fetch(wp.name)
            task = project.shots.get(name=shot_name).tasks.fetch(wp.publish_type)
            if scenario == "c":
                session.task_statuses.all()  # reference data, loaded before

            def gadget_publish(task: Any = task) -> Any:
                return task.comments.new(
                    comment=f"gadget publish {run}",
                    status=short,
                    preview=[env.png],
                    set_main_preview=True,
                )

            sample, note = measure(gadget_publish, sent_by(session))
            results.add(scenario, "gadget", sample)
        if run == 0:
            check(
                results,
                main_preview() == note.previews[0].id,
                f"({scenario}) gadget's preview is the shot's main preview",
            )
        with env.gazu() as (client, sent):
            known = gazu.task.get_task_status_by_short_name(short, client=client)

            def gazu_publish(
                client: Any = client, known: Any = known, cold: bool = scenario != "c"
            ) -> Any:
                status = known
                if cold:
                    status = gazu.task.get_task_status_by_short_name(short, client=client)
                return gazu.task.publish_preview(
                    wp.publish_task,
                    status,
                    comment=f"gazu publish {run}",
                    preview_file_path=str(env.png),
                    set_thumbnail=True,
                    client=client,
                )

            sample, (_, preview) = measure(gazu_publish, sent)
            results.add(scenario, "gazu", sample)
        if run == 0:
            check(
                results,
                main_preview() == preview["id"],
                f"({scenario}) gazu's preview is the shot's main preview",
            )


def run_writes(env: Env, wr: WritesProject, results: Results, run: int) -> None:
    """(d) 100 new shots with frame ranges and custom data, in a fresh sequence."""
    measure, api = env.counter.measure, env.api
    pid = wr.project["id"]
    name = str(wr.project["name"])
    # (d): a fresh sequence per run and tool, made before the timed part
    seq_g = seed.new_sequence(api, pid, f"sq_g{run}")
    seq_z = seed.new_sequence(api, pid, f"sq_z{run}")
    with env.gadget() as session:
        project = session.projects.fetch(name)
        sequence = project.sequences.get(name=seq_g["name"])
        rows = [{**row, "sequence": sequence} for row in shot_rows(f"g{run}")]
        sample, made = measure(lambda: project.shots.new_many(rows), sent_by(session))
        results.add("d", "gadget", sample)
    with env.gazu() as (client, sent):

        def gazu_new() -> list[dict[str, Any]]:
            return [
                gazu.shot.new_shot(
                    wr.project,
                    seq_z,
                    row["name"],
                    nb_frames=row["frame_out"] - row["frame_in"] + 1,
                    frame_in=row["frame_in"],
                    frame_out=row["frame_out"],
                    data=row["custom_data"],
                    client=client,
                )
                for row in shot_rows(f"z{run}")
            ]

        sample, gazu_made = measure(gazu_new, sent)
        results.add("d", "gazu", sample)
    if run == 0:
        stored = api.get("data/shots", parent_id=seq_g["id"])
        frames = {s["name"]: (s["data"]["frame_in"], s["data"]["frame_out"]) for s in stored}
        want = {r["name"]: (r["frame_in"], r["frame_out"]) for r in shot_rows(f"g{run}")}
        check(results, len(made) == len(gazu_made) == WRITE_SHOTS, "(d) 100 shots each")
        check(results, frames == want, "(d) gadget's shots are stored with their frame ranges")


def run_casting(env: Env, wr: WritesProject, results: Results, run: int) -> None:
    """(e) 10 assets cast into 100 shots; nb_occurences changes every run (real writes)."""
    measure, api = env.counter.measure, env.api
    pid = wr.project["id"]
    name = str(wr.project["name"])
    count = run + 1
    with env.gadget() as session:
        project = session.projects.fetch(name)
        shots = project.shots.filter(sequence=project.sequences.get(name="sq_cast")).all()
        assets = project.assets.all()
        casting = {shot: [(asset, count) for asset in assets] for shot in shots}
        sample, _ = measure(lambda: session.set_casting(casting), sent_by(session))
        results.add("e", "gadget", sample)
    if run == 0:
        stored = api.get(f"data/projects/{pid}/entities/{wr.cast_shots[-1]['id']}/casting")
        check(
            results,
            len(shots) == WRITE_SHOTS
            and len(stored) == CAST_ASSETS
            and all(c["nb_occurences"] == count for c in stored),
            "(e) gadget's casting is stored",
        )
    entries = [{"asset_id": a["id"], "nb_occurences": count + 100} for a in wr.assets]
    with env.gazu() as (client, sent):

        def gazu_cast() -> None:
            for shot in wr.cast_shots:
                gazu.casting.update_shot_casting(
                    wr.project, shot, cast(Any, entries), client=client
                )

        sample, _ = measure(gazu_cast, sent)
        results.add("e", "gazu", sample)


def noise_png(path: Path, nbytes: int = PUBLISH_BYTES) -> Path:
    """A valid RGB PNG of about ``nbytes`` of random pixels, stored without
    compression (zlib level 0): every preview of (h) is distinct and as big
    on the wire as on disk."""
    side = max(1, int((nbytes / 3) ** 0.5))
    raw = b"".join(b"\x00" + os.urandom(side * 3) for _ in range(side))  # filter 0 rows

    def chunk(tag: bytes, data: bytes) -> bytes:
        body = tag + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", side, side, 8, 2, 0, 0, 0)  # 8-bit RGB
    path.write_bytes(
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(raw, 0))
        + chunk(b"IEND", b"")
    )
    return path


def publish_targets(api: seed.Api, wp: WalkProject, count: int) -> list[dict[str, Any]]:
    """(h): ``count`` tasks of the walk project, not the hero tasks of (b) and (c):
    those of its last task type first (one per shot), then of the type before ..."""
    pid = wp.project["id"]
    heroes = {wp.publish_task["id"]}
    read = api.get("data/shots", project_id=pid, name=wp.read_shot)
    heroes |= {t["id"] for s in read for t in api.get("data/tasks", entity_id=s["id"])}
    tasks: list[dict[str, Any]] = []
    for task_type in reversed(seed.shot_task_types(api, wp.tasks // wp.shots)):
        if len(tasks) >= count:
            break
        found = api.get("data/tasks", project_id=pid, task_type_id=task_type["id"])
        tasks += sorted((t for t in found if t["id"] not in heroes), key=lambda t: str(t["id"]))
    if len(tasks) < count:
        raise SystemExit(
            f"(h) needs {count} tasks besides the hero ones; the walk project has "
            f"{len(tasks)}: raise --shots or --task-types, or --publish-runs 0"
        )
    return tasks[:count]


def run_publish_many(env: Env, wp: WalkProject, results: Results, runs: int) -> None:
    """(h) ``runs`` times: 50 publishes with 5 MB PNG previews, ``publish_many``
    (its default ``max_workers``) against gazu's ``publish_preview`` in a loop;
    the tool that goes first alternates between runs."""
    start = time.perf_counter()
    targets = publish_targets(env.api, wp, PUBLISHES)
    with tempfile.TemporaryDirectory(prefix="gadget-bench-h-") as tmp:
        pngs = [noise_png(Path(tmp) / f"noise{i:02d}.png") for i in range(PUBLISHES)]
        log(f"(h) {PUBLISHES} PNGs of {pngs[0].stat().st_size / 1e6:.1f} MB made")
        jobs = list(zip(targets, pngs, strict=True))
        for run in range(runs):
            order = ("gadget", "gazu") if run % 2 == 0 else ("gazu", "gadget")
            made = {tool: publish_h(env, wp, results, run, tool, jobs) for tool in order}
            g, z = results.get("h", "gadget"), results.get("h", "gazu")
            assert g and z
            log(
                f"(h) run {run + 1}/{runs}: gadget {g.samples[-1].seconds:.1f}s, "
                f"gazu {z.samples[-1].seconds:.1f}s"
            )
            if run == 0:
                for tool, ids in made.items():
                    states = Counter(env.api.get(f"data/preview-files/{i}")["status"] for i in ids)
                    check(
                        results,
                        len(ids) == PUBLISHES and states == Counter(ready=PUBLISHES),
                        f"(h) {tool}: {len(ids)} previews stored, {dict(states)}",
                    )
    log(f"(h) {runs} run{'s' * (runs > 1)}: {time.perf_counter() - start:.0f}s")


def publish_h(
    env: Env,
    wp: WalkProject,
    results: Results,
    run: int,
    tool: str,
    jobs: Sequence[tuple[dict[str, Any], Path]],
) -> list[str]:
    """One timed run of (h) by ``tool``: the ids of the previews it made."""
    short = ("wip", "wfa")[run % 2]
    if tool == "gadget":
        with env.gadget() as session:
            project = session.projects.fetch(wp.name)  # not timed: the tasks held
            held = {t.id: t for shot in project.shots for t in shot.tasks}
            session.task_statuses.all()  # reference data, loaded before
            items = [
                (held[task["id"]], {"comment": f"h{run} {i}", "status": short, "preview": [png]})
                for i, (task, png) in enumerate(jobs)
            ]
            with cpu_use(env.server, results.cpu.setdefault("gadget", [])):
                sample, notes = env.counter.measure(
                    lambda: session.publish_many(items), sent_by(session)
                )
            results.add("h", "gadget", sample)
            return [p.id for note in notes for p in note.previews]
    with env.gazu() as (client, sent):
        status = gazu.task.get_task_status_by_short_name(short, client=client)

        def one_by_one() -> list[Any]:
            return [
                gazu.task.publish_preview(
                    task, status, comment=f"h{run} {i}", preview_file_path=str(png), client=client
                )
                for i, (task, png) in enumerate(jobs)
            ]

        with cpu_use(env.server, results.cpu.setdefault("gazu", [])):
            sample, published = env.counter.measure(one_by_one, sent)
        results.add("h", "gazu", sample)
        return [preview["id"] for _, preview in published]


def publish_many_lines(r: Results) -> list[Line]:
    """(h), when it ran."""
    h_g, h_z = r.get("h", "gadget"), r.get("h", "gazu")
    if h_g is None or h_z is None:
        return []  # --publish-runs 0
    runs = len(h_g.samples)
    ratio = h_z.median / h_g.median
    what = (
        f"{PUBLISHES} publishes, each a {PUBLISH_BYTES / 1e6:.0f} MB PNG preview on its own "
        f"task: `publish_many` against one by one ({runs} run{'s' * (runs > 1)})"
    )
    target = (
        "≥1.4x gazu (about 2x is the ceiling: Zou builds picture variants inside "
        "the upload request on the same 2 cores)"
    )
    return [Line("(h)", what, h_g, h_z, target, f"{ratio:.2f}x " + _yes(ratio >= 1.4))]


def measured_scale(r: Results, args: argparse.Namespace) -> list[ScalePoint]:
    """The picture's points: the scale stage's walks (gadget, the raw request in
    both forms, gazu) at each size."""
    return scale.points(r.scale, ScalePoint) if r.scale is not None else []


#: the memory panel: what each tool holds (gadget: kept; raw: decoded; gazu: peak)
MEMORY_LABEL = "MiB (gadget: kept; raw: decoded; gazu: peak)"


def run_scale_stage(
    env: Env,
    args: argparse.Namespace,
    wp: WalkProject,
    big: WalkProject | None,
    small: WalkProject | None,
    series: seed.SeriesSeed | None,
) -> scale.ScaleResults:
    """Issue 12's items 1, 2, 4, 5: the walk at each size (``--shots``,
    ``--memory-shots``, the series), one episode and one sequence of the series,
    "my tasks" there, the comments of a walk at 120 and 3,000 tasks."""

    def sized(p: WalkProject) -> scale.Sized:
        return scale.Sized(str(p.shots), p.name, p.project, p.shots, p.tasks)

    sizes = [sized(wp)] + ([sized(big)] if big is not None else [])
    if series is not None:
        project = env.api.get(f"data/projects/{series.project_id}")
        sizes.append(
            scale.Sized(str(series.shots), series.name, project, series.shots, series.tasks)
        )

    def connect_as(email: str, password: str) -> gadget.Session:
        config = TrackerConfig(url=f"kitsu+{env.server.api_url}", login=email, password=password)
        return gadget.connect(config=config)

    if series is not None:  # the admin's own tasks: every 10th shot's of the first type
        admin = env.api.get("auth/authenticated")["user"]["id"]
        pid, episode = series.project_id, series.episodes[1]["id"]
        env.api.post(f"data/projects/{pid}/team", {"person_id": admin})
        answer = env.api.get(
            "data/shots/with-tasks", project_id=pid, episode_id=episode, compact="true"
        )
        at, task_at = answer["shot_fields"].index("tasks"), answer["task_fields"].index("id")
        ids = [row[at][0][task_at] for row in answer["rows"][::10] if row[at]]
        env.api.put(f"actions/persons/{admin}/assign", {"task_ids": ids})

    def add_to_team(project_id: str) -> tuple[str, str]:
        # the series code keeps its name: the cached dump is keyed by its hash
        seed._series_artist(env.api, project_id)
        return seed.ARTIST_EMAIL, seed.ARTIST_PASSWORD

    return scale.run_scale(
        env,
        sizes,
        series,
        sized(small) if small is not None else None,
        runs=args.scale_runs,
        raw_with_tasks=raw_with_tasks,
        gazu_walk=gazu_walk,
        connect_as=connect_as,
        add_to_team=add_to_team,
        log=log,
        lifetime_passed=cache_lifetime_passed,
    )


# --------------------------------------------------------------------------
# the table
# --------------------------------------------------------------------------


@dataclass
class Line:
    key: str
    label: str
    gadget: Series | None
    gazu: Series | None
    target: str
    met: str


def _fmt_s(series: Series | None) -> str:
    return f"{series.median:.3f}" if series else "—"


def _req(series: Series | None) -> str:
    return series.requests_text() if series else "—"


def _ratio(value: float) -> str:
    return f"{value:.0f}x" if value >= 10 else f"{value:.1f}x" if value >= 1 else f"{value:.2f}x"


def _yes(ok: bool, why: str = "") -> str:
    return "yes" if ok else ("**no**" + (f" ({why})" if why else ""))


def build_lines(r: Results, args: argparse.Namespace) -> list[Line]:
    n, m = args.shots, args.memory_shots
    s = r.get
    lines: list[Line] = []
    a_g, a_z, a_raw, a_big = (
        s("a", "gadget"),
        s("a", "gazu"),
        s("a_raw", "raw"),
        s("a_big", "gadget"),
    )
    assert a_g and a_z and a_raw
    speedup = a_z.median / a_g.median
    vs_raw = a_g.median / a_raw.median
    reqs = [a_g.max_requests] + ([a_big.max_requests] if a_big else [])
    flat = len(set(reqs)) == 1
    ok_req = max(reqs) <= 4 and flat
    lines.append(
        Line(
            "(a)",
            f"walk {n} shots x {args.task_types} tasks with statuses, cold",
            a_g,
            a_z,
            "≤4 req whatever N; ≥20x gazu; ≤1.5x the raw request",
            "; ".join(
                [
                    "req " + _yes(ok_req, f"{max(reqs)}" + ("" if flat else ", grows with N")),
                    f"{speedup:.0f}x " + _yes(speedup >= 20),
                    f"{vs_raw:.2f}x raw " + _yes(vs_raw <= 1.5),
                ]
            ),
        )
    )
    lines.append(
        Line("(a) raw", f"ONE GET /data/shots/with-tasks ({n} shots)", a_raw, None, "floor", "")
    )
    a_compact = s("a_raw_compact", "raw")
    if a_compact:
        lines.append(
            Line(
                "(a) raw compact",
                "the same with `compact=true` (positional rows): what gadget asks",
                a_compact,
                None,
                "info",
                "",
            )
        )
    a_http, a_own = s("a_http", "gadget"), s("a_own", "gadget")
    if a_http and a_own:
        lines.append(
            Line(
                "(a) split",
                "gadget's (a): the time with an HTTP request in flight (server + wire)",
                a_http,
                None,
                f"the rest, gadget's own work: {a_own.median:.3f} s",
                "",
            )
        )
    if a_big:
        lines.append(
            Line(
                "(a) big",
                f"walk {m} shots x {args.task_types} tasks, cold (gadget, 1 run)",
                a_big,
                None,
                "≤4 req",
                _yes(a_big.max_requests <= 4),
            )
        )
    b_g, b_z, b_after = s("b", "gadget"), s("b", "gazu"), s("b_after", "gadget")
    assert b_g and b_z and b_after
    lines.append(
        Line(
            "(b)",
            "shot by name → task by type → comments, cold",
            b_g,
            b_z,
            "≤3 req",
            _yes(b_g.max_requests <= 3, str(b_g.max_requests)),
        )
    )
    lines.append(
        Line(
            "(b) after (a)",
            "the same, in the session where (a) ran (gazu: no cache, as cold)",
            b_after,
            b_z,
            "≤1 req",
            _yes(b_after.max_requests <= 1, str(b_after.max_requests)),
        )
    )
    c_g, c_z = s("c", "gadget"), s("c", "gazu")
    cc_g, cc_z = s("c_cold", "gadget"), s("c_cold", "gazu")
    assert c_g and c_z and cc_g and cc_z
    lines.append(
        Line(
            "(c)",
            "comment + status + PNG preview as main preview (statuses known)",
            c_g,
            c_z,
            "≤2 req",
            _yes(c_g.max_requests <= 2, str(c_g.max_requests)),
        )
    )
    lines.append(
        Line(
            "(c) cold",
            "the same, status looked up by name in a new session",
            cc_g,
            cc_z,
            "info",
            "",
        )
    )
    d_g, d_z = s("d", "gadget"), s("d", "gazu")
    assert d_g and d_z
    ratio = d_z.median / d_g.median
    lines.append(
        Line(
            "(d)",
            f"create {WRITE_SHOTS} shots with frame range + custom data",
            d_g,
            d_z,
            "≥2x faster than gazu",
            f"{ratio:.1f}x " + _yes(ratio >= 2),
        )
    )
    lines += casting_lines(r)
    lines += publish_many_lines(r)
    f_g = s("f", "gadget")
    assert f_g
    lines.append(
        Line(
            "(f)",
            "walk (a) again, same session, within the cache TTL",
            f_g,
            a_z,
            "0 req",
            _yes(f_g.max_requests == 0, str(f_g.max_requests)),
        )
    )
    g_g = s("g", "gadget")
    if g_g and a_g:
        share = g_g.median / a_g.median
        lines.append(
            Line(
                "(g)",
                "walk (a) again, same session, past the cache's lifetime (revalidated)",
                g_g,
                a_z,
                "≤15% of (a)",
                f"{share:.0%} " + _yes(share <= 0.15),
            )
        )
    return lines


def casting_lines(r: Results) -> list[Line]:
    """(e), when it ran."""
    e_g, e_z = r.get("e", "gadget"), r.get("e", "gazu")
    if e_g is None or e_z is None:
        return []  # --casting-runs 0
    runs = len(e_z.samples)
    what = f"cast {CAST_ASSETS} assets into {WRITE_SHOTS} shots ({runs} run{'s' * (runs > 1)})"
    return [
        Line("(e)", what, e_g, e_z, "≤2 req", _yes(e_g.max_requests <= 2, str(e_g.max_requests)))
    ]


def table(lines: Sequence[Line]) -> str:
    out = [
        "| scenario | what | gadget req | gazu req | gadget median s | gazu median s "
        "| gazu/gadget | target | met? |",
        "|---|---|---:|---:|---:|---:|---:|---|---|",
    ]
    for ln in lines:
        ratio = _ratio(ln.gazu.median / ln.gadget.median) if ln.gadget and ln.gazu else "—"
        out.append(
            f"| {ln.key} | {ln.label} | {_req(ln.gadget)} | {_req(ln.gazu)} | "
            f"{_fmt_s(ln.gadget)} | {_fmt_s(ln.gazu)} | {ratio} | {ln.target} | {ln.met} |"
        )
    return "\n".join(out)


def notes(r: Results, args: argparse.Namespace) -> list[str]:
    """Where a missed target comes from, read off the measurements (a note shows only
    while its pattern is measured)."""
    out = []
    a_g, a_raw = r.get("a", "gadget"), r.get("a_raw", "raw")
    a_http, a_own = r.get("a_http", "gadget"), r.get("a_own", "gadget")
    if a_g and a_raw and a_http and a_own and a_g.median > 1.5 * a_raw.median:
        out.append(
            f"(a) takes {a_g.median / a_raw.median:.1f}x the raw with-tasks request "
            f"({a_g.median:.3f} s against {a_raw.median:.3f} s). Of gadget's time, "
            f"{a_http.median:.3f} s (median) pass inside its {a_g.max_requests} requests "
            f"({a_g.breakdown}); {a_own.median:.3f} s are gadget's own work, turning "
            f"{args.shots} shots and {args.shots * args.task_types} tasks into entities."
        )
    b_g, b_after = r.get("b", "gadget"), r.get("b_after", "gadget")
    if b_g and b_g.max_requests > 3 and "GET /data/task-types" in b_g.breakdown:
        out.append(
            "(b) cold: `shot.tasks.fetch(<type name>)` first loads every task type "
            "(GET /data/task-types) to turn the name into an id, then asks for the task."
        )
    if b_after and b_after.max_requests > 1 and "/data/comments?object_id=" in b_after.breakdown:
        out.append(
            f"(b) after (a): the first `task.comments` prefetches the comments of every task "
            f"the walk loaded ({args.shots * args.task_types} tasks are one group of "
            f"siblings), a chunk of ids per GET /data/comments: {b_after.max_requests} "
            f"requests ({b_after.breakdown}) instead of 1."
        )
    if b_after and b_after.max_requests > 1 and "/data/projects/{id}/comments" in b_after.breakdown:
        out.append(
            f"(b) after (a): the first `task.comments` reads the comments of every task the "
            f"walk loaded ({args.shots * args.task_types} tasks) from the project's comment "
            f"route (the comments of a walk, issue 12: at most 3 requests whatever its size); "
            f"once the project has comments with previews (those (c) posts in earlier runs), "
            f"their previews are one more GET: {b_after.max_requests} requests "
            f"({b_after.breakdown}) where reading one task alone used to cost 1."
        )
    a_z = r.get("a", "gazu")
    if a_g and a_z and a_z.median / a_g.median < 20:
        out.append(
            f"(a) {a_z.median / a_g.median:.1f}x gazu (target 20x): gazu's "
            f"{args.shots + 2} requests take {a_z.median:.2f} s, gadget's 3 take "
            f"{a_g.median:.3f} s, of which the with-tasks request alone is "
            f"{a_raw.median if a_raw else 0:.3f} s (the raw request): the ratio is the "
            "server's time for one listing against 500 small ones, and moves with it."
        )
    out += publish_notes(r)
    return out


def publish_notes(r: Results) -> list[str]:
    """(h) below its target: where the time went, from the CPU the server's API
    workers, the client and the rest of the machine used meanwhile."""
    h_g, h_z = r.get("h", "gadget"), r.get("h", "gazu")
    cpu_g, cpu_z = r.cpu.get("gadget"), r.cpu.get("gazu")
    if not (h_g and h_z and cpu_g and cpu_z) or h_z.median / h_g.median >= 1.4:
        return []
    g, z = cpu_g[0], cpu_z[0]
    return [
        f"(h) {h_z.median / h_g.median:.2f}x: the work is the server's. In the first run "
        f"Zou's API workers used {g.workers:.0f} s of CPU for gadget's {PUBLISHES} publishes "
        f"({g.workers / PUBLISHES:.2f} s each) and {z.workers:.0f} s for gazu's "
        f"({z.workers / PUBLISHES:.2f} s each: the same picture variants), the client "
        f"{g.client:.1f} s (gadget) and {z.client:.1f} s (gazu). Two workers on {g.cores} "
        f"cores bound gadget's run at {g.workers / min(2, g.cores):.0f} s; it took "
        f"{g.wall:.0f} s: the workers kept {g.workers / g.wall:.1f} cores busy on average "
        f"while the rest of the machine (other processes, this server's database "
        f"included) used {g.others:.0f} of its {g.wall * g.cores:.0f} core-seconds "
        f"({z.others:.0f} of {z.wall * z.cores:.0f} during gazu's {z.wall:.0f} s). "
        + (
            "Parallel uploads only gain the cores that are idle."
            if g.others > 0.25 * g.wall * g.cores
            else "The machine was otherwise idle: the uploads did not spread over both "
            "workers (they queued on one)."
        )
    ]


def breakdowns(r: Results) -> str:
    out = []
    names = {
        "a": "(a)",
        "a_big": "(a) big",
        "b": "(b) cold",
        "b_after": "(b) after (a)",
        "c": "(c)",
        "c_cold": "(c) cold",
        "d": "(d)",
        "e": "(e)",
        "f": "(f)",
        "g": "(g)",
        "h": "(h)",
    }
    for key, label in names.items():
        for tool in ("gadget", "gazu"):
            series = r.get(key, tool)
            if series is None:
                continue
            text = series.breakdown or "none"
            if len(text) > 400:
                text = text[:400] + " ..."
            out.append(f"- {label} {tool}: {text}")
    return "\n".join(out)


def machine() -> str:
    cpus = os.cpu_count() or 0
    return (
        f"{cpus} cores ({platform.machine()}, {platform.system()}), server on loopback "
        f"(127.0.0.1, the same machine: client and server share the cores); "
        f"Python {platform.python_version()}, gazu {metadata.version('gazu')}, "
        f"gadget {metadata.version('gadget')}, Zou {zou_server.ZOU_VERSION} "
        "(gunicorn + gevent, 2 workers)"
    )


DOC_HEAD = """\
# Benchmarks: gadget against plain gazu on a real Kitsu server

Written by `benchmarks/run.py` (do not edit by hand: run it again).
Every number below comes from one run of that command against a real Zou
server on 127.0.0.1, seeded through its REST API.

- **Requests** are counted at the server, from the API's access log
  (`ZouServer.requests_served()` deltas; login excluded), whatever client made
  them. `a-b` means the count varied between runs.
- **Times** are the median wall time of `--runs` runs (`--casting-runs` for
  (e): Zou spends 0.2-0.35 s per shot cast, 20-35 s per run whoever asks,
  so fewer runs keep the whole command near 10 minutes). *Cold* means a new
  gadget session, or a new gazu client, for every run, logged in before the
  timed part; the project itself is looked up before the timed part too.
- (e): gadget sends its one casting PUT with the tracker's upload timeout
  (300 s), as a slow bulk write; a request whose answer timed out is never
  sent again.
- gazu gets a client of its own per run (`gazu.client.create_client`,
  `client=` on every call), never the module-level default one; gazu's cache
  is off (its default).
- Loopback flatters every extra request: over a real network each saved
  round trip is worth 20-100 ms more.

## The scenarios

| | gadget | plain gazu |
|---|---|---|
| (a) | `for shot in project.shots: for task in shot.tasks: task.task_type.name, task.status.short_name` | `all_shots_for_project`, `all_task_statuses` once, `all_tasks_for_shot` per shot (`task_type_name` is in its answer) |
| (a) raw | — | ONE `requests` GET `/data/shots/with-tasks?project_id=` (JSON decoded): the floor |
| (a) raw compact | — | the same request with `compact=true` (positional rows, half the bytes), the form gadget's Kitsu tracker asks for: how much of gadget's (a) is the request itself |
| (a) split | the part of gadget's (a) during which at least one of its HTTP requests is in flight (timed around its `requests` session; requests of several threads that overlap count once); the rest is gadget's own work | — |
| (b) | `project.shots.get(name=)` → `shot.tasks.fetch(type)` → `list(task.comments)` | `get_sequence_by_name`, `get_shot_by_name`, `get_task_type_by_name`, `get_task_by_entity`, `all_comments_for_task` |
| (c) | `task.comments.new(comment=, status=, preview=[png], set_main_preview=True)` | `publish_preview(task, status, comment=, preview_file_path=, set_thumbnail=True)` |
| (d) | `project.shots.new_many([...100 rows...])` | `new_shot(...)` in a loop |
| (e) | `session.set_casting({shot: [(asset, n), ...]})` | `update_shot_casting` per shot |
| (f) | (a) again in the same session | — (gazu has no session cache: as (a)) |
| (g) | (a) again in the same session after the cache's lifetime: one with-tasks GET with `If-None-Match` (a 304), then the task types and statuses (their cached lists expired too) | — (as (a)) |
| (h) | `session.publish_many([(task, {comment, status, preview: [png]}), ...])` on 50 tasks held from a walk, default `max_workers` | `publish_preview(task, status, comment=, preview_file_path=)` for each task, one after the other |

In (h) every preview is its own 5 MB PNG of random pixels stored without
compression (made before the timed part), so neither side can gain from
compression or a repeated file; the statuses are known before the timed
part; the tool that goes first alternates between runs.

In (c) the status is known before the timed part (gadget: statuses loaded
in the session; gazu: `get_task_status_by_short_name` called before); the
"(c) cold" line puts that lookup inside the timed part for both.
"""


def chart_line(page: Path, r: Results) -> str:
    """The page's image line for the picture (with a blank line before), or nothing."""
    if r.chart is None:
        return ""
    where = os.path.relpath(r.chart, page.resolve().parent)
    return f"\n![Walk time and memory against the number of shots, per tool]({where})\n"


def scale_text(page: Path, r: Results) -> str:
    """The page's part on issue 12's scale targets (the walks by size first)."""
    if r.scale is None:
        return "The scale measurements were skipped (`--scale-runs 0`).\n"
    s = r.scale
    missed = scale.misses(s)
    return f"""## Scale: walks of 500, 2,000 and 10,000 shots

The walk (a) at each size, cold (a new session per run; the project looked up
by name, its requests counted apart), medians of `--scale-runs` runs; the raw
request (one `requests` GET of `/data/shots/with-tasks`, plain or
`compact=true`, decoded) as often; gazu once per size. Memory (tracemalloc,
`gc.collect()` first): *gadget kept* is what is still allocated after the walk
while its session is open (every shot and task entity in its cache, each task's
`raw` the row Zou sent); *raw decoded* is the decoded answer, held; *gazu
peak* is the highest point of its walk (it keeps nothing){"; gazu's walk of the series is timed only" if any(w.shots > 5_000 for w in s.walks) else ""}.
Targets: at most 4 requests including the project lookup; within 1.3x the
compact request; kept no more than the raw decoded answer.

{scale.walk_table(s)}
{chart_line(page, r)}
### The walk again past the cache's lifetime

In the session of each cold run, the same walk once the query cache's
lifetime has passed: the answer's ETag is sent back and Zou's 304 keeps what
the session holds (the task types and statuses are read again alongside).
Target: at most 15% of the cold walk.

{scale.refresh_table(s)}

### One episode, one sequence of the series ({s.series_name})

The project and the part looked up first (not counted), then the walk of the
part's shots with their tasks (the task types and statuses included). Target:
at most 3 requests, at most a tenth of the whole series walk's time and kept
memory.

{scale.parts_table(s) if s.parts else "(no series in this run: `--series 0`)"}

### My tasks

`project.my_tasks` with each task's type and status, after the project lookup
and the session's reference data (task types, statuses). Target: at most 2
requests whatever the project's size.

{scale.mine_table(s) if s.mine else "(no series in this run)"}

### The comments of a walk

Every task's `list(task.comments)` after the walk (the walk not counted).
Target: at most 3 requests for an admin at 120 and at 3,000 tasks; for users,
supervisors and managers the project's comment pages + 2 (Zou answers the
project's comments in one page here); each role sees what the task route shows
it (guarded by `tests/kitsu/test_request_counts.py`).

{scale.comments_table(s)}

Requests each made (first run; ids and query values elided):

{scale.breakdown(s, summarize)}

Scale targets missed, from these figures:

{chr(10).join("- " + m for m in missed) or "- none"}
"""


def series_text(r: Results, args: argparse.Namespace) -> str:
    """The paragraph of the page on the 10,000-shot series and its cache."""
    about = (
        "One tvshow project `series-<E>x<S>x<T>` (`--series EPISODESxSHOTS`, "
        "`--task-types` per shot): episodes E01.. of 5 sequences SQ010.. sharing their "
        "shots, frame ranges on every shot, the tasks of every task type on every shot, "
        f"an artist (`{seed.ARTIST_EMAIL}`, role user) assigned the first task type's "
        "task of every 20th shot, a few comments. Seeded by `seed.seed_series` through "
        "Zou's REST API (shot POSTs 4 in flight, the bulk create-tasks route), then "
        "dumped (`pg_dump -Fc`) to `~/.cache/gadget/bench/series-<E>x<S>x<T>-zou<version>-"
        "<hash of seed.py's series code>.dump`; later runs restore that dump "
        "(`ZouServer.restore_db`: the whole database is replaced, the admin keeps its "
        "password, Zou's redis cache is flushed) in seconds. "
        "`python tools/zou_server.py dump|restore --state DIR --file F` do the same by hand."
    )
    s = r.long_series
    if s is None:
        return about + "\n\nThis run: skipped (`--series 0`)."
    how = "restored from the cached dump" if s.restored else "seeded (or found on the server)"
    return (
        f"{about}\n\nThis run: `{s.name}`, {len(s.episodes)} episodes, {s.shots} shots, "
        f"{s.tasks} tasks, {s.artist_tasks} tasks assigned to the artist, {s.comments} "
        f"comments; {how} in {s.seconds:.0f} s (target: seeded in at most 25 minutes, "
        "restored in seconds)."
    )


def write_doc(path: Path, args: argparse.Namespace, r: Results, lines: Sequence[Line]) -> None:
    command = ".venv/bin/python benchmarks/run.py" + (
        " " + shlex.join(args.argv) if args.argv else ""
    )
    text = f"""{DOC_HEAD}
## Results

{dt.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z")}; {machine()}.

Parameters: `--shots {args.shots} --task-types {args.task_types} --runs {args.runs}
--casting-runs {args.casting_runs} --publish-runs {args.publish_runs} --memory-shots {args.memory_shots}`; server: {"reused (`--state`)" if args.state else "started by the command"};
seeding took {r.seed_seconds:.0f} s.

{table(lines)}

{scale_text(path, r)}

Where the missed targets come from (read off this run's measurements):

{chr(10).join("- " + n for n in notes(r, args)) or "- every target is met"}

Requests each made (first run; ids and query values elided):

{breakdowns(r)}

Sanity checks (results compared between the tools, writes read back from the server):

{chr(10).join("- " + c for c in r.checks)}

## The long series

{series_text(r, args)}

## Time budget

Planned by `run.py` from its parameters before it starts (the constants of
`benchmarks/budget.py`), printed first, then measured; the report's own
seconds are counted up to this table: {r.budget.verdict()}.

{r.budget.table()}

## Run it

```sh
make bench                                          # the same as:
.venv/bin/python benchmarks/run.py                  # starts a server; prints its time budget
.venv/bin/python benchmarks/run.py --state /tmp/zou-dev   # reuse a running server
.venv/bin/python benchmarks/run.py --shots 100 --runs 3 --memory-shots 0 --series 0 --output -  # quick look
```

This page was made with `{command}`. The seeded projects `bench-<N>x<T>`
stay on a reused server and are reused by the next run; every run adds a
fresh `bench-writes-*` project for (d) and (e). Request counts are also
asserted (not times) by `tests/kitsu/test_request_counts.py`.
"""
    path.write_text(text, encoding="utf-8")


# --------------------------------------------------------------------------
# main
# --------------------------------------------------------------------------


def parse(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--shots", type=int, default=500, help="shots of the walk project")
    parser.add_argument("--task-types", type=int, default=6, help="tasks per shot (1-8)")
    parser.add_argument("--runs", type=int, default=5, help="runs per scenario (median)")
    parser.add_argument(
        "--casting-runs",
        type=int,
        default=2,
        help="runs of (e), at most --runs (Zou spends 0.2-0.35 s per shot cast, whoever asks)",
    )
    parser.add_argument(
        "--publish-runs",
        type=int,
        default=1,
        help=f"runs of (h), {PUBLISHES} publishes of a {PUBLISH_BYTES // 1_000_000} MB PNG "
        "each per tool (0: skip)",
    )
    parser.add_argument(
        "--memory-shots",
        type=int,
        default=2000,
        help="shots of the scale stage's middle walk project (0: skip)",
    )
    parser.add_argument(
        "--scale-runs",
        type=int,
        default=3,
        help="runs of each scale measurement (walks by size, episode, my tasks, comments; 0: skip)",
    )
    parser.add_argument("--state", type=Path, help="state dir of a running server to reuse")
    parser.add_argument(
        "--series",
        default="20x500",
        metavar="EPISODESxSHOTS",
        help="the long series (tvshow, --task-types per shot): restored from a cached dump "
        "when there is one, else seeded and dumped; REPLACES a reused server's database "
        "when restored; '0' skips it",
    )
    parser.add_argument(
        "--output",
        default=str(ROOT / "docs" / "benchmarks.md"),
        help="markdown page to write ('-': none)",
    )
    args = parser.parse_args(argv)
    args.argv = list(sys.argv[1:] if argv is None else argv)
    if (
        args.shots < 2
        or args.runs < 1
        or args.casting_runs < 0
        or args.publish_runs < 0
        or not 1 <= args.task_types <= len(seed.TASK_TYPE_NAMES)
    ):
        parser.error(
            "--shots ≥ 2, --runs ≥ 1, --casting-runs ≥ 0, --publish-runs ≥ 0, 1 ≤ --task-types ≤ 8"
        )
    args.series_size = parse_series(parser, args.series)
    return args


def parse_series(parser: argparse.ArgumentParser, text: str) -> tuple[int, int] | None:
    """``EPISODESxSHOTS`` (shots per episode) or ``0``."""
    if text.strip() == "0":
        return None
    episodes, _, shots = text.lower().partition("x")
    try:
        size = (int(episodes), int(shots))
    except ValueError:
        size = (0, 0)
    if size[0] < 1 or size[1] < seed.SEQUENCES_PER_EPISODE:
        parser.error(
            f"--series EPISODESxSHOTS (e.g. 20x500, at least 1x{seed.SEQUENCES_PER_EPISODE}) "
            f"or 0, not {text!r}"
        )
    return size


def plan_budget(args: argparse.Namespace) -> plan.Budget:
    """Every stage's budget from the parameters (constants in budget.py)."""
    budget = plan.Budget()
    if args.state is None:
        budget.plan("server start", plan.SERVER_START_S)
    if args.series_size:
        episodes, shots = args.series_size
        n = episodes * shots
        dump = series_cache.dump_path(episodes, shots, args.task_types)
        budget.plan(
            "series: restore" if dump.is_file() else "series: seed (no cached dump)",
            plan.restore_estimate(n * args.task_types)
            if dump.is_file()
            else plan.series_seed_estimate(n, n * args.task_types),
        )
    shots = args.shots + args.memory_shots + WRITE_SHOTS
    budget.plan(
        "seeding (walk projects)",
        plan.SEED_FIXED_S
        + plan.seed_estimate(shots, (args.shots + args.memory_shots) * args.task_types),
    )
    budget.plan(
        f"scenario runs (a)-(g) x {args.runs}",
        args.runs * (plan.RUN_FIXED_S + args.shots * plan.RUN_PER_SHOT_S)
        + min(args.casting_runs, args.runs) * plan.CASTING_RUN_S,
    )
    if args.publish_runs:
        budget.plan("(h) publish_many", args.publish_runs * plan.PUBLISH_RUN_S)
    if args.scale_runs:
        series_shots = args.series_size[0] * args.series_size[1] if args.series_size else 0
        budget.plan(
            "scale: walks by size, episode, my tasks, comments",
            plan.scale_estimate([args.shots, args.memory_shots, series_shots], args.scale_runs),
        )
    budget.plan("warm-up and report", plan.FIXED_S)
    return budget


@contextlib.contextmanager
def server_for(state: Path | None) -> Iterator[Any]:
    if state is not None:
        server = zou_server.ZouServer.load(state)
        if not server.is_running():
            raise SystemExit(
                f"no server running in {state}: python tools/zou_server.py start --state {state}"
            )
        log(f"reusing the server of {state} ({server.api_url})")
        yield server
        return
    tmp = Path(tempfile.mkdtemp(prefix="gadget-bench-"))
    try:
        with zou_server.start(tmp / "zou") as server:  # stops on exit
            yield server
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse(argv)
    gazu.cache.disable()  # its default; said out loud
    t_all = time.perf_counter()
    results = Results()
    budget = results.budget = plan_budget(args)
    for line in budget.plan_text().splitlines():
        log(line)
    with contextlib.ExitStack() as stack:
        with budget.stage("server start") if args.state is None else contextlib.nullcontext():
            server = stack.enter_context(server_for(args.state))
        tmp = stack.enter_context(tempfile.TemporaryDirectory())
        api = seed.Api(server.api_url, server.admin_email, server.admin_password)
        env = Env(server, ServerCounter(server), api, write_png(Path(tmp) / "preview.png"))
        series: seed.SeriesSeed | None = None  # --series: the long series, for its scenarios
        if args.series_size:  # first: a restore replaces the server's whole database
            stage = next(s for s in budget.planned if s.startswith("series: "))
            with budget.stage(stage):
                series = results.long_series = series_cache.series_project(
                    server,
                    api,
                    episodes=args.series_size[0],
                    shots_per_episode=args.series_size[1],
                    task_types=args.task_types,
                )
            how = "restored" if series.restored else "seeded or reused"
            log(
                f"series {series.name}: {series.shots} shots, {series.tasks} tasks, "
                f"{len(series.episodes)} episodes; {how} in {series.seconds:.1f}s"
            )
        with budget.stage("seeding (walk projects)"):
            start = time.perf_counter()
            wp = walk_project(api, args.shots, args.task_types)
            big = (
                walk_project(api, args.memory_shots, args.task_types) if args.memory_shots else None
            )
            wr = writes_project(api)
            small = walk_project(api, 20, args.task_types) if args.scale_runs else None
            results.seed_seconds = time.perf_counter() - start
        log(f"seeding: {results.seed_seconds:.1f}s")
        with budget.stage("warm-up and report"), env.gadget() as session:
            gadget_walk(session.projects.fetch(wp.name))  # warm the server's caches up
        with budget.stage(f"scenario runs (a)-(g) x {args.runs}"):
            for run in range(args.runs):
                t_run = time.perf_counter()
                run_reads(env, wp, results, run)
                run_publish(env, wp, results, run)
                run_writes(env, wr, results, run)
                if run < args.casting_runs:
                    run_casting(env, wr, results, run)
                log(f"run {run + 1}/{args.runs}: {time.perf_counter() - t_run:.1f}s")
        if args.publish_runs:
            with budget.stage("(h) publish_many"):
                run_publish_many(env, wp, results, args.publish_runs)
        if args.scale_runs:
            with budget.stage("scale: walks by size, episode, my tasks, comments"):
                results.scale = run_scale_stage(env, args, wp, big, small, series)
    with budget.stage("warm-up and report"):
        return report(args, results, t_all)


def report(args: argparse.Namespace, results: Results, t_all: float) -> int:
    """Print the tables and write the page (the budget's last stage runs meanwhile)."""
    lines = build_lines(results, args)
    print()
    print(table(lines))
    print()
    print("\n".join(notes(results, args)))
    print()
    print(breakdowns(results))
    print()
    print("\n".join(results.checks))
    results.points += measured_scale(results, args)
    budget = results.budget
    budget.actual.setdefault("warm-up and report", 0.0)
    print()
    print(budget.table())
    print(budget.verdict())
    if args.output != "-":
        results.chart = write_chart(
            results.points, Path(args.output).with_suffix(".png"), memory_label=MEMORY_LABEL
        )
        log(f"wrote {results.chart}" if results.chart else "no picture (matplotlib missing)")
        write_doc(Path(args.output), args, results, lines)
        log(f"wrote {args.output}")
    log(f"total: {time.perf_counter() - t_all:.0f}s")
    return 0 if all(c.startswith("ok") for c in results.checks) else 1


if __name__ == "__main__":
    sys.exit(main())
