"""``gadget.copy`` on a real Kitsu server: Kitsu -> local -> Kitsu.

The source project is built on the server (tests/copy_studio.py), copied to a
new local database, then back to the same server as a second project (the
source exists there). Each leg is compared field by field, beyond what the
copies reported as skipped; the second leg runs twice (nothing the second
time) and costs the server no write then.
"""

from __future__ import annotations

import uuid
from pathlib import Path
from types import ModuleType

import gadget

from .conftest import KitsuServer


def test_kitsu_round_trip_through_local(
    kitsu_server: KitsuServer, kitsu: gadget.Session, tmp_path: Path, copy_studio: ModuleType
) -> None:
    tag = uuid.uuid4().hex[:8]
    name = f"Copy {tag}"
    copy_studio.build(kitsu, name, tag, tmp_path / "files")
    with gadget.connect(f"sqlite:///{tmp_path}/local.db", create=True) as local:
        there = gadget.copy(kitsu, local, name)
        copy_studio.check_round_trip(kitsu, local, name, skipped=[there])
        with kitsu_server.connect() as back:
            again = gadget.copy(local, back, name, dst_project=f"{name} back")
            copy_studio.check_round_trip(local, back, name, f"{name} back", skipped=[again])
            copy_studio.check_round_trip(kitsu, back, name, f"{name} back", skipped=[there, again])
            before = kitsu_server.requests_served()
            quiet = gadget.copy(local, back, name, dst_project=f"{name} back")
            assert quiet.nothing_copied, quiet.summary()
            assert kitsu_server.requests_served() > before  # it did read the server
    assert there.skipped == [] and again.skipped == []  # Kitsu and local hold the same
    assert there.copied["comment"] == again.copied["comment"] == 5
    assert there.copied["preview"] == again.copied["preview"] == 3
