"""Publishing: a comment with its status, previews and attachments, posted.

:class:`Publisher` checks what ``task.comments.new(...)`` and
``session.publish_many(...)`` are given and turns it into a
:class:`~gadget.trackers.base.CommentDraft` before anything is sent (files
exist and are files, fields known, the tracker's capabilities present), posts
it through ``Tracker.create_comment``, then brings what the session holds in
line with what the publish changed (the task's status and retake count, the
main preview of its shot or asset) without asking the tracker again.

Every publish has an idempotency key (:attr:`CommentDraft.key`): the
caller's ``idempotency_key``, else a new one (uuid4 hex). The tracker
stores it with the comment, so the same publish never posts twice:

- given by the caller (a retry, an outbox replay), the comment is first
  looked up by it (``Tracker.find_comment``, one read); found, only its
  missing steps are done (``Tracker.complete_comment``: the main preview,
  a preview the tracker left unprocessed) and it is returned;
- after a write that may have landed (:class:`~gadget.errors.OutcomeUnknown`
  from the tracker) the comment is looked up by its key: found, it is
  finished and returned; not found, it is posted (it did not land); when the
  lookup fails too, OutcomeUnknown is raised carrying the key;
- a comment that landed without some of its steps raises
  :class:`~gadget.errors.PartialPublish` with the bound comment.

What it costs: one ``create_comment`` per comment (on Kitsu, one
batch-comment request carrying comment, status, previews and attachments;
the main preview one more), plus one ``find_comment`` when the caller gave
the key; resolving a status or author by name reads its cached list once.
``publish_many`` runs up to ``max_workers`` of them at a time.
"""

from __future__ import annotations

import threading
import uuid
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING, Any

import attrs

from gadget.entities import ChecklistItem
from gadget.errors import GadgetError, OutcomeUnknown, PartialPublish, ValidationError
from gadget.trackers.base import CommentDraft, check_key

if TYPE_CHECKING:
    from gadget._cache import QueryCache
    from gadget._checks import InputChecks
    from gadget._identity import IdentityMap
    from gadget.collections import Collection
    from gadget.trackers.base import Tracker

__all__ = ["Publisher"]


#: the kinds of cached results a publish may change: comments, previews, the
#: task's status, the shot's or asset's main preview
_PUBLISH_TOUCHES = ("comment", "preview", "task", "shot", "asset")


class Publisher:
    """Drafts and posts comments for one session (costs in the module docstring).

    ``tracker`` gives the open tracker; ``checks`` resolves a status, an
    author or a task; the comment is bound by ``identity``; ``cache``
    forgets what a publish changed; ``ref(kind, id)`` gives a status held or
    read.
    """

    def __init__(
        self,
        tracker: Callable[[], Tracker],
        checks: InputChecks,
        identity: IdentityMap,
        cache: QueryCache,
        ref: Callable[[str, str], Any],
    ) -> None:
        self._tracker = tracker
        self._checks = checks
        self._identity = identity
        self._cache = cache
        self._ref = ref

    def new_comment(self, coll: Collection[Any], fields: dict[str, Any]) -> Any:
        """``task.comments.new(**fields)``: checked, then posted on the collection's task."""
        draft, given = self.draft(dict(fields))
        return self.post(coll._scope["task_id"], draft, look_first=given)

    def draft(self, fields: dict[str, Any]) -> tuple[CommentDraft, bool]:
        """Check a publish's fields and turn them into a draft; nothing is sent.

        Also says whether the caller gave the idempotency key (else the
        draft carries a new one)."""
        key = fields.pop("idempotency_key", None)
        given = key is not None
        key = check_key(key) if given else uuid.uuid4().hex
        text = fields.pop("comment", None)
        if text is None:
            text = fields.pop("text", "")
        if not isinstance(text, str):
            raise ValidationError(f"comment must be a string, not {type(text).__name__}")
        status = fields.pop("status", None)
        previews = self._paths(fields.pop("preview", None), fields.pop("previews", None), "preview")
        attachments = self._paths(fields.pop("attachments", None), None, "attachment")
        checklist = self._checklist(fields.pop("checklist", None) or ())
        main = bool(fields.pop("set_main_preview", False))
        author = fields.pop("author", None)
        progress = fields.pop("progress", None)
        if fields:
            raise ValidationError(
                f"comments.new() got unknown field(s) {', '.join(sorted(fields))}; known: comment, "
                "status, preview, attachments, checklist, set_main_preview, author, progress, "
                "idempotency_key"
            )
        if progress is not None and not callable(progress):
            raise ValidationError("progress must be a callable taking (bytes_sent, bytes_total)")
        if previews:
            self._tracker().require("previews")
        if attachments:
            self._tracker().require("attachments")
        if main and not previews:
            raise ValidationError("set_main_preview=True needs at least one preview")
        draft = CommentDraft(
            text=text,
            status_id=self._checks.resolve("task_status", status) if status is not None else None,
            author_id=self._checks.resolve("person", author) if author is not None else None,
            checklist=checklist,
            previews=previews,
            attachments=attachments,
            set_main_preview=main,
            key=key,
            progress=progress,
        )
        return draft, given

    def post(self, task_id: str, draft: CommentDraft, *, look_first: bool = False) -> Any:
        """Post a checked draft on a task, exactly once by its key; the bound comment.

        ``look_first`` (the caller gave the key): a comment posted with it is
        found, finished and returned instead of posted again.
        """
        try:
            record = self._write(task_id, draft, look_first)
        except PartialPublish as partial:
            self._cache.invalidate(*_PUBLISH_TOUCHES)
            if isinstance(partial.comment, Mapping):
                partial.comment = self._identity.bind("comment", partial.comment)
                self._after_comment(task_id, draft.status_id, False, partial.comment)
            if partial.key is None:
                partial.key = draft.key
            raise
        except BaseException:  # it may have landed in part: nothing cached is trusted
            self._cache.invalidate(*_PUBLISH_TOUCHES)
            raise
        comment = self._identity.bind("comment", record)
        self._after_comment(task_id, draft.status_id, draft.set_main_preview, comment)
        return comment

    def _write(self, task_id: str, draft: CommentDraft, look_first: bool) -> dict[str, Any]:
        """The tracker's comment record for ``draft``: found by key and finished, or
        posted; an ambiguous failure resolved by looking the key up."""
        tracker = self._tracker()
        key = str(draft.key)
        if look_first:
            found = tracker.find_comment(task_id, key)
            if found is not None:
                return tracker.complete_comment(task_id, found, draft)
        try:
            return tracker.create_comment(task_id, draft)
        except OutcomeUnknown as unknown:
            where = f"publish on task {task_id} (idempotency_key={key!r})"
            try:
                found = tracker.find_comment(task_id, key)
            except GadgetError as lookup:
                raise OutcomeUnknown(
                    f"{where}: {unknown}; looking the comment up by its key failed too "
                    f"({lookup}): publish again with idempotency_key={key!r}, which posts it "
                    "only if it did not land",
                    key=key,
                    operation=unknown.operation,
                ) from unknown
            if found is not None:  # it landed: finish it
                return tracker.complete_comment(task_id, found, draft)
            try:  # it did not land: post it, once more
                return tracker.create_comment(task_id, draft)
            except OutcomeUnknown as again:
                raise OutcomeUnknown(
                    f"{where}: {again} (after a first attempt that did not land); publish "
                    f"again with idempotency_key={key!r}, which posts it only if it did not land",
                    key=key,
                    operation=again.operation,
                ) from again

    def publish_many(
        self,
        items: Iterable[tuple[Any, Mapping[str, Any]]],
        *,
        max_workers: int = 4,
        progress: Callable[[int, int], None] | None = None,
    ) -> list[Any]:
        """``session.publish_many``: every pair drafted (checked) first, then
        posted, ``max_workers`` at a time, the bytes of all reported together."""
        if max_workers < 1:
            raise ValidationError("max_workers must be at least 1")
        jobs = [
            (self._checks.resolve("task", task), *self.draft(dict(fields)))
            for task, fields in items
        ]
        keyed = [(task_id, d.key) for task_id, d, given in jobs if given]
        if len(set(keyed)) != len(keyed):
            twice = sorted({str(k) for (_, k), n in Counter(keyed).items() if n > 1})
            raise ValidationError(
                f"publish_many() got the idempotency_key(s) {', '.join(map(repr, twice))} twice "
                "for one task: one key is one publish (nothing was posted)"
            )
        total = sum(p.stat().st_size for _, d, _ in jobs for p in (*d.previews, *d.attachments))
        sent = [0] * len(jobs)
        lock = threading.Lock()

        def reporter(index: int) -> Callable[[int, int], None]:
            def report(done: int, _total: int) -> None:
                with lock:
                    sent[index] = done
                    so_far = sum(sent)
                if progress is not None:
                    progress(so_far, total)

            return report

        def run(index: int) -> Any:
            task_id, draft, given = jobs[index]
            return self.post(
                task_id, attrs.evolve(draft, progress=reporter(index)), look_first=given
            )

        if len(jobs) < 2 or max_workers == 1:
            return [run(i) for i in range(len(jobs))]
        with ThreadPoolExecutor(max_workers=max_workers, thread_name_prefix="gadget") as pool:
            return list(pool.map(run, range(len(jobs))))

    def _after_comment(self, task_id: str, status_id: str | None, main: bool, comment: Any) -> None:
        """Bring held entities in line with what the publish changed, without a request."""
        self._cache.invalidate(*_PUBLISH_TOUCHES)
        task = self._identity.get("task", task_id)
        if task is None:
            return
        if status_id is not None and status_id != task.status_id:  # type: ignore[attr-defined]
            new_status = self._ref("task_status", status_id)
            if new_status.is_retake:
                task.nb_retakes += 1  # type: ignore[attr-defined]
            task.status_id = status_id  # type: ignore[attr-defined]
        if main and comment.previews:
            owner = self._identity.held(
                (task.entity_kind or "shot",),  # type: ignore[attr-defined]
                task.entity_id,  # type: ignore[attr-defined]
            )
            if owner is not None and hasattr(owner, "preview_id"):
                owner.preview_id = comment.previews[0].id

    @staticmethod
    def _paths(one: Any, many: Any, what: str) -> tuple[Path, ...]:
        given = one if one is not None else many
        if given is None:
            return ()
        if isinstance(given, (str, Path)):
            given = [given]
        out = []
        for p in given:
            path = Path(p).expanduser()
            if path.is_dir():
                raise ValidationError(
                    f"{what} {str(p)!r} is a directory; give the file(s) in it (nothing was posted)"
                )
            if not path.exists():
                raise ValidationError(f"{what} file {str(p)!r} does not exist (nothing was posted)")
            if not path.is_file():
                raise ValidationError(
                    f"{what} {str(p)!r} is not a regular file (nothing was posted)"
                )
            out.append(path)
        return tuple(out)

    @staticmethod
    def _checklist(items: Iterable[Any]) -> tuple[tuple[str, bool], ...]:
        out = []
        for item in items:
            if isinstance(item, str):
                out.append((item, False))
            elif isinstance(item, ChecklistItem):
                out.append((item.text, item.checked))
            elif isinstance(item, Mapping) and "text" in item:
                out.append((str(item["text"]), bool(item.get("checked", False))))
            elif isinstance(item, tuple) and len(item) == 2:
                out.append((str(item[0]), bool(item[1])))
            else:
                raise ValidationError(
                    "a checklist item is a string, (text, checked) or "
                    f"{{'text': ..., 'checked': ...}}, not {item!r}"
                )
        return tuple(out)
