"""Publishes that fail as told: the failure paths a healthy tracker cannot show.

:class:`CommentFaults` makes a session's tracker fail its next
``create_comment`` calls, one fault per call, in order, then behave again.
It patches that one tracker object (any tracker: local, Kitsu ...), so the
session's checks, keys and caching run as they do for real. Imports no
pytest: a script run in a subprocess (a publisher killed mid-upload) uses it
too. The faults:

- ``"down"``: :class:`~gadget.errors.TrackerUnavailable`, nothing landed;
- ``"unknown"``: :class:`~gadget.errors.OutcomeUnknown`, nothing landed,
  and the session's look-up by key that follows fails too (the tracker
  cannot be asked), so the OutcomeUnknown reaches the caller;
- ``"lost"``: the publish lands, then its answer is lost, and the look-up
  fails too (OutcomeUnknown reaches the caller);
- ``"no_main"``: the comment and its files land, the main preview does not
  (:class:`~gadget.errors.PartialPublish`, missing ``main_preview``);
- ``"refused"``: :class:`~gadget.errors.PermissionDenied`, nothing landed;
- ``"hang"``: the publish lands, then the call blocks until the process is
  killed (for tests that kill a process mid-call); ``landed`` is set first.

``message`` ends every injected error's text (a test checks it is kept, or
that a secret in it is not).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

import attrs

from gadget.errors import OutcomeUnknown, PartialPublish, PermissionDenied, TrackerUnavailable

if TYPE_CHECKING:
    from gadget.session import Session
    from gadget.trackers.base import CommentDraft, Record

__all__ = ["FAULTS", "CommentFaults"]

FAULTS = ("down", "unknown", "lost", "no_main", "refused", "hang")


class CommentFaults:
    """The next ``create_comment`` calls of ``session``'s tracker fail with ``faults``
    (one each, in order; ``None`` lets a call through). ``with`` it, or
    :meth:`install` / :meth:`uninstall`. ``calls`` counts the calls seen,
    ``landed`` is set when a ``"hang"`` publish has landed."""

    def __init__(self, session: Session, *faults: str | None, message: str = "injected") -> None:
        wrong = [f for f in faults if f is not None and f not in FAULTS]
        if wrong:
            raise ValueError(f"unknown fault(s) {wrong}; known: {', '.join(FAULTS)}")
        self.tracker = session.tracker
        self.faults = list(faults)
        self.message = message
        self.calls = 0
        self.landed = threading.Event()
        self._original: Any = None
        self._find: Any = None
        self._blind = 0  # look-ups by key still to fail

    def install(self) -> CommentFaults:
        self._original = self.tracker.create_comment
        self._find = self.tracker.find_comment
        self.tracker.create_comment = self._create_comment  # type: ignore[method-assign]
        self.tracker.find_comment = self._find_comment  # type: ignore[method-assign]
        return self

    def uninstall(self) -> None:
        if self._original is not None:
            self.tracker.create_comment = self._original  # type: ignore[method-assign]
            self.tracker.find_comment = self._find  # type: ignore[method-assign]
            self._original = self._find = None

    def _find_comment(self, task_id: str, key: str) -> Record | None:
        if self._blind:
            self._blind -= 1
            raise TrackerUnavailable(f"the look-up by key failed ({self.message})")
        found: Record | None = self._find(task_id, key)
        return found

    @contextmanager
    def installed(self) -> Iterator[CommentFaults]:
        self.install()
        try:
            yield self
        finally:
            self.uninstall()

    def __enter__(self) -> CommentFaults:
        return self.install()

    def __exit__(self, *exc: object) -> None:
        self.uninstall()

    def _create_comment(self, task_id: str, draft: CommentDraft) -> Record:
        self.calls += 1
        fault = self.faults.pop(0) if self.faults else None
        post = self._original
        key = getattr(draft, "key", None)
        where = f"POST comment on task {task_id}"
        if fault == "down":
            raise TrackerUnavailable(f"connection refused ({self.message})")
        if fault == "unknown":
            self._blind += 1
            raise OutcomeUnknown(f"no answer ({self.message})", key=key, operation=where)
        if fault == "refused":
            raise PermissionDenied(f"not allowed ({self.message})")
        if fault == "no_main":
            record: Record = post(task_id, attrs.evolve(draft, set_main_preview=False))
            landed = ["comment", "previews"]
            if draft.status_id is not None:
                landed.append("status")
            if draft.attachments:
                landed.append("attachments")
            raise PartialPublish(
                f"the main preview was not set ({self.message})",
                comment=record,
                landed=landed,
                missing=["main_preview"],
                key=key,
            )
        record = post(task_id, draft)
        if fault == "lost":
            self._blind += 1
            raise OutcomeUnknown(f"the answer was lost ({self.message})", key=key, operation=where)
        if fault == "hang":
            self.landed.set()
            threading.Event().wait()  # until the process is killed
        return record
