"""``gadget.publish``: the publish a DCC hook makes, never lost.

:func:`publish` posts a comment with its status, previews and attachments
through ``task.comments.new(...)`` with an idempotency key, after writing it
to the outbox (:mod:`gadget.outbox`). The answer is a :class:`PublishResult`:
``posted`` with the comment, or ``queued`` with the outbox entry that a later
flush replays exactly once. Input errors (a missing file, an unknown status,
a refusal for the person's role) are raised, never queued.

With ``background=True`` it returns a :class:`PublishHandle` at once; the
journal, the upload and any flush run in a thread of their own.
"""

from __future__ import annotations

import concurrent.futures
import logging
import threading
import uuid
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import attrs

from gadget._publishing import Publisher
from gadget.errors import GadgetError, OutcomeUnknown, PartialPublish, TrackerUnavailable
from gadget.errors import ValidationError as _ValidationError
from gadget.ids import get_id
from gadget.outbox import Outbox, file_record, keeps, session_identity

if TYPE_CHECKING:
    from gadget.entities import Comment, Task

__all__ = ["PublishHandle", "PublishResult", "publish"]

logger = logging.getLogger("gadget.publish")

#: the failures that keep a publish in the outbox rather than raise
_QUEUED = (TrackerUnavailable, OutcomeUnknown, PartialPublish)


@attrs.frozen
class PublishResult:
    """How a :func:`gadget.publish` ended.

    ``state`` is ``"posted"`` (``comment`` is the comment, in full) or
    ``"queued"`` (the outbox keeps it as entry ``outbox_id``; ``comment`` is
    the comment when it landed but some of its steps did not, else None).
    ``key`` is the publish's idempotency key; ``reason`` says, for a queued
    publish, why it could not be posted now.
    """

    state: Literal["posted", "queued"]
    comment: Comment | None = None
    outbox_id: int | None = None
    key: str | None = None
    reason: str | None = None

    @property
    def posted(self) -> bool:
        return self.state == "posted"

    @property
    def queued(self) -> bool:
        return self.state == "queued"


class PublishHandle:
    """A publish running in the background (``gadget.publish(..., background=True)``).

    ``done()`` says whether it ended; ``wait(timeout)`` waits and says
    whether it ended; ``result(timeout)`` is its :class:`PublishResult` or
    raises its error (``TimeoutError`` when not done in time);
    ``add_done_callback(fn)`` calls ``fn(handle)`` once it ends, in the
    publish's thread (a DCC hands it to its UI thread), or at once when
    already done. ``key`` is the idempotency key, known from the start.
    """

    def __init__(self, key: str) -> None:
        self.key = key
        self._future: concurrent.futures.Future[PublishResult] = concurrent.futures.Future()

    def __repr__(self) -> str:
        return f"<PublishHandle {self.key} {'done' if self.done() else 'running'}>"

    def done(self) -> bool:
        return self._future.done()

    def wait(self, timeout: float | None = None) -> bool:
        concurrent.futures.wait([self._future], timeout=timeout)
        return self._future.done()

    def result(self, timeout: float | None = None) -> PublishResult:
        try:
            return self._future.result(timeout)
        except concurrent.futures.TimeoutError:
            raise TimeoutError(f"the publish {self.key} has not ended yet") from None

    def exception(self, timeout: float | None = None) -> BaseException | None:
        """The publish's error once it ended (None when it posted or was queued)."""
        try:
            return self._future.exception(timeout)
        except concurrent.futures.TimeoutError:
            raise TimeoutError(f"the publish {self.key} has not ended yet") from None

    def add_done_callback(self, fn: Callable[[PublishHandle], Any]) -> None:
        self._future.add_done_callback(lambda _future: fn(self))


def publish(
    task: Task,
    comment: str = "",
    *,
    status: Any = None,
    preview: Any = None,
    attachments: Any = None,
    checklist: Iterable[Any] | None = None,
    set_main_preview: bool = True,
    author: Any = None,
    idempotency_key: str | None = None,
    background: bool = False,
    outbox: Outbox | str | Path | None = None,
    flush: bool = True,
    progress: Callable[[int, int], None] | None = None,
) -> Any:
    """Publish on ``task`` and never lose it: a :class:`PublishResult`, or with
    ``background=True`` a :class:`PublishHandle` at once.

    The fields are those of ``task.comments.new(...)``; ``set_main_preview``
    (default True) applies when there is a preview. The publish is written to
    the ``outbox`` (default: ``gadget.outbox.Outbox()``, in
    ``GADGET_OUTBOX_DIR`` or the user data folder) with its idempotency key
    (``idempotency_key``, else a new one), then posted: ``posted`` with the
    comment; ``queued`` when the tracker cannot be reached, cannot say
    whether the publish landed, or took the comment but not all its steps
    (only those are replayed). Errors of the input or of the person's role are
    raised and nothing is kept.

    With ``flush`` (default), a publish that posted then replays the
    entries its tracker has waiting, oldest first, unless another flush is
    running. Costs: the files are read once for their sha256 (and copied into
    the outbox only when kept), two small SQLite transactions, then what
    ``task.comments.new`` costs.
    """
    key = _key(idempotency_key)
    fields = {
        "comment": comment,
        "status": status,
        "preview": preview,
        "attachments": attachments,
        "checklist": checklist,
        "set_main_preview": set_main_preview,
        "author": author,
        "progress": progress,
    }
    given = idempotency_key is not None
    if not background:
        return _publish(task, key, given, fields, outbox, flush)
    handle = PublishHandle(key)

    def run() -> None:
        future = handle._future
        if not future.set_running_or_notify_cancel():
            return
        try:
            found = _publish(task, key, given, fields, outbox, flush)
        except BaseException as exc:
            future.set_exception(exc)
        else:
            future.set_result(found)

    threading.Thread(target=run, name=f"gadget-publish-{key[:8]}", daemon=True).start()
    return handle


def _publish(
    task: Any,
    key: str,
    given: bool,
    given_fields: Mapping[str, Any],
    outbox: Outbox | str | Path | None,
    flush: bool,
) -> PublishResult:
    """The publish itself, in the caller's thread or the background one. A key
    the caller gave, or one tried before, is looked up before posting."""
    comment, status, preview, attachments, checklist, set_main_preview, author, progress = (
        given_fields[name]
        for name in (
            "comment",
            "status",
            "preview",
            "attachments",
            "checklist",
            "set_main_preview",
            "author",
            "progress",
        )
    )
    session = _session_of(task)
    box = outbox if isinstance(outbox, Outbox) else Outbox(outbox)
    fields = _fields(
        session, comment, status, preview, attachments, checklist, set_main_preview, author
    )
    call = _call(fields, preview, attachments, progress)
    status_before = getattr(task, "status_id", None)
    entry, lock = box.journal(
        tracker=session_identity(session),
        key=key,
        task_id=task.id,
        label=_label(task),
        fields=fields,
        status_before=status_before,
        status_before_name=_held_name(session, "task_status", status_before, "short_name"),
    )
    secrets = (session.config.password, session.config.token)
    try:
        try:
            posted = _post(task, call, key, look_first=given or entry.attempts > 1)
        except _QUEUED as exc:
            kept = box.settle(entry, exc, secrets=secrets)
            if not keeps(exc) or kept.state != "pending":
                raise  # refused for good (or its files could not be kept): said so
            logger.warning("publish %s queued as outbox entry %s: %s", key, kept.id, exc)
            landed = _bound(session, exc.comment) if isinstance(exc, PartialPublish) else None
            return PublishResult("queued", landed, kept.id, key, kept.last_error)
        except BaseException as exc:
            if isinstance(exc, Exception):
                # refused before anything landed (input, role, a bug): nothing is kept
                box.refuse(entry, exc, secrets)
            # else interrupted mid-send (KeyboardInterrupt ...): the entry stays
            # "sending"; a later flush finds the publish by its key, or posts it
            raise
        box.settle(entry, comment_id=posted.id)
    finally:
        lock.release()
    if flush:
        _flush_after(box, session)
    return PublishResult("posted", posted, None, key)


def _post(task: Any, call: dict[str, Any], key: str, *, look_first: bool) -> Any:
    """``task.comments.new(**call, idempotency_key=key)``. A key gadget made for
    this publish, on its first attempt, cannot name a comment yet: the session
    is not asked to look it up first, which saves a read (on Kitsu, the
    task's comments); a key the caller gave or tried before is looked up."""
    if look_first:
        return task.comments.new(**call, idempotency_key=key)
    publisher = task.session._publisher
    draft, _ = publisher.draft({**call, "idempotency_key": key})
    return publisher.post(task.id, draft, look_first=False)


def _flush_after(box: Outbox, session: Any) -> None:
    """Replay what waits for this tracker, unless another flush runs; never raises."""
    try:
        report = box.flush(session, wait=0)
    except Exception:
        logger.exception("flushing the outbox after a publish failed")
        return
    for entry in report.conflicts:
        logger.warning("outbox entry %s (%s): %s", entry.id, entry.label, entry.conflict)


def _bound(session: Any, comment: Any) -> Any:
    """The comment a PartialPublish carries, as an entity of the session."""
    if isinstance(comment, Mapping):
        return session._identity.bind("comment", comment)
    return comment


def _key(given: str | None) -> str:
    """A new key, or the caller's checked as every write checks one (before
    anything is kept in the outbox)."""
    from gadget.trackers.base import check_key

    return uuid.uuid4().hex if given is None else check_key(given)


def _session_of(task: Any) -> Any:
    from gadget.entities import Task

    if not isinstance(task, Task):
        raise _ValidationError(
            f"gadget.publish takes a Task (shot.tasks.fetch('Anim')), not {type(task).__name__}"
        )
    return task.session


def _fields(
    session: Any,
    comment: Any,
    status: Any,
    preview: Any,
    attachments: Any,
    checklist: Iterable[Any] | None,
    set_main_preview: bool,
    author: Any,
) -> dict[str, Any]:
    """What the outbox keeps of a publish, checked with no request: the same
    checks as ``comments.new`` for files and fields (ValidationError)."""
    if not isinstance(comment, str):
        raise _ValidationError(f"comment must be a string, not {type(comment).__name__}")
    previews = Publisher._paths(preview, None, "preview")
    files = Publisher._paths(attachments, None, "attachment")
    if previews:
        session.tracker.require("previews")
    if files:
        session.tracker.require("attachments")
    items = Publisher._checklist(checklist or ())
    return {
        "comment": comment,
        "status": _ref(status),
        "author": _ref(author),
        "checklist": [list(item) for item in items],
        "set_main_preview": bool(set_main_preview) and bool(previews),
        "previews": [file_record(p) for p in previews],
        "attachments": [file_record(p) for p in files],
    }


def _call(
    fields: Mapping[str, Any],
    preview: Any,
    attachments: Any,
    progress: Callable[[int, int], None] | None,
) -> dict[str, Any]:
    """The ``comments.new`` arguments of the first attempt (the caller's own paths)."""
    call: dict[str, Any] = {"comment": fields["comment"]}
    for name in ("status", "author"):
        if fields[name] is not None:
            call[name] = fields[name]
    if fields["checklist"]:
        call["checklist"] = [tuple(item) for item in fields["checklist"]]
    if fields["previews"]:
        call["preview"] = [Path(r["source"]) for r in fields["previews"]]
        call["set_main_preview"] = fields["set_main_preview"]
    if fields["attachments"]:
        call["attachments"] = [Path(r["source"]) for r in fields["attachments"]]
    if progress is not None:
        call["progress"] = progress
    return call


def _ref(value: Any) -> str | None:
    """A status or author as the outbox keeps it: a name or id string."""
    if value is None or isinstance(value, str):
        return value
    try:
        return get_id(value)
    except (GadgetError, TypeError, ValueError):
        raise _ValidationError(
            f"a status or author is a name, an id or an entity, not {value!r}"
        ) from None


def _held(session: Any, kind: str, ident: str | None) -> Any:
    """The entity the session holds (no request), or None."""
    if not ident:
        return None
    return session._identity.get(kind, ident)


def _held_name(session: Any, kind: str, ident: str | None, field: str = "name") -> str | None:
    entity = _held(session, kind, ident)
    if entity is None:
        return None
    try:  # never a read: a field a partial record left out is not shown
        value = object.__getattribute__(entity, field)
    except AttributeError:
        return None
    return str(value) if value else None


def _task_type_name(task: Any) -> str | None:
    """The task type's name: held, else read (reference data: one cached request
    per session; a tracker away gives no name, not an error)."""
    held = _held_name(task.session, "task_type", task.task_type_id)
    if held is not None:
        return held
    try:
        return str(task.task_type.name)
    except GadgetError:
        return None


def _label(task: Any) -> str:
    """ "Project / sequence/shot (or asset) / task type", from what the session
    holds: no request (the tracker may be away)."""
    session = task.session
    kind = task.entity_kind or "shot"
    owner = _held_name(session, kind, task.entity_id)
    if owner and kind == "shot":
        shot = _held(session, "shot", task.entity_id)
        sequence = _held_name(session, "sequence", getattr(shot, "sequence_id", None))
        owner = f"{sequence}/{owner}" if sequence else owner
    parts = [
        _held_name(session, "project", task.project_id) or "?",
        owner or f"{kind} {task.entity_id}",
        _task_type_name(task) or f"task {task.id}",
    ]
    return " / ".join(parts)
