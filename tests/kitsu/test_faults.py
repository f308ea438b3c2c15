"""Faults between gadget and a real Kitsu: nothing lost, nothing twice, every answer true.

A loopback proxy (``tools/fault_proxy.py``) stands between gadget and Zou and
drops connections before and after the server answered, holds answers past
the deadline and answers 502/503 with JSON and HTML bodies, by a seeded plan.
A burst of mixed operations (:mod:`tests.kitsu.faults`) runs through it, first
as direct calls by a caller that retries only on ``TrackerUnavailable``, then
through ``gadget.publish`` and a final outbox flush; what landed is counted on
the server. The figures are printed and written to ``GADGET_FAULT_FIGURES``
(default ``build/fault-figures.json``), which docs/reliability.md quotes.

The example counts are bounded (``GADGET_FAULT_OPS``, default 212 operations)
so the module stays within a few minutes on two cores.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

import gadget
from gadget.config import TrackerConfig

from . import faults as F
from .conftest import KitsuServer

pytestmark = pytest.mark.faults

ROOT = Path(__file__).resolve().parents[2]
SEED = 20261129
#: per request, when the plan applies: the chance of a fault
RATE = 0.15
#: operations of each kind in one burst (212 in all by default)
SHARE = {F.PUBLISH: 60, F.STATUS: 50, F.TIME: 52, F.SHOT: 50}
#: seconds: one request, and a whole call with its retries
TIMEOUT, DEADLINE = 2.0, 6.0


def _tools() -> None:
    if str(ROOT / "tools") not in sys.path:
        sys.path.insert(0, str(ROOT / "tools"))


_tools()
import fault_proxy as fp  # noqa: E402
import zou_server  # noqa: E402


def counts() -> dict[str, int]:
    total = int(os.environ.get("GADGET_FAULT_OPS", "212"))
    scale = total / sum(SHARE.values())
    return {kind: max(1, round(n * scale)) for kind, n in SHARE.items()}


def figures_file() -> Path:
    path = Path(os.environ.get("GADGET_FAULT_FIGURES", ROOT / "build" / "fault-figures.json"))
    path.parent.mkdir(parents=True, exist_ok=True)
    return path


@pytest.fixture(scope="module")
def zou(kitsu_server: KitsuServer) -> zou_server.ZouServer:
    """The harness's handle on the running server (to stop and start its API)."""
    found = kitsu_server.harness
    assert isinstance(found, zou_server.ZouServer)
    return found


@pytest.fixture(scope="module")
def proxy(zou: zou_server.ZouServer) -> Iterator[fp.FaultProxy]:
    with fp.FaultProxy("127.0.0.1", zou.ports["api"], delay=DEADLINE + 2) as running:
        yield running


@pytest.fixture(autouse=True)
def _calm(proxy: fp.FaultProxy) -> Iterator[None]:
    proxy.clear()
    yield
    proxy.clear()


def through(proxy: fp.FaultProxy, kitsu_server: KitsuServer) -> gadget.Session:
    """A session as the admin through the proxy, with short timeouts."""
    config = TrackerConfig(
        url=f"kitsu+{proxy.url}/api",
        login=kitsu_server.admin_email,
        password=kitsu_server.admin_password,
    )
    return gadget.connect(config=config, timeout=TIMEOUT, deadline=DEADLINE)


def test_a_burst_of_direct_calls_loses_nothing_and_duplicates_nothing(
    kitsu_server: KitsuServer,
    proxy: fp.FaultProxy,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    with kitsu_server.connect() as admin:
        studio = F.make_studio(admin, 40, "Burst")
    plan = F.plan(SEED, studio, "direct", counts())
    before = dict(proxy.counts)
    with through(proxy, kitsu_server) as session:
        proxy.plan = fp.FaultPlan(seed=SEED, rate=RATE)
        outcomes = F.run_direct(F.Caller(session, studio, tmp_path), plan)
        proxy.clear()
    injected = {k: n - before.get(k, 0) for k, n in proxy.counts.items()}
    landed = F.count_on_server(kitsu_server.raw, studio, plan)
    figures = F.figures(outcomes, landed, injected)
    F.write_figures(figures_file(), "burst_direct", figures)
    with capsys.disabled():
        print("\n" + F.show("burst_direct", figures))
    assert figures["operations"] >= 200 or os.environ.get("GADGET_FAULT_OPS")
    assert figures["faults_total"] > 0
    assert figures["lost"] == 0, figures["examples"]["lost"]
    assert figures["duplicated"] == 0, figures["examples"]["duplicated"]
    assert figures["applied_but_reported_failed"] == 0, figures["examples"][
        "applied_but_reported_failed"
    ]
    assert figures["longest_time_to_fail_s"] <= DEADLINE + 2


def test_a_burst_through_gadget_publish_and_a_flush_lands_everything_once(
    kitsu_server: KitsuServer,
    proxy: fp.FaultProxy,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    from gadget.outbox import Outbox

    with kitsu_server.connect() as admin:
        studio = F.make_studio(admin, 40, "Published")
    plan = F.plan(SEED + 1, studio, "published", counts())
    box = Outbox(tmp_path / "outbox")
    before = dict(proxy.counts)
    with through(proxy, kitsu_server) as session:
        proxy.plan = fp.FaultPlan(seed=SEED + 1, rate=RATE)
        outcomes = F.run_published(F.Caller(session, studio, tmp_path), plan, box)
        proxy.clear()
        queued = sum(1 for o in outcomes if o.reported == "queued")
        reports = [box.flush(session)]
        while reports[-1].pending and len(reports) < 3:
            reports.append(box.flush(session))
    # a queued status change whose task moved on meanwhile posts without its
    # status, and the flush says so: reported, not lost
    conflicts = {e.key for r in reports for e in r.conflicts}
    for out in outcomes:
        if out.reported == "queued" and out.key in conflicts:
            out.reported = "conflict"
    injected = {k: n - before.get(k, 0) for k, n in proxy.counts.items()}
    landed = F.count_on_server(kitsu_server.raw, studio, plan)
    figures = F.figures(outcomes, landed, injected, flushed=True)
    figures["queued_then_flushed"] = queued
    figures["conflicts_reported"] = len(conflicts)
    figures["flushes"] = len(reports)
    F.write_figures(figures_file(), "burst_published", figures)
    with capsys.disabled():
        print("\n" + F.show("burst_published", figures))
    assert not reports[-1].pending and not reports[-1].failed, reports[-1]
    assert figures["operations"] >= 200 or os.environ.get("GADGET_FAULT_OPS")
    assert figures["faults_total"] > 0
    assert figures["lost"] == 0, figures["examples"]["lost"]
    assert figures["duplicated"] == 0, figures["examples"]["duplicated"]
    assert figures["applied_but_reported_failed"] == 0, figures["examples"][
        "applied_but_reported_failed"
    ]


# -- the Zou API dies mid-publish ------------------------------------------------------
BATCH = fp.Match("POST", r"/batch-comment$")
MAIN = fp.Match("PUT", r"/set-main-preview$")


def _one_publish(raw: object, studio: F.Studio, text: str) -> dict[str, object]:
    """The one comment ``text`` on the studio's task, with its one preview as
    the shot's main preview (asserted), from Zou itself."""
    (shot,) = studio.tasks
    comments = raw.get(f"data/tasks/{studio.tasks[shot]}/comments")  # type: ignore[attr-defined]
    mine = [c for c in comments if text in (c.get("text") or "")]
    assert len(mine) == 1, f"{len(mine)} comments {text!r} on the server"
    (preview,) = mine[0]["previews"]
    main = raw.get(f"data/shots/{studio.shots[shot]}")["preview_file_id"]  # type: ignore[attr-defined]
    assert main == F._id(preview), "the preview is not the shot's main preview"
    return dict(mine[0])


def _task(session: gadget.Session, studio: F.Studio) -> gadget.Task:
    (shot,) = studio.tasks
    project = session.projects.fetch(studio.project_name)
    return project.shots.fetch(f"{studio.sequence}/{shot}").tasks.fetch(studio.task_type)


@pytest.mark.parametrize(
    ("how", "when"),
    [
        ("stopped", "before Zou got the comment"),
        ("killed", "after Zou took the comment"),
        ("killed", "between the comment and the main preview"),
    ],
)
def test_the_api_dies_mid_publish_then_a_flush_posts_it_exactly_once(
    kitsu_server: KitsuServer,
    zou: zou_server.ZouServer,
    proxy: fp.FaultProxy,
    tmp_path: Path,
    how: str,
    when: str,
) -> None:
    from gadget.outbox import Outbox

    with kitsu_server.connect() as admin:
        studio = F.make_studio(admin, 1, "ApiDies")
    png = F.write_png(tmp_path / "v001.png")
    box = Outbox(tmp_path / "outbox")
    kill = how == "killed"
    if when.startswith("before"):
        proxy.on("before_forward", BATCH, lambda _r: zou.stop_api(kill=kill))
    elif when.startswith("after"):
        proxy.on("after_answer", BATCH, lambda _r: zou.stop_api(kill=kill))
        proxy.force(fp.Fault.DROP_AFTER, BATCH)  # its answer dies with the server
    else:
        proxy.on("before_forward", MAIN, lambda _r: zou.stop_api(kill=kill))
    try:
        with through(proxy, kitsu_server) as session:
            result = gadget.publish(
                _task(session, studio),
                "v001 under a dying API",
                status="wfa",
                preview=[png],
                set_main_preview=True,
                outbox=box,
                flush=False,
            )
        assert result.state == "queued", result
    finally:
        zou.start_api()
    with through(proxy, kitsu_server) as session:
        report = box.flush(session)
    assert [e.id for e in report.posted] == [result.outbox_id] and not report.pending
    _one_publish(kitsu_server.raw, studio, "v001 under a dying API")


# -- the publishing process dies -------------------------------------------------------
CHILD = """
import sys
import gadget
session = gadget.connect(timeout=float(sys.argv[1]), deadline=float(sys.argv[2]))
project, sequence, shot, task_type, text, png, box = sys.argv[3:]
task = session.projects.fetch(project).shots.fetch(f"{sequence}/{shot}").tasks.fetch(task_type)
gadget.publish(task, text, status="wfa", preview=[png], set_main_preview=True, outbox=box, flush=False)
print("published")
"""


def _child_env(proxy: fp.FaultProxy, kitsu_server: KitsuServer, box: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TRACKER_", "GADGET_"))}
    env.update(
        TRACKER_URL=f"kitsu+{proxy.url}/api",
        TRACKER_LOGIN=kitsu_server.admin_email,
        TRACKER_PASSWORD=kitsu_server.admin_password,
        GADGET_OUTBOX_DIR=str(box),
    )
    return env


def _kill(child: list[subprocess.Popen[bytes]]) -> None:
    child[0].send_signal(signal.SIGKILL)
    child[0].wait(30)


@pytest.mark.parametrize("when", ["mid-upload", "mid-flush"])
def test_the_publishing_process_killed_then_a_flush_posts_it_exactly_once(
    kitsu_server: KitsuServer, proxy: fp.FaultProxy, tmp_path: Path, when: str
) -> None:
    from gadget.outbox import Outbox

    with kitsu_server.connect() as admin:
        studio = F.make_studio(admin, 1, "Killed")
    (shot,) = studio.tasks
    png = F.write_png(tmp_path / "v001.png")
    box = tmp_path / "outbox"
    text = f"v001 from a process killed {when}"
    env = _child_env(proxy, kitsu_server, box)
    child: list[subprocess.Popen[bytes]] = []
    if when == "mid-upload":
        # killed once its upload began; the request never reaches Zou
        proxy.on("headers", BATCH, lambda _r: _kill(child))
        proxy.force(fp.Fault.DROP_BEFORE, BATCH)
        args = [TIMEOUT, DEADLINE, studio.project_name, studio.sequence, shot, studio.task_type]
        command = [sys.executable, "-c", CHILD, *map(str, args), text, str(png), str(box)]
    else:
        # queued first (Zou unavailable past the deadline: a 503 is retried until
        # then), then a flush killed once Zou took the comment
        proxy.force(fp.Fault.STATUS_503_JSON, BATCH, times=10_000)
        with through(proxy, kitsu_server) as session:
            queued = gadget.publish(
                _task(session, studio),
                text,
                status="wfa",
                preview=[png],
                set_main_preview=True,
                outbox=Outbox(box),
                flush=False,
            )
        assert queued.state == "queued"
        proxy.clear()
        proxy.on("after_answer", BATCH, lambda _r: _kill(child))
        proxy.force(fp.Fault.DROP_AFTER, BATCH)
        command = [str(Path(sys.executable).with_name("gadget")), "outbox", "flush"]
    child.append(  # in tmp_path: no adm_env.yml there
        subprocess.Popen(
            command, env=env, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE
        )
    )
    out, err = child[0].communicate(timeout=120)
    assert child[0].returncode == -signal.SIGKILL, (out, err)
    assert not proxy._hooks  # the kill happened where it was meant to
    with through(proxy, kitsu_server) as session:
        report = Outbox(box).flush(session)
    assert len(report.posted) == 1 and not report.pending, report
    _one_publish(kitsu_server.raw, studio, text)


# -- silence ---------------------------------------------------------------------------
@pytest.mark.parametrize("mode", ["answer", "connect"])
def test_a_silent_host_is_reported_within_the_deadline(mode: str) -> None:
    with fp.SilentHost(mode) as host:
        start = time.monotonic()
        with pytest.raises(gadget.TrackerUnavailable):
            gadget.connect(
                f"kitsu+{host.url}/api",
                login="nobody@gadget-studio.com",
                password="never-sent-anywhere",
                deadline=3,
            )
        took = time.monotonic() - start
    assert took < 3 + 2, f"{took:.1f} s for a deadline of 3 s"
    F.write_figures(
        figures_file(), f"silent_host_{mode}", {"deadline_s": 3, "took_s": round(took, 2)}
    )


def test_a_hung_server_mid_publish_answers_within_the_deadline(
    kitsu_server: KitsuServer, proxy: fp.FaultProxy, tmp_path: Path
) -> None:
    with kitsu_server.connect() as admin:
        studio = F.make_studio(admin, 1, "Hung")
    png = F.write_png(tmp_path / "v001.png")
    proxy.force(fp.Fault.DELAY, BATCH)  # Zou takes it; its answer never comes in time
    with through(proxy, kitsu_server) as session:
        task = _task(session, studio)
        start = time.monotonic()
        note = task.comments.new(
            comment="v001 to a hung server", status="wfa", preview=[png], set_main_preview=True
        )
        took = time.monotonic() - start
    assert took < DEADLINE + 2, f"{took:.1f} s for a deadline of {DEADLINE} s"
    assert note.text.startswith("v001 to a hung server")
    _one_publish(kitsu_server.raw, studio, "v001 to a hung server")
    F.write_figures(
        figures_file(), "hung_server_publish", {"deadline_s": DEADLINE, "took_s": round(took, 2)}
    )
