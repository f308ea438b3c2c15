#!/usr/bin/env python3
"""Record the JSON payloads a real Kitsu (Zou) server returns, for the converter tests.

Starts the test server of ``tools/zou_server.py`` (or reuses a running one
with ``--state DIR``), builds a small studio with plain REST calls (no gazu,
no gadget, so the payloads are exactly what Zou answers), and writes one
JSON file per endpoint to ``tests/kitsu/payloads/``::

    .venv/bin/python tools/record_kitsu_payloads.py             # temporary server
    .venv/bin/python tools/record_kitsu_payloads.py --state /tmp/zou-dev

Each file holds ``{"request": "GET /data/...", "zou": "1.0.97", "payload": ...}``
with ids and timestamps as the server gave them. Tokens and passwords never
reach a file: the login answer is not recorded and every filled key named
like a secret (password, token, secret) is removed before writing. Needs ``requests`` and ``python-socketio``
(the dev venv has both, through gazu).
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import requests

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "tests" / "kitsu" / "payloads"
SECRET_WORDS = ("password", "token", "secret")

sys.path.insert(0, str(Path(__file__).resolve().parent))
import zou_server  # noqa: E402

from gadget.testing import EMAIL_DOMAIN, write_pdf, write_png  # noqa: E402
from gadget.testing.fixtures import unique_suffix  # noqa: E402


def scrub(value: Any) -> Any:
    """The value without any filled key whose name says it may hold a secret."""
    if isinstance(value, dict):
        return {
            k: scrub(v)
            for k, v in value.items()
            if not (any(w in k.lower() for w in SECRET_WORDS) and isinstance(v, str) and v)
        }
    if isinstance(value, list):
        return [scrub(v) for v in value]
    return value


class Recorder:
    """Plain REST calls that write what they are answered."""

    def __init__(self, base_url: str, email: str, password: str, out: Path, zou: str) -> None:
        self.base_url = base_url.rstrip("/")
        self.out = out
        self.zou = zou
        self.http = requests.Session()
        self.http.trust_env = False
        answer = self.http.post(
            f"{self.base_url}/auth/login", json={"email": email, "password": password}, timeout=30
        )
        answer.raise_for_status()
        self.token = answer.json()["access_token"]
        self.http.headers["Authorization"] = f"Bearer {self.token}"
        self.written: list[str] = []

    def call(self, name: str | None, method: str, path: str, **kwargs: Any) -> Any:
        response = self.http.request(method, f"{self.base_url}/{path}", timeout=120, **kwargs)
        if response.status_code >= 400:
            raise SystemExit(f"{method} /{path} -> {response.status_code}: {response.text[:400]}")
        payload = response.json() if response.content else None
        if name:
            self.save(name, f"{method} /{path}", payload, kwargs.get("params"))
        return payload

    def save(self, name: str, request: str, payload: Any, params: Any = None) -> None:
        record = {"request": request, "zou": self.zou, "payload": scrub(payload)}
        if params:
            record["params"] = params
        target = self.out / f"{name}.json"
        target.write_text(json.dumps(record, indent=1, sort_keys=True) + "\n", encoding="utf-8")
        self.written.append(target.name)


def record(rec: Recorder, events_url: str, workdir: Path) -> None:
    suffix = unique_suffix()
    get = rec.call

    def post(name: str | None, path: str, body: Any) -> Any:
        return rec.call(name, "POST", path, json=body)

    def put(name: str | None, path: str, body: Any) -> Any:
        return rec.call(name, "PUT", path, json=body)

    get("auth_authenticated", "GET", "auth/authenticated")
    get("project_status_list", "GET", "data/project-status")
    get("task_status_list", "GET", "data/task-status")
    get("entity_type_list", "GET", "data/entity-types")

    project = post(
        "project_create",
        "data/projects",
        {"name": f"Recorded {suffix}", "production_type": "tvshow", "data": {"client": "acme"}},
    )
    pid = project["id"]
    get("project_get", "GET", f"data/projects/{pid}")
    get("project_list", "GET", "data/projects", params={"name": project["name"]})
    episode = post(
        "episode_create", f"data/projects/{pid}/episodes", {"name": "E02", "description": ""}
    )
    get("episode_get", "GET", f"data/episodes/{episode['id']}")
    sequence = post(
        "sequence_create",
        f"data/projects/{pid}/sequences",
        {
            "name": "sq170",
            "episode_id": episode["id"],
            "description": "chase",
            "data": {"mood": "dark"},
        },
    )
    get("sequence_get", "GET", f"data/sequences/{sequence['id']}")
    shot = post(
        "shot_create",
        f"data/projects/{pid}/shots",
        {
            "name": "sq170_sh0224",
            "sequence_id": sequence["id"],
            "nb_frames": 100,
            "description": "hero jumps",
            "data": {"frame_in": 1001, "frame_out": 1100, "fps": 24, "lens": 35},
        },
    )
    shot2 = post(
        None,
        f"data/projects/{pid}/shots",
        {
            "name": "sq170_sh0230",
            "sequence_id": sequence["id"],
            "data": {"frame_in": 1, "frame_out": 48},
        },
    )
    get("shot_get", "GET", f"data/shots/{shot['id']}")
    get("shot_list", "GET", "data/shots", params={"project_id": pid})
    put("shot_update", f"data/entities/{shot['id']}", {"data": {**shot["data"], "lens": 50}})

    asset_type = post("asset_type_create", "data/entity-types", {"name": f"Character {suffix}"})
    get("asset_type_get", "GET", f"data/asset-types/{asset_type['id']}")
    asset = post(
        "asset_create",
        f"data/projects/{pid}/asset-types/{asset_type['id']}/assets/new",
        {
            "name": "Hero",
            "description": "main character",
            "data": {"variant": "default"},
            "is_shared": False,
            "episode_id": episode["id"],
        },
    )
    get("asset_get", "GET", f"data/assets/{asset['id']}")
    get("asset_list", "GET", "data/assets", params={"project_id": pid})

    department = post(
        "department_create", "data/departments", {"name": f"Anim {suffix}", "color": "#ff8800"}
    )
    task_type = post(
        "task_type_create",
        "data/task-types",
        {
            "name": f"Anim3D {suffix}",
            "short_name": "anm",
            "for_entity": "Shot",
            "department_id": department["id"],
        },
    )
    post(None, f"data/projects/{pid}/settings/task-types", {"task_type_id": task_type["id"]})
    person = post(
        "person_create",
        "data/persons",
        {
            "first_name": "Jane",
            "last_name": f"Doe{suffix}",
            "email": f"jane.{suffix}@{EMAIL_DOMAIN}",
            "role": "user",
            "departments": [department["id"]],
        },
    )
    get(
        "person_list", "GET", "data/persons", params={"email": person["email"], "relations": "true"}
    )
    post(None, f"data/projects/{pid}/team", {"person_id": person["id"]})
    get("team_list", "GET", f"data/projects/{pid}/team")

    statuses = {s["short_name"]: s for s in get(None, "GET", "data/task-status")}
    me = get(None, "GET", "auth/authenticated")["user"]
    task = post(
        "task_create",
        "data/tasks",
        {
            "project_id": pid,
            "entity_id": shot["id"],
            "task_type_id": task_type["id"],
            "task_status_id": statuses["todo"]["id"],
            "name": "main",
            "assignees": [person["id"], me["id"]],
            "estimation": 480,
            "start_date": "2026-03-01",
            "due_date": "2026-03-15",
            "data": {"difficulty": "hard"},
        },
    )
    tid = task["id"]
    post(
        None,
        "data/tasks",
        {
            "project_id": pid,
            "entity_id": shot2["id"],
            "task_type_id": task_type["id"],
            "task_status_id": statuses["todo"]["id"],
            "name": "main",
        },
    )
    put("task_update", f"data/tasks/{tid}", {"priority": 2})
    get("task_get", "GET", f"data/tasks/{tid}")
    get(
        "task_list",
        "GET",
        "data/tasks",
        params={"entity_id": json.dumps([shot["id"], shot2["id"]]), "relations": "true"},
    )
    get("project_tasks", "GET", f"data/projects/{pid}/tasks")
    get("shots_with_tasks", "GET", "data/shots/with-tasks", params={"project_id": pid})

    # events: a status change, heard by a socket.io client while it happens
    heard = listen(events_url, rec.token, ("task:status-changed", "comment:new"))

    preview = write_png(workdir / "render.png", 32, 18, (40, 120, 200))
    notes = write_pdf(workdir / "notes.pdf")
    comment = {
        "text": "blocking pass",
        "task_status_id": statuses["wfa"]["id"],
        "checklist": [
            {"text": "fix hands", "checked": False},
            {"text": "fix feet", "checked": True},
        ],
    }
    with preview.open("rb") as image, notes.open("rb") as pdf:
        batch = rec.call(
            "comment_batch",
            "POST",
            f"actions/tasks/{tid}/batch-comment",
            data={"comments": json.dumps([comment])},
            files={"preview_file-0-0": image, "attachment_file-0-0": pdf},
        )
    new_comment = batch[0]
    preview_id = new_comment["preview_files"][0]["id"]
    put("set_main_preview", f"actions/preview-files/{preview_id}/set-main-preview", {})
    retake = post(
        None,
        f"actions/tasks/{tid}/batch-comment",
        {"comments": [{"text": "hands again", "task_status_id": statuses["retake"]["id"]}]},
    )
    get("task_get_after_retake", "GET", f"data/tasks/{tid}")
    get("task_comments", "GET", f"data/tasks/{tid}/comments")
    get("comment_get", "GET", f"data/comments/{new_comment['id']}")
    get(
        "comment_list_relations",
        "GET",
        "data/comments",
        params={"object_id": json.dumps([tid]), "relations": "true"},
    )
    get(
        "preview_list",
        "GET",
        "data/preview-files",
        params={"id": json.dumps([preview_id]), "relations": "true"},
    )
    get("preview_get", "GET", f"data/preview-files/{preview_id}")
    attachment_id = new_comment["attachment_files"][0]["id"]
    get("attachment_get", "GET", f"data/attachment-files/{attachment_id}")
    get("shot_get_with_preview", "GET", f"data/shots/{shot['id']}")
    for name, event in heard.wait(10).items():
        rec.save(f"event_{name.replace(':', '_').replace('-', '_')}", f"socket.io {name}", event)
    del retake

    post(
        "time_spent_set",
        f"actions/tasks/{tid}/time-spents/2026-03-18/persons/{me['id']}",
        {"duration": 120},
    )
    post(
        "time_spent_add",
        f"actions/tasks/{tid}/time-spents/2026-03-18/persons/{me['id']}/add",
        {"duration": 30},
    )
    post(
        None, f"actions/tasks/{tid}/time-spents/2026-03-19/persons/{person['id']}", {"duration": 45}
    )
    get("time_spent_list", "GET", f"actions/tasks/{tid}/time-spents")

    put(
        "casting_update",
        f"data/projects/{pid}/entities/casting",
        {
            shot["id"]: [{"asset_id": asset["id"], "nb_occurences": 2, "label": "animate"}],
            shot2["id"]: [{"asset_id": asset["id"], "nb_occurences": 1}],
        },
    )
    get("casting_all", "GET", f"data/projects/{pid}/sequences/all/casting")
    get("casting_shot", "GET", f"data/projects/{pid}/entities/{shot['id']}/casting")
    get("cast_in", "GET", f"data/assets/{asset['id']}/cast-in")

    playlist = post(
        "playlist_create",
        "data/playlists",
        {"name": "Daily", "project_id": pid, "for_entity": "shot", "for_client": False},
    )
    post(
        "playlist_add_entity",
        f"actions/playlists/{playlist['id']}/add-entity",
        {"entity_id": shot["id"], "preview_file_id": preview_id},
    )
    get("playlist_list", "GET", "data/playlists", params={"project_id": pid})


class Heard:
    """Events received by a background socket.io client."""

    def __init__(self, wanted: tuple[str, ...]) -> None:
        self.wanted = wanted
        self.events: dict[str, Any] = {}
        self.done = threading.Event()
        self.client: Any = None

    def got(self, name: str, data: Any) -> None:
        self.events.setdefault(name, data)
        if all(w in self.events for w in self.wanted):
            self.done.set()

    def wait(self, timeout: float) -> dict[str, Any]:
        self.done.wait(timeout)
        if self.client is not None:
            self.client.disconnect()
        return self.events


def listen(events_url: str, token: str, wanted: tuple[str, ...]) -> Heard:
    import socketio

    heard = Heard(wanted)
    http = requests.Session()
    http.trust_env = False  # 127.0.0.1 only: never through a proxy
    client = socketio.Client(reconnection=False, http_session=http)
    client.on("*", lambda event, data=None: heard.got(event, data), namespace="/events")
    client.connect(
        events_url,
        headers={"Authorization": f"Bearer {token}"},
        namespaces=["/events"],
        wait_timeout=10,
    )
    heard.client = client
    time.sleep(0.5)
    return heard


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--state", type=Path, help="state dir of a running zou_server to reuse")
    parser.add_argument("--out", type=Path, default=OUT, help=f"output folder (default {OUT})")
    args = parser.parse_args(argv)
    started = None
    if args.state:
        server = zou_server.ZouServer.load(args.state)
        if not server.is_running():
            raise SystemExit(f"no server running in {args.state}")
    else:
        state = Path(tempfile.mkdtemp(prefix="gadget-record-"))
        server = started = zou_server.ZouServer.start(state)
    workdir = Path(tempfile.mkdtemp(prefix="gadget-record-files-"))
    try:
        args.out.mkdir(parents=True, exist_ok=True)
        for old in args.out.glob("*.json"):
            old.unlink()
        rec = Recorder(
            server.api_url, server.admin_email, server.admin_password, args.out, server.zou_version
        )
        record(rec, server.events_url, workdir)
        print(f"wrote {len(rec.written)} payloads to {args.out}")
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
        if started is not None:
            started.stop()
            shutil.rmtree(started.state_dir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
