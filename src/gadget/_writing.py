"""The session's writing half: user input resolved and checked, then written.

:class:`_Writing` turns what callers pass (entities, ids, names, dates) into
the normalized fields a tracker accepts, refuses bad input before anything
is written, and keeps the caches right after every write.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import attrs

from gadget._reading import _Reading
from gadget.collections import Collection
from gadget.entities import ChecklistItem, Entity
from gadget.errors import ValidationError
from gadget.trackers.base import CommentDraft


class _Writing(_Reading):
    """Resolving user input, then creating, updating, deleting and publishing."""

    # -- resolving user input (what entities and collections call) ---------
    def _resolve(self, kind: str, value: Any, scope: Mapping[str, Any] | None = None) -> Any:
        """An id from an entity, a dict, an id string or a natural key (name)."""
        return self._checks.resolve(kind, value, scope)

    def _normalize_filters(
        self, kind: str, fields: Mapping[str, Any], scope: Mapping[str, Any]
    ) -> dict[str, Any]:
        """``filter()``/``get()`` fields as the tracker's field names, references resolved."""
        return self._checks.normalize_filters(kind, fields, scope)

    # -- writing -----------------------------------------------------------
    def _new(self, coll: Collection[Any], fields: Mapping[str, Any]) -> Any:
        if coll.kind == "comment":
            return self._new_comment(coll, dict(fields))
        data = self._checks.prepare_new(coll, fields)
        self._checks.check_free(coll.kind, data, coll._label)
        return self._create(coll.kind, data)

    def _create(self, kind: str, data: Mapping[str, Any]) -> Any:
        record = self.tracker.create(kind, data)
        self._invalidate(kind)
        return self._identity.bind(kind, record)

    def _new_many(self, coll: Collection[Any], rows: list[dict[str, Any]]) -> list[Any]:
        if coll.kind == "comment":
            return [self._new_comment(coll, row) for row in rows]
        prepared = [self._checks.prepare_new(coll, row) for row in rows]
        self._checks.check_new_rows(coll, prepared)
        try:  # all or nothing (else PartialWrite names what is left)
            records = self.tracker.create_many(coll.kind, prepared)
        finally:
            self._invalidate(coll.kind)
        return self._prefetcher.bind_group(coll.kind, records)

    def _ensure(self, coll: Collection[Any], fields: Mapping[str, Any]) -> Any:
        data = self._checks.prepare_new(coll, fields)
        found = self._checks.holders(coll.kind, data)
        return found[0] if found else self._create(coll.kind, data)

    def _update(self, entity: Entity, fields: Mapping[str, Any]) -> None:
        kind = entity.kind
        data = self._checks.prepare_update(entity, fields)
        if not data:
            return
        record = self.tracker.update(kind, entity.id, data)
        self._invalidate(kind)
        self._identity.bind(kind, record)

    def _delete(self, entity: Entity) -> None:
        self.tracker.require("delete")
        self.tracker.delete(entity.kind, entity.id)
        self._identity.forget(entity.kind, entity.id)
        self.clear_cache()

    def _new_comment(self, coll: Collection[Any], fields: dict[str, Any]) -> Any:
        return self._post_comment(coll._scope["task_id"], self._draft(dict(fields)))

    def _draft(self, fields: dict[str, Any]) -> CommentDraft:
        """Check a publish's fields and turn them into a draft; nothing is sent."""
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
                "status, preview, attachments, checklist, set_main_preview, author, progress"
            )
        if progress is not None and not callable(progress):
            raise ValidationError("progress must be a callable taking (bytes_sent, bytes_total)")
        if previews:
            self.tracker.require("previews")
        if attachments:
            self.tracker.require("attachments")
        if main and not previews:
            raise ValidationError("set_main_preview=True needs at least one preview")
        return CommentDraft(
            text=text,
            status_id=self._resolve("task_status", status) if status is not None else None,
            author_id=self._resolve("person", author) if author is not None else None,
            checklist=checklist,
            previews=previews,
            attachments=attachments,
            set_main_preview=main,
            progress=progress,
        )

    def _post_comment(self, task_id: str, draft: CommentDraft) -> Any:
        record = self.tracker.create_comment(task_id, draft)
        comment = self._identity.bind("comment", record)
        self._after_comment(task_id, draft.status_id, draft.set_main_preview, comment)
        return comment

    def publish_many(
        self,
        items: Iterable[tuple[Any, Mapping[str, Any]]],
        *,
        max_workers: int = 4,
        progress: Callable[[int, int], None] | None = None,
    ) -> list[Any]:
        """Post comments on several tasks, uploads in parallel.

        ``items`` are ``(task, fields)`` pairs, ``fields`` as for
        ``task.comments.new(...)``. Every pair is checked before anything is
        sent (a missing file posts nothing). At most ``max_workers`` publishes
        are in flight; ``progress(bytes_sent, bytes_total)`` hears the bytes
        of all of them together. Returns the comments in the order given.
        """
        if max_workers < 1:
            raise ValidationError("max_workers must be at least 1")
        jobs = [(self._resolve("task", task), self._draft(dict(fields))) for task, fields in items]
        total = sum(p.stat().st_size for _, d in jobs for p in (*d.previews, *d.attachments))
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
            task_id, draft = jobs[index]
            return self._post_comment(task_id, attrs.evolve(draft, progress=reporter(index)))

        if len(jobs) < 2 or max_workers == 1:
            return [run(i) for i in range(len(jobs))]
        with ThreadPoolExecutor(max_workers=max_workers, thread_name_prefix="gadget") as pool:
            return list(pool.map(run, range(len(jobs))))

    def _after_comment(self, task_id: str, status_id: str | None, main: bool, comment: Any) -> None:
        """Bring held entities in line with what the publish changed, without a request."""
        self._invalidate("comment", "preview", "task", "shot", "asset")
        with self._lock:
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
