"""Helpers and pytest fixtures of the contract suite.

Nothing here knows which tracker runs: the only input is the ``gadget_session``
fixture (a connected :class:`gadget.Session`) that the caller's conftest
provides.

- :func:`requires` marks a test (or a class) with the capabilities it needs;
  the autouse fixture :func:`gadget_capability_check` skips it when, and only
  when, ``gadget_session.capabilities`` lacks one of them.
- :class:`Names` makes names unique per test, because a real tracker is shared
  by a whole test session and keeps what the tests create.
- :class:`Studio` (fixture ``gadget_studio``) creates the projects, sequences,
  shots, task types, people and files a test needs, each with a unique name,
  and provides task statuses by role (:meth:`Studio.status`): the suite never
  names a tracker's status codes.
- :func:`write_png` writes a tiny but real PNG with the standard library;
  :func:`write_pdf` a small PDF; :func:`write_text` a text file.
- :class:`TrackerSpy` (fixture ``gadget_spy``) counts the calls the session
  makes into its tracker, to prove laziness and batching.
- ``gadget_tracker`` is the tracker the tracker-level tests call directly
  (``gadget_session.tracker`` unless the test module defines its own).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, TypeVar, get_args

import pytest

from gadget.errors import Unsupported
from gadget.testing.png import encode_png
from gadget.testing.spy import TRACKER_METHODS, Call, TrackerSpy
from gadget.trackers.base import CAPABILITIES, Tracker

if TYPE_CHECKING:
    from gadget import (
        Asset,
        AssetType,
        Department,
        Person,
        Project,
        Sequence,
        Session,
        Shot,
        Task,
        TaskStatus,
        TaskType,
    )

__all__ = [
    "EMAIL_DOMAIN",
    "REQUIRES_ATTRIBUTE",
    "STATUS_ROLES",
    "TRACKER_METHODS",
    "Call",
    "Names",
    "StatusRole",
    "Studio",
    "TrackerSpy",
    "gadget_capability_check",
    "gadget_names",
    "gadget_spy",
    "gadget_studio",
    "gadget_tracker",
    "png_bytes",
    "required_capabilities",
    "requires",
    "skip_unless",
    "unique_suffix",
    "write_pdf",
    "write_png",
    "write_text",
]

#: The domain of every e-mail the suite invents (a normal domain: some
#: trackers refuse reserved ones such as ``.test`` or ``.example``).
EMAIL_DOMAIN = "gadget-studio.com"
#: Attribute holding the capabilities a test function or class requires.
REQUIRES_ATTRIBUTE = "__gadget_requires__"

_T = TypeVar("_T")

#: What a test needs a task status for; each role is the status flag of the
#: same name (``"wip"``: ``is_wip``). See :meth:`Studio.status`.
StatusRole = Literal["default", "wip", "feedback_request", "retake", "done"]
#: Every :data:`StatusRole`, in the order a task usually goes through them.
STATUS_ROLES: tuple[StatusRole, ...] = get_args(StatusRole)


# -- capabilities -----------------------------------------------------------
def requires(*capabilities: str) -> Callable[[_T], _T]:
    """Mark a test function or class as needing tracker ``capabilities``.

    ::

        @requires("casting", "assets")
        def test_casting(self, gadget_studio): ...

    The test is skipped when the session's tracker does not declare one of
    them, and run otherwise. A name outside
    :data:`gadget.trackers.base.CAPABILITIES` is a typo and raises at once.
    """
    unknown = sorted(set(capabilities) - CAPABILITIES)
    if unknown:
        raise ValueError(
            f"unknown capability {', '.join(unknown)}; known: {', '.join(sorted(CAPABILITIES))}"
        )

    def mark(obj: _T) -> _T:
        before: frozenset[str] = getattr(obj, REQUIRES_ATTRIBUTE, frozenset())
        setattr(obj, REQUIRES_ATTRIBUTE, before | frozenset(capabilities))
        return obj

    return mark


def required_capabilities(request: pytest.FixtureRequest) -> frozenset[str]:
    """The capabilities the running test asked for with :func:`requires`."""
    needed: frozenset[str] = frozenset()
    for owner in (request.function, request.cls):
        needed |= getattr(owner, REQUIRES_ATTRIBUTE, frozenset())
    return needed


def skip_unless(session: Session, *capabilities: str) -> None:
    """Skip the running test unless the session's tracker declares every capability."""
    missing = sorted(set(capabilities) - session.capabilities)
    if missing:
        pytest.skip(f"the {session.tracker.name} tracker does not declare {', '.join(missing)}")


@pytest.fixture(autouse=True)
def gadget_capability_check(request: pytest.FixtureRequest) -> None:
    """Skip a test marked with :func:`requires` when the tracker lacks a capability."""
    needed = required_capabilities(request)
    if needed:
        skip_unless(request.getfixturevalue("gadget_session"), *sorted(needed))


# -- unique names -------------------------------------------------------------
def unique_suffix() -> str:
    """Eight random hex digits."""
    return uuid.uuid4().hex[:8]


class Names:
    """Names unique to one test: ``names("sh0010")`` is ``"sh0010_<suffix>"``.

    The same base gives the same name within a test (handy to create the
    same shot name in two sequences); two tests never share a suffix.
    """

    def __init__(self, suffix: str | None = None) -> None:
        self.suffix = suffix or unique_suffix()

    def __call__(self, base: str) -> str:
        return f"{base}_{self.suffix}"

    def __repr__(self) -> str:
        return f"Names(suffix={self.suffix!r})"

    def email(self, local: str = "artist") -> str:
        """An e-mail address unique to this test, on :data:`EMAIL_DOMAIN`."""
        return f"{local}.{self.suffix}@{EMAIL_DOMAIN}".lower()


@pytest.fixture
def gadget_names() -> Names:
    """A :class:`Names` with a suffix of its own."""
    return Names()


# -- files --------------------------------------------------------------------
def png_bytes(
    width: int = 64, height: int = 36, rgb: tuple[int, int, int] = (200, 90, 30)
) -> bytes:
    """A valid 8-bit RGB PNG of one colour, built with zlib and struct only.

    It is encoded the way Pillow encodes such a picture (filter Sub on the
    first row, Up on the others, zlib level 6, one IDAT chunk), so a tracker
    that re-encodes uploaded pictures with Pillow (Kitsu does) still stores
    the same bytes, and a downloaded preview can be compared byte for byte.
    (Checked against Pillow 12 for the sizes the suite uses; Pillow's
    bundled zlib-ng compresses a few other sizes differently.)
    """
    if width < 1 or height < 1:
        raise ValueError("a PNG is at least 1x1")
    if not all(0 <= c <= 255 for c in rgb):
        raise ValueError(f"colour components are 0-255, not {rgb!r}")
    # Pillow keeps the filter whose row sums lowest, the first one on a tie
    pixels = bytes(rgb) * width
    if any(rgb) and width > 1:
        first = b"\x01" + bytes(rgb) + bytes(3 * (width - 1))  # Sub: left neighbour
    else:
        first = b"\x00" + pixels  # None
    other = b"\x02" + bytes(3 * width) if any(rgb) else b"\x00" + pixels  # Up, or None
    return encode_png(width, height, first + other * (height - 1), 6)


def write_png(
    path: str | Path,
    width: int = 64,
    height: int = 36,
    rgb: tuple[int, int, int] = (200, 90, 30),
) -> Path:
    """Write :func:`png_bytes` to ``path`` (parents created) and return the path."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(png_bytes(width, height, rgb))
    return target


def write_pdf(path: str | Path, text: str = "gadget contract suite") -> Path:
    """Write a small one-page PDF saying ``text`` and return the path."""
    safe = text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")
    stream = f"BT /F1 12 Tf 72 720 Td ({safe}) Tj ET".encode("latin-1", "replace")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] "
        b"/Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for offset in offsets:
        out += b"%010d 00000 n \n" % offset
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(bytes(out))
    return target


def write_text(path: str | Path, text: str = "notes from the contract suite\n") -> Path:
    """Write a UTF-8 text file and return the path."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(text, encoding="utf-8")
    return target


# -- a builder of test data ---------------------------------------------------
class Studio:
    """Creates what a test needs, every name made unique by :class:`Names`.

    ``studio.shot()`` builds the project and the sequence it needs unless they
    are given; every method creates through the public API, as a test would
    (a ``new()``: the name check, then the create).

    Task statuses are asked for by role, never by code: ``studio.status("wip")``
    is a work-in-progress status of whatever tracker runs (see :meth:`status`).
    """

    def __init__(self, session: Session, names: Names, folder: Path) -> None:
        self.session = session
        self.names = names
        self.folder = folder
        #: everything made, held so the session's (weak) identity map keeps it
        self.made: list[Any] = []
        self._count = 0
        self._statuses: dict[str, TaskStatus] = {}

    def _keep(self, entity: _T) -> _T:
        self.made.append(entity)
        return entity

    def _next(self) -> int:
        self._count += 1
        return self._count

    def project(self, base: str = "Contract", production_type: str = "featurefilm") -> Project:
        return self._keep(
            self.session.projects.new(
                name=self.names(f"{base}{self._next()}"), production_type=production_type
            )
        )

    def sequence(self, project: Project | None = None, name: str = "sq010") -> Sequence:
        return self._keep((project or self.project()).sequences.new(name=self.names(name)))

    def shot(self, sequence: Sequence | None = None, name: str = "sh0010", **fields: Any) -> Shot:
        seq = sequence or self.sequence()
        return self._keep(seq.project.shots.new(name=self.names(name), sequence=seq, **fields))

    def task_type(self, base: str = "Anim", for_shots: bool = True, **fields: Any) -> TaskType:
        return self._keep(
            self.session.task_types.new(
                name=self.names(f"{base}{self._next()}"), for_shots=for_shots, **fields
            )
        )

    def custom(self, data: dict[str, Any]) -> dict[str, Any]:
        """``data`` when the tracker takes free-form custom data (capability
        ``custom_data``), else ``{}``: for tests about something else that
        also write custom data."""
        return data if "custom_data" in self.session.capabilities else {}

    def status(self, role: StatusRole) -> TaskStatus:
        """A task status of the tracker for ``role``: one whose flag ``is_<role>``
        is set (``"default"``: ``is_default``; ``"feedback_request"``:
        ``is_feedback_request``; and so on).

        It is looked up in ``session.task_statuses`` (one listing, cached by
        the session), preferring a status with no other role's flag, then the
        first in the tracker's order. When the tracker has none, one is
        created through the contract (``session.task_statuses.new(...)``
        with a unique short name of at most 10 characters, Kitsu's limit);
        a tracker that can create no status (``Unsupported``) fails the test,
        naming the missing flag. A role gives the same status for the whole
        test. Tests name no status code, so a tracker whose statuses are
        fixed values (ShotGrid's ``ip``, ``rev``, ``fin``) passes as well.
        """
        if role not in STATUS_ROLES:
            raise ValueError(f"unknown status role {role!r}; known: {', '.join(STATUS_ROLES)}")
        found = self._statuses.get(role)
        if found is None:
            flag = f"is_{role}"
            others = [f"is_{r}" for r in STATUS_ROLES if r != role]
            having = [s for s in self.session.task_statuses if getattr(s, flag)]
            plain = [s for s in having if not any(getattr(s, f) for f in others)]
            found = (plain or having)[0] if having else self._new_status(role)
            self._statuses[role] = self._keep(found)
        return found

    def _new_status(self, role: StatusRole) -> TaskStatus:
        flag = f"is_{role}"
        try:
            return self.session.task_statuses.new(
                short_name=f"{role[:2]}{self.names.suffix[:8]}",
                name=self.names(f"Contract {role}"),
                color="#8899aa",
                **{flag: True},
            )
        except Unsupported as exc:
            pytest.fail(
                f"the {self.session.tracker.name} tracker has no task status with {flag} "
                f"and cannot create one ({exc}); the contract suite needs one",
                pytrace=False,
            )

    def task(
        self, shot: Shot | None = None, task_type: TaskType | None = None, **fields: Any
    ) -> Task:
        target = shot or self.shot()
        return self._keep(target.tasks.new(task_type=task_type or self.task_type(), **fields))

    def asset_type(self, base: str = "Character") -> AssetType:
        return self._keep(self.session.asset_types.new(name=self.names(f"{base}{self._next()}")))

    def asset(
        self,
        project: Project,
        name: str = "Hero",
        asset_type: AssetType | None = None,
        **fields: Any,
    ) -> Asset:
        kind = asset_type or self.asset_type()
        return self._keep(project.assets.new(name=self.names(name), asset_type=kind, **fields))

    def person(self, first_name: str = "Jane", last_name: str = "Doe", **fields: Any) -> Person:
        n = self._next()
        return self._keep(
            self.session.persons.new(
                first_name=first_name,
                last_name=self.names(f"{last_name}{n}"),
                email=self.names.email(f"{first_name}.{last_name}{n}"),
                **fields,
            )
        )

    def department(self, base: str = "Animation") -> Department:
        return self._keep(self.session.departments.new(name=self.names(f"{base}{self._next()}")))

    def png(self, name: str = "render.png", **options: Any) -> Path:
        return write_png(self.folder / f"upload{self._next()}" / name, **options)

    def pdf(self, name: str = "notes.pdf", text: str = "fix the hands") -> Path:
        return write_pdf(self.folder / f"upload{self._next()}" / name, text)

    def text(self, name: str = "notes.txt", text: str = "notes\n") -> Path:
        return write_text(self.folder / f"upload{self._next()}" / name, text)


@pytest.fixture
def gadget_studio(
    gadget_session: Session, gadget_names: Names, tmp_path_factory: pytest.TempPathFactory
) -> Studio:
    """A :class:`Studio` on the ``gadget_session``."""
    return Studio(gadget_session, gadget_names, tmp_path_factory.mktemp("gadget-files"))


@pytest.fixture
def gadget_tracker(gadget_session: Session) -> Tracker:
    """The tracker the tracker-level tests (:mod:`gadget.testing.suite.tracker`)
    call directly: ``gadget_session.tracker``.

    To test a tracker without a session, define a ``gadget_tracker`` fixture in
    your test module *after* ``from gadget.testing.suite import *`` (the star
    import brings this one, and a test module's fixture outranks a conftest's).
    """
    return gadget_session.tracker


@pytest.fixture
def gadget_spy(gadget_session: Session) -> Iterator[TrackerSpy]:
    """A :class:`TrackerSpy` on ``gadget_session.tracker``, not yet installed.

    ``with gadget_spy:`` counts the calls made inside the block; it is always
    uninstalled at teardown.
    """
    spy = TrackerSpy(gadget_session.tracker)
    try:
        yield spy
    finally:
        spy.uninstall()
