"""Issue 12's scale scenarios: walks at 500, 2,000 and 10,000 shots, the walk of
one episode and one sequence of the series, an artist's "my tasks", the
comments of a walk. Called by run.py with its environment (server, request
counter, gadget and gazu clients); each returns plain figures run.py tabulates.

Memory is read with tracemalloc in this process, ``gc.collect()`` first:

- *kept* (gadget): what is still allocated after the walk while the session
  that walked is open (its cache holds every shot and task);
- *decoded* (raw): the with-tasks answer decoded by ``json``, held;
- *peak* (gazu): the highest point during its walk (it keeps nothing).
"""

from __future__ import annotations

import gc
import json
import statistics
import time
import tracemalloc
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import requests

MIB = 1024 * 1024


@dataclass
class Timed:
    """Runs of one measured thing: seconds each, requests of the first."""

    seconds: list[float] = field(default_factory=list)
    requests: int | None = None
    lines: list[str] = field(default_factory=list)

    def add(self, sample: Any) -> None:
        self.seconds.append(sample.seconds)
        if self.requests is None:
            self.requests = sample.requests
            self.lines = list(sample.lines)

    @property
    def median(self) -> float | None:
        return statistics.median(self.seconds) if self.seconds else None


@dataclass
class WalkScale:
    """The walk (a) of one project at one size."""

    label: str
    shots: int
    tasks: int
    lookup_requests: int = 0  # projects.get(name=) before the walk
    gadget: Timed = field(default_factory=Timed)
    raw: Timed = field(default_factory=Timed)
    compact: Timed = field(default_factory=Timed)
    gazu: Timed = field(default_factory=Timed)
    gadget_kept: int | None = None
    gadget_peak: int | None = None
    raw_decoded: int | None = None
    compact_decoded: int | None = None
    gazu_peak: int | None = None
    gazu_skipped: str = ""  # why gazu did not walk this size
    refresh: Timed = field(default_factory=Timed)  # the walk again past the cache's lifetime


@dataclass
class PartWalk:
    """Walking one episode or one sequence of the series."""

    what: str
    shots: int
    tasks: int
    timed: Timed = field(default_factory=Timed)
    kept: int | None = None


@dataclass
class MyTasks:
    who: str
    tasks: int
    timed: Timed = field(default_factory=Timed)


@dataclass
class Comments:
    who: str
    tasks: int
    comments: int
    timed: Timed = field(default_factory=Timed)


def walk(parent: Any) -> int:
    """Every task of every shot of ``parent``, with its type and status names."""
    count = 0
    for shot in parent.shots:
        for task in shot.tasks:
            task.task_type.name, task.status.short_name  # noqa: B018 -- the read is the point
            count += 1
    return count


def kept_after(fn: Callable[[], Any]) -> tuple[int, int, Any]:
    """``fn()`` under tracemalloc: (bytes still allocated after it, peak, its result)."""
    gc.collect()
    tracemalloc.start()
    try:
        result = fn()
        gc.collect()
        current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return current, peak, result


def decoded_size(http: requests.Session, base: str, project_id: str, compact: bool) -> int:
    """Bytes the decoded with-tasks answer holds (read first, decoded under tracemalloc)."""
    params = {"project_id": project_id, **({"compact": "true"} if compact else {})}
    answer = http.get(f"{base}/data/shots/with-tasks", params=params)
    answer.raise_for_status()
    text = answer.text
    held, _, body = kept_after(lambda: json.loads(text))
    del body
    return held


def measure_walk(
    env: Any,
    http: requests.Session,
    raw_with_tasks: Callable[..., int],
    gazu_walk: Callable[[Any, dict[str, Any]], Any],
    *,
    label: str,
    name: str,
    project: dict[str, Any],
    shots: int,
    tasks: int,
    runs: int,
    gazu_runs: int,
    gazu_memory: bool = True,
    gazu_skipped: str = "",
    lifetime_passed: Callable[[], Any] | None = None,
) -> WalkScale:
    """The cold walk of ``name`` by gadget (``runs`` times), the raw request in
    both forms (``runs`` times), gazu (``gazu_runs`` times), then memory."""
    out = WalkScale(label, shots, tasks, gazu_skipped=gazu_skipped)
    base = env.server.api_url
    for _ in range(runs):
        with env.gadget() as session:
            sent = _sent(session)
            if out.lookup_requests == 0:
                sample, found = env.counter.measure(
                    lambda s=session: s.projects.get(name=name), sent
                )
                out.lookup_requests = sample.requests
            else:
                found = session.projects.get(name=name)
            sample, count = env.counter.measure(lambda f=found: walk(f), sent)
            _expect(count, tasks, f"{label}: gadget walked")
            out.gadget.add(sample)
            if lifetime_passed is not None:  # (g): the same walk past the cache's lifetime
                with lifetime_passed():
                    sample, count = env.counter.measure(lambda f=found: walk(f), sent)
                _expect(count, tasks, f"{label}: gadget walked again")
                out.refresh.add(sample)
        for compact, timed in ((False, out.raw), (True, out.compact)):
            sample, count = env.counter.measure(
                lambda c=compact: raw_with_tasks(http, base, project["id"], compact=c)
            )
            _expect(count, tasks, f"{label}: the raw request (compact={compact}) held")
            timed.add(sample)
    for _ in range(gazu_runs):
        with env.gazu() as (client, sent):
            sample, rows = env.counter.measure(lambda c=client: gazu_walk(c, project), sent)
            _expect(len(rows), tasks, f"{label}: gazu walked")
            out.gazu.add(sample)
    with env.gadget() as session:
        found = session.projects.get(name=name)
        out.gadget_kept, out.gadget_peak, _ = kept_after(lambda: walk(found))
    out.raw_decoded = decoded_size(http, base, project["id"], compact=False)
    out.compact_decoded = decoded_size(http, base, project["id"], compact=True)
    if gazu_runs and gazu_memory:
        with env.gazu() as (client, _sent_gazu):
            _, out.gazu_peak, _ = kept_after(lambda: gazu_walk(client, project))
    return out


def measure_part(env: Any, name: str, what: str, pick: Callable[[Any], Any], runs: int) -> PartWalk:
    """The walk of the part ``pick(project)`` finds (an episode, a sequence):
    the project and the part looked up first, the walk counted and timed."""
    out: PartWalk | None = None
    for _ in range(runs):
        with env.gadget() as session:
            part = pick(session.projects.get(name=name))
            sample, tasks = env.counter.measure(lambda p=part: walk(p), _sent(session))
            out = out or PartWalk(what, len(part.shots), tasks)
            out.timed.add(sample)
    assert out is not None
    with env.gadget() as session:
        part = pick(session.projects.get(name=name))
        out.kept, _, _ = kept_after(lambda: walk(part))
    return out


def measure_my_tasks(
    env: Any, who: str, connect: Callable[[], Any], name: str, runs: int
) -> MyTasks:
    """``project.my_tasks`` listed with each task's type and status names: the
    requests after the project lookup and the session's reference data."""
    out: MyTasks | None = None
    for _ in range(runs):
        with connect() as session:
            project = session.projects.get(name=name)
            session.task_types.all()
            session.task_statuses.all()

            def mine(p: Any = project) -> int:
                tasks = list(p.my_tasks)
                for task in tasks:
                    task.task_type.name, task.status.short_name  # noqa: B018
                return len(tasks)

            sample, count = env.counter.measure(mine, _sent(session))
            out = out or MyTasks(who, count)
            out.timed.add(sample)
    assert out is not None
    return out


def measure_comments(
    env: Any, who: str, connect: Callable[[], Any], name: str, runs: int
) -> Comments:
    """The comments of every task after a walk (the walk not counted)."""
    out: Comments | None = None
    for _ in range(runs):
        with connect() as session:
            project = session.projects.get(name=name)
            tasks = [task for shot in project.shots for task in shot.tasks]

            def read(found: list[Any] = tasks) -> int:
                return sum(len(list(task.comments)) for task in found)

            sample, count = env.counter.measure(read, _sent(session))
            out = out or Comments(who, len(tasks), count)
            out.timed.add(sample)
    assert out is not None
    return out


def _sent(session: Any) -> Callable[[], int]:
    tracker: Any = session.tracker
    return lambda: int(tracker.request_count)


def _expect(got: int, wanted: int, what: str) -> None:
    if got != wanted:
        raise SystemExit(f"{what} {got} tasks, not {wanted}")


def timed_once(fn: Callable[[], Any]) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


# --------------------------------------------------------------------------
# the whole scale stage, and its part of the page
# --------------------------------------------------------------------------


@dataclass
class ScaleResults:
    walks: list[WalkScale] = field(default_factory=list)
    parts: list[PartWalk] = field(default_factory=list)
    mine: list[MyTasks] = field(default_factory=list)
    comments: list[Comments] = field(default_factory=list)
    series_name: str = ""


@dataclass
class Sized:
    """One project the scale stage walks: its name, its Zou payload, its size."""

    label: str
    name: str
    project: dict[str, Any]
    shots: int
    tasks: int


def run_scale(
    env: Any,
    sizes: list[Sized],
    series: Any,
    small: Sized | None,
    *,
    runs: int,
    raw_with_tasks: Callable[..., int],
    gazu_walk: Callable[[Any, dict[str, Any]], Any],
    connect_as: Callable[[str, str], Any],
    add_to_team: Callable[[str], tuple[str, str]],
    log: Callable[[str], None],
    lifetime_passed: Callable[[], Any] | None = None,
) -> ScaleResults:
    """Issue 12's items 1, 2, 4 and 5 (see the module docstring)."""
    out = ScaleResults(series_name=series.name if series is not None else "")
    http = requests.Session()
    http.trust_env = False
    http.headers.update(env.api.headers)
    for sized in sizes:
        big = sized.shots > 5_000
        start = time.perf_counter()
        out.walks.append(
            measure_walk(
                env,
                http,
                raw_with_tasks,
                gazu_walk,
                label=sized.label,
                name=sized.name,
                project=sized.project,
                shots=sized.shots,
                tasks=sized.tasks,
                runs=max(1, runs // 2) if big else runs,
                gazu_runs=1,
                gazu_memory=not big,  # its peak is one shot's tasks at any size
                lifetime_passed=lifetime_passed,
            )
        )
        log(f"scale walk {sized.label}: {time.perf_counter() - start:.0f}s")
    if series is not None:
        first = series.episodes[0]["name"]
        sequence = series.sequences[0]["name"]
        out.parts.append(
            measure_part(
                env, series.name, f"episode {first}", lambda p: p.episodes.fetch(first), runs
            )
        )
        out.parts.append(
            measure_part(
                env,
                series.name,
                f"sequence {first}/{sequence}",
                lambda p: p.episodes.fetch(first).sequences.fetch(sequence),
                runs,
            )
        )
        out.mine.append(
            measure_my_tasks(
                env,
                "artist (role user)",
                lambda: connect_as(series.artist_email, series.artist_password),
                series.name,
                runs,
            )
        )
        out.mine.append(measure_my_tasks(env, "admin", env.gadget, series.name, runs))
        log("scale: episode, sequence, my tasks done")
    for sized in ([small] if small is not None else []) + [s for s in sizes if s.tasks == 3000]:
        out.comments.append(measure_comments(env, "admin", env.gadget, sized.name, runs))
    walked = next((s for s in sizes if s.tasks == 3000), None)
    if walked is not None:
        email, password = add_to_team(walked.project["id"])
        out.comments.append(
            measure_comments(
                env, "artist (role user)", lambda: connect_as(email, password), walked.name, runs
            )
        )
    log("scale: comments done")
    return out


def _mib(value: int | None) -> str:
    return "—" if value is None else f"{value / MIB:.1f}"


def _s(timed: Timed) -> str:
    return "—" if timed.median is None else f"{timed.median:.3f}"


def _ratio(a: float | None, b: float | None) -> float | None:
    return None if a is None or b is None or b == 0 else a / b


def _yes(ok: bool) -> str:
    return "yes" if ok else "**no**"


def walk_table(r: ScaleResults) -> str:
    rows = [
        "| shots x 6 | gadget req (lookup + walk) | gadget s | raw s | raw compact s "
        "| gadget / compact | ≤1.3x? | gazu req | gazu s | gazu / gadget "
        "| gadget kept MiB | raw decoded MiB | compact decoded MiB | kept ≤ raw? | gazu peak MiB |",
        "|---:|---:|---:|---:|---:|---:|---|---:|---:|---:|---:|---:|---:|---|---:|",
    ]
    for w in r.walks:
        ratio = _ratio(w.gadget.median, w.compact.median)
        gazu = _ratio(w.gazu.median, w.gadget.median)
        kept_ok = (
            w.gadget_kept is not None
            and w.raw_decoded is not None
            and w.gadget_kept <= w.raw_decoded
        )
        requests_total = (w.gadget.requests or 0) + w.lookup_requests
        rows.append(
            f"| {w.shots} | {w.lookup_requests} + {w.gadget.requests} = {requests_total}"
            f"{'' if requests_total <= 4 else ' (**> 4**)'} "
            f"| {_s(w.gadget)} | {_s(w.raw)} | {_s(w.compact)} "
            f"| {'—' if ratio is None else f'{ratio:.2f}x'} | {_yes(ratio is not None and ratio <= 1.3)} "
            f"| {w.gazu.requests if w.gazu.requests is not None else '—'} | {_s(w.gazu)} "
            f"| {'—' if gazu is None else f'{gazu:.0f}x'} "
            f"| {_mib(w.gadget_kept)} | {_mib(w.raw_decoded)} | {_mib(w.compact_decoded)} "
            f"| {_yes(kept_ok)} | {_mib(w.gazu_peak)} |"
        )
    return "\n".join(rows)


def refresh_table(r: ScaleResults) -> str:
    rows = [
        "| shots x 6 | cold walk s | revalidated walk s | requests | share of the cold walk "
        "| ≤15%? |",
        "|---:|---:|---:|---:|---:|---|",
    ]
    for w in r.walks:
        share = _ratio(w.refresh.median, w.gadget.median)
        rows.append(
            f"| {w.shots} | {_s(w.gadget)} | {_s(w.refresh)} | {w.refresh.requests} "
            f"| {'—' if share is None else f'{share:.0%}'} "
            f"| {_yes(share is not None and share <= 0.15)} |"
        )
    return "\n".join(rows)


def parts_table(r: ScaleResults) -> str:
    whole = next((w for w in r.walks if w.shots >= 5_000), None)
    rows = [
        "| walked | shots | tasks | requests | ≤3? | s | share of the whole walk's time "
        "| kept MiB | share of the whole walk's kept memory | ≤ a tenth? |",
        "|---|---:|---:|---:|---|---:|---:|---:|---:|---|",
    ]
    for p in r.parts:
        t = _ratio(p.timed.median, whole.gadget.median if whole else None)
        m = _ratio(p.kept, whole.gadget_kept if whole else None)
        ok = t is not None and m is not None and t <= 0.1 and m <= 0.1
        rows.append(
            f"| {p.what} | {p.shots} | {p.tasks} | {p.timed.requests} "
            f"| {_yes((p.timed.requests or 0) <= 3)} | {_s(p.timed)} "
            f"| {'—' if t is None else f'{t:.1%}'} | {_mib(p.kept)} "
            f"| {'—' if m is None else f'{m:.1%}'} | {_yes(ok)} |"
        )
    return "\n".join(rows)


def mine_table(r: ScaleResults) -> str:
    rows = ["| who | tasks | requests | ≤2? | s |", "|---|---:|---:|---|---:|"]
    for m in r.mine:
        rows.append(
            f"| {m.who} | {m.tasks} | {m.timed.requests} | {_yes((m.timed.requests or 0) <= 2)} "
            f"| {_s(m.timed)} |"
        )
    return "\n".join(rows)


def comments_table(r: ScaleResults) -> str:
    rows = [
        "| who | tasks | comments | requests | target | met? | s |",
        "|---|---:|---:|---:|---|---|---:|",
    ]
    for c in r.comments:
        rows.append(
            f"| {c.who} | {c.tasks} | {c.comments} | {c.timed.requests} "
            f"| ≤3 (one page: all of a project's comments come in one answer) "
            f"| {_yes((c.timed.requests or 0) <= 3)} | {_s(c.timed)} |"
        )
    return "\n".join(rows)


def misses(r: ScaleResults) -> list[str]:
    """The scale targets this run missed, each with what its figures say."""
    out = []
    for w in r.walks:
        total = (w.gadget.requests or 0) + w.lookup_requests
        if total > 4:
            out.append(f"walk of {w.shots} shots: {total} requests (> 4)")
        ratio = _ratio(w.gadget.median, w.compact.median)
        if ratio is not None and ratio > 1.3 and w.gadget.median and w.compact.median:
            own = w.gadget.median - w.compact.median
            out.append(
                f"walk of {w.shots} shots: {ratio:.2f}x the compact request (target 1.3x): "
                f"{own * 1000:.0f} ms beyond the request, {own / w.tasks * 1e6:.1f} µs per task "
                "of gadget's own work (records made while the streamed rows arrive, then one "
                "entity per shot and per task bound in the session); over the runs the "
                f"compact request took {min(w.compact.seconds):.3f}-{max(w.compact.seconds):.3f} s "
                f"and gadget's walk {min(w.gadget.seconds):.3f}-{max(w.gadget.seconds):.3f} s"
            )
        share = _ratio(w.refresh.median, w.gadget.median)
        if share is not None and share > 0.15 and w.refresh.median is not None:
            out.append(
                f"walk of {w.shots} shots again past the cache's lifetime: {share:.0%} of the "
                f"cold walk ({w.refresh.median * 1000:.0f} ms, {w.refresh.requests} requests: "
                "the 304 and the two reference lists read again, plus walking what is held)"
            )
        if (
            w.gadget_kept is not None
            and w.raw_decoded is not None
            and w.gadget_kept > w.raw_decoded
        ):
            out.append(
                f"walk of {w.shots} shots keeps {w.gadget_kept / MIB:.1f} MiB, more than the "
                f"decoded raw answer's {w.raw_decoded / MIB:.1f} MiB"
            )
    return out


def points(r: ScaleResults, point: Callable[..., Any]) -> list[Any]:
    """The picture's points: ``point(tool, shots, seconds, mib)`` per tool and size."""
    out = []
    for w in r.walks:
        out.append(point("gadget", w.shots, w.gadget.median, _in_mib(w.gadget_kept)))
        out.append(point("raw request", w.shots, w.raw.median, _in_mib(w.raw_decoded)))
        out.append(point("raw compact", w.shots, w.compact.median, _in_mib(w.compact_decoded)))
        out.append(point("gazu", w.shots, w.gazu.median, _in_mib(w.gazu_peak)))
    return out


def _in_mib(value: int | None) -> float | None:
    return None if value is None else value / MIB


def breakdown(r: ScaleResults, summarize: Callable[[list[str]], str]) -> str:
    """What each scale measurement asked the server (its first run)."""
    out = []
    for w in r.walks:
        out.append(f"- walk of {w.shots} shots, gadget: {summarize(w.gadget.lines)}")
    for p in r.parts:
        out.append(f"- {p.what}: {summarize(p.timed.lines)}")
    for m in r.mine:
        out.append(f"- my tasks, {m.who}: {summarize(m.timed.lines)}")
    for c in r.comments:
        out.append(f"- comments of {c.tasks} tasks, {c.who}: {summarize(c.timed.lines)}")
    return "\n".join(out)
