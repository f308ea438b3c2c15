"""Kitsu custom actions (gadget.actions, ``gadget actions serve``) on the local tracker.

Every test sends real HTTP requests on loopback (127.0.0.1, a free port) to
a receiver serving the demo studio, as Kitsu's ajax actions (JSON) and form
actions (an HTML form post) do. The same receiver on the real Kitsu server,
with the action registered there: tests/kitsu/test_kitsu_actions.py.
"""

from __future__ import annotations

import json
import logging
import os
import signal
import socket
import subprocess
import sys
import threading
import urllib.error
import urllib.parse
import urllib.request
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

import gadget
from gadget.actions import Actions, ActionServer, Selection
from gadget.cli._actions import load_actions
from gadget.cli._demo import db_url
from gadget.errors import ConfigError, ValidationError

TOKEN = "s3cret-Tok_en"
#: how long a test waits for an answer or a handler before failing (never reached when it works)
PATIENCE = 30


@dataclass
class Answer:
    status: int
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


def send(url: str, body: bytes | None, headers: dict[str, str], method: str = "POST") -> Answer:
    """One HTTP request, whatever its status (a 4xx is an answer, not an exception)."""
    request = urllib.request.Request(url, data=body, headers=headers, method=method)
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(request, timeout=PATIENCE) as response:
            return Answer(response.status, dict(response.headers), response.read())
    except urllib.error.HTTPError as error:
        return Answer(error.code, dict(error.headers), error.read())


def post_json(url: str, payload: Any) -> Answer:
    """What Kitsu's ajax action sends: the payload as JSON, from the Kitsu page's origin."""
    body = json.dumps(payload).encode()
    headers = {"Content-Type": "application/json", "Origin": "https://kitsu.example"}
    return send(url, body, headers)


def post_form(url: str, payload: dict[str, Any]) -> Answer:
    """What Kitsu's form action sends: hidden inputs, the selection's ids joined by commas."""
    fields = {k: ",".join(v) if isinstance(v, list) else v for k, v in payload.items()}
    body = urllib.parse.urlencode(fields).encode()
    headers = {"Content-Type": "application/x-www-form-urlencoded", "Accept": "text/html"}
    return send(url, body, headers)


@dataclass
class Receiver:
    server: ActionServer
    session: gadget.Session
    got: list[Selection] = field(default_factory=list)
    threads: list[str] = field(default_factory=list)
    release: threading.Event = field(default_factory=threading.Event)

    def url(self, path: str, token: str | None = TOKEN) -> str:
        query = f"?{urllib.parse.urlencode({'token': token})}" if token is not None else ""
        return f"{self.server.url}{path}{query}"


@pytest.fixture
def receiver(demo_db: Path) -> Iterator[Receiver]:
    """A receiver on a free loopback port, token required, with two actions:
    /check records the selection, /slow waits for ``release`` first."""
    session = gadget.connect(db_url(demo_db))
    app = Actions()
    box = Receiver(server=None, session=session)  # type: ignore[arg-type]

    @app.action("/check")
    def check(selection: Selection) -> None:
        box.threads.append(threading.current_thread().name)
        box.got.append(selection)

    @app.action("/slow")
    def slow(selection: Selection) -> None:
        box.threads.append(threading.current_thread().name)
        assert box.release.wait(PATIENCE)
        box.got.append(selection)

    box.server = app.serve(session, "127.0.0.1", 0, token=TOKEN).start()
    try:
        yield box
    finally:
        box.release.set()
        box.server.close()
        session.close()


def payload(
    session: gadget.Session, selection: list[str], entitytype: str = "shot"
) -> dict[str, Any]:
    project = session.projects.fetch("Demo")
    person = session.persons.fetch("jane@studio.example")
    return {
        "personid": person.id,
        "personemail": person.email,
        "projectid": project.id,
        "currentpath": f"/productions/{project.id}/shots",
        "currentserver": "kitsu.example",
        "selection": selection,
        "entitytype": entitytype,
    }


def demo_tasks(session: gadget.Session) -> list[Any]:
    project = session.projects.fetch("Demo")
    return [project.shots.fetch("sq010_sh0020").tasks.fetch(t) for t in ("Layout", "Anim3D")]


def test_ajax_post_is_resolved_and_answered_in_json(receiver: Receiver) -> None:
    layout, anim = demo_tasks(receiver.session)
    answer = post_json(receiver.url("/check"), payload(receiver.session, [layout.id, anim.id]))
    assert answer.status == 202
    assert answer.headers["Content-Type"].startswith("application/json")
    assert answer.headers["Access-Control-Allow-Origin"] == "https://kitsu.example"
    assert answer.headers["Access-Control-Allow-Private-Network"] == "true"
    body = answer.json()
    assert body["status"] == "accepted"
    assert body["project"] == "Demo"
    assert [(row["kind"], row["id"]) for row in body["selection"]] == [
        ("task", layout.id),
        ("task", anim.id),
    ]
    assert receiver.server.wait(PATIENCE)
    (selection,) = receiver.got
    assert selection.ajax is True
    assert selection.action == "/check"
    assert [t.id for t in selection.tasks] == [layout.id, anim.id]
    assert [(t.entity.name, t.task_type.name) for t in selection.tasks] == [
        ("sq010_sh0020", "Layout"),
        ("sq010_sh0020", "Anim3D"),
    ]
    assert selection.person.email == "jane@studio.example"
    assert selection.project.name == "Demo"
    assert selection.current_server == "kitsu.example"
    assert selection.entity_type == "shot"


def test_form_post_is_answered_with_a_page(receiver: Receiver) -> None:
    layout, anim = demo_tasks(receiver.session)
    answer = post_form(receiver.url("/check"), payload(receiver.session, [anim.id, layout.id]))
    assert answer.status == 202
    assert answer.headers["Content-Type"].startswith("text/html")
    page = answer.body.decode()
    assert page.startswith("<!doctype html>")
    assert f"task Anim3D of sq010_sh0020 ({anim.id})" in page
    assert receiver.server.wait(PATIENCE)
    (selection,) = receiver.got
    assert selection.ajax is False
    assert [t.id for t in selection.tasks] == [anim.id, layout.id]


def test_selected_entities_resolve_by_the_entity_type(receiver: Receiver) -> None:
    project = receiver.session.projects.fetch("Demo")
    hero, lamp = project.assets.fetch("Hero"), project.assets.fetch("Lamp")
    answer = post_json(
        receiver.url("/check"), payload(receiver.session, [hero.id, lamp.id], "asset")
    )
    assert answer.status == 202, answer.body
    assert receiver.server.wait(PATIENCE)
    assert [a.name for a in receiver.got[0].assets] == ["Hero", "Lamp"]
    assert receiver.got[0].tasks == []


def test_a_large_selection_resolves_in_order(receiver: Receiver) -> None:
    # past ten ids, the project's tasks are listed once instead of one lookup an id
    project = receiver.session.projects.fetch("Demo")
    tasks = sorted(project.tasks, key=lambda t: t.id)[:12]
    ids = [t.id for t in reversed(tasks)]
    answer = post_json(receiver.url("/check"), payload(receiver.session, ids))
    assert answer.status == 202, answer.body
    assert receiver.server.wait(PATIENCE)
    assert [t.id for t in receiver.got[0].tasks] == ids
    stranger = str(uuid.uuid4())
    refused = post_json(receiver.url("/check"), payload(receiver.session, [*ids, stranger]))
    assert refused.status == 400
    assert refused.json()["error"].startswith(f"selection id {stranger}: no task or shot")


def test_the_handler_runs_off_the_request_thread(receiver: Receiver) -> None:
    (layout, _) = demo_tasks(receiver.session)
    # the handler blocks until released, which happens only once the answer is here:
    # a handler run on the request thread would leave this post unanswered (timeout)
    answer = post_json(receiver.url("/slow"), payload(receiver.session, [layout.id]))
    assert answer.status == 202
    assert receiver.got == []  # the handler has not ended: it waits for us
    receiver.release.set()
    assert receiver.server.wait(PATIENCE)
    assert [s.tasks[0].id for s in receiver.got] == [layout.id]
    assert receiver.threads[0].startswith("gadget-action")


def test_preflight_allows_the_post_and_private_network(receiver: Receiver) -> None:
    answer = send(
        receiver.url("/check"),
        None,
        {
            "Origin": "https://kitsu.example",
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type",
            "Access-Control-Request-Private-Network": "true",
        },
        method="OPTIONS",
    )
    assert answer.status == 204
    assert answer.headers["Access-Control-Allow-Origin"] == "https://kitsu.example"
    assert "POST" in answer.headers["Access-Control-Allow-Methods"]
    assert answer.headers["Access-Control-Allow-Headers"] == "content-type"
    assert answer.headers["Access-Control-Allow-Private-Network"] == "true"
    assert receiver.got == []


@pytest.mark.parametrize("token", [None, "wrong", TOKEN + "x", ""])
def test_a_wrong_or_missing_token_is_403(receiver: Receiver, token: str | None) -> None:
    (layout, _) = demo_tasks(receiver.session)
    sent = payload(receiver.session, [layout.id])
    answer = post_json(receiver.url("/check", token=token), sent)
    assert answer.status == 403
    assert answer.json() == {"status": "error", "error": "wrong or missing token"}
    assert answer.headers["Access-Control-Allow-Origin"] == "https://kitsu.example"
    form = post_form(receiver.url("/check", token=token), sent)
    assert form.status == 403
    assert form.headers["Content-Type"].startswith("text/html")
    assert receiver.server.wait(PATIENCE)
    assert receiver.got == []


def _bad_payloads(session: gadget.Session) -> list[tuple[bytes, str]]:
    (layout, _) = demo_tasks(session)
    good = payload(session, [layout.id])
    stranger = str(uuid.uuid4())
    without = {k: v for k, v in good.items() if k != "projectid"}
    return [
        (b"{not json", "the body is not valid JSON"),
        (b"[1, 2]", "the JSON body must be an object, not list"),
        (json.dumps(without).encode(), "missing field(s): projectid"),
        (json.dumps({**good, "selection": []}).encode(), "'selection' is empty"),
        (json.dumps({**good, "selection": "sh0010"}).encode(), "selection: 'sh0010' is not a UUID"),
        (json.dumps({**good, "personid": 42}).encode(), "'personid' must be a string id"),
        (
            json.dumps({**good, "selection": [layout.id, stranger]}).encode(),
            f"selection id {stranger}: no task or shot of project Demo has it",
        ),
        (
            json.dumps({**good, "projectid": stranger}).encode(),
            f"projectid {stranger}: no such project",
        ),
        (
            json.dumps({**good, "personid": stranger}).encode(),
            f"personid {stranger}: no such person",
        ),
    ]


def test_a_bad_payload_is_400_with_the_reason(receiver: Receiver) -> None:
    for body, reason in _bad_payloads(receiver.session):
        answer = send(receiver.url("/check"), body, {"Content-Type": "application/json"})
        assert answer.status == 400, (body, answer.body)
        assert answer.json()["status"] == "error"
        assert answer.json()["error"].startswith(reason), (answer.json(), reason)
    form = post_form(receiver.url("/check"), {"projectid": "x", "selection": ["y"]})
    assert form.status == 400
    assert "missing field(s): personid, entitytype" in form.body.decode()
    assert receiver.server.wait(PATIENCE)
    assert receiver.got == []


def test_unknown_path_unsupported_body_and_get(receiver: Receiver) -> None:
    (layout, _) = demo_tasks(receiver.session)
    answer = post_json(receiver.url("/nope"), payload(receiver.session, [layout.id]))
    assert (answer.status, answer.json()["error"]) == (404, "no action at /nope")
    answer = send(receiver.url("/check"), b"x", {"Content-Type": "text/plain"})
    assert answer.status == 415
    assert send(receiver.url("/check"), None, {}, method="GET").status == 405
    assert receiver.got == []


def test_the_token_is_never_logged(receiver: Receiver, caplog: pytest.LogCaptureFixture) -> None:
    (layout, _) = demo_tasks(receiver.session)
    caplog.set_level(logging.DEBUG, logger="gadget.actions")
    assert post_json(receiver.url("/check"), payload(receiver.session, [layout.id])).status == 202
    assert post_json(receiver.url("/check", "bad-" + TOKEN), {}).status == 403
    # a malformed request line is logged whole by http.server itself
    host, port = receiver.server.url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=PATIENCE) as raw:
        raw.sendall(f"POST /check?token={TOKEN} junk HTTP/1.1\r\n\r\n".encode())
        answered = b"".join(iter(lambda: raw.recv(4096), b""))
    assert b"Error code: 400" in answered
    assert receiver.server.wait(PATIENCE)
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert "POST /check 202" in logged
    assert "POST /check 403" in logged
    assert "Bad request syntax ('POST /check?token=*** junk HTTP/1.1')" in logged
    assert TOKEN not in logged
    assert TOKEN not in repr(receiver.server)


def test_paths_are_checked() -> None:
    app = Actions()
    with pytest.raises(ValidationError, match="starts with '/'"):
        app.action("publish")
    app.action("/publish/")(lambda s: None)
    assert app.paths == ["/publish"]
    with pytest.raises(ValidationError, match="two handlers for the action path '/publish'"):
        app.action("/publish")(lambda s: None)


def test_load_actions(tmp_path: Path) -> None:
    builtin = load_actions(None)
    assert builtin.paths == ["/"]
    script = tmp_path / "studio_actions.py"
    script.write_text(
        "from gadget.actions import Actions\n"
        "mine = Actions()\n"
        "@mine.action('/a')\n"
        "def a(selection): pass\n"
    )
    assert load_actions(str(script)).paths == ["/a"]
    assert load_actions(f"{script}:mine").paths == ["/a"]
    with pytest.raises(ConfigError, match=r"other is not a gadget\.actions\.Actions"):
        load_actions(f"{script}:other")
    with pytest.raises(ConfigError, match="no module 'no_such_actions_module'"):
        load_actions("no_such_actions_module")


def test_gadget_actions_serve_with_the_builtin_handler(demo_env: Path) -> None:
    """The command itself, in a child process: the built-in handler at / logs the
    resolved selection; the token appears nowhere in what it prints."""
    with gadget.connect(db_url(demo_env)) as session:
        (layout, anim) = demo_tasks(session)
        sent = payload(session, [layout.id, anim.id])
    child = subprocess.Popen(
        [sys.executable, "-m", "gadget", "actions", "serve", "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "GADGET_ACTIONS_TOKEN": TOKEN},
    )
    try:
        assert child.stderr is not None
        first = child.stderr.readline()
        assert first.startswith("listening on http://127.0.0.1:"), first
        assert "(token required): / (Ctrl-C to stop)" in first
        base = first.split()[2]
        assert post_json(f"{base}/?token=not-it", sent).status == 403
        answer = post_json(f"{base}/?token={TOKEN}", sent)
        assert answer.status == 202, answer.body
        lines = []
        while not any(anim.id in line for line in lines):
            line = child.stderr.readline()
            assert line, "".join(lines)
            lines.append(line)
    finally:
        child.send_signal(signal.SIGTERM)
        try:
            child.wait(timeout=PATIENCE)
        except subprocess.TimeoutExpired:
            child.kill()
            raise
        # read through the text streams: communicate() would skip what readline() buffered
        assert child.stdout is not None and child.stderr is not None
        out, rest = child.stdout.read(), child.stderr.read()
    printed = first + "".join(lines) + rest
    assert child.returncode == 0, printed
    assert out == ""
    assert "action / by jane@studio.example on project Demo (shot page): 2 selected" in printed
    assert f"task Layout of sq010_sh0020 ({layout.id})" in printed
    assert f"task Anim3D of sq010_sh0020 ({anim.id})" in printed
    assert "POST / 202" in printed
    assert rest.rstrip().endswith("stopped")
    assert TOKEN not in printed
