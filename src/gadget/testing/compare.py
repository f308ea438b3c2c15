"""Compare one project on two trackers, field by field, by natural keys.

::

    from gadget.testing.compare import compare_projects

    differences = compare_projects(kitsu, local, "MyShow")
    assert not differences, "\\n".join(map(str, differences))

Ids, times (``created_at``, ``updated_at``) and ``url``/``raw`` are the
trackers' own and never compared; everything else of every kind is, with
references as the natural keys of what they point at (a shot's sequence by
name, a task's assignees by e-mail, a main preview by its comment and rank).
``custom_data`` is compared key by key (field ``custom_data.KEY``), so a
difference names the key. Comments are compared per task in the order they
were posted (oldest first: their time order), previews and attachments per
comment in order.

What is compared: the project, the episodes, sequences, shots, assets and
tasks, the comments with their previews and attachments, casting, time
spent, playlists and the team; and the reference data the project uses
(task types, task statuses, asset types, people, departments). Needs no
pytest.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

import attrs

from gadget.kinds import KINDS

if TYPE_CHECKING:
    from gadget.session import Session

__all__ = ["Difference", "compare_projects", "describe", "snapshot"]

Snapshot = dict[str, dict[str, dict[str, Any]]]

#: fields never compared: the trackers' own ids, times and payloads; keys
#: already say the parent; a comment's idempotency key names the write that
#: posted it on one tracker (a copy is another write)
_NEVER = frozenset(
    {
        "id",
        "key",
        "created_at",
        "updated_at",
        "url",
        "raw",
        "project_id",
        "task_id",
        "comment_id",
        "entity_id",
        "entity_kind",
    }
)
#: the kinds whose natural key is their name (a preview's and an attachment's
#: name is compared: their key is their rank in their comment)
_NAMED_BY_KEY = frozenset(KINDS) - {"preview", "attachment"}
#: a skip of one (kind, field) that removes other things from the comparison
_ALSO = {
    ("comment", "previews"): (("preview", "*"),),
    ("comment", "attachments"): (("attachment", "*"),),
    ("playlist_entry", "*"): (("playlist", "entries"),),
    ("main_preview", "*"): (("shot", "preview_id"), ("asset", "preview_id")),
    # a task's retake count follows the retake flag of the statuses its comments set
    ("task_status", "is_retake"): (("task", "nb_retakes"),),
}


@attrs.frozen
class Difference:
    """One field that differs: ``field`` ``"*"`` when the entity is on one side only."""

    kind: str
    key: str
    field: str
    left: Any
    right: Any

    def __str__(self) -> str:
        return f"{self.kind} {self.key!r} {self.field}: {self.left!r} != {self.right!r}"


def compare_projects(
    left: Session,
    right: Session,
    project: str,
    right_project: str | None = None,
    *,
    ignore: Iterable[tuple[str, str]] = (),
) -> list[Difference]:
    """The differences between ``project`` on ``left`` and ``right_project``
    (default: the same name) on ``right``.

    ``ignore`` holds ``(kind, field)`` pairs not compared (field ``"*"``: the
    whole kind), e.g. ``CopyReport.skipped_fields()``: what a copy said it
    left out. Costs one walk of the project on each side.
    """
    skip = set(ignore)
    for pair in list(skip):
        skip.update(_ALSO.get(pair, ()))
    mine = snapshot(left, project)
    theirs = snapshot(right, right_project or project)
    out: list[Difference] = []
    for kind in sorted(set(mine) | set(theirs)):
        if (kind, "*") in skip:
            continue
        a, b = mine.get(kind, {}), theirs.get(kind, {})
        for key in sorted(set(a) | set(b)):
            if key not in b or key not in a:
                out.append(
                    Difference(
                        kind,
                        key,
                        "*",
                        "present" if key in a else None,
                        "present" if key in b else None,
                    )
                )
                continue
            for field in sorted(set(a[key]) | set(b[key])):
                custom = field.startswith("custom_data.") and (kind, "custom_data") in skip
                if custom or (kind, field) in skip:
                    continue
                x, y = a[key].get(field), b[key].get(field)
                if x != y:
                    out.append(Difference(kind, key, field, x, y))
    return out


def snapshot(session: Session, project: str) -> Snapshot:
    """``{kind: {natural key: {field: value}}}`` of one project, references as
    natural keys (what :func:`compare_projects` compares)."""
    return _Walk(session).run(project)


class _Walk:
    def __init__(self, session: Session) -> None:
        self.session = session
        self.out: Snapshot = {}
        self.keys: dict[tuple[str, str], str] = {}
        self.used: dict[str, set[str]] = {}

    def key(self, kind: str, ident: str | None) -> str | None:
        """The natural key of a referenced entity (and note it as used)."""
        if ident is None:
            return None
        if (kind, ident) in self.keys:
            return self.keys[(kind, ident)]
        self.used.setdefault(kind, set()).add(ident)
        entity = self.session._ref(kind, ident)
        if kind == "person":
            return str(entity.email or entity.name)
        if kind == "task_status":
            return str(entity.short_name)
        return str(entity.name)

    def fields(self, kind: str, entity: Any) -> dict[str, Any]:
        spec = KINDS[kind]
        row: dict[str, Any] = {}
        for field in spec.fields:
            if field in _NEVER or field in ("previews", "attachments", "checklist", "entries"):
                continue
            if field == "name" and kind in _NAMED_BY_KEY:
                continue
            value = getattr(entity, field)
            target = spec.refs.get(field) or {
                "assignee_ids": "person",
                "department_ids": "department",
            }.get(field)
            if target == "preview":
                value = self.keys.get(("preview", value)) if value else None
            elif target is not None:
                if isinstance(value, list):
                    value = sorted(str(self.key(target, v)) for v in value)
                else:
                    value = self.key(target, value)
            if kind == "preview" and field == "duration" and not value:
                value = None  # a still has none: Kitsu says 0, the others None
            row[field] = value
        if kind not in ("preview", "attachment"):  # a publish carries none: the tracker's own
            for k, v in (entity.custom_data or {}).items():
                row[f"custom_data.{k}"] = v
        return row

    def put(self, kind: str, key: str, entity: Any, **extra: Any) -> None:
        self.keys[(kind, entity.id)] = key
        self.out.setdefault(kind, {})[key] = {**self.fields(kind, entity), **extra}

    def run(self, name: str) -> Snapshot:
        session = self.session
        caps = session.capabilities
        project = session.projects.fetch(name)
        self.out["project"] = {"project": self.fields("project", project)}
        if "episodes" in caps:
            for e in project.episodes:
                self.put("episode", e.name, e)
        for seq in project.sequences:
            self.put("sequence", seq.name, seq)
        shots = project.shots.all()
        assets = project.assets.all() if "assets" in caps else []
        tasks = project.tasks.all()
        # comments first: a main preview is named by its comment
        for task in tasks:
            owner = session._ref(task.entity_kind or "shot", task.entity_id)
            where = getattr(owner, "qualified_name", None) or owner.name
            tkey = f"{where}/{task.task_type.name}/{task.name}"
            self.keys[("task", task.id)] = tkey
            for i, c in enumerate(reversed(task.comments.all())):
                ckey = f"{tkey}#{i}"
                previews = []
                for j, preview in enumerate(c.previews):
                    pkey = f"{ckey}/preview{j}"
                    self.put("preview", pkey, preview)
                    previews.append(pkey)
                attachments = []
                for j, attachment in enumerate(c.attachments):
                    akey = f"{ckey}/attachment{j}"
                    self.put("attachment", akey, attachment)
                    attachments.append(akey)
                self.put(
                    "comment",
                    ckey,
                    c,
                    previews=previews,
                    attachments=attachments,
                    checklist=[(item.text, item.checked) for item in c.checklist],
                )
            self.put("task", tkey, task)
            if "time_spent" in caps:
                logged = sorted(
                    (str(self.key("person", t.person.id)), t.date.isoformat(), t.duration)
                    for t in task.time_spent
                )
                if logged:
                    self.out.setdefault("time_spent", {})[tkey] = {"entries": logged}
        for s in shots:
            self.put("shot", s.qualified_name, s)
        for a in assets:
            self.put("asset", f"{a.asset_type.name}/{a.name}", a)
        if "casting" in caps:
            for s in shots:
                cast = sorted(
                    (f"{e.asset.asset_type.name}/{e.asset.name}", e.nb_occurences, e.label)
                    for e in s.casting
                )
                if cast:
                    self.out.setdefault("casting", {})[s.qualified_name] = {"assets": cast}
        if "playlists" in caps:
            for playlist in project.playlists:
                entries = [
                    (
                        self.keys.get((e.entity.kind, e.entity.id)),
                        self.keys.get(("preview", e.preview.id)) if e.preview else None,
                    )
                    for e in playlist.entries
                ]
                self.put("playlist", playlist.name, playlist, entries=entries)
        if "team" in caps:
            team = project.team.all()
            if team:
                self.out["team"] = {
                    "team": {"members": sorted(str(p.email or p.name) for p in team)}
                }
                for person in team:
                    self.key("person", person.id)
        self.reference()
        return self.out

    def reference(self) -> None:
        """The reference data the walk met: task types, statuses, asset types,
        people and their departments."""
        done: set[tuple[str, str]] = set()
        while True:
            todo = [(k, i) for k, ids in self.used.items() for i in ids if (k, i) not in done]
            if not todo:
                return
            for kind, ident in sorted(todo):
                done.add((kind, ident))
                if kind not in ("task_type", "task_status", "asset_type", "person", "department"):
                    continue
                entity = self.session._ref(kind, ident)
                key = self.key(kind, ident)
                assert key is not None
                self.out.setdefault(kind, {})[key] = self.fields(kind, entity)


def describe(differences: Iterable[Difference], limit: int = 40) -> str:
    """The differences, one a line (at most ``limit``), for an assertion message."""
    items = list(differences)
    lines = [str(d) for d in items[:limit]]
    if len(items) > limit:
        lines.append(f"... and {len(items) - limit} more")
    return "\n".join(lines)
