"""The time budget of a benchmark run: planned per stage, then measured.

``run.py`` plans every stage from its parameters before it starts (the
estimates below), prints the plan, times each stage with
:meth:`Budget.stage`, and prints and writes each stage's time against its
budget at the end. The run keeps within its budget when its total does; the
stages over theirs are named.

The constants are seconds measured on the 2-core machine of
docs/benchmarks.md (client and server on the same cores), with a margin of
about 1.5x for a loaded machine. Change them when the measurements move.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterator
from dataclasses import dataclass, field

#: starting the Zou server (PostgreSQL initdb, zou init, gunicorn boot)
SERVER_START_S = 120.0
#: seeding through the REST API: a shot POST (4 in flight), a task by create-tasks
#: (Zou commits an event row per task: 4-15 ms of server time on 2 cores)
SEED_PER_SHOT_S = 0.035
SEED_PER_TASK_S = 0.006
#: the long series' tasks: 21 ms each measured at 20x500x6 (60,000 tasks in 1,283 s,
#: 10,000 shots in 332 s: 27.4 min in all) while other servers took half the cores
SERIES_PER_TASK_S = 0.022
#: the small writes project, the comments and assets of the walk projects
SEED_FIXED_S = 20.0
#: restoring the series' dump (pg_restore -j 2, ANALYZE, the admin's password):
#: 10.3 s measured for 60,000 tasks (a dump of 8.9 MB)
RESTORE_FIXED_S = 15.0
RESTORE_PER_TASK_S = 0.0005
#: one run of (a)-(d), (f), (g): gazu's walk is a request per shot (12 ms each),
#: plus the publishes, the 2 x 100 shots of (d), reads of (b)
RUN_FIXED_S = 25.0
RUN_PER_SHOT_S = 0.02
#: one run of (e): 2 x 100 shots cast, Zou spends 0.2-0.35 s per shot whoever asks
CASTING_RUN_S = 45.0
#: one run of (h): 50 PNGs of 5 MB made, 50 publishes by each tool (1.5 s of server
#: CPU each: about 40 s for gadget's 4 in flight on 2 workers, 75 s for gazu's one
#: by one on idle cores; 145 s each measured on a loaded machine)
PUBLISH_RUN_S = 300.0
#: the scale stage: per shot walked, each run (gadget, raw, raw compact), plus a
#: gazu walk per size (a request per shot, 12-20 ms), plus the fixed parts
#: (episode, sequence, my tasks, comments at 120 and 3,000 tasks)
SCALE_PER_SHOT_RUN_S = 0.0015
SCALE_GAZU_PER_SHOT_S = 0.03
SCALE_FIXED_S = 90.0
#: the warm-up walk and the report
FIXED_S = 10.0


def seed_estimate(shots: int, tasks: int) -> float:
    return shots * SEED_PER_SHOT_S + tasks * SEED_PER_TASK_S


def series_seed_estimate(shots: int, tasks: int) -> float:
    return SEED_FIXED_S + shots * SEED_PER_SHOT_S + tasks * SERIES_PER_TASK_S


def scale_estimate(sizes: list[int], runs: int) -> float:
    """The scale stage: each size walked ``runs`` times by gadget and the raw
    request (twice), gazu once (twice below 5,000 shots: a traced walk too)."""
    total = SCALE_FIXED_S * runs
    for shots in sizes:
        if shots:
            total += shots * (3 * runs * SCALE_PER_SHOT_RUN_S + 2 * SCALE_GAZU_PER_SHOT_S)
    return total


def restore_estimate(tasks: int) -> float:
    return RESTORE_FIXED_S + tasks * RESTORE_PER_TASK_S


@dataclass
class Budget:
    """Planned and measured seconds per stage, in the order planned."""

    planned: dict[str, float] = field(default_factory=dict)
    actual: dict[str, float] = field(default_factory=dict)

    def plan(self, stage: str, seconds: float) -> None:
        self.planned[stage] = self.planned.get(stage, 0.0) + seconds

    def replan(self, stage: str, seconds: float) -> None:
        """A stage's budget once known better (the series: restore or seed)."""
        self.planned[stage] = seconds

    @contextlib.contextmanager
    def stage(self, stage: str) -> Iterator[None]:
        """Time the block into ``stage`` (a stage may run in several blocks)."""
        start = time.perf_counter()
        try:
            yield
        finally:
            self.actual[stage] = self.actual.get(stage, 0.0) + time.perf_counter() - start

    @property
    def total_planned(self) -> float:
        return sum(self.planned.values())

    @property
    def total_actual(self) -> float:
        return sum(self.actual.values())

    def over(self) -> list[str]:
        """The stages that took longer than planned (unplanned ones included)."""
        return [s for s, t in self.actual.items() if t > self.planned.get(s, 0.0)]

    def kept(self) -> bool:
        return self.total_actual <= self.total_planned

    def plan_text(self) -> str:
        rows = [f"  {s:<40} {t:8.0f}s" for s, t in self.planned.items()]
        return "\n".join(["time budget:", *rows, f"  {'total':<40} {self.total_planned:8.0f}s"])

    def table(self) -> str:
        """Markdown: each stage's time against its budget."""
        stages = list(self.planned) + [s for s in self.actual if s not in self.planned]
        rows = [
            "| stage | budget s | actual s | within? |",
            "|---|---:|---:|---|",
        ]
        for s in stages:
            planned = self.planned.get(s)
            actual = self.actual.get(s)
            rows.append(
                f"| {s} | {'—' if planned is None else f'{planned:.0f}'} "
                f"| {'not run' if actual is None else f'{actual:.0f}'} "
                f"| {'—' if actual is None else ('yes' if actual <= (planned or 0) else 'no')} |"
            )
        rows.append(
            f"| total | {self.total_planned:.0f} | {self.total_actual:.0f} "
            f"| {'yes' if self.kept() else 'no'} |"
        )
        return "\n".join(rows)

    def verdict(self) -> str:
        over = self.over()
        head = (
            f"the run kept within its time budget ({self.total_actual:.0f} s of "
            f"{self.total_planned:.0f} s)"
            if self.kept()
            else f"the run went over its time budget ({self.total_actual:.0f} s of "
            f"{self.total_planned:.0f} s)"
        )
        return head + (f"; over their own budget: {', '.join(over)}" if over else "")
