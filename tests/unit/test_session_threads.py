"""One session shared by several threads: caches and the identity map stay whole."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

import gadget
from gadget.testing import TrackerSpy


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


# -- no_prefetch is per thread ---------------------------------------------------
def _studio(shots: int = 4) -> tuple[gadget.Session, gadget.Project]:
    session = gadget.connect("memory://")
    project = session.projects.new(name="Prefetch", production_type="short")
    seq = project.sequences.new(name="sq010")
    anim = session.task_types.new(name="Anim", for_shots=True)
    made = project.shots.new_many([{"name": f"sh{i:03d}", "sequence": seq} for i in range(shots)])
    project.tasks.new_many([{"entity": shot, "task_type": anim} for shot in made])
    return session, project


def _walk(session: gadget.Session, project: gadget.Project, spy: TrackerSpy) -> dict[str, int]:
    """Walk every shot's tasks from an empty cache; the calls the walk made."""
    session.clear_cache()
    spy.reset()
    for shot in project.shots:
        assert len(shot.tasks) == 1
    return {
        "task lists": spy.count("list", "task"),
        "bulk reads": spy.count("list_children") + spy.count("list_with_children"),
    }


PREFETCHED = {"task lists": 0, "bulk reads": 1}
ONE_BY_ONE = {"task lists": 4, "bulk reads": 0}


def test_no_prefetch_stays_in_its_thread() -> None:
    session, project = _studio()
    inside = threading.Event()  # thread A is within no_prefetch()
    b_walked = threading.Event()  # thread B walked while A was within it
    seen: dict[str, dict[str, int]] = {}
    errors: list[BaseException] = []

    def a() -> None:
        try:
            with session.no_prefetch():
                inside.set()
                assert b_walked.wait(30)
                seen["A within"] = _walk(session, project, spy)
            seen["A after"] = _walk(session, project, spy)
        except BaseException as exc:  # reported below
            errors.append(exc)
        finally:
            inside.set()

    def b() -> None:
        try:
            assert inside.wait(30)
            seen["B while A within"] = _walk(session, project, spy)
        except BaseException as exc:
            errors.append(exc)
        finally:
            b_walked.set()

    with TrackerSpy(session.tracker) as spy:
        threads = [threading.Thread(target=a), threading.Thread(target=b)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
    assert not errors, errors[0]
    assert seen == {
        "B while A within": PREFETCHED,
        "A within": ONE_BY_ONE,
        "A after": PREFETCHED,
    }
    session.close()


def test_no_prefetch_nests_and_restores() -> None:
    session, project = _studio()
    with TrackerSpy(session.tracker) as spy:
        assert _walk(session, project, spy) == PREFETCHED
        with session.no_prefetch() as same:
            assert same is session
            with session.no_prefetch():
                assert _walk(session, project, spy) == ONE_BY_ONE
            assert _walk(session, project, spy) == ONE_BY_ONE  # the outer block still holds
        assert _walk(session, project, spy) == PREFETCHED
        with pytest.raises(RuntimeError), session.no_prefetch():
            raise RuntimeError("restored on an error too")
        assert _walk(session, project, spy) == PREFETCHED
    session.close()


def test_a_session_without_prefetch_stays_without_it() -> None:
    session, project = _studio()
    lean = gadget.Session(session.tracker, prefetch=False)
    project = lean.projects.fetch("Prefetch")
    with TrackerSpy(session.tracker) as spy:
        assert _walk(lean, project, spy) == ONE_BY_ONE
        with lean.no_prefetch():
            assert _walk(lean, project, spy) == ONE_BY_ONE
        assert _walk(lean, project, spy) == ONE_BY_ONE
    session.close()
