"""Contract tests: the shape of the public API a Python user relies on.

Writes on an entity return that entity (typed: ``shot.update(...)`` is a
Shot to a type checker).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from gadget import Project, Session, Shot, Task
from gadget.testing.fixtures import Studio

if TYPE_CHECKING:
    from typing_extensions import assert_type
else:

    def assert_type(value: Any, _type: Any) -> Any:  # checked by mypy; nothing at run time
        return value


__all__ = ["TestWritesReturnTheEntity"]


class TestWritesReturnTheEntity:
    def test_update_and_refresh_return_the_entity_itself(
        self, gadget_session: Session, gadget_studio: Studio
    ) -> None:
        shot = gadget_studio.shot(frame_in=1001, frame_out=1100)
        updated = assert_type(shot.update(frame_out=1200, description="longer"), Shot)
        assert updated is shot
        assert (updated.frame_out, updated.nb_frames, updated.description) == (1200, 200, "longer")
        other = Session(gadget_session.tracker)  # a write this session does not see
        other.projects.get(id=shot.project_id).shots.get(id=shot.id).update(description="theirs")
        assert shot.description == "longer"
        refreshed = assert_type(shot.refresh(), Shot)
        assert refreshed is shot
        assert (shot.description, shot.nb_frames) == ("theirs", 200)
        project = assert_type(shot.project.update(description="a show"), Project)
        assert project is shot.project
        assert project.description == "a show"

    def test_assign_returns_the_task(self, gadget_session: Session, gadget_studio: Studio) -> None:
        task = gadget_studio.task()
        me = gadget_session.me
        assert assert_type(task.assign(me), Task) is task
        assert task.assignees == [me]
        assert assert_type(task.unassign(me), Task) is task
        assert task.assignees == []

    def test_set_status_returns_the_comment_carrying_it(self, gadget_studio: Studio) -> None:
        task = gadget_studio.task(status="todo")
        note = task.set_status("wip", "started")
        assert note.text == "started"
        assert note.status is task.status
        assert task.comments.first() is note
        assert task.status.short_name == "wip"
