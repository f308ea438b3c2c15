"""gadget.publish and the outbox against the real Kitsu server.

The publish is made while the session's requests go to a closed port on
loopback (connection refused: nothing can land), so it is queued; a flush
from a fresh session then posts it to the real server. Counted on the
server with plain REST calls: exactly one comment, its preview the shot's
main preview, no key in the text the web page shows, and no secret in the
outbox.
"""

from __future__ import annotations

import socket
from pathlib import Path

import gadget
from gadget.outbox import PENDING, Outbox
from gadget.testing import Names
from gadget.testing.fixtures import write_png

from .conftest import KitsuServer


def _closed_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])  # closed when the block ends: refused


def test_a_publish_queued_while_kitsu_is_away_is_flushed_once(
    kitsu_server: KitsuServer, tmp_path: Path
) -> None:
    names = Names()
    box = Outbox(tmp_path / "outbox")
    png = write_png(tmp_path / "render.png")
    with kitsu_server.connect() as admin:
        project = admin.projects.new(name=names("Outbox"), production_type="short")
        shot = project.shots.new(name="sh0010", sequence=project.sequences.new(name="sq010"))
        anim = admin.task_types.new(name=names("Anim"), for_shots=True)
        task = shot.tasks.new(task_type=anim)
        # the server is away: every request of this session is refused
        admin.tracker.client.host = f"http://127.0.0.1:{_closed_port()}/api"
        result = gadget.publish(task, "while Kitsu was away", preview=[png], outbox=box)
    assert result.state == "queued" and result.comment is None
    (entry,) = box.entries()
    assert entry.id == result.outbox_id and entry.state == PENDING
    assert entry.tracker == gadget.outbox.tracker_identity(kitsu_server.api_url)
    assert "TrackerUnavailable" in (entry.last_error or "")
    assert kitsu_server.raw.get(f"data/tasks/{task.id}/comments") == []  # nothing landed
    png.unlink()  # the outbox kept its own copy

    # any spelling of the server's URL is the same tracker
    with kitsu_server.connect(f"kitsu+{kitsu_server.bare_url}") as fresh:
        report = box.flush(fresh)
        assert box.flush(fresh).posted == ()  # flushed twice: posted once
    assert [e.id for e in report.posted] == [entry.id]
    comments = kitsu_server.raw.get(f"data/tasks/{task.id}/comments")
    assert len(comments) == 1
    (comment,) = comments
    assert comment["id"] == report.posted[0].comment_id
    assert comment["text"].startswith("while Kitsu was away")
    (preview,) = comment["previews"]
    assert kitsu_server.raw.get(f"data/shots/{shot.id}")["preview_file_id"] == preview["id"]
    for path in box.folder.rglob("*"):
        if path.is_file():
            assert kitsu_server.admin_password.encode() not in path.read_bytes(), path
