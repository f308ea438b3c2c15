"""Kitsu custom actions received by gadget.actions, with the actions registered on the
real Kitsu server.

Each test registers a custom action on Zou (``data/custom-actions``: its name,
the receiver's URL with the token, the entity type, the ajax flag), reads back
what the server stores for it, and sends the request Kitsu's web page sends for
that action (JSON for an ajax action, a form post otherwise) with a selection
of the project's real task ids, then checks what the handler was given.
"""

from __future__ import annotations

import json
import threading
import urllib.error
import urllib.parse
import urllib.request
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest

import gadget
from gadget.actions import Actions, ActionServer, Selection
from gadget.testing import Names

from .conftest import KitsuServer, RawKitsu

TOKEN = "kitsu-action-Tok3n"
PATIENCE = 30


@dataclass
class Receiver:
    server: ActionServer
    session: gadget.Session
    project: Any
    tasks: list[Any]
    got: list[Selection] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)


@pytest.fixture(scope="module")
def receiver(kitsu_server: KitsuServer) -> Iterator[Receiver]:
    names = Names()
    session = kitsu_server.connect()
    project = session.projects.new(name=names("Actions"), production_type="short")
    seq = project.sequences.new(name="SQ010")
    shot = project.shots.new(name="SH0010", sequence=seq)
    anim = session.task_types.new(name=names("Anim"), for_shots=True)
    comp = session.task_types.new(name=names("Comp"), for_shots=True)
    tasks = [shot.tasks.new(task_type=anim), shot.tasks.new(task_type=comp)]
    app = Actions()
    box = Receiver(server=None, session=session, project=project, tasks=tasks)  # type: ignore[arg-type]

    @app.action("/publish-check")
    def publish_check(selection: Selection) -> None:
        with box.lock:
            box.got.append(selection)

    box.server = app.serve(session, "127.0.0.1", 0, token=TOKEN).start()
    try:
        yield box
    finally:
        box.server.close()
        session.close()


def register(raw: RawKitsu, url: str, is_ajax: bool) -> dict[str, Any]:
    """Define the custom action on the server as an admin does; what Zou stores for it."""
    made = raw.post(
        "data/custom-actions",
        {"name": f"gadget check {is_ajax}", "url": url, "entity_type": "shot", "is_ajax": is_ajax},
    )
    stored: dict[str, Any] = raw.get(f"data/custom-actions/{made['id']}")
    return stored


def kitsu_request(
    action: dict[str, Any], payload: dict[str, Any], origin: str
) -> tuple[int, str, bytes]:
    """The request Kitsu's page sends for ``action``: JSON when ajax, else a form post
    (hidden inputs; the selection's ids joined by commas)."""
    if action["is_ajax"]:
        body = json.dumps(payload).encode()
        headers = {"Content-Type": "application/json", "Origin": origin}
    else:
        fields = {k: ",".join(v) if isinstance(v, list) else v for k, v in payload.items()}
        body = urllib.parse.urlencode(fields).encode()
        headers = {"Content-Type": "application/x-www-form-urlencoded", "Origin": origin}
    request = urllib.request.Request(action["url"], data=body, headers=headers, method="POST")
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    with opener.open(request, timeout=PATIENCE) as response:
        return response.status, response.headers["Content-Type"], response.read()


@pytest.mark.parametrize("is_ajax", [True, False], ids=["ajax", "form"])
def test_a_registered_action_reaches_its_handler_resolved(
    receiver: Receiver, kitsu_server: KitsuServer, raw: RawKitsu, is_ajax: bool
) -> None:
    url = f"{receiver.server.url}/publish-check?token={TOKEN}"
    action = register(raw, url, is_ajax)
    assert (action["url"], action["is_ajax"], action["entity_type"]) == (url, is_ajax, "shot")
    project_id = receiver.project.id
    task_ids = [t.id for t in reversed(receiver.tasks)]
    payload = {
        "personid": kitsu_server.artist.id,
        "personemail": kitsu_server.artist.email,
        "projectid": project_id,
        "currentpath": f"/productions/{project_id}/shots",
        "currentserver": "127.0.0.1",
        "selection": task_ids,
        "entitytype": action["entity_type"],
    }
    with receiver.lock:
        receiver.got.clear()
    status, content_type, body = kitsu_request(action, payload, kitsu_server.bare_url)
    assert status == 202
    if is_ajax:
        assert content_type.startswith("application/json")
        assert [row["id"] for row in json.loads(body)["selection"]] == task_ids
    else:
        assert content_type.startswith("text/html")
        assert f"of SH0010 ({task_ids[0]})" in body.decode()
    assert receiver.server.wait(PATIENCE)
    (selection,) = receiver.got
    assert selection.ajax is is_ajax
    assert selection.project.id == project_id
    assert selection.person.email == kitsu_server.artist.email
    # what gadget resolved is what Zou stores for those ids
    stored = [raw.get(f"data/tasks/{ident}") for ident in task_ids]
    assert [t.id for t in selection.tasks] == [s["id"] for s in stored]
    assert [t.task_type.id for t in selection.tasks] == [s["task_type_id"] for s in stored]
    assert {t.entity.name for t in selection.tasks} == {"SH0010"}
    assert [t.entity.id for t in selection.tasks] == [s["entity_id"] for s in stored]


def test_an_id_unknown_to_kitsu_is_400(receiver: Receiver, kitsu_server: KitsuServer) -> None:
    stranger = str(uuid.uuid4())
    payload = {
        "personid": kitsu_server.artist.id,
        "personemail": kitsu_server.artist.email,
        "projectid": receiver.project.id,
        "currentpath": "/",
        "currentserver": "127.0.0.1",
        "selection": [receiver.tasks[0].id, stranger],
        "entitytype": "shot",
    }
    action = {"url": f"{receiver.server.url}/publish-check?token={TOKEN}", "is_ajax": True}
    with pytest.raises(urllib.error.HTTPError) as refused:
        kitsu_request(action, payload, kitsu_server.bare_url)
    assert refused.value.code == 400
    reason = json.loads(refused.value.read())["error"]
    assert reason == (
        f"selection id {stranger}: no task or shot of project {receiver.project.name} has it"
    )
