"""``gadget.copy`` through ShotGrid (mockgun): local -> ShotGrid -> local.

The source is a local project with a bit of everything (tests/copy_studio.py);
ShotGrid holds less (custom data only in the site's fields, no role flags on
statuses, no person roles): the copy says so in its report, and
the comparison of both sides, field by field, finds no other difference.
"""

from __future__ import annotations

import uuid
from pathlib import Path
from types import ModuleType

import pytest

import gadget


@pytest.fixture
def local_source(tmp_path: Path, copy_studio: ModuleType) -> tuple[gadget.Session, str]:
    session = gadget.connect(f"sqlite:///{tmp_path}/source.db", create=True)
    name = f"Copy{uuid.uuid4().hex[:8]}"
    copy_studio.build(session, name, name[4:], tmp_path / "files")
    yield session, name
    session.close()


def test_shotgrid_round_trip_compares_equal(
    local_source: tuple[gadget.Session, str],
    gadget_session: gadget.Session,
    tmp_path: Path,
    copy_studio: ModuleType,
) -> None:
    src, name = local_source
    there = gadget.copy(src, gadget_session, name)
    copy_studio.check_round_trip(src, gadget_session, name, skipped=[there])
    back = gadget.connect(f"sqlite:///{tmp_path}/back.db", create=True)
    try:
        again = gadget.copy(gadget_session, back, name)
        # what ShotGrid could not hold on the way in is not compared on the way out
        copy_studio.check_round_trip(gadget_session, back, name, skipped=[there, again])
        copy_studio.check_round_trip(src, back, name, skipped=[there, again])
    finally:
        back.close()


def test_shotgrid_second_run_copies_nothing_and_lists_what_the_site_lacks(
    local_source: tuple[gadget.Session, str], gadget_session: gadget.Session
) -> None:
    src, name = local_source
    first = gadget.copy(src, gadget_session, name)
    second = gadget.copy(src, gadget_session, name)
    assert not first.nothing_copied and second.nothing_copied
    summary = second.summary()
    assert "nothing copied: everything was already there" in summary
    # the same skips on every run: what the destination lacks, per kind and field
    assert {(s.kind, s.field) for s in first.skipped} == {(s.kind, s.field) for s in second.skipped}
    lines = summary.splitlines()
    # playlists are held (a Playlist of Versions) and copied; only their
    # for_client flag has no place on the site
    assert first.copied.get("playlist") == 1 and second.already_there.get("playlist") == 1
    assert (
        "  playlist for_client (1): a ShotGrid playlist has no field for for_client e.g. Daily"
        in lines
    )
    lens = next(line for line in lines if line.startswith("  shot custom_data.lens (1): "))
    assert "this ShotGrid site has no field Shot.sg_lens" in lens
    assert lens.endswith("e.g. sq010/sh0010")
    assert any(
        line.startswith("  task priority (7): a ShotGrid task has no field") for line in lines
    )
    assert any(line.startswith("  person role (2): ") for line in lines)
