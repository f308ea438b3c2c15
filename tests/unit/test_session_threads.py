"""One session shared by several threads: caches and the identity map stay whole."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

import gadget


@pytest.mark.parametrize("url", ["memory://", "sqlite"])
def test_threads_share_one_session(url: str, tmp_path: Path) -> None:
    session = gadget.connect(
        url if url != "sqlite" else f"sqlite:///{tmp_path / 's.db'}", create=True
    )
    project = session.projects.new(name="Threads", production_type="short")
    seq = project.sequences.new(name="sq010")
    anim = session.task_types.new(name="Anim", for_shots=True)
    shots = project.shots.new_many(
        [{"name": f"sh{i:03d}", "sequence": seq, "frame_in": 1, "frame_out": 10} for i in range(30)]
    )
    project.tasks.new_many([{"entity": shot, "task_type": anim} for shot in shots])
    errors: list[BaseException] = []
    seen: list[dict[str, gadget.Task]] = []
    barrier = threading.Barrier(6)

    def walk(writer: bool) -> None:
        try:
            barrier.wait()
            for round_ in range(15):
                ids: dict[str, gadget.Task] = {}
                for shot in project.shots:
                    for task in shot.tasks:
                        ids[task.id] = task  # held, so the identity map keeps it
                        assert task.status.short_name in ("todo", "wip")
                seen.append(ids)
                if writer:  # writes invalidate while others read
                    shots[round_].tasks.fetch("Anim").set_status("wip")
        except BaseException as exc:  # reported below, with the thread's traceback
            errors.append(exc)

    threads = [threading.Thread(target=walk, args=(i == 0,)) for i in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not errors, errors[0]
    assert len(seen) == 6 * 15
    assert all(len(ids) == 30 for ids in seen)
    # the identity map gave every thread the same object for the same task
    held = {tid: obj for ids in seen for tid, obj in ids.items()}
    assert all(obj is held[tid] for ids in seen for tid, obj in ids.items())
    assert sum(t.status.short_name == "wip" for s in project.shots for t in s.tasks) == 15
