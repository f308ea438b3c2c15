"""ShotGrid writes that touch several entities: each lands whole or not at all,
or says what landed. Failures come from a client that refuses chosen calls
(``refusing_session``): a real site can fail there, mockgun never does."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import shotgun_api3

import gadget
from gadget.errors import PartialPublish, ValidationError
from gadget.testing.png import write_gradient_png

from .conftest import Refusal
from .mocksite import SharedSite


def _touches_department(department_id: str) -> Refusal:
    """Refuse any write naming this Department, alone or in a batch: a real
    server runs a batch as one transaction, so a refused batch wrote nothing."""
    ident = int(department_id)

    def refuse(method: str, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Exception | None:
        if method == "update" and args[:2] == ("Department", ident):
            return shotgun_api3.Fault("Department is locked")
        if method == "batch" and any(
            r.get("entity_type") == "Department" and r.get("entity_id") == ident for r in args[0]
        ):
            return shotgun_api3.Fault("Department is locked")
        return None

    return refuse


def test_shotgrid_a_persons_departments_are_one_batch(
    gadget_session: gadget.Session, shotgrid_site: SharedSite
) -> None:
    tag = uuid.uuid4().hex[:6]
    anim, light, comp = (gadget_session.departments.new(name=f"{n}{tag}") for n in "ALC")
    jane = gadget_session.persons.new(
        first_name="Jane", last_name=tag, email=f"jane{tag}@example.com", departments=[anim]
    )
    before = len(shotgrid_site.calls)
    jane.update(first_name="Janet", departments=[light, comp])
    writes = [c for c in shotgrid_site.calls[before:] if c[0] != "find"]
    assert writes[0][0] == "batch"
    requests = writes[0][1][0]
    assert [(r["entity_type"], r["entity_id"]) for r in requests] == [
        ("HumanUser", int(jane.id)),
        ("Department", int(anim.id)),
        ("Department", int(light.id)),
        ("Department", int(comp.id)),
    ]
    assert [r.get("multi_entity_update_modes") for r in requests[1:]] == [
        {"users": "remove"},
        {"users": "add"},
        {"users": "add"},
    ]
    # mockgun runs the batch's requests one by one: nothing else was sent
    assert [w[0] for w in writes] == ["batch"] + ["update"] * len(requests)
    fresh = gadget.Session(gadget_session.tracker).persons.get(id=jane.id)
    assert (fresh.first_name, fresh.department_ids) == ("Janet", [light.id, comp.id])


def test_shotgrid_a_refused_department_leaves_the_person_as_it_was(
    gadget_session: gadget.Session, refusing_session: Callable[[Refusal], gadget.Session]
) -> None:
    tag = uuid.uuid4().hex[:6]
    anim, light = (gadget_session.departments.new(name=f"{n}{tag}") for n in "AL")
    jane = gadget_session.persons.new(
        first_name="Jane", last_name=tag, email=f"jane{tag}@example.com"
    )
    session = refusing_session(_touches_department(light.id))
    with pytest.raises(ValidationError, match="locked"):
        session.persons.get(id=jane.id).update(first_name="Janet", departments=[anim, light])
    fresh = gadget.Session(gadget_session.tracker).persons.get(id=jane.id)
    assert (fresh.first_name, fresh.department_ids) == ("Jane", [])


def test_shotgrid_a_new_person_whose_departments_fail_is_not_left(
    gadget_session: gadget.Session, refusing_session: Callable[[Refusal], gadget.Session]
) -> None:
    tag = uuid.uuid4().hex[:6]
    anim, light = (gadget_session.departments.new(name=f"{n}{tag}") for n in "AL")
    session = refusing_session(_touches_department(light.id))
    email = f"john{tag}@example.com"
    with pytest.raises(ValidationError, match="locked"):
        session.persons.new(
            first_name="John", last_name=tag, email=email, departments=[anim, light]
        )
    assert gadget.Session(gadget_session.tracker).persons.filter(email=email).all() == []


def _task(session: gadget.Session) -> Any:
    tag = uuid.uuid4().hex[:6]
    project = session.projects.new(name=f"pp{tag}", production_type="short")
    shot = project.shots.new(name="sh0010", sequence=project.sequences.new(name="sq010"))
    return shot.tasks.new(task_type=session.task_types.new(name=f"Comp{tag}"))


def _same_task(session: gadget.Session, task: Any) -> Any:
    """``task`` as another session reads it."""
    shot = session.projects.get(id=task.project_id).shots.get(id=task.entity_id)
    return shot.tasks.get(id=task.id)


def _refuse(method_name: str, entity_type: str) -> Refusal:
    """Refuse one call on one entity type (a Note create: alone or in a batch)."""

    def refuse(method: str, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Exception | None:
        if method == method_name and args[:1] == (entity_type,):
            return shotgun_api3.Fault(f"{method} {entity_type} refused")
        if method == "batch" and any(
            r["request_type"] == method_name and r["entity_type"] == entity_type for r in args[0]
        ):
            return shotgun_api3.Fault(f"batch with a {method_name} {entity_type} refused")
        return None

    return refuse


def test_shotgrid_publish_sends_the_note_and_its_status_in_one_batch(
    gadget_session: gadget.Session, shotgrid_site: SharedSite
) -> None:
    task = _task(gadget_session)
    before = len(shotgrid_site.calls)
    note = task.comments.new(comment="looks good", status="fin")
    writes = [c for c in shotgrid_site.calls[before:] if c[0] != "find"]
    assert writes[0][0] == "batch"
    requests = writes[0][1][0]
    assert [(r["request_type"], r["entity_type"]) for r in requests] == [
        ("create", "Note"),
        ("update", "Task"),
    ]
    assert requests[1]["data"] == {"sg_status_list": "fin"}
    assert writes[1][:2] == ("create", ("Note", requests[0]["data"]))  # mockgun runs it
    assert note.text == "looks good"
    fresh = _same_task(gadget.Session(gadget_session.tracker), task)
    assert fresh.status.short_name == "fin"
    assert [c.text for c in fresh.comments] == ["looks good"]


def test_shotgrid_a_refused_note_leaves_the_status_unchanged(
    gadget_session: gadget.Session, refusing_session: Callable[[Refusal], gadget.Session]
) -> None:
    task = _task(gadget_session)
    session = refusing_session(_refuse("create", "Note"))
    with pytest.raises(ValidationError, match="refused"):
        _same_task(session, task).comments.new(comment="done", status="fin")
    fresh = _same_task(gadget.Session(gadget_session.tracker), task)
    assert fresh.status.short_name == task.status.short_name != "fin"
    assert list(fresh.comments) == []


def test_shotgrid_a_failed_upload_is_a_partial_publish_with_the_comment(
    gadget_session: gadget.Session,
    refusing_session: Callable[[Refusal], gadget.Session],
    tmp_path: Path,
) -> None:
    task = _task(gadget_session)
    png, pdf = tmp_path / "render.png", tmp_path / "notes.pdf"
    write_gradient_png(png, (200, 40, 40), (20, 20, 90), width=8, height=4)
    pdf.write_bytes(b"%PDF-1.4 notes")
    session = refusing_session(_refuse("upload", "Version"))
    with pytest.raises(PartialPublish) as caught:
        _same_task(session, task).comments.new(
            comment="v001", status="rev", preview=[png], attachments=[pdf], set_main_preview=True
        )
    error = caught.value
    assert (error.landed, error.missing) == (
        ("comment", "status"),
        ("previews", "attachments", "main_preview"),
    )
    assert isinstance(error.__cause__, ValidationError)
    posted = _same_task(gadget.Session(gadget_session.tracker), task)
    assert [c.id for c in posted.comments] == [error.comment.id]
    assert error.comment.text == "v001" and error.left == (error.comment.id,)
    assert posted.status.short_name == "rev"


def test_shotgrid_a_failed_thumbnail_is_a_partial_publish_naming_it(
    gadget_session: gadget.Session,
    refusing_session: Callable[[Refusal], gadget.Session],
    tmp_path: Path,
) -> None:
    task = _task(gadget_session)
    png = tmp_path / "render.png"
    write_gradient_png(png, (200, 40, 40), (20, 20, 90), width=8, height=4)
    session = refusing_session(_refuse("upload_thumbnail", "Shot"))
    with pytest.raises(PartialPublish) as caught:
        _same_task(session, task).comments.new(comment="v002", preview=[png], set_main_preview=True)
    assert (caught.value.landed, caught.value.missing) == (
        ("comment", "previews"),
        ("main_preview",),
    )
    assert [p.name for p in caught.value.comment.previews] == ["render"]
