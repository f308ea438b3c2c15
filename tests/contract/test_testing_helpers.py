"""Tests of gadget.testing's own helpers: requires(), Names, Studio.status, the file writers,
TrackerSpy."""

from __future__ import annotations

import struct
import zlib
from pathlib import Path
from typing import Any

import pytest

import gadget
from gadget.errors import Unsupported
from gadget.testing import (
    EMAIL_DOMAIN,
    Names,
    Studio,
    TrackerSpy,
    png_bytes,
    requires,
    suite,
    write_pdf,
    write_png,
    write_text,
)
from gadget.testing.fixtures import REQUIRES_ATTRIBUTE, STATUS_ROLES
from gadget.trackers.base import Record
from gadget.trackers.local import LocalTracker

pytest_plugins = ["pytester"]


def _png_chunks(data: bytes) -> list[tuple[bytes, bytes]]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    chunks, i = [], 8
    while i < len(data):
        (size,) = struct.unpack(">I", data[i : i + 4])
        tag, body = data[i + 4 : i + 8], data[i + 8 : i + 8 + size]
        (crc,) = struct.unpack(">I", data[i + 8 + size : i + 12 + size])
        assert crc == zlib.crc32(tag + body) & 0xFFFFFFFF
        chunks.append((tag, body))
        i += 12 + size
    return chunks


def _unfilter(raw: bytes, width: int, height: int) -> list[bytes]:
    """Decode PNG rows using filters None, Sub and Up (all png_bytes uses)."""
    stride, rows, prior = width * 3, [], bytes(width * 3)
    for r in range(height):
        kind, line = (
            raw[r * (stride + 1)],
            bytearray(raw[r * (stride + 1) + 1 : (r + 1) * (stride + 1)]),
        )
        for x in range(stride):
            if kind == 1:
                line[x] = (line[x] + (line[x - 3] if x >= 3 else 0)) & 0xFF
            elif kind == 2:
                line[x] = (line[x] + prior[x]) & 0xFF
            else:
                assert kind == 0
        rows.append(bytes(line))
        prior = bytes(line)
    return rows


@pytest.mark.parametrize(
    ("width", "height", "rgb"),
    [(64, 36, (200, 90, 30)), (1, 1, (9, 0, 0)), (5, 3, (0, 0, 0)), (2, 7, (255, 255, 255))],
)
def test_png_bytes_is_a_real_png(width: int, height: int, rgb: tuple[int, int, int]) -> None:
    chunks = _png_chunks(png_bytes(width, height, rgb))
    assert [tag for tag, _ in chunks] == [b"IHDR", b"IDAT", b"IEND"]
    w, h, depth, colour, _, _, interlace = struct.unpack(">IIBBBBB", chunks[0][1])
    assert (w, h, depth, colour, interlace) == (width, height, 8, 2, 0)
    rows = _unfilter(zlib.decompress(chunks[1][1]), width, height)
    assert rows == [bytes(rgb) * width] * height


def test_png_bytes_refuses_nonsense() -> None:
    with pytest.raises(ValueError):
        png_bytes(0, 10)
    with pytest.raises(ValueError):
        png_bytes(1, 1, (256, 0, 0))


def test_file_writers(tmp_path: Path) -> None:
    png = write_png(tmp_path / "a" / "render.png", 8, 6)
    assert png.read_bytes() == png_bytes(8, 6)
    pdf = write_pdf(tmp_path / "b" / "notes.pdf", "fix (the) hands")
    data = pdf.read_bytes()
    assert data.startswith(b"%PDF-1.4") and data.rstrip().endswith(b"%%EOF")
    assert b"fix \\(the\\) hands" in data
    xref = int(data.rsplit(b"startxref", 1)[1].split()[0])
    assert data[xref:].startswith(b"xref")
    txt = write_text(tmp_path / "c" / "readme.txt", "été\n")
    assert txt.read_text(encoding="utf-8") == "été\n"


def test_names_are_unique_per_instance() -> None:
    a, b = Names(), Names()
    assert a("sh0010") == a("sh0010") != b("sh0010")
    assert a("sh0010").startswith("sh0010_")
    email = a.email("Jane.Doe")
    assert email.endswith("@" + EMAIL_DOMAIN) and email == email.lower()
    assert not email.endswith((".test", ".example"))
    assert Names("abc")("x") == "x_abc"


def test_requires_rejects_unknown_capabilities() -> None:
    with pytest.raises(ValueError, match="castng"):
        requires("castng")

    @requires("casting")
    @requires("assets", "previews")
    def probe() -> None: ...

    assert getattr(probe, REQUIRES_ATTRIBUTE) == {"casting", "assets", "previews"}


def test_tracker_spy_counts_outer_calls_only() -> None:
    with gadget.connect("memory://") as session:
        tracker = session.tracker
        with TrackerSpy(tracker) as spy:
            session.projects.new(name="Spied", production_type="short")
            list(session.projects)
        assert spy.count("create", "project") == 1
        assert spy.count("list", "project") >= 1
        # uninstalled: the tracker's own methods are back
        assert "list" not in vars(tracker)
        before = len(spy.calls)
        session.clear_cache()
        list(session.projects)
        assert len(spy.calls) == before
        # a tracker method calling another one counts as one call
        original_get = tracker.get

        def get_via_list(kind: str, ident: str) -> Record:
            tracker.list(kind, {"id": ident})
            return original_get(kind, ident)

        tracker.get = get_via_list  # type: ignore[method-assign]
        try:
            project = session.projects.get(name="Spied")
            with TrackerSpy(tracker, ("list", "get")) as inner:
                tracker.get(project.kind, project.id)
                tracker.list("project", {})
        finally:
            del tracker.get
        assert [c.method for c in inner.calls] == ["get", "list"]


def test_studio_statuses_are_the_trackers_own_by_flag(tmp_path: Path) -> None:
    with gadget.connect("memory://") as session:
        studio = Studio(session, Names(), tmp_path)
        before = {s.id for s in session.task_statuses}
        by_role = {role: studio.status(role) for role in STATUS_ROLES}
        assert {s.id for s in session.task_statuses} == before  # looked up, none created
        for role, status in by_role.items():
            assert getattr(status, f"is_{role}") is True
            assert studio.status(role) is status  # the same one for the whole test
        assert len({s.id for s in by_role.values()}) == len(STATUS_ROLES)
        with pytest.raises(ValueError, match="todo"):
            studio.status("todo")  # type: ignore[arg-type]


def test_studio_prefers_a_status_with_no_other_roles_flag(tmp_path: Path) -> None:
    with gadget.connect("memory://") as session:
        retake = Studio(session, Names(), tmp_path).status("retake")
        retake.update(is_done=True)  # now a retake and a done status at once
        plain = session.task_statuses.new(short_name="redo", name="Redo", is_retake=True)
        assert Studio(session, Names(), tmp_path).status("retake") is plain


def test_studio_creates_a_status_the_tracker_lacks(tmp_path: Path) -> None:
    with gadget.connect("memory://") as session:
        for status in session.task_statuses.filter(is_retake=True):
            status.update(is_retake=False)
        names = Names()
        made = Studio(session, names, tmp_path).status("retake")
        assert made.is_retake and not (made.is_done or made.is_default or made.is_wip)
        assert made.short_name == "re" + names.suffix and len(made.short_name) <= 10
        assert session.task_statuses.filter(is_retake=True).all() == [made]


class _FixedStatuses(LocalTracker):
    """Statuses are fixed values here, as on ShotGrid: none can be created."""

    name = "fixed"

    def create(self, kind: str, fields: Any) -> Record:
        if kind == "task_status":
            raise Unsupported("the fixed tracker cannot create task statuses")
        return super().create(kind, fields)


def test_studio_fails_when_a_status_is_missing_and_cannot_be_made(tmp_path: Path) -> None:
    tracker = _FixedStatuses(gadget.TrackerConfig(url="memory://"))
    tracker.open()
    with gadget.Session(tracker) as session:
        for status in session.task_statuses.filter(is_retake=True):
            status.update(is_retake=False)
        studio = Studio(session, Names(), tmp_path)
        assert studio.status("wip").is_wip  # those it has are found
        with pytest.raises(
            pytest.fail.Exception, match="fixed tracker has no task status with is_retake"
        ):
            studio.status("retake")


def _count_tests(cls: type) -> int:
    return sum(1 for name in dir(cls) if name.startswith("test_"))


CONFTEST = """
import pytest
import gadget
from gadget.trackers.local import LocalTracker

class BareTracker(LocalTracker):
    name = "bare"
    capabilities = frozenset()

@pytest.fixture
def gadget_session():
    tracker = BareTracker(gadget.TrackerConfig(url="memory://"))
    tracker.open()
    with gadget.Session(tracker) as session:
        yield session
"""


def test_capabilities_skip_exactly_what_is_missing(pytester: pytest.Pytester) -> None:
    pytester.makeconftest(CONFTEST)
    pytester.makepyfile(test_outsider="from gadget.testing.suite import *  # noqa: F403\n")
    result = pytester.runpytest(
        "-p", "no:cacheprovider", "-k", "TestCasting or TestSequences or TestTimeSpent"
    )
    outcomes = result.parseoutcomes()
    casting, time_spent, sequences = (
        _count_tests(cls) for cls in (suite.TestCasting, suite.TestTimeSpent, suite.TestSequences)
    )
    # + TestSequences.test_delete... (delete) and test_update_and_custom_data (custom_data)
    assert outcomes.get("skipped") == casting + time_spent + 2
    # TestSequences needs no capability except those two tests
    assert outcomes.get("passed") == sequences - 2
    result.stdout.no_fnmatch_line("*error*")


def test_the_plugin_fails_without_a_tracker_url(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("GADGET_TEST_URL", raising=False)
    pytester.makepyfile(test_outsider="from gadget.testing.suite import *  # noqa: F403\n")
    args = ("-p", "no:cacheprovider", "-p", "gadget.testing.plugin", "-k", "TestSequences")
    result = pytester.runpytest(*args)
    assert result.parseoutcomes().get("skipped") is None  # nothing passes as skipped
    assert result.parseoutcomes().get("errors", 0) > 0
    result.stdout.fnmatch_lines(["*no tracker to test: pass --gadget-url*"])
    result = pytester.runpytest(*args, "--gadget-url", "memory://")
    assert result.parseoutcomes().get("passed", 0) > 0


BROKEN_CONFTEST = """
import pytest
import gadget
from gadget.trackers.base import MISSING
from gadget.trackers.local import LocalTracker

class Tracker(LocalTracker):
{body}

@pytest.fixture
def gadget_session():
    tracker = Tracker(gadget.TrackerConfig(url="memory://"))
    tracker.open()
    with gadget.Session(tracker) as session:
        yield session
"""

#: a tracker broken in one way -> (its method, the test that must fail, what it says)
BROKEN_TRACKERS = {
    "keeps_what_it_returns": (
        """
    def get(self, kind, id):
        kept = self.__dict__.setdefault("kept", {})
        return kept.setdefault((kind, id), super().get(kind, id))
""",
        "test_get_returns_copies",
        "get() answers changed",
    ),
    "drops_a_field": (
        """
    def list(self, kind, filters):
        records = super().list(kind, filters)
        for record in records:
            record.pop("description", None)
        return records
""",
        "test_list_gives_every_field_or_names_it_missing",
        "no 'description' (and not listed under _missing)",
    ),
    "flags_a_field_it_has": (
        """
    def list(self, kind, filters):
        return [{**r, MISSING: ("created_at",)} for r in super().list(kind, filters)]
""",
        "test_list_gives_every_field_or_names_it_missing",
        "_missing names fields that are present: ['created_at']",
    ),
    "dates_as_text": (
        """
    def get(self, kind, id):
        record = super().get(kind, id)
        if record.get("start_date") is not None:
            record["start_date"] = record["start_date"].isoformat()
        return record
""",
        "test_get_gives_whole_records_of_every_kind",
        "start_date='2026-03-02' is not a datetime.date",
    ),
    "writes_half": (
        """
    def create_many(self, kind, rows):
        return [self.create(kind, row) for row in rows]
""",
        "test_a_bad_last_row_leaves_nothing",
        "yet 2 shots are left",
    ),
    "forgets_parents_without_children": (
        """
    def list_children(self, kind, parent_field, parent_ids, *, parent_kind):
        answer = super().list_children(kind, parent_field, parent_ids, parent_kind=parent_kind)
        return {parent: found for parent, found in answer.items() if found}
""",
        "test_every_parent_id_is_a_key",
        "not every parent id",
    ),
}


def test_the_local_tracker_passes_what_the_broken_ones_fail(pytester: pytest.Pytester) -> None:
    tests = sorted({test for _, test, _ in BROKEN_TRACKERS.values()})
    pytester.makepyfile(test_outsider="from gadget.testing.suite import *  # noqa: F403\n")
    pytester.makeconftest(BROKEN_CONFTEST.format(body="    pass"))
    result = pytester.runpytest("-p", "no:cacheprovider", "-k", " or ".join(tests))
    assert result.parseoutcomes().get("passed") == len(tests)
    assert "failed" not in result.parseoutcomes()


@pytest.mark.parametrize("broken", sorted(BROKEN_TRACKERS))
def test_the_tracker_level_tests_catch_a_broken_tracker(
    pytester: pytest.Pytester, broken: str
) -> None:
    body, test, says = BROKEN_TRACKERS[broken]
    pytester.makepyfile(test_outsider="from gadget.testing.suite import *  # noqa: F403\n")
    pytester.makeconftest(BROKEN_CONFTEST.format(body=body))
    result = pytester.runpytest("-p", "no:cacheprovider", "-k", test)
    assert result.parseoutcomes().get("failed") == 1
    assert "passed" not in result.parseoutcomes()
    assert says in result.stdout.str()


TRACKER_ONLY_MODULE = """
import pytest
import gadget
from gadget.testing.suite import *  # noqa: F403
from gadget.trackers.local import LocalTracker

@pytest.fixture
def gadget_tracker():
    tracker = LocalTracker(gadget.TrackerConfig(url="memory://"))
    tracker.open()
    yield tracker
    tracker.close()
"""


def test_the_tracker_level_tests_need_no_session(pytester: pytest.Pytester) -> None:
    """A test module defining ``gadget_tracker`` after the star import runs the
    tracker-level tests with no ``gadget_session`` anywhere."""
    pytester.makepyfile(test_outsider=TRACKER_ONLY_MODULE)
    result = pytester.runpytest("-p", "no:cacheprovider", "-k", "TestTracker")
    tests = sum(
        _count_tests(cls)
        for cls in (
            suite.TestTrackerRecords,
            suite.TestTrackerListChildren,
            suite.TestTrackerCopies,
            suite.TestTrackerBulkCreation,
        )
    )
    outcomes = result.parseoutcomes()
    assert outcomes.get("passed") == tests
    assert not {"failed", "errors", "skipped"} & set(outcomes)
