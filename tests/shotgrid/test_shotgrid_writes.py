"""ShotGrid writes that touch several entities: each lands whole or not at all,
or says what landed. Failures come from a client that refuses chosen calls
(``refusing_session``): a real site can fail there, mockgun never does."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

import pytest
import shotgun_api3

import gadget
from gadget.errors import ValidationError

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
