"""The long series of the benchmarks, seeded once and then restored from a dump.

Seeding 20 episodes x 500 shots x 6 task types through Zou's REST API takes
minutes (``seed.seed_series``); restoring a database dump of the result takes
seconds. :func:`series_project` keeps such dumps in ``~/.cache/gadget/bench/``
(``GADGET_CACHE_DIR`` moves the root), one file per key::

    series-<E>x<S>x<T>-zou<version>-<hash>.dump

where ``hash`` covers the series code of ``seed.py`` (from its "the long
series" marker to the end, plus the functions it calls): a change there, or
another Zou version, seeds again.

A restore REPLACES THE WHOLE DATABASE of the server: call it first, before
anything else is seeded. The dump is taken right after the seeding, so it
holds whatever the server had then (on a fresh server: only the series).

The round trip, checked by hand on a server of your own (never the test
session's)::

    python tools/zou_server.py start --state /tmp/zou-check
    .venv/bin/python benchmarks/series.py --state /tmp/zou-check --series 2x50

seeds (or restores) the series, moves it out of the way, restores the dump,
and compares what the REST API shows before and after; the admin and the
artist log in to the restored database.
"""

from __future__ import annotations

import argparse
import hashlib
import inspect
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE), str(HERE.parent / "tools")]

import seed  # noqa: E402  (benchmarks/seed.py)
import zou_server  # noqa: E402  (tools/zou_server.py)

__all__ = ["cache_dir", "dump_path", "series_code_hash", "series_name", "series_project"]

SERIES_MARKER = "# the long series"


def series_name(episodes: int, shots_per_episode: int, task_types: int) -> str:
    return f"series-{episodes}x{shots_per_episode}x{task_types}"


def series_code_hash() -> str:
    """12 hex digits over the code that decides what a seeded series holds."""
    text = Path(seed.__file__).read_text(encoding="utf-8")
    at = text.find(SERIES_MARKER)
    if at < 0:
        raise RuntimeError(f"seed.py has lost its {SERIES_MARKER!r} marker")
    digest = hashlib.sha256(text[at:].encode())
    for fn in (seed.create_tasks, seed.shot_task_types, seed.status):
        digest.update(inspect.getsource(fn).encode())
    digest.update(repr(seed.TASK_TYPE_NAMES).encode())
    return digest.hexdigest()[:12]


def cache_dir() -> Path:
    return zou_server.default_cache_root() / "bench"


def dump_path(
    episodes: int,
    shots_per_episode: int,
    task_types: int,
    *,
    zou_version: str = zou_server.ZOU_VERSION,
    root: Path | None = None,
) -> Path:
    """Where the dump of these parameters lives (whether it exists or not)."""
    name = series_name(episodes, shots_per_episode, task_types)
    return (root or cache_dir()) / f"{name}-zou{zou_version}-{series_code_hash()}.dump"


def _find(api: seed.Api, name: str) -> dict[str, Any] | None:
    found = [p for p in api.get("data/projects", name=name) if p["name"] == name]
    return found[0] if found else None


def _complete(api: seed.Api, project_id: str, shots: int, tasks: int) -> bool:
    return (
        seed.total(api, "data/shots", project_id=project_id) == shots
        and seed.total(api, "data/tasks", project_id=project_id) == tasks
    )


def series_project(
    server: Any,
    api: seed.Api,
    *,
    episodes: int = 20,
    shots_per_episode: int = 500,
    task_types: int = 6,
    root: Path | None = None,
    log: Callable[[str], None] | None = None,
) -> seed.SeriesSeed:
    """The series on ``server`` (a ``zou_server.ZouServer``), the fastest way:

    1. already on the server, complete: reused as is;
    2. a dump of these parameters in the cache: restored (the whole database
       is replaced), then ``api`` logs in again as the server's admin;
    3. otherwise seeded (``seed.seed_series``) and dumped into the cache.

    ``seconds`` is the time of what was done; ``restored`` says which.
    """
    say = log or (lambda msg: print(f"[series] {msg}", file=sys.stderr, flush=True))
    name = series_name(episodes, shots_per_episode, task_types)
    shots = episodes * shots_per_episode
    tasks = shots * task_types
    start = time.perf_counter()
    found = _find(api, name)
    if found is not None and _complete(api, found["id"], shots, tasks):
        out = _summary(api, found["id"])
        out.seconds = time.perf_counter() - start
        say(f"reusing {name} on the server ({shots} shots, {tasks} tasks)")
        return out
    dump = dump_path(episodes, shots_per_episode, task_types, root=root)
    if dump.is_file():
        say(f"restoring {name} from {dump} (replaces the server's database)")
        server.restore_db(dump)
        api.login(server.admin_email, server.admin_password)
        found = _find(api, name)
        if found is None or not _complete(api, found["id"], shots, tasks):
            raise RuntimeError(f"the dump {dump} does not hold a complete {name}: delete it")
        out = _summary(api, found["id"])
        out.seconds = time.perf_counter() - start
        out.restored = True
        say(f"restored {name} in {out.seconds:.1f}s")
        return out
    if found is not None:  # an interrupted seeding: keep it out of the way
        api.put(f"data/projects/{found['id']}", {"name": f"{name}-stale-{seed.suffix()}"})
    say(f"no dump {dump.name}: seeding {name} (minutes; dumped afterwards)")
    out = seed.seed_series(
        api, name, episodes=episodes, shots_per_episode=shots_per_episode, task_types=task_types
    )
    t_dump = time.perf_counter()
    server.dump_db(dump)
    say(
        f"seeded {name} in {out.seconds:.1f}s; dumped to {dump} "
        f"({dump.stat().st_size / 1e6:.1f} MB) in {time.perf_counter() - t_dump:.1f}s"
    )
    return out


def _summary(api: seed.Api, project_id: str) -> seed.SeriesSeed:
    return seed.series_summary(
        api, project_id, artist_email=seed.ARTIST_EMAIL, artist_password=seed.ARTIST_PASSWORD
    )


def check_round_trip(state: Path, episodes: int, shots_per_episode: int, task_types: int) -> int:
    """The manual check (see the module's docstring): 0 when the restore matches."""
    server = zou_server.ZouServer.load(state)
    api = seed.Api(server.api_url, server.admin_email, server.admin_password)
    size = {"episodes": episodes, "shots_per_episode": shots_per_episode, "task_types": task_types}
    before = series_project(server, api, **size)
    api.put(f"data/projects/{before.project_id}", {"name": f"moved-{seed.suffix()}"})
    after = series_project(server, api, **size)
    seed.Api(server.api_url, server.admin_email, server.admin_password)  # logins work
    artist = seed.Api(server.api_url, after.artist_email, after.artist_password)
    mine = [t for t in artist.get("data/user/tasks") if t["project_id"] == after.project_id]
    same = {
        "restored": after.restored,
        "project": after.project_id == before.project_id,
        "episodes": after.episodes == before.episodes,
        "sequences": after.sequences == before.sequences,
        "shots": after.shots == before.shots == episodes * shots_per_episode,
        "tasks": after.tasks == before.tasks == episodes * shots_per_episode * task_types,
        "artist's tasks": len(mine) == after.artist_tasks == before.artist_tasks > 0,
        "comments": after.comments == before.comments > 0,
    }
    for what, ok in same.items():
        print(f"{'ok  ' if ok else 'FAIL'} {what}")
    print(f"restored in {after.seconds:.1f}s")
    return 0 if all(same.values()) else 1


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="check the series' dump round trip")
    parser.add_argument("--state", type=Path, required=True, help="a server of your own")
    parser.add_argument("--series", default="2x50", metavar="EPISODESxSHOTS")
    parser.add_argument("--task-types", type=int, default=6)
    args = parser.parse_args(argv)
    episodes, _, shots = args.series.partition("x")
    return check_round_trip(args.state, int(episodes), int(shots), args.task_types)


if __name__ == "__main__":
    sys.exit(main())
