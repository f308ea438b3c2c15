"""Bounded time and what a failed request means, against the real Kitsu server.

Each test talks to Zou through :class:`~tests.kitsu.loopback.FaultServer`, a
loopback server that forwards to Zou and injects one scripted fault (a
dropped connection, a 502 / 503 / 504, an answer late or never), and checks
on the server itself what landed. The HTTP layer is called through the
connection (``tracker.connection``), below the publish path that resolves an
ambiguous failure: these tests pin what that layer reports.

Time bounds are checked with the figures the error reports and a generous
monotonic upper bound (the bound + 5 s), never a tight timing.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import gadget
import gadget._cache as query_cache
from gadget.config import ENV_VARS, TrackerConfig
from gadget.testing import Names, write_png
from gadget.trackers.kitsu import convert

from .conftest import KitsuServer, RawKitsu
from .loopback import Fault, FaultServer, silent_host

HTML_502 = b"<html><body><h1>502 Bad Gateway</h1></body></html>"
JSON_503 = b'{"message": "The server is down for maintenance."}'


@pytest.fixture
def faults(kitsu_server: KitsuServer) -> Iterator[FaultServer]:
    with FaultServer(kitsu_server.bare_url) as server:
        yield server


def _through(kitsu_server: KitsuServer, server: FaultServer, **options: Any) -> gadget.Session:
    """A session as the admin whose requests go through ``server``."""
    config = TrackerConfig(
        url=f"kitsu+{server.url}/api",
        login=kitsu_server.admin_email,
        password=kitsu_server.admin_password,
        events_url=kitsu_server.events_url,
    )
    return gadget.connect(config=config, options=options or None)


@pytest.fixture
def task(kitsu: gadget.Session) -> Any:
    """A task on the real server, made directly (no fault server)."""
    names = Names()
    project = kitsu.projects.new(name=names("Faults"), production_type="short")
    shot = project.shots.new(name="sh0010", sequence=project.sequences.new(name="sq010"))
    return shot.tasks.new(task_type=kitsu.task_types.new(name=names("Anim"), for_shots=True))


def _comment_form(session: gadget.Session, text: str) -> dict[str, str]:
    status = session.task_statuses.fetch("wfa")
    return {"comments": json.dumps([convert.comment_body(text, status.id, (), None)])}


def _texts(raw: RawKitsu, task: Any) -> list[str]:
    return [c["text"] for c in raw.get(f"data/tasks/{task.id}/comments")]


def _seen(server: FaultServer, method: str, part: str) -> list[str]:
    return [s.fault for s in server.seen if s.method == method and part in s.path]


def _reported(error: BaseException) -> tuple[float, float]:
    """The (elapsed, deadline) figures an error reports in its message."""
    found = re.search(r"gave up after ([\d.]+) s, the deadline of ([\d.]+) s", str(error))
    assert found, f"no deadline figures in: {error}"
    return float(found.group(1)), float(found.group(2))


# -- reads are retried on every transient failure ------------------------------------------
def test_a_read_whose_connection_drops_after_connecting_is_retried(
    kitsu_server: KitsuServer, faults: FaultServer, task: Any
) -> None:
    with _through(kitsu_server, faults) as session:
        faults.plan("GET", "data/projects", Fault("drop_after"), Fault("drop_before"))
        names = [p.name for p in session.projects]
        assert session.projects.get(id=task.project_id).name in names
        assert _seen(faults, "GET", "data/projects")[:3] == ["drop_after", "drop_before", "forward"]


def test_a_walk_whose_streamed_answer_is_cut_short_is_read_again(
    kitsu_server: KitsuServer, faults: FaultServer, task: Any
) -> None:
    with _through(kitsu_server, faults) as session:
        project = session.projects.get(id=task.project_id)
        faults.plan("GET", "with-tasks", Fault("cut"))
        walked = [t for shot in project.shots for t in shot.tasks]
        assert [t.id for t in walked] == [task.id]
        assert walked[0].status.short_name and walked[0].raw["project_id"] == task.project_id
        assert _seen(faults, "GET", "with-tasks") == ["cut", "forward"]
        assert all("stream=true" in s.path for s in faults.seen if "with-tasks" in s.path)


def test_a_read_is_retried_through_502_503_and_504(
    kitsu_server: KitsuServer, faults: FaultServer
) -> None:
    with _through(kitsu_server, faults) as session:
        faults.plan(
            "GET",
            "data/task-status",
            Fault("status", 502, HTML_502, "text/html"),
            Fault("status", 503, JSON_503),
            Fault("status", 504, HTML_502, "text/html"),
        )
        assert session.task_statuses.fetch("wfa").short_name == "wfa"
        assert _seen(faults, "GET", "data/task-status") == ["status"] * 3 + ["forward"]


# -- writes: landed, not landed, or unknown --------------------------------------------------
def test_a_502_after_a_post_was_forwarded_is_outcome_unknown(
    kitsu_server: KitsuServer, faults: FaultServer, raw: RawKitsu
) -> None:
    name = Names()("Landed")
    with _through(kitsu_server, faults) as session:
        faults.plan(
            "POST", "data/projects", Fault("status", 502, HTML_502, "text/html", forwarded=True)
        )
        with pytest.raises(gadget.OutcomeUnknown) as info:
            session.tracker.raw_post("data/projects", {"name": name, "production_type": "short"})
    error = info.value
    assert not isinstance(error, gadget.TrackerUnavailable)  # a blind retry is not safe
    assert (error.operation, error.key) == ("POST /data/projects", None)
    assert "HTTP 502" in str(error) and "may have applied it" in str(error)
    assert _seen(faults, "POST", "data/projects") == ["status"]  # sent once, never again
    assert name in [p["name"] for p in raw.get("data/projects")]  # and it had landed


def test_a_comment_whose_connection_dropped_after_sending_is_outcome_unknown(
    kitsu_server: KitsuServer, faults: FaultServer, raw: RawKitsu, task: Any, tmp_path: Path
) -> None:
    with _through(kitsu_server, faults) as session:
        form = _comment_form(session, "posted once")
        faults.plan("POST", "batch-comment", Fault("drop_after"))
        route = f"actions/tasks/{task.id}/batch-comment"
        with pytest.raises(gadget.OutcomeUnknown) as info:
            session.tracker.connection.upload(
                route, form, {"preview_file-0-0": write_png(tmp_path / "v001.png")}
            )
    assert info.value.operation == f"POST /{route}"
    assert "dropped after the request was sent" in str(info.value)
    assert _seen(faults, "POST", "batch-comment") == ["drop_after"]
    assert _texts(raw, task) == ["posted once"]  # it landed: exactly once


def test_a_503_with_a_json_body_on_an_upload_is_tracker_unavailable(
    kitsu_server: KitsuServer, faults: FaultServer, raw: RawKitsu, task: Any, tmp_path: Path
) -> None:
    with _through(kitsu_server, faults, retries=1) as session:
        form = _comment_form(session, "never posted")
        faults.plan(
            "POST", "batch-comment", Fault("status", 503, JSON_503), Fault("status", 503, JSON_503)
        )
        with pytest.raises(gadget.TrackerUnavailable) as info:
            session.tracker.connection.upload(
                f"actions/tasks/{task.id}/batch-comment",
                form,
                {"preview_file-0-0": write_png(tmp_path / "v001.png")},
            )
    assert "HTTP 503" in str(info.value) and "did not act on it" in str(info.value)
    assert "down for maintenance" in str(info.value)  # the server's own message
    assert _seen(faults, "POST", "batch-comment") == ["status", "status"]  # 1 + 1 retry
    assert _texts(raw, task) == []  # nothing landed


def test_a_write_refused_with_503_is_sent_again_and_lands_once(
    kitsu_server: KitsuServer, faults: FaultServer, raw: RawKitsu, task: Any, tmp_path: Path
) -> None:
    with _through(kitsu_server, faults) as session:
        form = _comment_form(session, "second try")
        faults.plan("POST", "batch-comment", Fault("status", 503, JSON_503))
        answer = session.tracker.connection.upload(
            f"actions/tasks/{task.id}/batch-comment",
            form,
            {"preview_file-0-0": write_png(tmp_path / "v001.png")},
        )
    assert answer[0]["text"] == "second try"
    assert _seen(faults, "POST", "batch-comment") == ["status", "forward"]
    assert _texts(raw, task) == ["second try"]
    assert len(answer[0]["preview_files"]) == 1  # the retry sent the file again, whole


# -- bounded time --------------------------------------------------------------------------------
def test_a_hung_server_fails_a_write_within_the_deadline(
    kitsu_server: KitsuServer, faults: FaultServer
) -> None:
    with _through(kitsu_server, faults, deadline=2) as session:
        faults.plan("POST", "data/projects", Fault("hang"))
        began = time.monotonic()
        with pytest.raises(gadget.OutcomeUnknown) as info:
            session.tracker.raw_post("data/projects", {"name": "Never", "production_type": "short"})
        took = time.monotonic() - began
    elapsed, deadline = _reported(info.value)
    assert deadline == 2.0 and elapsed <= deadline + 0.5
    assert took < deadline + 5
    assert "no answer in time" in str(info.value)


def test_a_hung_read_is_retried_then_reported_within_the_deadline(
    kitsu_server: KitsuServer, faults: FaultServer
) -> None:
    with _through(kitsu_server, faults, timeout=1.5, deadline=4) as session:
        faults.plan("GET", "data/projects", *[Fault("hang")] * 5)
        began = time.monotonic()
        with pytest.raises(gadget.TrackerUnavailable) as info:
            list(session.projects)
        took = time.monotonic() - began
    elapsed, deadline = _reported(info.value)
    assert deadline == 4.0 and elapsed <= deadline + 0.5 and took < deadline + 5
    assert len(_seen(faults, "GET", "data/projects")) >= 2  # a read that timed out is retried


def test_session_deadline_bounds_a_block_strictly(
    kitsu_server: KitsuServer, faults: FaultServer
) -> None:
    with _through(kitsu_server, faults) as session:  # the session's deadline: 30 s
        faults.plan("GET", "data/projects", Fault("hang"))
        began = time.monotonic()
        with pytest.raises(gadget.TrackerUnavailable) as info, session.deadline(1.5):
            list(session.projects)
        took = time.monotonic() - began
        elapsed, deadline = _reported(info.value)
        assert deadline == 1.5 and elapsed <= 2.0 and took < 1.5 + 5
        assert list(session.projects)  # outside the block: the session's own deadline


def test_an_upload_earns_answer_time_by_its_size(
    kitsu_server: KitsuServer, faults: FaultServer, raw: RawKitsu, task: Any, tmp_path: Path
) -> None:
    big = tmp_path / "plate.bin"
    big.write_bytes(bytes(range(256)) * 8192)  # 2 MB
    with _through(kitsu_server, faults, timeout=2, seconds_per_mb=3) as session:
        route = f"actions/tasks/{task.id}/batch-comment"
        faults.plan("POST", "batch-comment", Fault("delay", seconds=4), Fault("delay", seconds=4))
        # a plain POST waits 2 s of silence: the late answer makes it unknown...
        with pytest.raises(gadget.OutcomeUnknown):
            session.tracker.connection.post(
                route, {"comments": json.loads(_comment_form(session, "small")["comments"])}
            )
        # ...an upload of 2 MB may take 2 + 3 * 2 s to answer: the same delay is fine
        answer = session.tracker.connection.upload(
            route, _comment_form(session, "big"), {"attachment_file-0-0": big}
        )
    assert answer[0]["text"] == "big"
    assert len(answer[0]["attachment_files"]) == 1


def test_an_upload_goes_on_a_connection_of_its_own(
    kitsu_server: KitsuServer, faults: FaultServer, task: Any, tmp_path: Path
) -> None:
    """An upload asks the server to close its connection after it: parallel
    uploads each reach a free worker, not the one a kept-alive connection
    is bound to; small requests keep theirs."""
    big = tmp_path / "plate.bin"
    big.write_bytes(bytes(range(256)) * 8192)  # 2 MB
    with _through(kitsu_server, faults) as session:
        route = f"actions/tasks/{task.id}/batch-comment"
        session.tracker.connection.upload(
            route, _comment_form(session, "big"), {"attachment_file-0-0": big}
        )
        session.tracker.connection.post(
            route, {"comments": json.loads(_comment_form(session, "small")["comments"])}
        )
    posts = [(s.body_bytes, s.connection) for s in faults.seen if "batch-comment" in s.path]
    assert [c for n, c in posts if n > 1_000_000] == ["close"]
    assert [c for n, c in posts if n < 1_000_000] == ["keep-alive"]


def test_a_stalled_upload_fails_as_nothing_landed(
    kitsu_server: KitsuServer, faults: FaultServer, raw: RawKitsu, task: Any, tmp_path: Path
) -> None:
    big = tmp_path / "plate.bin"
    big.write_bytes(bytes(range(256)) * (32 * 4096))  # 32 MB: more than the socket buffers
    with _through(kitsu_server, faults, timeout=3, retries=0) as session:
        form = _comment_form(session, "stalled")
        faults.plan("POST", "batch-comment", Fault("stall"))
        began = time.monotonic()
        with pytest.raises(gadget.TrackerUnavailable, match="the upload stalled") as info:
            session.tracker.connection.upload(
                f"actions/tasks/{task.id}/batch-comment", form, {"attachment_file-0-0": big}
            )
        took = time.monotonic() - began
    assert "did not act on it" in str(info.value)
    assert took < 30 + 5  # the call's deadline, at most
    assert _texts(raw, task) == []


def test_a_silent_host_is_reported_after_the_connect_timeout() -> None:
    with silent_host() as port:
        url = f"kitsu+http://127.0.0.1:{port}/api"
        began = time.monotonic()
        with pytest.raises(
            gadget.TrackerUnavailable, match="did not answer the connection"
        ) as info:
            gadget.connect(url, login="a@b.com", password="x")  # the defaults
        took = time.monotonic() - began
    reported = re.search(r"after ([\d.]+) s", str(info.value))
    assert reported and float(reported.group(1)) <= 10  # the connect timeout: 8 s
    assert took < 10 + 5
    with silent_host() as port, pytest.raises(gadget.TrackerUnavailable, match="connection"):
        gadget.connect(
            f"kitsu+http://127.0.0.1:{port}/api",
            login="a@b.com",
            password="x",
            options={"connect_timeout": 0.5},
        )


# -- TLS and proxies ------------------------------------------------------------------------------
TLS = Path(__file__).with_name("tls")
CERTIFICATE = TLS / "loopback.pem"


def test_tls_is_verified_and_a_ca_bundle_is_trusted(
    kitsu_server: KitsuServer, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    login = {"login": kitsu_server.admin_email, "password": kitsu_server.admin_password}
    with FaultServer(kitsu_server.bare_url, tls=(CERTIFICATE, TLS / "loopback-key.pem")) as tls:
        url = f"{tls.url}/api"
        with pytest.raises(gadget.TrackerUnavailable, match="TLS handshake failed") as info:
            gadget.connect(url, **login)  # a self-signed certificate: not trusted
        assert "ca_bundle" in str(info.value) and kitsu_server.admin_password not in str(info.value)
        # the environment's bundle (requests reads it) must not replace the one given
        monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(Path(__file__)))
        with gadget.connect(url, ca_bundle=str(CERTIFICATE), **login) as session:
            assert session.me.email == kitsu_server.admin_email
        for var in ENV_VARS:
            monkeypatch.delenv(var, raising=False)
        monkeypatch.setenv("TRACKER_CA_BUNDLE", str(CERTIFICATE))
        monkeypatch.setenv("TRACKER_URL", url)
        monkeypatch.setenv("TRACKER_LOGIN", kitsu_server.admin_email)
        monkeypatch.setenv("TRACKER_PASSWORD", kitsu_server.admin_password)
        (tmp_path / "adm_env.yml").write_text("")
        monkeypatch.setenv("GADGET_ENV_FILE", str(tmp_path / "adm_env.yml"))
        with gadget.connect() as session:
            assert session.me.email == kitsu_server.admin_email
        assert tls.seen  # the requests went to the HTTPS server
    with pytest.raises(gadget.ConfigError, match="not a file"):
        gadget.connect(url, ca_bundle=str(TLS / "missing.pem"), **login)
    with pytest.raises(gadget.ConfigError, match="contradict"):
        gadget.connect(url, ca_bundle=str(CERTIFICATE), options={"ssl_verify": False}, **login)


def test_a_proxy_given_is_used(kitsu_server: KitsuServer) -> None:
    with FaultServer() as proxy:  # no upstream: it forwards to the URL each request names
        with gadget.connect(
            f"kitsu+{kitsu_server.api_url}",
            login=kitsu_server.admin_email,
            password=kitsu_server.admin_password,
            proxy=f"http://pipe:S3cret@127.0.0.1:{proxy.port}",
        ) as session:
            assert session.task_statuses.fetch("wfa").short_name == "wfa"
            assert "S3cret" not in repr(session.config)
        assert proxy.seen and all(s.proxied for s in proxy.seen)
        assert any("auth/login" in s.path for s in proxy.seen)


def test_proxies_of_the_environment_apply_unless_no_proxy(
    kitsu_server: KitsuServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    login = {"login": kitsu_server.admin_email, "password": kitsu_server.admin_password}
    with FaultServer() as proxy:
        for var in ("NO_PROXY", "no_proxy"):
            monkeypatch.setenv(var, "")
        monkeypatch.setenv("HTTP_PROXY", proxy.url)
        with gadget.connect(kitsu_server.api_url, **login) as session:
            assert session.me.email == kitsu_server.admin_email
        through = len(proxy.seen)
        assert through and all(s.proxied for s in proxy.seen)
        monkeypatch.setenv("NO_PROXY", "127.0.0.1")
        with gadget.connect(kitsu_server.api_url, **login) as session:
            assert session.me.email == kitsu_server.admin_email
        assert len(proxy.seen) == through  # 127.0.0.1 went direct


def test_an_older_zou_without_etag_is_read_in_full_after_the_cache_lifetime(
    kitsu_server: KitsuServer, faults: FaultServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Zou before 1.0.69 sends with-tasks without an ETag: nothing to revalidate
    with, so the walk after the cache's lifetime reads it all again, and never
    sends an If-None-Match the server would not understand."""
    raw, names = kitsu_server.raw, Names()
    project = raw.post("data/projects", {"name": names("NoEtag"), "production_type": "short"})
    seq = raw.post(f"data/projects/{project['id']}/sequences", {"name": "sq010"})
    raw.post(f"data/projects/{project['id']}/shots", {"name": "sh0010", "sequence_id": seq["id"]})
    old = json.dumps(
        raw.get("data/shots/with-tasks", project_id=project["id"], compact="true")
    ).encode()
    faults.plan("GET", "/with-tasks", Fault("status", 200, old), Fault("status", 200, old))
    offset = [0.0]
    real = query_cache.clock
    monkeypatch.setattr(query_cache, "clock", lambda: real() + offset[0])
    with _through(kitsu_server, faults) as session:
        shots = list(session.projects.get(id=project["id"]).shots)
        offset[0] += 301  # past the default lifetime (300 s)
        again = list(session.projects.get(id=project["id"]).shots)
    assert [s.name for s in shots] == ["sh0010"] and again[0] is shots[0]
    asked = [(s.fault, s.if_none_match) for s in faults.seen if "/with-tasks" in s.path]
    assert asked == [("status", None), ("status", None)]
