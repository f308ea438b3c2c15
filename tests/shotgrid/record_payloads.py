"""Record the ShotGrid payloads the converter tests read (tests/shotgrid/payloads).

A small production is made through the ShotGrid tracker on a fresh mockgun
site built from ``site_schema.json`` (the fields of a real site, see its
``_about``), then each entity type is read back with the fields the tracker
asks for (``convert.read_fields``): the payloads are what mockgun answers,
not written by hand. Rows are stamped with a fixed time so a new recording
differs only where the tracker or the schema changed::

    .venv/bin/python -m tests.shotgrid.record_payloads           # rewrite the files
    .venv/bin/python -m tests.shotgrid.record_payloads --check   # exit 1 when stale

``test_shotgrid_convert.py`` fails while the stored files differ from a
new recording. Values JSON cannot hold are tagged: a ``datetime`` is
``{"$datetime": "<ISO 8601>"}``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
import tempfile
from pathlib import Path
from typing import Any

from shotgun_api3.lib import mockgun

import gadget
from gadget.config import TrackerConfig
from gadget.testing.png import write_gradient_png
from gadget.trackers.shotgrid import ShotGridTracker, convert

from .mocksite import MockSiteClient, SharedSite, write_schema_pickles

FOLDER = Path(__file__).with_name("payloads")
STAMP = dt.datetime(2026, 3, 2, 9, 30, tzinfo=dt.timezone.utc)
LOGIN = "jane.doe@example.com"
#: the payload files besides the kinds': entity type -> the fields the tracker reads
OTHER_TYPES = {
    "Status": ["code", "name", "bg_color"],
    "TimeLog": ["entity", "user", "date", "duration"],
    "AssetShotConnection": ["asset", "shot", "sg_occurrences"],
}


def record(folder: Path) -> dict[str, list[dict[str, Any]]]:
    """Make the production on a fresh site and read every entity type back
    (``folder`` holds the files uploaded). mockgun's schema paths must be set."""
    site = SharedSite(clock=lambda: STAMP)
    client = MockSiteClient(site, "https://record.shotgrid.test")
    client.create(
        "HumanUser", {"login": LOGIN, "name": "Jane Doe", "firstname": "Jane", "email": LOGIN}
    )
    for code, name in (("wtg", "Waiting to Start"), ("ip", "In Progress"), ("rev", "Review")):
        client.create("Status", {"code": code, "name": name, "bg_color": "120,120,120"})

    class Recording(ShotGridTracker):
        client_factory = staticmethod(lambda url, kw: MockSiteClient(site, url, **kw))

    config = TrackerConfig(url="shotgrid+https://record.shotgrid.test", login=LOGIN, password="pw")
    with Recording(config) as tracker:
        _production(gadget.Session(tracker), folder)
        payloads = {
            kind: client.find(
                entity_type,
                [],
                convert.read_fields(kind, tracker.schema.of(kind)),
                order=[{"field_name": "id", "direction": "asc"}],
            )
            for kind, entity_type in convert.ENTITY_TYPES.items()
        }
    for entity_type, fields in OTHER_TYPES.items():
        payloads[entity_type] = client.find(
            entity_type, [], fields, order=[{"field_name": "id", "direction": "asc"}]
        )
    return payloads


def _production(session: gadget.Session, folder: Path) -> None:
    me = session.me
    project = session.projects.new(name="Pilot", production_type="tvshow", fps=24)
    episode = project.episodes.new(name="E01")
    seq = project.sequences.new(name="sq010", episode=episode, description="the chase")
    shot = project.shots.new(
        name="sh0010",
        sequence=seq,
        frame_in=1001,
        frame_out=1100,
        fps=24,
        description="jump",
        custom_data={"shotnumber": "010"},
    )
    hero = project.assets.new(name="Hero", asset_type="Character", description="the lead")
    anim_dept = session.departments.new(name="Animation", color="#ff8000")
    light_dept = session.departments.new(name="Lighting")
    anim = session.task_types.new(
        name="Animation", short_name="Anm", color="#ff8000", for_shots=True, priority=3
    )
    on_shot = shot.tasks.new(
        task_type=anim,
        assignees=[me],
        start_date=dt.date(2026, 3, 2),
        due_date=dt.date(2026, 3, 20),
        estimation=dt.timedelta(hours=6),
        description="blocking then spline",
    )
    hero.tasks.new(task_type=anim, name="turntable")  # Asset 1 and Shot 1: one number
    png, pdf = folder / "render.png", folder / "notes.pdf"
    write_gradient_png(png, (200, 40, 40), (20, 20, 90), width=8, height=4)
    pdf.write_bytes(b"%PDF-1.4 notes")
    comment = on_shot.comments.new(
        comment="blocking pass\nhands next",
        status="rev",
        checklist=[("fix hands", False), ("fix feet", True)],
        preview=[png],
        attachments=[pdf],
        set_main_preview=True,
        idempotency_key="recorded-publish-1",  # fixed: a new key each time would not re-record alike
    )
    session.persons.new(
        first_name="John",
        last_name="Smith",
        email="john.smith@example.com",
        departments=[anim_dept, light_dept],
    )
    project.playlists.new(name="Daily", for_entity="shot").add(shot, preview=comment.previews[0])
    on_shot.time_spent.set(me, dt.date(2026, 3, 3), hours=2)
    shot.casting.set([(hero, 2)])
    project.update(status="closed")


def encode(value: Any) -> Any:
    """``value`` with its datetimes tagged, for JSON."""
    if isinstance(value, dt.datetime):
        return {"$datetime": value.isoformat()}
    if isinstance(value, dict):
        return {k: encode(v) for k, v in value.items()}
    if isinstance(value, list):
        return [encode(v) for v in value]
    return value


def decode(value: Any) -> Any:
    """A stored payload as mockgun gave it (datetimes back)."""
    if isinstance(value, dict):
        if set(value) == {"$datetime"}:
            return dt.datetime.fromisoformat(value["$datetime"])
        return {k: decode(v) for k, v in value.items()}
    if isinstance(value, list):
        return [decode(v) for v in value]
    return value


def texts(payloads: dict[str, list[dict[str, Any]]]) -> dict[str, str]:
    """The file name and text of each stored payload file."""
    return {
        f"{name}.json": json.dumps(encode(rows), indent=1, sort_keys=True) + "\n"
        for name, rows in payloads.items()
    }


def load(name: str) -> list[dict[str, Any]]:
    """The stored payloads of a kind (``"shot"``) or an entity type (``"TimeLog"``)."""
    rows: list[dict[str, Any]] = decode(json.loads((FOLDER / f"{name}.json").read_text()))
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only say whether the files are stale")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as scratch:
        mockgun.Shotgun.set_schema_paths(*map(str, write_schema_pickles(Path(scratch))))
        fresh = texts(record(Path(scratch)))
    stale = [
        n for n, t in fresh.items() if not (FOLDER / n).is_file() or (FOLDER / n).read_text() != t
    ]
    if args.check:
        print(f"stale: {', '.join(stale)}" if stale else "up to date", file=sys.stderr)
        return 1 if stale else 0
    for name in stale:
        (FOLDER / name).write_text(fresh[name])
    print(f"{FOLDER}: {len(stale)} file(s) rewritten")
    return 0


if __name__ == "__main__":
    sys.exit(main())
