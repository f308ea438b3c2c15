"""``gadget.copy``: one project from one tracker to another.

::

    import gadget

    src = gadget.connect("kitsu+https://kitsu.mystudio.com/api", login=..., password=...)
    dst = gadget.connect("sqlite:///archive.db", create=True)
    report = gadget.copy(src, dst, "MyShow")
    print(report.summary())

What is copied, in this order (each step only what the source holds and
both trackers declare): the project; the people it uses (its team, the
assignees, the comments' authors, the time loggers), matched by e-mail and
created on the destination when missing; their departments; the task types,
task statuses and asset types its tasks and assets use (matched by name, a
status by short name); episodes, sequences, shots, assets; tasks with their
status and assignees; each task's comments, oldest first, with their status,
author, checklist, previews and attachments (each file downloaded from the
source into a temporary folder and uploaded to the destination); the main
preview of shots and assets; casting; time spent; playlists and their entries.

**Idempotent.** Everything is matched on the destination by its natural key
(a shot by its sequence's name and its own, a task by its entity, task type
and name, a person by e-mail ...), so a second run creates nothing and an
interrupted run resumes where it stopped. A comment is matched by its
position among its task's comments, its text and its status: the copy posts
a task's comments oldest first, so what an interrupted run posted is the
start of the list. An entity that exists is not changed, except what a copy
finishes after creating it (a task's assignees and final status, a main
preview, a casting, time spent, playlist entries, team membership).

**Nothing silently dropped.** What the destination cannot hold (a
capability it does not declare, a field it has no place for:
``Tracker.cannot_store``, a comment author it does not keep) is left out and
listed in :attr:`CopyReport.skipped` with the reason, per kind and field.

What it costs: on the source one listing per kind (tasks and comments in
bulk), one casting read per group of shots, one time-spent read per task and
one download per file; on the destination one listing per kind, then one
request per entity created (several for a comment with files), nothing for
what exists.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Iterable, Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import attrs

from gadget.errors import NotFound
from gadget.kinds import KINDS

if TYPE_CHECKING:
    from gadget.entities import Comment, Person, Project, Task
    from gadget.session import Session

__all__ = ["CopyReport", "CopySkip", "copy"]

#: called as ``progress(step, done, total)``; ``step`` names what is being copied
Progress = Callable[[str, int, int], None]

#: the kinds counted in a report, in the order they are copied
KIND_ORDER = (
    "project",
    "department",
    "person",
    "team",
    "task_type",
    "task_status",
    "asset_type",
    "episode",
    "sequence",
    "shot",
    "asset",
    "task",
    "comment",
    "preview",
    "attachment",
    "task_update",
    "main_preview",
    "casting",
    "time_spent",
    "playlist",
    "playlist_entry",
)

#: what each step needs the destination to declare
_NEEDS = {
    "episode": "episodes",
    "asset_type": "assets",
    "asset": "assets",
    "preview": "previews",
    "main_preview": "previews",
    "attachment": "attachments",
    "casting": "casting",
    "time_spent": "time_spent",
    "playlist": "playlists",
    "playlist_entry": "playlists",
    "department": "departments",
    "team": "team",
}

#: fields a copy writes when it creates an entity of each kind (references
#: as ``*_id`` of the destination); the rest is derived or written later
_COPIED_FIELDS: dict[str, tuple[str, ...]] = {
    "project": ("code", "production_type", "status", "fps", "description"),
    "department": ("name", "color"),
    "person": ("first_name", "last_name", "email", "role", "active", "department_ids"),
    "task_type": ("name", "short_name", "color", "for_entity", "department_id", "priority"),
    "task_status": KINDS["task_status"].fields,  # every one: a status is its fields
    "asset_type": ("name", "short_name"),
    "episode": ("name", "description"),
    "sequence": ("name", "episode_id", "description"),
    "shot": (
        "name",
        "sequence_id",
        "frame_in",
        "frame_out",
        "fps",
        "nb_frames",
        "description",
    ),
    "asset": ("name", "asset_type_id", "episode_id", "description"),
    "task": (
        "name",
        "task_type_id",
        "status_id",
        "assignee_ids",
        "start_date",
        "due_date",
        "estimation",
        "priority",
        "description",
    ),
    "playlist": ("name", "episode_id", "for_entity", "for_client"),
}


@attrs.define
class CopySkip:
    """What a copy left out, for one reason: ``kind`` and ``field`` (``"*"``: the
    whole entity; ``custom_data.KEY`` for one key), how many times, and a few
    of the entities concerned (their natural keys)."""

    kind: str
    field: str
    reason: str
    count: int = 0
    examples: list[str] = attrs.field(factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "field": self.field,
            "reason": self.reason,
            "count": self.count,
            "examples": list(self.examples),
        }


@attrs.define
class CopyReport:
    """What :func:`copy` did: per kind, how many were copied and how many were
    already there, and what was skipped and why."""

    project: str
    source: str
    destination: str
    copied: dict[str, int] = attrs.field(factory=dict)
    already_there: dict[str, int] = attrs.field(factory=dict)
    skipped: list[CopySkip] = attrs.field(factory=list)

    @property
    def nothing_copied(self) -> bool:
        """True when the destination already held everything the copy could write."""
        return not any(self.copied.values())

    def skipped_fields(self) -> set[tuple[str, str]]:
        """``{(kind, field)}`` of everything skipped (``field`` ``"*"``: whole entities)."""
        return {(s.kind, s.field) for s in self.skipped}

    def as_dict(self) -> dict[str, Any]:
        """The report in JSON types (what ``gadget copy --json`` prints)."""
        return {
            "project": self.project,
            "source": self.source,
            "destination": self.destination,
            "copied": {k: v for k, v in self.copied.items() if v},
            "already_there": {k: v for k, v in self.already_there.items() if v},
            "skipped": [s.as_dict() for s in self.skipped],
            "nothing_copied": self.nothing_copied,
        }

    def summary(self) -> str:
        """A few lines for people: the counts per kind, then each skip with its reason."""
        lines = [f"copy of project {self.project!r}: {self.source} -> {self.destination}"]
        kinds = [k for k in KIND_ORDER if self.copied.get(k) or self.already_there.get(k)]
        width = max((len(_plural(k)) for k in kinds), default=0)
        for kind in kinds:
            lines.append(
                f"  {_plural(kind):<{width}}  copied {self.copied.get(kind, 0):>5}"
                f"  already there {self.already_there.get(kind, 0):>5}"
            )
        if self.nothing_copied:
            lines.append("nothing copied: everything was already there")
        else:
            total = sum(self.copied.values())
            lines.append(f"{total} copied, {sum(self.already_there.values())} already there")
        if self.skipped:
            lines.append(f"skipped ({len(self.skipped)}):")
            for s in self.skipped:
                where = _plural(s.kind) if s.field == "*" else f"{s.kind} {s.field}"
                seen = f" e.g. {', '.join(s.examples)}" if s.examples else ""
                lines.append(f"  {where} ({s.count}): {s.reason}{seen}")
        else:
            lines.append("skipped: nothing")
        return "\n".join(lines)

    # -- what the copy calls -------------------------------------------------
    def count(self, kind: str, made: bool, n: int = 1) -> None:
        table = self.copied if made else self.already_there
        table[kind] = table.get(kind, 0) + n

    def skip(self, kind: str, field: str, reason: str, example: str | None = None) -> None:
        for s in self.skipped:
            if s.kind == kind and s.field == field and s.reason == reason:
                break
        else:
            s = CopySkip(kind, field, reason)
            self.skipped.append(s)
        s.count += 1
        if example and len(s.examples) < 3 and example not in s.examples:
            s.examples.append(example)


def _plural(kind: str) -> str:
    special = {
        "team": "team members",
        "casting": "castings",
        "time_spent": "time spent",
        "task_update": "task statuses or assignees set",
        "person": "people",
        "playlist_entry": "playlist entries",
    }
    if kind in special:
        return special[kind]
    return KINDS[kind].plural.replace("_", " ") if kind in KINDS else kind.replace("_", " ") + "s"


def copy(
    src: Session,
    dst: Session,
    project: str,
    *,
    dst_project: str | None = None,
    progress: Progress | None = None,
) -> CopyReport:
    """Copy the project named ``project`` from the session ``src`` to ``dst``.

    ``dst_project`` names it on the destination (default: the same name).
    ``progress(step, done, total)`` hears how far each step is. Returns a
    :class:`CopyReport`; running it again creates nothing. Raises NotFound
    when the source has no such project; any other gadget error of either
    tracker stops the copy where it is (run it again to resume).
    """
    source = src.projects.fetch(project)
    with tempfile.TemporaryDirectory(prefix="gadget-copy-") as folder:
        copier = _Copier(src, dst, source, dst_project or project, Path(folder), progress)
        copier.run()
    return copier.report


class _Copier:
    """One copy: the maps from source ids to destination entities, the report."""

    def __init__(
        self,
        src: Session,
        dst: Session,
        project: Project,
        name: str,
        folder: Path,
        progress: Progress | None,
    ) -> None:
        self.src = src
        self.dst = dst
        self.project = project
        self.name = name
        self.folder = folder
        self.progress = progress
        self.report = CopyReport(
            project.name,
            _where(src),
            _where(dst) + (f" as {name!r}" if name != project.name else ""),
        )
        #: (kind, source id) -> destination entity (or id, for previews)
        self.map: dict[tuple[str, str], Any] = {}
        self.src_caps = src.capabilities
        self.dst_caps = dst.capabilities
        self.target: Any = None
        self.src_tasks: list[Task] = []
        self.src_comments: dict[str, list[Comment]] = {}
        self.src_time: dict[str, list[Any]] = {}
        self.src_shots: list[Any] = []
        self.src_assets: list[Any] = []
        #: destination tasks made by this run (no comments to look for)
        self.new_tasks: set[str] = set()

    # -- helpers ---------------------------------------------------------------
    def can(self, kind: str) -> bool:
        """Whether the destination declares what ``kind`` needs (skipped otherwise)."""
        need = _NEEDS.get(kind)
        return need is None or need in self.dst_caps

    def lacks(self, kind: str) -> str:
        need = _NEEDS[kind]
        return f"the {self.dst.tracker.name} tracker does not declare {need!r}"

    def step(self, label: str, items: list[Any]) -> Iterator[Any]:
        total = len(items)
        if self.progress is not None:
            self.progress(label, 0, total)
        for done, item in enumerate(items, 1):
            yield item
            if self.progress is not None:
                self.progress(label, done, total)

    def fields(self, kind: str, entity: Any, key: str) -> dict[str, Any]:
        """The fields of a new destination ``kind`` from a source entity:
        references mapped, None left out, what the destination cannot store
        dropped and reported."""
        out: dict[str, Any] = {}
        for name in _COPIED_FIELDS.get(kind, ()):
            value = getattr(entity, name)
            if value is None or value == []:
                continue
            ref = KINDS[kind].refs.get(name) or {"department_ids": "department"}.get(name)
            if name == "assignee_ids":
                ref = "person"
            if ref is not None:
                value = self.ref(kind, name, ref, value, key)
                if value is None or value == []:
                    continue
            out[name] = value
        custom = dict(entity.custom_data or {})
        if custom:
            out["custom_data"] = custom
        return self.storable(kind, out, key)

    def ref(self, kind: str, field: str, ref: str, value: Any, key: str) -> Any:
        """A source reference as the destination's id(s); None (and a skip) when
        its target was not copied."""
        if isinstance(value, list):
            ids = [self.ref(kind, field, ref, v, key) for v in value]
            return [i for i in ids if i is not None]
        hit = self.map.get((ref, value))
        if hit is None:
            self.report.skip(kind, field, f"its {ref.replace('_', ' ')} was not copied", key)
            return None
        return hit.id

    def kept(self, kind: str, source: Any, found: Any, key: str) -> None:
        """Report what a studio-wide entity that already exists on the destination
        (a person, a task type, a status ...) holds otherwise: the copy uses it
        as it is and changes nothing of it."""
        want = self.fields(kind, source, key)
        for name in _COPIED_FIELDS.get(kind, ()):
            if name not in want and getattr(source, name) is None:
                want[name] = None  # left out of a creation, but differs all the same
        for name, value in want.items():
            if name == "custom_data":
                have = found.custom_data or {}
                pairs = [(f"custom_data.{k}", v, have.get(k)) for k, v in value.items()]
            else:
                pairs = [(name, value, getattr(found, name))]
            for field, mine, theirs in pairs:
                if isinstance(mine, list) and isinstance(theirs, list):
                    mine, theirs = sorted(mine), sorted(theirs)
                if mine != theirs:
                    self.report.skip(
                        kind,
                        field,
                        f"the {kind.replace('_', ' ')} exists on the destination with another "
                        "value, kept as it is",
                        key,
                    )

    def storable(self, kind: str, fields: dict[str, Any], key: str) -> dict[str, Any]:
        refused = self.dst.tracker.cannot_store(kind, fields)
        for name, reason in refused.items():
            self.report.skip(kind, name, reason, key)
            if name.startswith("custom_data."):
                fields["custom_data"].pop(name.split(".", 1)[1], None)
            else:
                fields.pop(name, None)
        if "custom_data" in fields and not fields["custom_data"]:
            del fields["custom_data"]
        return fields

    # -- the steps -------------------------------------------------------------
    def run(self) -> None:
        self.copy_project()
        persons = self.copy_people()
        self.copy_team(persons)
        self.copy_reference()
        self.copy_episodes()
        self.copy_sequences()
        self.copy_shots()
        self.copy_assets()
        tasks = self.copy_tasks()
        self.copy_comments(tasks)
        self.finish_tasks(tasks)
        self.copy_main_previews()
        self.copy_casting()
        self.copy_time_spent(tasks)
        self.copy_playlists()
        self.dst.clear_cache()

    def copy_project(self) -> None:
        try:
            self.target = self.dst.projects.get(name=self.name)
        except NotFound:
            fields = self.fields("project", self.project, self.name)
            prod = fields.get("production_type")
            if prod is not None and prod not in self.dst.tracker.production_types:
                self.report.skip(
                    "project",
                    "production_type",
                    f"the {self.dst.tracker.name} tracker's production types are "
                    + ", ".join(self.dst.tracker.production_types),
                    self.name,
                )
                del fields["production_type"]
            self.target = self.dst.projects.new(name=self.name, **fields)
            self.report.count("project", True)
        else:
            self.fields("project", self.project, self.name)  # reports what it cannot hold
            self.report.count("project", False)

    # people ------------------------------------------------------------------
    def used_people(self) -> dict[str, Person]:
        """The source people the project uses, by id: team, assignees, authors."""
        wanted: set[str] = set()
        if "team" in self.src_caps:
            wanted.update(p.id for p in self.project.team)
        self.src_tasks = self.project.tasks.all()
        for task in self.src_tasks:
            wanted.update(task.assignee_ids)
        for task in self.src_tasks:
            comments = list(reversed(task.comments.all()))  # oldest first
            self.src_comments[task.id] = comments
            wanted.update(c.author_id for c in comments if c.author_id)
        if "time_spent" in self.src_caps:
            for task in self.src_tasks:
                logged = list(task.time_spent)
                self.src_time[task.id] = logged
                wanted.update(t.person.id for t in logged)
        everyone = {p.id: p for p in self.src.persons}
        return {
            pid: everyone[pid] if pid in everyone else self.src._ref("person", pid)
            for pid in wanted
        }

    def copy_people(self) -> dict[str, Person]:
        people = self.used_people()
        if people and "departments" in self.src_caps:
            wanted = {d for p in people.values() for d in p.department_ids}
            self.copy_departments(wanted, "person")
        by_email = {(p.email or "").lower(): p for p in self.dst.persons if p.email}
        for person in self.step("people", sorted(people.values(), key=_person_key)):
            key = person.email or person.name
            if not person.email:
                self.report.skip("person", "*", "no e-mail to match it by", key)
                self.map[("person", person.id)] = None
                continue
            found = by_email.get(person.email.lower())
            if found is not None:
                self.map[("person", person.id)] = found
                self.report.count("person", False)
                self.kept("person", person, found, key)
                continue
            if "create_persons" not in self.dst_caps:
                self.report.skip(
                    "person",
                    "*",
                    f"the {self.dst.tracker.name} tracker cannot create people "
                    "(no 'create_persons'): their assignments and authorship are skipped",
                    key,
                )
                self.map[("person", person.id)] = None
                continue
            made = self.dst.persons.new(**self.fields("person", person, key))
            by_email[person.email.lower()] = made
            self.map[("person", person.id)] = made
            self.report.count("person", True)
        return people

    def copy_departments(self, ids: Iterable[str], used_by: str) -> None:
        ids = [i for i in ids if ("department", i) not in self.map]
        if not ids:
            return
        if not self.can("department"):
            for ident in ids:
                self.map[("department", ident)] = None
                self.report.skip("department", "*", self.lacks("department"), None)
            return
        have = {d.name: d for d in self.dst.departments}
        for ident in ids:
            source = self.src._ref("department", ident)
            found = have.get(source.name)
            self.report.count("department", found is None)
            if found is None:
                found = self.dst.departments.new(**self.fields("department", source, source.name))
                have[found.name] = found
            else:
                self.kept("department", source, found, source.name)
            self.map[("department", ident)] = found

    def copy_team(self, people: Mapping[str, Person]) -> None:
        if "team" not in self.src_caps:
            return
        members = [p for p in self.project.team]
        if not members:
            return
        if not self.can("team"):
            for p in members:
                self.report.skip("team", "*", self.lacks("team"), p.email)
            return
        have = {p.id for p in self.target.team}
        for person in self.step("team", members):
            mapped = self.map.get(("person", person.id))
            if mapped is None:
                self.report.skip("team", "*", "the person was not copied", person.email)
                continue
            if mapped.id in have:
                self.report.count("team", False)
            else:
                self.target.team.add(mapped)
                self.report.count("team", True)

    # reference data ------------------------------------------------------------
    def copy_reference(self) -> None:
        types = {t.task_type_id for t in self.src_tasks}
        statuses = {t.status_id for t in self.src_tasks}
        for comments in self.src_comments.values():
            statuses.update(c.status_id for c in comments if c.status_id)
        src_types = [self.src._ref("task_type", i) for i in types if i]
        if "departments" in self.src_caps:
            self.copy_departments(
                {t.department_id for t in src_types if t.department_id}, "task_type"
            )
        self.copy_named("task_type", src_types, self.dst.task_types, "name")
        src_statuses = [self.src._ref("task_status", i) for i in statuses if i]
        self.copy_named("task_status", src_statuses, self.dst.task_statuses, "short_name")
        if "assets" in self.src_caps:
            self.src_assets = self.project.assets.all()
            kinds = {a.asset_type_id for a in self.src_assets}
            src_kinds = [self.src._ref("asset_type", i) for i in kinds if i]
            if src_kinds and not self.can("asset_type"):
                for a in src_kinds:
                    self.report.skip("asset_type", "*", self.lacks("asset_type"), a.name)
                    self.map[("asset_type", a.id)] = None
            else:
                self.copy_named("asset_type", src_kinds, self.dst.asset_types, "name")
        else:
            self.src_assets = []

    def copy_named(self, kind: str, entities: list[Any], where: Any, key: str) -> None:
        have = {getattr(e, key): e for e in where}
        label = _plural(kind)
        for entity in self.step(label, sorted(entities, key=lambda e: getattr(e, key))):
            name = getattr(entity, key)
            found = have.get(name)
            if found is None:
                found = where.new(**self.fields(kind, entity, name))
                have[name] = found
                self.report.count(kind, True)
            else:
                self.report.count(kind, False)
                self.kept(kind, entity, found, name)
            self.map[(kind, entity.id)] = found

    # production ----------------------------------------------------------------
    def copy_episodes(self) -> None:
        if "episodes" not in self.src_caps:
            return
        episodes = self.project.episodes.all()
        if episodes and not self.can("episode"):
            for e in episodes:
                self.report.skip("episode", "*", self.lacks("episode"), e.name)
                self.map[("episode", e.id)] = None
            return
        have = {e.name: e for e in self.target.episodes}
        self.copy_under("episode", episodes, have, lambda e: e.name, self.target.episodes)

    def copy_under(
        self,
        kind: str,
        entities: list[Any],
        have: dict[Any, Any],
        key: Callable[[Any], Any],
        where: Any,
        label: Callable[[Any], str] | None = None,
    ) -> None:
        """Match ``entities`` in ``have`` by ``key``; create the others in ``where``."""
        for entity in self.step(_plural(kind), entities):
            k = key(entity)
            found = have.get(k)
            name = label(entity) if label else str(k)
            # built either way: what the destination cannot hold is reported on every run
            fields = self.fields(kind, entity, name)
            if found is None:
                found = where.new(**fields)
                have[k] = found
                self.report.count(kind, True)
            else:
                self.report.count(kind, False)
            self.map[(kind, entity.id)] = found

    def _name_of(self, kind: str, ident: str | None) -> str | None:
        if ident is None:
            return None
        return str(self.src._ref(kind, ident).name)

    def copy_sequences(self) -> None:
        sequences = self.project.sequences.all()
        have = {(self._dst_name("episode", s.episode_id), s.name): s for s in self.target.sequences}
        self.copy_under(
            "sequence",
            sequences,
            have,
            lambda s: (self._mapped_name("episode", s.episode_id), s.name),
            self.target.sequences,
        )

    def _dst_name(self, kind: str, ident: str | None) -> str | None:
        if ident is None:
            return None
        return str(self.dst._ref(kind, ident).name)

    def _mapped_name(self, kind: str, ident: str | None) -> str | None:
        """The destination name of a source reference (None when not copied)."""
        if ident is None:
            return None
        hit = self.map.get((kind, ident))
        return None if hit is None else str(hit.name)

    def copy_shots(self) -> None:
        shots = self.project.shots.all()
        have = {(self._dst_name("sequence", s.sequence_id), s.name): s for s in self.target.shots}
        self.copy_under(
            "shot",
            shots,
            have,
            lambda s: (self._mapped_name("sequence", s.sequence_id), s.name),
            self.target.shots,
            lambda s: f"{self._name_of('sequence', s.sequence_id)}/{s.name}",
        )
        self.src_shots = shots

    def copy_assets(self) -> None:
        assets = self.src_assets
        if not assets:
            return
        if not self.can("asset"):
            for a in assets:
                self.report.skip("asset", "*", self.lacks("asset"), a.name)
            return
        have = {
            (self._dst_name("asset_type", a.asset_type_id), a.name): a for a in self.target.assets
        }
        self.copy_under(
            "asset",
            assets,
            have,
            lambda a: (self._mapped_name("asset_type", a.asset_type_id), a.name),
            self.target.assets,
            lambda a: f"{self._name_of('asset_type', a.asset_type_id)}/{a.name}",
        )

    # tasks -----------------------------------------------------------------------
    def task_key(self, task: Task, session: Session) -> str:
        owner = session._ref(task.entity_kind or "shot", task.entity_id)
        where = getattr(owner, "qualified_name", None) or owner.name
        return f"{where}/{session._ref('task_type', task.task_type_id).name}/{task.name}"

    def copy_tasks(self) -> list[tuple[Task, Task]]:
        """Create the missing tasks; the pairs (source, destination) of all copied."""
        pairs: list[tuple[Task, Task]] = []
        have: dict[tuple[str, str, str, str], Task] = {}
        for task in self.target.tasks:
            tt = self.dst._ref("task_type", task.task_type_id).name
            have[(task.entity_kind or "shot", str(task.entity_id), tt, task.name)] = task
        for task in self.step("tasks", self.src_tasks):
            kind = task.entity_kind or "shot"
            key = self.task_key(task, self.src)
            owner = self.map.get((kind, str(task.entity_id)))
            if owner is None:
                self.report.skip("task", "*", f"its {kind} was not copied", key)
                continue
            tt = self.map.get(("task_type", task.task_type_id))
            found = have.get((kind, owner.id, tt.name if tt else "", task.name))
            fields = self.fields("task", task, key)
            if found is None:
                if self.src_comments.get(task.id):
                    # its comments set the statuses again, in order (retakes counted)
                    fields.pop("status_id", None)
                found = owner.tasks.new(**fields)
                self.new_tasks.add(found.id)
                self.report.count("task", True)
            else:
                self.report.count("task", False)
            self.map[("task", task.id)] = found
            pairs.append((task, found))
        return pairs

    def finish_tasks(self, pairs: list[tuple[Task, Task]]) -> None:
        """Assignees and status as on the source, once the comments are posted."""
        fresh = {t.id: t for t in self.target.tasks.refresh()}
        for src, held in pairs:
            key = self.task_key(src, self.src)
            dst = fresh.get(held.id, held)
            want: dict[str, Any] = {}
            status = self.map.get(("task_status", str(src.status_id)))
            if status is not None and dst.status_id != status.id:
                want["status_id"] = status.id
            people = [self.map.get(("person", p)) for p in src.assignee_ids]
            ids = [p.id for p in people if p is not None]
            if sorted(ids) != sorted(dst.assignee_ids):
                want["assignee_ids"] = ids
            if want:
                dst.update(**self.storable("task", want, key))
                self.report.count("task_update", True)

    # comments --------------------------------------------------------------------
    def copy_comments(self, pairs: list[tuple[Task, Task]]) -> None:
        todo = [(s, d) for s, d in pairs if self.src_comments.get(s.id)]
        for src_task, dst_task in self.step("comments", todo):
            self.copy_task_comments(src_task, dst_task)

    def copy_task_comments(self, src_task: Task, dst_task: Task) -> None:
        key = self.task_key(src_task, self.src)
        posted: list[Comment] = []
        if dst_task.id not in self.new_tasks:
            posted = list(reversed(dst_task.comments.all()))  # oldest first
        at = 0
        for comment in self.src_comments[src_task.id]:
            status = self.map.get(("task_status", comment.status_id)) if comment.status_id else None
            match = None
            for i in range(at, len(posted)):
                other = posted[i]
                if other.text == comment.text and (status is None or other.status_id == status.id):
                    match = other
                    at = i + 1
                    break
            if match is not None:
                self.report.count("comment", False)
                self.map_files(comment, match, made=False)
                continue
            made = self.post(comment, dst_task, status, key)
            self.map_files(comment, made, made=True)
            posted.append(made)
            at = len(posted)

    def post(self, comment: Comment, task: Task, status: Any, key: str) -> Comment:
        fields: dict[str, Any] = {"comment": comment.text}
        if status is not None:
            fields["status"] = status
        author = self.map.get(("person", comment.author_id)) if comment.author_id else None
        if author is not None:
            fields["author"] = author
        elif comment.author_id:
            self.report.skip("comment", "author_id", "its author was not copied", key)
        if comment.checklist:
            fields["checklist"] = [(c.text, c.checked) for c in comment.checklist]
        if comment.custom_data:
            self.report.skip(
                "comment", "custom_data", "a comment is posted without custom_data", key
            )
        with tempfile.TemporaryDirectory(dir=self.folder) as folder:
            previews = self.fetch_files("preview", comment.previews, Path(folder), key)
            attachments = self.fetch_files("attachment", comment.attachments, Path(folder), key)
            if previews:
                fields["preview"] = previews
            if attachments:
                fields["attachments"] = attachments
            made = task.comments.new(**fields)
        self.report.count("comment", True)
        if author is not None and made.author_id != author.id:
            self.report.skip(
                "comment",
                "author_id",
                f"the {self.dst.tracker.name} tracker posts as the logged-in person",
                key,
            )
        return made

    def fetch_files(self, kind: str, files: Iterable[Any], folder: Path, key: str) -> list[Path]:
        files = list(files)
        if not files:
            return []
        if not self.can(kind):
            for _ in files:
                self.report.skip("comment", f"{kind}s", self.lacks(kind), key)
            return []
        paths = []
        for i, item in enumerate(files):
            name = item.name or f"{kind}{i}"
            if kind == "preview" and item.extension:
                name = f"{name}.{item.extension}"
            # one folder per file and kind: a preview and an attachment may share a name
            path = folder / kind / str(i) / name
            path.parent.mkdir(parents=True)
            item.download(path)
            paths.append(path)
        return paths

    def map_files(self, src: Comment, dst: Comment, *, made: bool) -> None:
        for kind, mine, theirs in (
            ("preview", src.previews, dst.previews),
            ("attachment", src.attachments, dst.attachments),
        ):
            pairs: list[tuple[Any, Any]] = list(zip(mine, theirs, strict=False))
            for a, b in pairs:
                self.map[(kind, a.id)] = b
                self.report.count(kind, made)
                if made and a.custom_data:
                    self.report.skip(
                        kind, "custom_data", f"a {kind} is published without custom_data", a.name
                    )

    # after the comments --------------------------------------------------------------
    def copy_main_previews(self) -> None:
        owners = [("shot", s) for s in self.src_shots] + [("asset", a) for a in self.src_assets]
        owners = [(k, e) for k, e in owners if e.preview_id and (k, e.id) in self.map]
        if owners and not self.can("main_preview"):
            for _k, e in owners:
                self.report.skip(_k, "preview_id", self.lacks("main_preview"), e.name)
            return
        changed = False
        for kind, entity in self.step("main previews", owners):
            target = self.map[(kind, entity.id)]
            preview = self.map.get(("preview", entity.preview_id))
            if target is None:
                continue
            if preview is None:
                self.report.skip(kind, "preview_id", "its preview was not copied", entity.name)
                continue
            if target.preview_id == preview.id:
                self.report.count("main_preview", False)
                continue
            self.dst.tracker.set_main_preview(preview.id)
            changed = True
            self.report.count("main_preview", True)
        if changed:
            self.dst.clear_cache()

    def copy_casting(self) -> None:
        if "casting" not in self.src_caps:
            return
        shots = [s for s in self.src_shots if ("shot", s.id) in self.map]
        casting = {s.id: list(s.casting) for s in shots}
        cast = [s for s in shots if casting[s.id]]
        if cast and not self.can("casting"):
            for s in cast:
                self.report.skip("casting", "*", self.lacks("casting"), s.name)
            return
        changes: dict[Any, list[Any]] = {}
        for shot in self.step("casting", cast):
            target = self.map[("shot", shot.id)]
            rows = []
            for entry in casting[shot.id]:
                asset = self.map.get(("asset", entry.asset.id))
                if asset is None:
                    self.report.skip("casting", "*", "its asset was not copied", shot.name)
                    continue
                rows.append((asset, entry.nb_occurences, entry.label))
            have = sorted((e.asset.id, e.nb_occurences, e.label) for e in target.casting)
            if have == sorted((a.id, n, lbl) for a, n, lbl in rows):
                self.report.count("casting", False)
            else:
                changes[target] = rows
                self.report.count("casting", True)
        if changes:
            self.dst.set_casting(changes)

    def copy_time_spent(self, pairs: list[tuple[Task, Task]]) -> None:
        logged = [(s, d) for s, d in pairs if self.src_time.get(s.id)]
        if logged and not self.can("time_spent"):
            for s, _d in logged:
                self.report.skip(
                    "time_spent", "*", self.lacks("time_spent"), self.task_key(s, self.src)
                )
            return
        for src_task, dst_task in self.step("time spent", logged):
            have = {(t.person.id, t.date): t.duration for t in dst_task.time_spent}
            for entry in self.src_time[src_task.id]:
                person = self.map.get(("person", entry.person.id))
                if person is None:
                    self.report.skip(
                        "time_spent",
                        "*",
                        "the person was not copied",
                        self.task_key(src_task, self.src),
                    )
                    continue
                if have.get((person.id, entry.date)) == entry.duration:
                    self.report.count("time_spent", False)
                    continue
                dst_task.time_spent.set(person, entry.date, duration=entry.duration)
                self.report.count("time_spent", True)

    def copy_playlists(self) -> None:
        if "playlists" not in self.src_caps:
            return
        playlists = self.project.playlists.all()
        if not playlists:
            return
        if not self.can("playlist"):
            for p in playlists:
                self.report.skip("playlist", "*", self.lacks("playlist"), p.name)
            return
        have = {p.name: p for p in self.target.playlists}
        self.copy_under("playlist", playlists, have, lambda p: p.name, self.target.playlists)
        for playlist in self.step("playlist entries", playlists):
            target = self.map[("playlist", playlist.id)]
            there = [(e.entity.id, e.preview.id if e.preview else None) for e in target.entries]
            for entry in playlist.entries:
                entity = self.map.get((entry.entity.kind, entry.entity.id))
                preview = self.map.get(("preview", entry.preview.id)) if entry.preview else None
                if entity is None:
                    self.report.skip(
                        "playlist_entry", "*", "its entity was not copied", playlist.name
                    )
                    continue
                pair = (entity.id, preview.id if preview else None)
                if pair in there:
                    there.remove(pair)
                    self.report.count("playlist_entry", False)
                    continue
                target.add(entity, preview)
                self.report.count("playlist_entry", True)


def _person_key(person: Person) -> str:
    return person.email or person.name


def _where(session: Session) -> str:
    from gadget.config import mask_url

    return mask_url(session.config.url)
