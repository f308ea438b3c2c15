"""Kitsu connection behaviour on the real server: hosts, logins, tokens, errors,
isolation of two clients, events, and the pipeline walk (``Project.from_env()`` to
a publish).

Failure paths a healthy server cannot show (a port that refuses, a server
that never answers, 503s) use tiny local sockets: they are the only mocks.
"""

from __future__ import annotations

import contextlib
import http.server
import logging
import re
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import gazu
import pytest
import requests

import gadget
from gadget import Project
from gadget.config import TrackerConfig
from gadget.testing import Names, write_pdf, write_png
from gadget.trackers.kitsu.client import api_host, events_host, web_root
from gadget.trackers.kitsu.transport import TimeoutSession, TransportFailure

from .conftest import KitsuServer, RawKitsu, _seed_person


# -- imports ------------------------------------------------------------------------
def test_import_gadget_does_not_import_gazu() -> None:
    code = (
        "import sys, gadget, gadget.trackers.kitsu\n"
        "heavy = {'gazu', 'requests', 'socketio', 'engineio'} & set(sys.modules)\n"
        "assert not heavy, heavy\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


# -- hosts ----------------------------------------------------------------------------
def test_host_forms() -> None:
    assert api_host("kitsu+https://kitsu.studio.com/api") == "https://kitsu.studio.com/api"
    assert api_host("https://kitsu.studio.com/api/") == "https://kitsu.studio.com/api"
    assert api_host("kitsu+http://127.0.0.1:8080") == "http://127.0.0.1:8080"
    assert web_root("https://kitsu.studio.com/api") == "https://kitsu.studio.com"
    assert events_host("https://kitsu.studio.com/api") == "https://kitsu.studio.com"
    assert events_host("https://k.studio.com/api", "kitsu+https://events.studio.com") == (
        "https://events.studio.com"
    )
    for bad in ("kitsu+ftp://host/api", "kitsu+https://user:pw@host/api", "host/api"):
        with pytest.raises(gadget.ConfigError) as info:
            api_host(bad)
        assert "pw" not in str(info.value)


@pytest.mark.parametrize("form", ["kitsu+api", "plain api", "kitsu+bare"])
def test_both_host_forms_work(kitsu_server: KitsuServer, form: str) -> None:
    url = {
        "kitsu+api": f"kitsu+{kitsu_server.api_url}",
        "plain api": kitsu_server.api_url,
        "kitsu+bare": f"kitsu+{kitsu_server.bare_url}",
    }[form]
    with kitsu_server.connect(url) as session:
        assert session.me.email == kitsu_server.admin_email
        assert session.tracker.name == "kitsu"
        assert session.task_statuses.fetch("wip").short_name == "wip"


def test_a_plain_url_without_api_is_refused() -> None:
    with pytest.raises(gadget.ConfigError, match="/api"):
        gadget.connect("http://127.0.0.1:9/", login="a", password="b")


# -- logins ------------------------------------------------------------------------------
def test_wrong_password(kitsu_server: KitsuServer, caplog: pytest.LogCaptureFixture) -> None:
    secret = "Wrong-" + uuid.uuid4().hex
    caplog.set_level(logging.DEBUG)
    with pytest.raises(gadget.AuthenticationError) as info:
        gadget.connect(
            f"kitsu+{kitsu_server.api_url}", login=kitsu_server.spare.email, password=secret
        )
    assert kitsu_server.spare.email in str(info.value)
    assert secret not in str(info.value)
    assert secret not in caplog.text
    assert all(secret not in repr(a) for a in info.value.args)


def test_missing_credentials(kitsu_server: KitsuServer) -> None:
    with pytest.raises(gadget.ConfigError, match="TRACKER_LOGIN"):
        gadget.connect(f"kitsu+{kitsu_server.api_url}")


def test_secrets_stay_out_of_reprs_and_logs(
    kitsu_server: KitsuServer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    artist = kitsu_server.artist
    with gadget.connect(
        f"kitsu+{kitsu_server.api_url}", login=artist.email, password=artist.password
    ) as session:
        token = session.tracker.client.tokens["access_token"]
        list(session.task_statuses)
        shown = " ".join(
            [
                repr(session),
                repr(session.tracker),
                repr(session.tracker.connection),
                repr(session.config),
                caplog.text,
            ]
        )
        assert artist.password not in shown
        assert token not in shown


def test_bot_token(kitsu_server: KitsuServer) -> None:
    with gadget.connect(f"kitsu+{kitsu_server.api_url}", token=kitsu_server.bot_token) as bot:
        assert bot.me.email == kitsu_server.bot_email
        assert "bot" in repr(bot.tracker.connection)
    # closing did not revoke the bot's token
    with gadget.connect(f"kitsu+{kitsu_server.api_url}", token=kitsu_server.bot_token) as bot:
        assert bot.me.email == kitsu_server.bot_email
    with pytest.raises(gadget.AuthenticationError):
        gadget.connect(f"kitsu+{kitsu_server.api_url}", token="not-a-token")


def test_permission_denied_for_an_artist(kitsu_server: KitsuServer) -> None:
    artist = kitsu_server.artist
    with gadget.connect(
        f"kitsu+{kitsu_server.api_url}", login=artist.email, password=artist.password
    ) as session:
        with pytest.raises(gadget.PermissionDenied) as info:
            session.projects.new(name=Names()("Forbidden"), production_type="short")
        assert artist.email in str(info.value)
        with pytest.raises(gadget.PermissionDenied):
            session.task_types.new(name=Names()("Forbidden"), for_shots=True)


def test_a_client_may_not_set_the_main_preview(kitsu_server: KitsuServer, tmp_path: Path) -> None:
    """Kitsu enforces roles (the declared capability "roles"): a client's publish that
    asks for the main preview is refused, and the shot keeps no thumbnail."""
    names = Names()
    client, password = _seed_person(kitsu_server.raw, "Client", "client")
    with kitsu_server.connect() as admin:
        assert "roles" in admin.capabilities
        project = admin.projects.new(name=names("Client"), production_type="short")
        project.team.add(client["email"])
        shot = project.shots.new(name="sh0010", sequence=project.sequences.new(name="sq010"))
        anim = admin.task_types.new(name=names("Anim"), for_shots=True)
        shot.tasks.new(task_type=anim)
    with gadget.connect(
        f"kitsu+{kitsu_server.api_url}", login=client["email"], password=password
    ) as session:
        assert session.me.role == "client"
        task = (
            session.projects.fetch(project.name).shots.fetch("sq010/sh0010").tasks.fetch(anim.name)
        )
        with pytest.raises(gadget.PermissionDenied) as info:
            task.comments.new(
                comment="from the client",
                preview=[write_png(tmp_path / "client.png")],
                set_main_preview=True,
            )
        assert client["email"] in str(info.value)
    assert kitsu_server.raw.get(f"data/shots/{shot.id}")["preview_file_id"] is None


# -- isolation ------------------------------------------------------------------------------
def test_two_clients_stay_apart(kitsu_server: KitsuServer) -> None:
    default = gazu.client.default_client
    default_tokens = dict(default.tokens)
    default_host = default.host
    artist = kitsu_server.artist
    admin = kitsu_server.connect(f"kitsu+{kitsu_server.bare_url}")
    other = gadget.connect(kitsu_server.api_url, login=artist.email, password=artist.password)
    try:
        a, b = admin.tracker.client, other.tracker.client
        assert a is not b and a.session is not b.session
        assert a.host == kitsu_server.bare_url and b.host == kitsu_server.api_url
        assert a.tokens["access_token"] != b.tokens["access_token"]
        assert admin.me.email == kitsu_server.admin_email
        assert other.me.email == artist.email
        # interleaved calls keep their own identity
        for _ in range(2):
            assert admin.tracker.whoami()["email"] == kitsu_server.admin_email
            assert other.tracker.whoami()["email"] == artist.email
    finally:
        admin.close()
        other.close()
    assert default.tokens == default_tokens and not default.tokens.get("access_token")
    assert default.host == default_host


# -- tokens ------------------------------------------------------------------------------------
def _task_on(session: gadget.Session) -> gadget.Task:
    names = Names()
    project = session.projects.new(name=names("Tokens"), production_type="short")
    shot = project.shots.new(name="sh0010", sequence=project.sequences.new(name="sq010"))
    return shot.tasks.new(task_type=session.task_types.new(name=names("Anim"), for_shots=True))


def test_an_expired_access_token_is_refreshed(kitsu_server: KitsuServer, tmp_path: Path) -> None:
    with kitsu_server.connect(kitsu_server.short_token_url) as session:
        client = session.tracker.client
        task = _task_on(session)
        first = client.tokens["access_token"]
        assert session.tracker.whoami()["email"] == kitsu_server.admin_email
        time.sleep(kitsu_server.short_token_seconds + 1)  # the access token expired
        assert session.tracker.whoami()["email"] == kitsu_server.admin_email
        assert client.tokens["access_token"] != first
        time.sleep(kitsu_server.short_token_seconds + 1)  # an upload after expiry is sent again
        note = task.comments.new(comment="late", preview=[write_png(tmp_path / "late.png")])
        assert [p.name for p in note.previews] == ["late"]


def test_a_failed_refresh_logs_in_again(kitsu_server: KitsuServer, tmp_path: Path) -> None:
    with kitsu_server.connect(kitsu_server.short_token_url) as session:
        client = session.tracker.client
        task = _task_on(session)
        client.tokens["refresh_token"] = "broken"
        time.sleep(kitsu_server.short_token_seconds + 1)
        assert session.tracker.whoami()["email"] == kitsu_server.admin_email
        assert client.tokens["refresh_token"] != "broken"
        client.tokens["refresh_token"] = "broken"
        time.sleep(kitsu_server.short_token_seconds + 1)
        note = task.comments.new(comment="late", preview=[write_png(tmp_path / "late.png")])
        assert [p.name for p in note.previews] == ["late"]


def test_an_expired_bot_token_is_an_authentication_error(kitsu_server: KitsuServer) -> None:
    http = requests.Session()
    http.trust_env = False
    answer = http.post(
        f"{kitsu_server.short_token_url}/auth/login",
        json={"email": kitsu_server.admin_email, "password": kitsu_server.admin_password},
        timeout=30,
    )
    answer.raise_for_status()
    token = answer.json()["access_token"]  # a short-lived one, given as a bot token is
    with gadget.connect(f"kitsu+{kitsu_server.short_token_url}", token=token) as session:
        assert session.tracker.whoami()["email"] == kitsu_server.admin_email
        time.sleep(kitsu_server.short_token_seconds + 1)
        with pytest.raises(gadget.AuthenticationError):  # no password to log in again with
            session.tracker.whoami()


# -- errors -------------------------------------------------------------------------------------
def test_missing_object_vs_wrong_route(kitsu: gadget.Session) -> None:
    tracker = kitsu.tracker
    missing = str(uuid.uuid4())
    with pytest.raises(gadget.NotFound):
        tracker.raw_get(f"data/shots/{missing}")
    with pytest.raises(gadget.NotFound):
        tracker.raw_put(f"data/tasks/{missing}", {"priority": 1})
    with pytest.raises(gadget.GadgetError) as info:
        tracker.raw_get("data/shotz/abc")
    assert not isinstance(info.value, gadget.NotFound)
    assert "no route" in str(info.value)
    with pytest.raises(gadget.NotFound):
        kitsu.projects.get(id=missing)


def test_validation_errors_carry_the_server_message(kitsu: gadget.Session) -> None:
    with pytest.raises(gadget.ValidationError, match="Kitsu"):
        kitsu.tracker.raw_post("data/departments", {"name": None})


def test_search_is_unsupported_without_an_indexer(kitsu: gadget.Session) -> None:
    assert "search" not in kitsu.capabilities
    with pytest.raises(gadget.Unsupported, match="indexer"):
        kitsu.search("hero")


@contextlib.contextmanager
def _silent_server() -> Iterator[int]:
    """A port that accepts connections and never answers."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)
    try:
        yield listener.getsockname()[1]
    finally:
        listener.close()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
    return port


def _tracker(url: str, **options: Any) -> Any:
    config = TrackerConfig(url=url, login="a@b.com", password="x", options=options)
    return gadget.trackers.registry.resolve(url)(config)


def test_unreachable_server() -> None:
    tracker = _tracker(f"kitsu+http://127.0.0.1:{_free_port()}/api", retries=0)
    with pytest.raises(gadget.TrackerUnavailable, match="could not be made"):
        tracker.open()


def test_every_request_has_a_timeout() -> None:
    with _silent_server() as port:
        tracker = _tracker(f"kitsu+http://127.0.0.1:{port}/api", timeout=0.5, retries=0)
        with pytest.raises(gadget.TrackerUnavailable, match="no answer in time"):
            tracker.open()  # a login that got no answer: nothing to resolve, a retry is safe


class _Flaky(http.server.BaseHTTPRequestHandler):
    hits: list[str] = []

    def do_GET(self) -> None:
        self.hits.append(self.path)
        status = 503 if len(self.hits) < 3 else 200
        body = b"[]"
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_POST(self) -> None:
        self.hits.append(self.path)
        self.send_response(503)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args: Any) -> None:
        pass


def test_a_503_is_retried_for_reads_and_writes() -> None:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Flaky)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        session = TimeoutSession(timeout=5, retries=3, backoff=0.01)
        session.trust_env = False
        base = f"http://127.0.0.1:{server.server_address[1]}"
        _Flaky.hits = []
        assert session.get(f"{base}/data/x").status_code == 200
        assert len(_Flaky.hits) == 3  # two 503s, then the answer
        _Flaky.hits = []
        with pytest.raises(TransportFailure) as info:
            session.post(f"{base}/data/x")
        # a 503 means the server did not act: the POST is sent again, 1 + 3 retries
        assert len(_Flaky.hits) == 4
        assert (info.value.status, info.value.may_have_landed) == (503, False)
    finally:
        server.shutdown()


def test_timeouts_per_request() -> None:
    seen: list[Any] = []

    def record(request: Any, **kw: Any) -> Any:
        seen.append(kw["timeout"])
        raise requests.exceptions.ConnectionError("refused")

    session = TimeoutSession(timeout=7, connect_timeout=3, deadline=60, per_mb=10, retries=0)
    session.get_adapter("http://x").send = record  # type: ignore[method-assign]
    for call in (
        lambda: session.get("http://x/data"),
        lambda: session.post("http://x/data", files={"f": ("a.png", b"x" * 1_000_000)}),
        lambda: session.get("http://x/data", timeout=1),
    ):
        with contextlib.suppress(TransportFailure):
            call()
    with session.extra_time(20), contextlib.suppress(TransportFailure):
        session.put("http://x/data", json={})  # a slow bulk write
    with session.deadline(2), contextlib.suppress(TransportFailure):
        session.put("http://x/data", json={})
    # (connect, answer): 3 s to connect; 7 s of silence, + 10 s per MB sent, + extra
    # time; never more than the deadline left
    assert seen[0] == (3, 7)
    assert seen[1][0] == 3 and 17 <= seen[1][1] < 17.2
    assert seen[2] == (1, 1)
    assert seen[3][0] == 3 and 27 <= seen[3][1] < 27.01
    assert seen[4][0] <= 2 and seen[4][1] <= 2


class _Slow(http.server.BaseHTTPRequestHandler):
    hits: list[str] = []

    def do_PUT(self) -> None:
        self.hits.append(self.path)
        time.sleep(1.0)  # longer than the client waits
        self.send_response(200)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"{}")

    def log_message(self, *args: Any) -> None:
        pass


def test_a_write_that_timed_out_is_not_sent_again() -> None:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Slow)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        session = TimeoutSession(timeout=0.2, retries=3, backoff=0.01)
        session.trust_env = False
        _Slow.hits = []
        with pytest.raises(TransportFailure) as info:  # read timeout
            session.put(f"http://127.0.0.1:{server.server_address[1]}/data/casting", json={})
        assert _Slow.hits == ["/data/casting"]  # the server got it once, not 4 times
        assert info.value.may_have_landed and info.value.write
    finally:
        server.shutdown()


# -- a non-admin reads and publishes -------------------------------------------------------------
def test_an_artist_walks_and_publishes(kitsu_server: KitsuServer, tmp_path: Path) -> None:
    names = Names()
    artist = kitsu_server.artist
    with kitsu_server.connect() as admin:
        project = admin.projects.new(name=names("Artist"), production_type="short")
        project.team.add(artist.email)
        seq = project.sequences.new(name="sq010")
        anim = admin.task_types.new(name=names("Anim"), for_shots=True)
        for n in range(3):
            shot = project.shots.new(name=f"sh{n:04d}", sequence=seq)
            task = shot.tasks.new(task_type=anim, assignees=[artist.email])
            task.comments.new(comment=f"brief {n}", preview=[write_png(tmp_path / f"ref{n}.png")])
    with gadget.connect(
        kitsu_server.api_url, login=artist.email, password=artist.password
    ) as session:
        mine = session.projects.fetch(project.name)
        seen = {
            shot.name: [
                (c.text, [p.name for p in c.previews]) for t in shot.tasks for c in t.comments
            ]
            for shot in mine.shots
        }
        assert seen == {f"sh{n:04d}": [(f"brief {n}", [f"ref{n}"])] for n in range(3)}
        task = mine.shots.fetch("sh0001").tasks.fetch(anim.name)
        note = task.comments.new(
            comment="done", status="wfa", preview=[write_png(tmp_path / "v001.png")]
        )
        assert note.author == session.me and note.previews[0].name == "v001"
        with pytest.raises(gadget.PermissionDenied):
            mine.shots.new(name="sh9999", sequence=mine.sequences.fetch("sq010"))


# -- publishing ---------------------------------------------------------------------------------
def test_a_dropped_preview_fails_the_publish(kitsu: gadget.Session, tmp_path: Path) -> None:
    names = Names()
    project = kitsu.projects.new(name=names("Drop"), production_type="short")
    shot = project.shots.new(name="sh0010", sequence=project.sequences.new(name="sq010"))
    task = shot.tasks.new(task_type=kitsu.task_types.new(name=names("Anim"), for_shots=True))
    odd = tmp_path / "render.xyz"
    odd.write_bytes(b"not an image")
    with pytest.raises(gadget.GadgetError, match="dropped"):
        task.comments.new(comment="oops", status="wfa", preview=[odd])


# -- events --------------------------------------------------------------------------------------
def test_events_reach_a_handler(kitsu: gadget.Session, tmp_path: Path) -> None:
    names = Names()
    project = kitsu.projects.new(name=names("Events"), production_type="short")
    shot = project.shots.new(name="sh0010", sequence=project.sequences.new(name="sq010"))
    task = shot.tasks.new(task_type=kitsu.task_types.new(name=names("Anim"), for_shots=True))
    received: dict[str, dict[str, Any]] = {}
    done = threading.Event()
    events = kitsu.events  # the session's stream is the tracker's
    assert events is kitsu.tracker.events

    def keep(event: dict[str, Any]) -> None:
        if event.get("task_id") == task.id:
            received.setdefault(event["event"], event)
            if {"task:status-changed", "comment:new"} <= set(received):
                done.set()

    events.on("task:status-changed", keep)
    events.on("comment:new", keep)
    seen_all: list[str] = []
    events.on("*", lambda e: seen_all.append(e["event"]))
    events.start()
    try:
        assert events.connected
        wip = kitsu.task_statuses.fetch("wip")
        comment = task.set_status("wip", comment="started")
        assert done.wait(10), received
    finally:
        events.stop()
    changed = received["task:status-changed"]
    assert changed["status_id"] == wip.id
    assert changed["previous_status_id"] == task.raw["task_status_id"]
    assert changed["project_id"] == project.id
    assert received["comment:new"]["comment_id"] == comment.id
    assert "task:status-changed" in seen_all
    assert not events.connected


# -- the pipeline walk ----------------------------------------------------------------------------
def test_the_pipeline_walk(
    kitsu_server: KitsuServer, raw: RawKitsu, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    names = Names()
    with kitsu_server.connect() as setup:
        project = setup.projects.new(name=names("Walk"), production_type="tvshow")
        seq = project.sequences.new(name="sq170", episode=project.episodes.new(name="E01"))
        shot = project.shots.new(name="sq170_sh0224", sequence=seq, frame_in=1001, frame_out=1100)
        anim = setup.task_types.new(name=names("Anim3D"), for_shots=True)
        shot.tasks.new(task_type=anim, status="todo")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("TRACKER_URL", kitsu_server.api_url)
    monkeypatch.setenv("TRACKER_LOGIN", kitsu_server.admin_email)
    monkeypatch.setenv("TRACKER_PASSWORD", kitsu_server.admin_password)
    monkeypatch.setenv("TRACKER_PROJECT", project.name)

    walk = Project.from_env()
    shot = walk.shots.get(name="sq170_sh0224")
    task = shot.tasks.fetch(anim.name)
    task.comments.new(
        comment="blocking pass",
        status="wip",
        preview=[write_png(tmp_path / "sq170_sh0224.v012.png")],
        attachments=[write_pdf(tmp_path / "retakes.pdf")],
        set_main_preview=True,
    )
    rows = [
        (s.name, t.task_type.name, t.status.short_name, t.nb_retakes)
        for s in walk.shots
        for t in s.tasks
    ]
    assert rows == [("sq170_sh0224", anim.name, "wip", 0)]
    main = shot.main_preview
    walk.session.close()

    (comment,) = raw.get(f"data/tasks/{task.id}/comments")
    wip_id = raw.get("data/task-status", short_name="wip")[0]["id"]
    # the text as written, then the publish's key in a marker Kitsu's web page hides
    assert re.fullmatch(r"blocking pass\n\n<!-- gadget:[0-9a-f]{32} -->", comment["text"])
    assert comment["task_status_id"] == wip_id
    assert raw.get(f"data/tasks/{task.id}")["task_status_id"] == wip_id
    (preview,) = comment["previews"]
    assert preview["original_name"] == "sq170_sh0224.v012"
    assert comment["attachment_files"][0]["name"] == "retakes.pdf"
    assert raw.get(f"data/shots/{shot.id}")["preview_file_id"] == preview["id"]
    assert main is not None and main.id == preview["id"]
