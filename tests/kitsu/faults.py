"""The fault burst: mixed operations through a fault-injecting proxy, counted on the server.

Used by ``tests/kitsu/test_faults*.py``; no test here. :func:`plan` makes a
seeded list of operations on a :class:`Studio` (a project with ``tasks``
shots, each with one task assigned to the admin): publishes with a preview
(half of them setting the main preview, at most one per shot), status
changes (each task gets a status at most once, never the one it has),
time-spent additions (each on a day of its own) and shot creations. A
caller runs them (:func:`run_direct`: direct calls, retried only on
``TrackerUnavailable``; :func:`run_published`: through ``gadget.publish``),
each outcome is kept (:class:`Outcome`), and :func:`count_on_server` reads
what landed straight from Zou, never through gadget or the proxy. :func:`figures`
compares them:

* **lost**: reported done (or queued and then flushed) but not on the server,
  or on it without its preview or its main preview;
* **duplicated**: on the server more than once (a comment twice, twice the
  time, a status set twice, two shots);
* **applied but reported failed**: on the server, although the call raised an
  error that does not say it may have landed (anything but ``OutcomeUnknown``
  and ``PartialPublish``);
* ``failures_landed``: failed calls (any error) whose write is on the server.
"""

from __future__ import annotations

import datetime as dt
import json
import random
import time
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import gadget
from gadget.testing import Names, write_png

PUBLISH, STATUS, TIME, SHOT = "publish", "status", "time_spent", "shot"
#: statuses a status change may set (never "todo", a new task's, nor "wfa", a publish's)
STATUS_TARGETS = ("wip", "retake", "done")
MARK = "burst"


@dataclass
class Studio:
    """The project a burst works on (ids, for counting on the server)."""

    project_id: str
    project_name: str
    sequence: str
    task_type: str
    person_id: str
    tasks: dict[str, str]  # shot name -> task id
    shots: dict[str, str]  # shot name -> shot id
    statuses: dict[str, str] = field(default_factory=dict)  # short name -> id


def make_studio(session: gadget.Session, n_tasks: int, label: str = "Faults") -> Studio:
    names = Names()
    project = session.projects.new(name=names(label), production_type="short")
    seq = project.sequences.new(name="sq010")
    anim = session.task_types.new(name=names("Anim"), for_shots=True)
    me = session.me
    tasks, shots = {}, {}
    for i in range(n_tasks):
        shot = project.shots.new(name=f"sh{i:04d}", sequence=seq)
        task = shot.tasks.new(task_type=anim, assignees=[me])
        tasks[shot.name], shots[shot.name] = task.id, shot.id
    statuses = {s.short_name: s.id for s in session.task_statuses}
    return Studio(project.id, project.name, "sq010", anim.name, me.id, tasks, shots, statuses)


@dataclass(frozen=True)
class Op:
    """One operation of a burst."""

    index: int
    kind: str
    shot: str  # the shot whose task it touches (SHOT: the new shot's name)
    text: str = ""  # PUBLISH: the comment, unique in the burst
    status: str = ""  # STATUS: the target status
    main: bool = False  # PUBLISH: set_main_preview
    date: str = ""  # TIME: the day
    minutes: int = 0  # TIME: how long


def plan(
    seed: int,
    studio: Studio,
    run: str,
    counts: dict[str, int],
) -> list[Op]:
    """A seeded, shuffled list of ``counts[kind]`` operations of each kind."""
    rng = random.Random(seed)
    shots = sorted(studio.tasks)
    ops: list[Op] = []
    mains = set(rng.sample(shots, min(len(shots), counts[PUBLISH] // 2)))
    for i in range(counts[PUBLISH]):
        shot = shots[i % len(shots)]
        main = shot in mains
        if main:
            mains.discard(shot)
        ops.append(Op(0, PUBLISH, shot, text=f"{MARK}-{run}-{i:04d}", main=main))
    pairs = [(shot, status) for status in STATUS_TARGETS for shot in shots]
    if counts[STATUS] > len(pairs):
        raise ValueError(f"at most {len(pairs)} status changes on {len(shots)} tasks")
    for shot, status in rng.sample(pairs, counts[STATUS]):
        ops.append(Op(0, STATUS, shot, status=status))
    first = dt.date(2026, 1, 1)
    for i in range(counts[TIME]):
        day = (first + dt.timedelta(days=i)).isoformat()
        ops.append(
            Op(0, TIME, shots[rng.randrange(len(shots))], date=day, minutes=15 * (1 + i % 4))
        )
    for i in range(counts[SHOT]):
        ops.append(Op(0, SHOT, f"new_{run}_{i:04d}"))
    rng.shuffle(ops)
    # a task's status changes keep their planned order: each target differs
    # from the status before it (no change that is already applied)
    return [Op(i, *_fields(op)) for i, op in enumerate(ops)]


def _fields(op: Op) -> tuple[Any, ...]:
    values = asdict(op)
    values.pop("index")
    return tuple(values.values())


@dataclass
class Outcome:
    """How one operation ended, as its caller saw it."""

    op: Op
    #: "ok", "queued", "unavailable", "unknown", "partial", "error:<Type>"; "conflict":
    #: a queued status change the flush posted without its status, and said so
    reported: str
    attempts: int
    seconds: float  # the whole operation, retries included
    longest_failure: float  # the longest single call that raised (0 when none)
    key: str | None = None
    message: str = ""


def _classify(exc: BaseException) -> str:
    if isinstance(exc, QueuedAnswer):
        return "queued"
    if isinstance(exc, gadget.TrackerUnavailable):
        return "unavailable"
    outcome_unknown = getattr(gadget, "OutcomeUnknown", None)
    partial = getattr(gadget, "PartialPublish", None)
    if outcome_unknown is not None and isinstance(exc, outcome_unknown):
        return "unknown"
    if partial is not None and isinstance(exc, partial):
        return "partial"
    return f"error:{type(exc).__name__}"


class Caller:
    """Runs one operation on a session: the direct calls a pipeline makes."""

    def __init__(self, session: gadget.Session, studio: Studio, files: Path) -> None:
        self.session = session
        self.studio = studio
        self.files = files
        self._tasks: dict[str, gadget.Task] = {}
        self._project: gadget.Project | None = None

    def project(self) -> gadget.Project:
        if self._project is None:
            self._project = self.session.projects.fetch(self.studio.project_name)
        return self._project

    def task(self, shot: str) -> gadget.Task:
        if shot not in self._tasks:
            found = self.project().shots.fetch(f"{self.studio.sequence}/{shot}")
            self._tasks[shot] = found.tasks.fetch(self.studio.task_type)
        return self._tasks[shot]

    def preview(self, op: Op) -> Path:
        return write_png(self.files / f"{op.text}.png", rgb=(op.index % 256, 90, 30))

    def direct(self, op: Op) -> Any:
        """The operation as one direct gadget call."""
        if op.kind == PUBLISH:
            return self.task(op.shot).comments.new(
                comment=op.text, status="wfa", preview=[self.preview(op)], set_main_preview=op.main
            )
        if op.kind == STATUS:
            return self.task(op.shot).set_status(op.status)
        if op.kind == TIME:
            return self.task(op.shot).time_spent.add(
                self.session.me, dt.date.fromisoformat(op.date), minutes=op.minutes
            )
        seq = self.project().sequences.fetch(self.studio.sequence)
        return self.project().shots.new(name=op.shot, sequence=seq)


def run_direct(
    caller: Caller, ops: Iterable[Op], retries: int = 3, call: Callable[[Op], Any] | None = None
) -> list[Outcome]:
    """Each operation by a caller that retries only on ``TrackerUnavailable``
    (``retries`` more times) and takes any other answer as final."""
    run = call or caller.direct
    outcomes = []
    for op in ops:
        start = time.monotonic()
        longest = 0.0
        attempts = 0
        while True:
            attempts += 1
            t0 = time.monotonic()
            try:
                run(op)
            except gadget.GadgetError as exc:
                longest = max(longest, time.monotonic() - t0)
                kind = _classify(exc)
                if kind == "unavailable" and attempts <= retries:
                    continue
                outcomes.append(
                    Outcome(
                        op,
                        kind,
                        attempts,
                        time.monotonic() - start,
                        longest,
                        getattr(exc, "key", None),
                        str(exc)[:300],
                    )
                )
                break
            outcomes.append(Outcome(op, "ok", attempts, time.monotonic() - start, longest))
            break
    return outcomes


@dataclass
class Landed:
    """What the server holds of each operation (by ``Op.index``)."""

    times: dict[int, int]  # how many times it landed
    incomplete: dict[int, str]  # landed without a preview or its main preview: why


def count_on_server(raw: Any, studio: Studio, ops: list[Op]) -> Landed:
    """Read what landed, straight from Zou (``raw``: RawKitsu as the admin)."""
    comments: dict[str, list[dict[str, Any]]] = {
        shot: raw.get(f"data/tasks/{task_id}/comments") for shot, task_id in studio.tasks.items()
    }
    spent: dict[str, list[dict[str, Any]]] = {
        shot: raw.get(f"actions/tasks/{task_id}/time-spents")
        for shot, task_id in studio.tasks.items()
    }
    shots = Counter(s["name"] for s in raw.get("data/shots", project_id=studio.project_id))
    main_of = {
        name: raw.get(f"data/shots/{ident}")["preview_file_id"]
        for name, ident in studio.shots.items()
    }
    times: dict[int, int] = {}
    incomplete: dict[int, str] = {}
    status_ids = studio.statuses
    for op in ops:
        if op.kind == PUBLISH:
            mine = [c for c in comments[op.shot] if op.text in (c.get("text") or "")]
            times[op.index] = len(mine)
            previews = [_id(p) for c in mine for p in c.get("previews") or []]
            if mine and len(previews) != len(mine):
                incomplete[op.index] = f"{len(previews)} previews on {len(mine)} comment(s)"
            elif mine and op.main and main_of[op.shot] not in previews:
                incomplete[op.index] = "main preview not set"
        elif op.kind == STATUS:
            target = status_ids[op.status]
            times[op.index] = sum(
                1
                for c in comments[op.shot]
                if MARK not in (c.get("text") or "") and _status_of(c) == target
            )
        elif op.kind == TIME:
            entries = _spent_rows(spent[op.shot])
            minutes = sum(
                int(e.get("duration") or 0)
                for e in entries
                if str(e.get("date", ""))[:10] == op.date and e.get("person_id") == studio.person_id
            )
            times[op.index] = minutes // op.minutes if minutes % op.minutes == 0 else -1
        else:
            times[op.index] = shots.get(op.shot, 0)
    return Landed(times, incomplete)


def _id(value: Any) -> Any:
    return value.get("id") if isinstance(value, dict) else value


def _status_of(comment: dict[str, Any]) -> Any:
    status = comment.get("task_status_id") or comment.get("task_status")
    return _id(status)


def _spent_rows(answer: Any) -> list[dict[str, Any]]:
    if isinstance(answer, list):
        return [r for r in answer if isinstance(r, dict)]
    if isinstance(answer, dict):  # {person_id: [rows]} or {date: ...} on some routes
        rows: list[dict[str, Any]] = []
        for value in answer.values():
            rows.extend(_spent_rows(value))
        return rows
    return []


FAILED = ("unavailable",)  # errors that claim nothing landed, besides "error:*"
MAY_HAVE_LANDED = ("unknown", "partial")


def figures(
    outcomes: list[Outcome], landed: Landed, injected: dict[str, int], *, flushed: bool = False
) -> dict[str, Any]:
    """The burst's figures (module docstring). ``flushed``: queued operations
    were flushed afterwards, so they must have landed too."""
    lost, duplicated, applied_failed, failures_landed, failed = [], [], [], [], []
    for out in outcomes:
        n = landed.times[out.op.index]
        done = out.reported == "ok" or (flushed and out.reported in ("queued", *MAY_HAVE_LANDED))
        if out.reported not in ("ok", "queued", "conflict"):
            failed.append(out)
            if n >= 1:
                failures_landed.append(out)
        if n >= 2 or n < 0:
            duplicated.append(out)
        if done and (n == 0 or out.op.index in landed.incomplete):
            lost.append(out)
        if n >= 1 and (out.reported in FAILED or out.reported.startswith("error:")):
            applied_failed.append(out)
    return {
        "operations": len(outcomes),
        "by_kind": dict(Counter(o.op.kind for o in outcomes)),
        "faults_injected": dict(sorted(injected.items())),
        "faults_total": sum(n for k, n in injected.items() if k != "upstream_down"),
        "reported": dict(sorted(Counter(o.reported for o in outcomes).items())),
        "failed_calls": len(failed),
        "failures_landed": len(failures_landed),
        "lost": len(lost),
        "duplicated": len(duplicated),
        "applied_but_reported_failed": len(applied_failed),
        "retries": sum(o.attempts - 1 for o in outcomes),
        "longest_time_to_fail_s": round(max((o.longest_failure for o in outcomes), default=0), 2),
        "longest_operation_s": round(max((o.seconds for o in outcomes), default=0), 2),
        "examples": {
            "lost": [_example(o, landed) for o in lost[:5]],
            "duplicated": [_example(o, landed) for o in duplicated[:5]],
            "applied_but_reported_failed": [_example(o, landed) for o in applied_failed[:5]],
            "conflict": [_example(o, landed) for o in outcomes if o.reported == "conflict"][:5],
            "queued": [_example(o, landed) for o in outcomes if o.reported == "queued"][:5],
        },
    }


def _example(out: Outcome, landed: Landed) -> str:
    why = landed.incomplete.get(out.op.index, "")
    return (
        f"#{out.op.index} {out.op.kind} {out.op.shot} {out.op.text or out.op.status or out.op.date}"
        f": {out.reported} after {out.attempts} attempt(s), on the server "
        f"{landed.times[out.op.index]}x {why} {out.message[:120]}"
    ).strip()


def write_figures(path: Path, name: str, values: dict[str, Any]) -> None:
    """Merge ``values`` under ``name`` into the JSON file at ``path``."""
    try:
        known = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        known = {}
    known[name] = values
    path.write_text(json.dumps(known, indent=2, sort_keys=True) + "\n", encoding="utf-8")


def show(name: str, values: dict[str, Any]) -> str:
    """One paragraph of figures for the test log."""
    keys = (
        "operations",
        "faults_total",
        "faults_injected",
        "reported",
        "lost",
        "duplicated",
        "applied_but_reported_failed",
        "failures_landed",
        "failed_calls",
        "longest_time_to_fail_s",
    )
    return f"[{name}] " + "; ".join(f"{k}={values[k]}" for k in keys if k in values)


def run_published(
    caller: Caller, ops: Iterable[Op], outbox: Any, retries: int = 3
) -> list[Outcome]:
    """The burst as a DCC hook makes it: publishes and status changes through
    ``gadget.publish`` (posted, or queued in ``outbox``), time spent and shot
    creations by direct calls retried on ``TrackerUnavailable``, and on
    ``OutcomeUnknown`` the way its message says (a shot by ``ensure``, a
    time addition with its idempotency key)."""

    def call(op: Op) -> Any:
        if op.kind in (PUBLISH, STATUS):
            task = caller.task(op.shot)
            if op.kind == PUBLISH:
                result = gadget.publish(
                    task,
                    op.text,
                    status="wfa",
                    preview=[caller.preview(op)],
                    set_main_preview=op.main,
                    outbox=outbox,
                    flush=False,
                )
            else:
                result = gadget.publish(task, status=op.status, outbox=outbox, flush=False)
            if result.state == "queued":
                raise QueuedAnswer(result.key)
            return result
        if op.kind == SHOT:
            project = caller.project()
            seq = project.sequences.fetch(caller.studio.sequence)
            return _until_known(lambda: project.shots.ensure(name=op.shot, sequence=seq))
        key = f"time-{op.index}-{op.date}"
        return _until_known(
            lambda: caller.task(op.shot).time_spent.add(
                caller.session.me,
                dt.date.fromisoformat(op.date),
                minutes=op.minutes,
                idempotency_key=key,
            )
        )

    return run_direct(caller, ops, retries, call=call)


def _until_known(write: Callable[[], Any], tries: int = 4) -> Any:
    """``write`` again while its outcome is unknown: each is safe to repeat
    (a get-or-create; a time addition with its idempotency key)."""
    for _ in range(tries - 1):
        try:
            return write()
        except gadget.OutcomeUnknown:
            continue
    return write()


class QueuedAnswer(gadget.GadgetError):
    """Not an error: the publish was queued (how :func:`run_direct` hears it)."""

    def __init__(self, key: str | None) -> None:
        super().__init__(f"queued with key {key}")
        self.key = key
