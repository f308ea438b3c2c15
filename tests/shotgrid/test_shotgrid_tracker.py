"""ShotGrid-only behaviour of the tracker, on the tests' mockgun site."""

from __future__ import annotations

import sys
import threading
from pathlib import Path
from typing import Any

import pytest
import shotgun_api3

import gadget
from gadget.config import TrackerConfig
from gadget.errors import ConfigError, TrackerUnavailable, ValidationError
from gadget.testing.png import write_gradient_png
from gadget.trackers.shotgrid import ShotGridTracker
from gadget.trackers.shotgrid.client import ShotGridConnection

from .conftest import LOGIN, SITE_URL, Collision, MockShotGridTracker, site_factory
from .mocksite import SharedSite


def _finds(site: SharedSite, since: int) -> list[tuple[str, tuple[Any, ...], dict[str, Any]]]:
    return [c for c in site.calls[since:] if c[0] == "find"]


def test_shotgrid_walk_of_shots_with_tasks_costs_three_finds_at_most(
    gadget_session: gadget.Session, shotgrid_site: SharedSite
) -> None:
    project = gadget_session.projects.new(name=f"walk{id(gadget_session)}", production_type="short")
    seq = project.sequences.new(name="sq010")
    anim = gadget_session.task_types.new(name=f"Anim{id(seq)}", for_shots=True)
    for n in range(12):
        project.shots.new(name=f"sh{n:04d}", sequence=seq).tasks.new(task_type=anim)
    gadget_session.clear_cache()
    before = len(shotgrid_site.calls)
    walked = {shot.name: [t.task_type.name for t in shot.tasks] for shot in project.shots}
    assert walked == {f"sh{n:04d}": [anim.name] for n in range(12)}
    finds = _finds(shotgrid_site, before)
    assert [c[1][0] for c in finds if c[1][0] in ("Shot", "Task")] == ["Shot", "Task"]
    assert len(finds) <= 3, finds


def test_shotgrid_status_not_listed_on_the_site_is_refused_before_sending(
    gadget_session: gadget.Session, shotgrid_site: SharedSite
) -> None:
    tracker = gadget_session.tracker
    project = gadget_session.projects.new(name=f"st{id(tracker)}", production_type="short")
    shot = project.shots.new(name="sh0010", sequence=project.sequences.new(name="sq010"))
    task = shot.tasks.new(task_type=gadget_session.task_types.new(name=f"Lay{id(shot)}"))
    before = len(shotgrid_site.calls)
    with pytest.raises(ValidationError, match=r"'omt' is not one of .*Task\.sg_status_list"):
        tracker.update("task", task.id, {"status_id": "omt"})  # a Shot status, not a Task one
    assert not [c for c in shotgrid_site.calls[before:] if c[0] in ("update", "create")]
    assert tracker.get("task", task.id)["status_id"] == task.status.id


def test_shotgrid_custom_data_goes_to_site_fields(gadget_session: gadget.Session) -> None:
    project = gadget_session.projects.new(name=f"cd{id(gadget_session)}", production_type="short")
    seq = project.sequences.new(name="sq010")
    shot = project.shots.new(name="sh0010", sequence=seq, custom_data={"shotnumber": "010"})
    shot.update(custom_data={"cut_order": 4})
    assert shot.raw["sg_shotnumber"] == "010" and shot.raw["sg_cut_order"] == 4
    with pytest.raises(ValidationError, match=r"has no field Shot\.sg_lens") as refused:
        shot.update(custom_data={"lens": 35}, description="not written")
    assert "cut_order" in str(refused.value) and "shotnumber" in str(refused.value)
    again = gadget.Session(gadget_session.tracker).projects.get(id=project.id)
    fresh = again.shots.fetch(f"{seq.name}/{shot.name}")
    assert fresh.custom_data == {"shotnumber": "010", "cut_order": 4}
    assert fresh.description is None


def test_shotgrid_credentials_script_key_or_login_and_sudo(
    shotgrid_tracker_class: type[ShotGridTracker],
) -> None:
    seen: list[dict[str, Any]] = []
    factory = shotgrid_tracker_class.client_factory

    def recording(url: str, kwargs: dict[str, Any]) -> Any:
        seen.append(dict(kwargs, url=url))
        return factory(url, kwargs)

    class Recording(shotgrid_tracker_class):  # type: ignore[valid-type,misc]
        client_factory = staticmethod(recording)

    script = TrackerConfig(
        url=SITE_URL, login="publish-hook", token="k3y", options={"sudo_as_login": LOGIN}
    )
    with Recording(script) as tracker:
        assert tracker.whoami()["email"] == LOGIN
        assert "k3y" not in repr(tracker)
    assert seen[-1] == {
        "url": "https://mock.shotgrid.test",
        "script_name": "publish-hook",
        "api_key": "k3y",
        "sudo_as_login": LOGIN,
    }
    with Recording(TrackerConfig(url=SITE_URL, login=LOGIN, password="pw")) as tracker:
        assert tracker.whoami()["email"] == LOGIN
    assert seen[-1] == {"url": "https://mock.shotgrid.test", "login": LOGIN, "password": "pw"}
    with pytest.raises(ConfigError, match="sudo_as_login"):
        Recording(TrackerConfig(url=SITE_URL, login="hook", token="k3y")).open()
    with pytest.raises(ConfigError, match="no option 'sudo'"):
        Recording(TrackerConfig(url=SITE_URL, login="hook", token="k", options={"sudo": "x"}))


def test_shotgrid_one_client_per_thread(gadget_session: gadget.Session) -> None:
    tracker = gadget_session.tracker
    assert isinstance(tracker, ShotGridTracker)
    clients = [tracker.connection.sg]

    def read() -> None:
        clients.append(tracker.connection.sg)
        tracker.list("project", {})

    thread = threading.Thread(target=read)
    thread.start()
    thread.join()
    assert clients[0] is tracker.connection.sg  # the same in one thread
    assert clients[1] is not clients[0]  # another in another thread


def test_shotgrid_is_a_builtin_scheme_with_an_install_hint() -> None:
    from gadget.trackers import registry

    assert registry.builtin_trackers()["gadget.trackers.shotgrid:ShotGridTracker"] == [
        "shotgrid+https",
        "shotgrid+http",
    ]
    assert registry._BUILTIN["shotgrid+https"][1] == "shotgrid"  # pip install 'gadget[shotgrid]'


def test_shotgrid_publish_makes_the_calls_a_real_site_gets(
    gadget_session: gadget.Session, shotgrid_site: SharedSite, tmp_path: Path
) -> None:
    """A Note, a Version with its movie uploaded to sg_uploaded_movie, the
    attachment uploaded to the Note, the thumbnail uploaded to the shot."""
    project = gadget_session.projects.new(name=f"pub{id(tmp_path)}", production_type="short")
    shot = project.shots.new(name="sh0010", sequence=project.sequences.new(name="sq010"))
    task = shot.tasks.new(task_type=gadget_session.task_types.new(name=f"Comp{id(shot)}"))
    png, pdf = tmp_path / "render.png", tmp_path / "notes.pdf"
    write_gradient_png(png, (200, 40, 40), (20, 20, 90), width=8, height=4)
    pdf.write_bytes(b"%PDF-1.4 notes")
    before = len(shotgrid_site.calls)
    note = task.comments.new(
        comment="v001", preview=[png], attachments=[pdf], set_main_preview=True
    )
    writes = [c for c in shotgrid_site.calls[before:] if c[0] != "find"]
    version_id, note_id = int(note.previews[0].id), int(note.id)
    assert [(name, args[0]) for name, args, _ in writes] == [
        ("create", "Note"),
        ("create", "Version"),
        ("upload", "Version"),
        ("upload", "Note"),
        ("upload_thumbnail", "Shot"),
        ("update", "Shot"),
    ]
    assert writes[2][1:] == (("Version", version_id, str(png)), {"field_name": "sg_uploaded_movie"})
    assert writes[3][1:] == (("Note", note_id, str(pdf)), {"display_name": "notes.pdf"})
    assert writes[4][1:] == (("Shot", int(shot.id), str(png)), {})
    assert writes[5][1][2] == {"sg_main_version": {"type": "Version", "id": version_id}}
    assert shotgrid_site.files[("Shot", int(shot.id), "image")] == png.read_bytes()
    assert (note.previews[0].width, note.previews[0].height) == (8, 4)


def test_shotgrid_status_roles_option_flags_the_site_codes(
    shotgrid_tracker_class: type[ShotGridTracker],
) -> None:
    config = TrackerConfig(
        url=SITE_URL, login=LOGIN, password="pw", options={"status_roles": {"hld": "retake"}}
    )
    with shotgrid_tracker_class(config) as tracker:
        held = tracker.get("task_status", "hld")
        assert held["is_retake"] and not held["is_done"]
        assert held["name"] == "On Hold"  # from the Status entity
        assert tracker.get("task_status", "fin")["is_done"]
        assert tracker.get("task_status", "wtg")["is_default"]  # the field's default
    with pytest.raises(ConfigError, match="unknown role 'approved'"):
        shotgrid_tracker_class(
            TrackerConfig(url=SITE_URL, login=LOGIN, options={"status_roles": {"x": "approved"}})
        )


def test_shotgrid_without_the_sdk_names_the_extra(
    shotgrid_tracker_class: type[ShotGridTracker], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "shotgun_api3", None)
    monkeypatch.setitem(sys.modules, "shotgun_api3.shotgun", None)
    with pytest.raises(ConfigError, match=r"pip install 'gadget\[shotgrid\]'"):
        ShotGridTracker(TrackerConfig(url=SITE_URL, login=LOGIN, password="pw")).open()


def test_shotgrid_tasks_of_a_shot_and_an_asset_of_one_number(
    gadget_session: gadget.Session, collision: Collision
) -> None:
    """Shot N and Asset N are two entities: list_children (told the parents' kind)
    and a list() told the entity_kind keep their tasks apart."""
    tracker = gadget_session.tracker
    number = collision.ident
    by_shot = tracker.list_children("task", "entity_id", [number], parent_kind="shot")
    by_asset = tracker.list_children("task", "entity_id", [number], parent_kind="asset")
    assert [t["id"] for t in by_shot[number]] == [collision.on_shot]
    assert [t["id"] for t in by_asset[number]] == [collision.on_asset]
    told = tracker.list("task", {"entity_id": number, "entity_kind": "asset"})
    assert [t["id"] for t in told] == [collision.on_asset]


def test_shotgrid_new_status_is_a_valid_value_and_a_status_entity(
    shotgrid_tracker_class: type[ShotGridTracker], shotgrid_site: SharedSite
) -> None:
    config = TrackerConfig(
        url=SITE_URL, login=LOGIN, password="pw", options={"status_roles": {"apv": "done"}}
    )
    with shotgrid_tracker_class(config) as tracker:
        made = tracker.create(
            "task_status", {"short_name": "apv", "name": "Approved", "is_done": True}
        )
        assert (made["id"], made["name"], made["is_done"]) == ("apv", "Approved", True)
        update = [c for c in shotgrid_site.calls if c[0] == "schema_field_update"][-1]
        assert update[1][:2] == ("Task", "sg_status_list")
        assert "apv" in update[1][2]["valid_values"]
        # a role the code table does not give would be lost at the next connection
        with pytest.raises(ValidationError, match="carries no role: is_retake"):
            tracker.create("task_status", {"short_name": "kbk", "is_retake": True})
        assert "kbk" not in [s["id"] for s in tracker.list("task_status", {})]
    with gadget.connect(SITE_URL, login=LOGIN, password="pw") as session:
        assert session.task_statuses.fetch("apv").name == "Approved"


def test_shotgrid_timeout_option_sets_the_clients_socket_timeout(
    shotgrid_tracker_class: type[ShotGridTracker],
) -> None:
    config = TrackerConfig(url=SITE_URL, login=LOGIN, password="pw", options={"timeout": 12})
    with shotgrid_tracker_class(config) as tracker:
        assert tracker.connection.sg.config.timeout_secs == 12.0
    with shotgrid_tracker_class(TrackerConfig(url=SITE_URL, login=LOGIN, password="pw")) as tracker:
        assert tracker.connection.sg.config.timeout_secs == 30.0
    with pytest.raises(ConfigError, match="timeout is a number of seconds"):
        shotgrid_tracker_class(
            TrackerConfig(url=SITE_URL, login=LOGIN, options={"timeout": "soon"})
        )


def test_shotgrid_credentials_in_the_url_stay_out_of_reprs_and_urls(
    shotgrid_tracker_class: type[ShotGridTracker],
) -> None:
    url = "shotgrid+https://bob:hunter2@mock.shotgrid.test"
    tracker = shotgrid_tracker_class(TrackerConfig(url=url, login=LOGIN, password="pw"))
    assert "hunter2" not in repr(tracker)
    assert "hunter2" not in repr(ShotGridConnection(tracker.site, {}))
    assert tracker.web == "https://mock.shotgrid.test"  # what entities' url start with


def test_shotgrid_a_failed_open_can_be_tried_again(
    shotgrid_tracker_class: type[ShotGridTracker],
) -> None:
    failures = [shotgun_api3.ProtocolError("mock.shotgrid.test", 503, "busy", {})]
    make = shotgrid_tracker_class.client_factory

    class Flaky:
        def __init__(self, inner: Any) -> None:
            self._inner = inner

        def __getattr__(self, name: str) -> Any:
            return getattr(self._inner, name)

        def schema_read(self) -> Any:
            if failures:
                raise failures.pop()
            return self._inner.schema_read()

    class Once(shotgrid_tracker_class):  # type: ignore[valid-type,misc]
        client_factory = staticmethod(lambda site, kw: Flaky(make(site, kw)))

    tracker = Once(TrackerConfig(url=SITE_URL, login=LOGIN, password="pw"))
    with pytest.raises(TrackerUnavailable):
        tracker.open()
    tracker.open()  # not left half-open: it connects this time
    try:
        assert tracker.whoami()["id"]
    finally:
        tracker.close()


def test_shotgrid_takes_the_timeout_ca_bundle_and_proxy_settings(
    shotgrid_site: SharedSite, tmp_path: Path
) -> None:
    seen: list[dict[str, Any]] = []
    make = site_factory(shotgrid_site)

    def capture(url: str, kwargs: dict[str, Any]) -> Any:
        seen.append(dict(kwargs))
        transport = ("ca_certs", "http_proxy")
        return make(url, {k: v for k, v in kwargs.items() if k not in transport})

    class Capturing(MockShotGridTracker):
        client_factory = staticmethod(capture)

    bundle = tmp_path / "ca.pem"
    config = TrackerConfig(
        url=SITE_URL,
        login=LOGIN,
        password="pw",
        timeout=12,
        ca_bundle=str(bundle),
        proxy="http://pipe:S3cret@proxy.studio:3128",
    )
    with Capturing(config) as tracker:
        assert tracker.connection.sg.config.timeout_secs == 12
    assert seen[0]["ca_certs"] == str(bundle)
    assert seen[0]["http_proxy"] == "pipe:S3cret@proxy.studio:3128"  # the SDK's form
