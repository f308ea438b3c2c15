"""The local tracker: the reference implementation of the Tracker contract on SQLite.

It is the embedded default the demo and the tests run on: a ``sqlite:///``
file (shareable by several processes) or a private ``memory://`` database.
It declares every capability but ``roles``: any person may do anything.
Every public method runs in one SQLite transaction: a read sees one
consistent snapshot, a write is all or nothing (``BEGIN IMMEDIATE``). Each
method's docstring states its cost in queries; none grows with the number of
records (only id lists longer than SQLite's variable limit are split).

A missing database file is an error unless the caller asks to create it
(``gadget.connect(url, create=True)``); the given login, if any, becomes the
new database's first admin (else ``<os user>@localhost``), and a new database
starts with the task statuses and asset types of a new Kitsu server.
:meth:`LocalTracker.open` acts as the person whose email is the configured
login (an unknown one is an AuthenticationError) or, without a login, as the
first admin. It checks no password and enforces no role: a local database is
not a security boundary, whoever can read the file can read the studio (and
whoever can write it can change it, as anyone).

The work is split by concern: :mod:`.records` (reads and filters),
:mod:`.writes` (validation, create, update), :mod:`.cascade` (delete),
:mod:`.publish` (comments and files), :mod:`.database` (connection,
transactions, migrations), :mod:`.schema` (tables and metadata).
"""

from __future__ import annotations

import builtins
import datetime as dt
import getpass
import shutil
import sqlite3
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from gadget.errors import (
    AuthenticationError,
    ConfigError,
    GadgetError,
    NotFound,
    TrackerUnavailable,
    ValidationError,
)
from gadget.trackers.base import CAPABILITIES, CommentDraft, Record, Tracker
from gadget.trackers.local import cascade, publish, records, writes
from gadget.trackers.local.database import Database, fold
from gadget.trackers.local.files import FileStore
from gadget.trackers.local.location import Location, parse_url
from gadget.trackers.local.records import chunks, marks, q
from gadget.trackers.local.schema import DEFAULT_ASSET_TYPES, DEFAULT_STATUSES, FIELD_TYPES
from gadget.trackers.local.values import normalize

if TYPE_CHECKING:
    from gadget.config import TrackerConfig

__all__ = ["LocalTracker"]

#: Seconds a writer waits for another process's write (``options={"timeout": ...}``).
DEFAULT_TIMEOUT = 10.0
#: Accepted ``options={"journal_mode": ...}``: WAL (default) or DELETE for network shares.
_JOURNAL_MODES = ("WAL", "DELETE", "TRUNCATE", "PERSIST")

Records = builtins.list[Record]


class LocalTracker(Tracker):
    """A tracker on a SQLite file (``sqlite:///studio.db``) or in memory (``memory://``).

    The constructor only reads the URL; :meth:`open` connects, creates or
    migrates the schema, and sets the acting person. One connection per
    instance, shared by threads under a lock; two memory:// instances never
    share data. ``config.options`` may set ``timeout`` (seconds a write waits
    for another process, default 10) and ``journal_mode`` (``WAL`` by default;
    ``DELETE`` for a database on a network share, where WAL is unsafe).
    """

    name: ClassVar[str] = "local"
    #: every capability but "roles": any person may do anything
    capabilities: ClassVar[frozenset[str]] = CAPABILITIES - {"roles"}
    name_filters: ClassVar[frozenset[str]] = frozenset({"task_type_name"})
    option_names: ClassVar[frozenset[str]] = frozenset({"timeout", "journal_mode"})
    #: Kitsu's values and rules, so that a studio moves between the two unchanged:
    #: its production types; several tasks of one type on an entity, by name
    production_types: ClassVar[tuple[str, ...]] = writes.PRODUCTION_TYPES
    project_statuses: ClassVar[tuple[str, ...]] = writes.PROJECT_STATUSES
    unique_keys: ClassVar[Mapping[str, tuple[str, ...]]] = writes.UNIQUE_KEYS

    @classmethod
    def identity(cls, url: str) -> str:
        """A database file's identity is its absolute path (``sqlite:////abs/studio.db``,
        however the URL spelled it); ``memory://name`` is itself."""
        location = parse_url(url.strip())
        if location.database is None:
            return url.strip()
        return f"sqlite:///{location.database.resolve()}"

    def __init__(self, config: TrackerConfig) -> None:
        super().__init__(config)
        self.location: Location = parse_url(config.url)
        options = config.options
        # TRACKER_TIMEOUT / connect(timeout=) bound the wait for the lock, never past the deadline
        timeout = options.get(
            "timeout", min(config.timeout or DEFAULT_TIMEOUT, config.deadline or float("inf"))
        )
        if isinstance(timeout, bool) or not isinstance(timeout, (int, float)) or timeout < 0:
            raise ConfigError(f"timeout is a number of seconds (0 or more), not {timeout!r}")
        journal_mode = str(options.get("journal_mode", "WAL")).upper()
        if journal_mode not in _JOURNAL_MODES:
            raise ConfigError(
                f"journal_mode must be one of {', '.join(_JOURNAL_MODES)}, not {journal_mode!r}"
            )
        self._db = Database(self.location.database, self.location.label, timeout, journal_mode)
        self._files: FileStore | None = None
        self._me_id: str | None = None
        # what this class declares, as its writes check it
        self._rules = writes.Rules(
            {kind: self.unique_fields(kind) for kind in FIELD_TYPES},
            self.production_types,
            self.project_statuses,
        )

    def __repr__(self) -> str:
        return f"LocalTracker({self.location.url!r})"

    # -- session -----------------------------------------------------------
    def open(self) -> None:
        """Connect, create or migrate the schema and set the acting person.

        A ``sqlite:///`` file that does not exist is a ConfigError naming its
        absolute path, and nothing is created, unless ``config.create``
        (``gadget.connect(url, create=True)``). A new database (and every
        ``memory://`` one) gets Kitsu's default task statuses and asset
        types, and one first admin: the person whose email is
        ``config.login``, or ``<os user>@localhost`` without a login.

        The acting person is the one whose email is ``config.login`` (an
        unknown login is an AuthenticationError), or without a login the
        first admin (the earliest-created person whose role is admin). There
        is no password to check.
        """
        database = self.location.database
        if database is not None and not self.config.create and not database.exists():
            raise ConfigError(
                f"the local tracker database {database} does not exist ({self.location.url}; "
                "sqlite:///x is relative to the working directory, sqlite:////x is absolute): "
                "check the path, or pass create=True to gadget.connect() to make a new database"
            )
        first_admin = _email(self.config.login) or f"{_os_user()}@localhost"
        self._db.connect(
            seed=lambda conn: _seed(conn, first_admin, self._rules), create=self.config.create
        )
        try:
            if self._files is None:
                files_dir = self.location.files_dir
                self._files = (
                    FileStore.temporary_store() if files_dir is None else FileStore(files_dir)
                )
            self._me_id = self._acting_person()
        except BaseException:
            self.close()
            raise

    def _acting_person(self) -> str:
        """The id of the person with the login's email, or of the first admin (one query)."""
        email = _email(self.config.login)
        with self._db.read() as conn:
            if email is None:
                row = conn.execute(
                    "SELECT id FROM person WHERE role = 'admin' ORDER BY seq LIMIT 1"
                ).fetchone()
            else:
                row = conn.execute("SELECT id FROM person WHERE email = ?", [email]).fetchone()
        if row is not None:
            return str(row["id"])
        if email is None:
            raise AuthenticationError(
                f"{self.location.label} has no admin to act as: connect with login= "
                "set to the email of one of its persons"
            )
        raise AuthenticationError(
            f"no person with the email {email!r} in {self.location.label}: the local tracker "
            "checks no password but acts only as a person it knows. People come from "
            "`gadget demo`, a copy of a database or session.persons.new(...); connect without "
            "a login to act as the first admin"
        )

    def close(self) -> None:
        """Close the connection; a memory:// tracker also drops its files."""
        self._db.close()
        if self._files is not None and self._files.temporary:
            self._files.cleanup()
            self._files = None
        self._me_id = None

    def whoami(self) -> Record:
        """The acting person's record (one query)."""
        return self.get("person", self._acting_id())

    def _acting_id(self) -> str:
        if self._me_id is None:
            raise TrackerUnavailable(f"the local tracker on {self.location.label} is not open")
        return self._me_id

    def _store(self) -> FileStore:
        if self._files is None:
            raise TrackerUnavailable(f"the local tracker on {self.location.label} is not open")
        return self._files

    # -- generic reads -------------------------------------------------------
    def get(self, kind: str, id: str) -> Record:
        """One record by id (one query, plus one per embedded list of a comment or playlist).

        Raises ``NotFound(kind, {"id": id})`` when absent.
        """
        records.spec(kind)
        with self._db.read() as conn:
            return records.get(conn, kind, id)

    def list(self, kind: str, filters: Mapping[str, Any]) -> Records:
        """Records of ``kind`` matching every filter, in creation order (one query).

        Filters are equality on ``id``, the kind's key and its spec's
        ``filters``; a list or tuple means "any of", None means "unset"; name
        matching is exact. The person filter ``project_id`` means membership
        of that project's team. Comments come newest first. An unknown filter
        field raises ValidationError naming it and the accepted ones.
        """
        records.spec(kind)
        conditions = [records.filter_condition(kind, f, v) for f, v in filters.items()]
        with self._db.read() as conn:
            return records.select_where(conn, kind, conditions)

    def list_with_children(
        self,
        kind: str,
        filters: Mapping[str, Any],
        child_kind: str,
        parent_field: str,
        *,
        validator: str | None = None,  # never given: no answer here carries one
    ) -> tuple[Records, dict[str, Records]]:
        """:meth:`list` and :meth:`list_children` of its results (two queries, whole records)."""
        records = self.list(kind, filters)
        ids = [r["id"] for r in records]
        return records, self.list_children(child_kind, parent_field, ids, parent_kind=kind)

    def list_children(
        self, kind: str, parent_field: str, parent_ids: Sequence[str], *, parent_kind: str
    ) -> dict[str, Records]:
        """``{parent_id: [records]}`` for many parents in one query.

        ``parent_field`` is a filter field of ``kind`` (``entity_id`` for the
        tasks of shots, ``project_id`` for the teams of projects); the rows
        say what the parents are, so ``parent_kind`` is not needed. Every parent
        id is a key; each list is in :meth:`list` order. Comments and
        playlists take one more query per embedded list, for all of them.
        """
        records.spec(kind)
        accepted = records.accepted_filters(kind)
        if parent_field not in accepted:
            raise ValidationError(
                f"cannot list {kind} records by {parent_field!r}; "
                f"accepted: {', '.join(sorted(accepted))}"
            )
        ids = records.unique(parent_ids)
        result: dict[str, Records] = {pid: [] for pid in ids}
        if kind == "person" and parent_field == "project_id":
            sql = (
                "SELECT person.*, team.project_id AS gadget_parent FROM person "
                "JOIN team ON team.person_id = person.id "
                "WHERE team.project_id IN ({}) ORDER BY person.seq"
            )
        else:
            sql = (
                f"SELECT *, {q(parent_field)} AS gadget_parent FROM {q(kind)} "
                f"WHERE {q(parent_field)} IN ({{}}) ORDER BY {records.order_by(kind)}"
            )
        with self._db.read() as conn:
            for chunk in chunks(ids):
                rows = conn.execute(sql.format(marks(chunk)), chunk).fetchall()
                found = [records.record_of(kind, row) for row in rows]
                records.embed(conn, kind, found)
                for row, record in zip(rows, found, strict=True):
                    result[str(row["gadget_parent"])].append(record)
        return result

    # -- generic writes --------------------------------------------------------
    def create(self, kind: str, fields: Mapping[str, Any]) -> Record:
        """Create one record in one transaction and return it.

        Unknown or read-only fields, a missing natural key, a ref to a missing
        record or a wrongly typed value raise ValidationError; a natural key
        already taken in its scope raises AlreadyExists naming the existing
        id. A task takes its project and entity kind from its entity, the
        default status, the name "main" and no retakes unless given. Previews
        and attachments come from :meth:`create_comment`, not from here.
        """
        records.spec(kind)
        with self._db.write() as conn:
            new_id = writes.insert(conn, kind, fields, self._me_id, self._rules)
            return records.get(conn, kind, new_id)

    def create_many(self, kind: str, rows: Sequence[Mapping[str, Any]]) -> Records:
        """Create several records in one transaction: all of them or none.

        Validation runs row by row (a later row may refer to an earlier one);
        the records come back in the order given, read with one query.
        """
        records.spec(kind)
        with self._db.write() as conn:
            ids = [writes.insert(conn, kind, row, self._me_id, self._rules) for row in rows]
            made = records.select_where(conn, kind, [records.filter_condition(kind, "id", ids)])
        by_id = {record["id"]: record for record in made}
        return [by_id[new_id] for new_id in ids]

    def update(self, kind: str, id: str, fields: Mapping[str, Any]) -> Record:
        """Write the given fields (validated as by :meth:`create`) and return the whole record.

        ``custom_data`` is merged into the stored dict; a key given with None
        is removed. ``updated_at`` moves. NotFound when the record is absent.
        """
        records.spec(kind)
        with self._db.write() as conn:
            writes.update(conn, kind, id, fields, self._me_id, self._rules)
            return records.get(conn, kind, id)

    def delete(self, kind: str, id: str) -> None:
        """Delete a record and everything that depends on it, in one transaction.

        Children go with their parent (a sequence's shots, a shot's tasks, a
        task's comments, a comment's previews and attachments with their
        files, casting, time spent, team and playlist entries); optional refs
        to it become None (a shot's main preview, a comment's author, a task's
        assignee). A task status still in use cannot be deleted, nor the
        acting person (ValidationError). NotFound when absent.
        """
        records.spec(kind)
        if kind == "person" and id == self._me_id:
            raise ValidationError("cannot delete the person this tracker acts as")
        with self._db.write() as conn:
            records.get(conn, kind, id)
            plan = cascade.plan_deletion(conn, kind, id)
            paths = cascade.execute_deletion(conn, plan)
        self._store().remove(paths)

    # -- publishing ------------------------------------------------------------
    def create_comment(self, task_id: str, draft: CommentDraft) -> Record:
        """Post a comment with its status, checklist, previews and attachments.

        The files are first copied into the files folder; then one
        transaction inserts the comment (status: the draft's or the task's
        current one; author: the draft's or the acting person; its key),
        moves the task's status (one more retake when it moves to a
        different retake status), records the previews (name = file stem,
        revision after the task's earlier previews, PNG size from the
        header) and attachments, and sets the main preview when asked. On
        failure the transaction is rolled back and the copies removed.
        Returns the comment record.

        A comment of the task posted with ``draft.key`` already (looked up
        before the copies, and again inside the transaction, where a unique
        index makes it one per key) is returned as it is, its main preview
        set if asked and not set: the same publish again never posts twice.
        """
        store = self._store()
        self.get("task", task_id)  # NotFound before copying anything
        if draft.key is not None:
            found = self._comment_with_key(task_id, draft.key)
            if found is not None:
                return self.complete_comment(task_id, found, draft)
        staged = publish.StagedFiles()
        try:
            publish.stage_files(store, task_id, draft, staged)
            with self._db.write() as conn:
                existing = publish.comment_with_key(conn, task_id, draft.key) if draft.key else None
                if existing is None:
                    comment_id = publish.post_comment(
                        conn, task_id, draft, staged, self._me_id, self._rules
                    )
                    return records.get(conn, "comment", comment_id)
            # another writer posted the same key meanwhile: its comment stands
            store.remove(staged.paths)
            return self.complete_comment(task_id, self.get("comment", existing), draft)
        except OSError as exc:
            store.remove(staged.paths)
            message = f"cannot store the file {exc.filename or ''}: {exc.strerror or exc}"
            if isinstance(exc, (FileNotFoundError, IsADirectoryError, PermissionError)):
                raise ValidationError(message) from exc
            raise GadgetError(message) from exc
        except BaseException:
            store.remove(staged.paths)
            raise

    def find_comment(self, task_id: str, key: str) -> Record | None:
        """The task's comment posted with ``key``, or None (one query, plus its files)."""
        return self._comment_with_key(task_id, key)

    def _comment_with_key(self, task_id: str, key: str) -> Record | None:
        with self._db.read() as conn:
            found = publish.comment_with_key(conn, task_id, key)
            return None if found is None else records.get(conn, "comment", found)

    def set_main_preview(self, preview_id: str) -> None:
        """Make a preview the thumbnail (``preview_id``) of its task's shot or asset."""
        with self._db.write() as conn:
            publish.set_main_preview(conn, preview_id)

    def download(self, kind: str, id: str, path: Path) -> Path:
        """Copy a stored preview or attachment file to ``path``, creating its parents.

        When ``path`` is an existing directory the file keeps its name inside
        it. Returns the path written.
        """
        if kind not in ("preview", "attachment"):
            raise ValidationError(f"only previews and attachments have files, not {kind}")
        record = self.get(kind, id)
        source = self._store().path(record["raw"]["path"])
        target = Path(path).expanduser()
        if target.is_dir():
            filename = record["name"]
            if kind == "preview" and record["extension"]:
                filename += "." + record["extension"]
            target = target / filename
        if not source.is_file():
            raise NotFound(f"{kind} file", {"id": id}, where=str(source.parent))
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source, target)
        except OSError as exc:
            raise GadgetError(f"cannot write {target}: {exc.strerror or exc}") from exc
        return target

    # -- casting -------------------------------------------------------------
    def get_casting(self, shot_ids: Sequence[str]) -> dict[str, Records]:
        """``{shot_id: [{"asset_id", "nb_occurences", "label"}]}``, every id a key (one query)."""
        ids = records.unique(shot_ids)
        result: dict[str, Records] = {sid: [] for sid in ids}
        with self._db.read() as conn:
            for chunk in chunks(ids):
                rows = conn.execute(
                    "SELECT shot_id, asset_id, nb_occurences, label FROM casting "
                    f"WHERE shot_id IN ({marks(chunk)}) ORDER BY seq",
                    chunk,
                ).fetchall()
                for row in rows:
                    entry = {k: row[k] for k in ("asset_id", "nb_occurences", "label")}
                    result[row["shot_id"]].append(entry)
        return result

    def set_casting(self, project_id: str, casting: Mapping[str, Sequence[Record]]) -> None:
        """Replace the casting of each shot given (shots of ``project_id``), in one transaction.

        Entries are ``{"asset_id", "nb_occurences" (default 1), "label" (default "")}``;
        an empty list clears a shot's casting. Shots not given keep theirs.
        """
        with self._db.write() as conn:
            records.get(conn, "project", project_id)
            for shot_id, entries in casting.items():
                shot = conn.execute("SELECT project_id FROM shot WHERE id = ?", [shot_id])
                row = shot.fetchone()
                if row is None:
                    raise ValidationError(f"casting: no shot with id {shot_id!r}")
                if row["project_id"] != project_id:
                    raise ValidationError(f"casting: shot {shot_id} is not in project {project_id}")
                rows = [_casting_entry(conn, shot_id, entry) for entry in entries]
                assets = [r[0] for r in rows]
                if len(set(assets)) != len(assets):
                    raise ValidationError(f"the casting of shot {shot_id} lists an asset twice")
                conn.execute("DELETE FROM casting WHERE shot_id = ?", [shot_id])
                conn.executemany(
                    "INSERT INTO casting (shot_id, asset_id, nb_occurences, label) "
                    "VALUES (?, ?, ?, ?)",
                    [(shot_id, *r) for r in rows],
                )

    def list_cast_in(self, asset_id: str) -> Records:
        """Shot records in which an asset is cast, in creation order (two queries)."""
        with self._db.read() as conn:
            records.get(conn, "asset", asset_id)
            where = "id IN (SELECT shot_id FROM casting WHERE asset_id = ?)"
            return records.select(conn, "shot", where, [asset_id])

    # -- time spent -------------------------------------------------------------
    def list_time_spent(self, task_id: str) -> Records:
        """``[{"person_id", "date", "duration"}]`` of a task, by date (two queries)."""
        with self._db.read() as conn:
            records.get(conn, "task", task_id)
            rows = conn.execute(
                "SELECT person_id, date, duration FROM time_spent WHERE task_id = ? "
                "ORDER BY date, seq",
                [task_id],
            ).fetchall()
        return [_time_spent(row["person_id"], row["date"], row["duration"]) for row in rows]

    def set_time_spent(
        self,
        task_id: str,
        person_id: str,
        date: dt.date,
        duration: dt.timedelta,
        *,
        add: bool = False,
    ) -> Record:
        """Set (or with ``add`` add to) a person's time on a task for one day; returns it.

        One value per task, person and day. A negative total is refused.
        """
        day = normalize("time_spent", "date", "date", date)
        spent = normalize("time_spent", "duration", "duration", duration)
        if day is None or spent is None:
            raise ValidationError("time spent needs a date and a duration")
        with self._db.write() as conn:
            records.get(conn, "task", task_id)
            if conn.execute("SELECT 1 FROM person WHERE id = ?", [person_id]).fetchone() is None:
                raise ValidationError(f"time_spent.person_id: no person with id {person_id!r}")
            key = [task_id, person_id, day.isoformat()]
            row = conn.execute(
                "SELECT duration FROM time_spent WHERE task_id = ? AND person_id = ? AND date = ?",
                key,
            ).fetchone()
            if add and row is not None:
                spent += dt.timedelta(seconds=row["duration"])
            if spent < dt.timedelta(0):
                raise ValidationError(f"time spent cannot be negative ({spent})")
            stamp = writes.now()
            if row is None:
                conn.execute(
                    "INSERT INTO time_spent (task_id, person_id, date, duration, created_at, "
                    "updated_at) VALUES (?, ?, ?, ?, ?, ?)",
                    [*key, spent.total_seconds(), stamp, stamp],
                )
            else:
                conn.execute(
                    "UPDATE time_spent SET duration = ?, updated_at = ? "
                    "WHERE task_id = ? AND person_id = ? AND date = ?",
                    [spent.total_seconds(), stamp, *key],
                )
        return _time_spent(person_id, day.isoformat(), spent.total_seconds())

    # -- playlists, team, search ------------------------------------------------
    def add_playlist_entry(
        self, playlist_id: str, entity_id: str, preview_id: str | None
    ) -> Record:
        """Add a shot or asset (with a preview) to a playlist; returns the playlist record.

        The entity must be of the playlist's ``for_entity`` kind and in its
        project (ValidationError otherwise). An entity already in the playlist
        keeps its place and takes the new preview.
        """
        with self._db.write() as conn:
            playlist = records.get(conn, "playlist", playlist_id)
            kind, project_id = writes.entity_of(conn, entity_id)
            wanted = playlist["for_entity"] or "shot"
            if kind != wanted:
                raise ValidationError(
                    f"a {wanted} playlist takes {wanted}s, not {kind} {entity_id}"
                )
            if project_id != playlist["project_id"]:
                raise ValidationError(
                    f"entity {entity_id} is not in the playlist's project {playlist['project_id']}"
                )
            if preview_id is not None:
                found = conn.execute("SELECT 1 FROM preview WHERE id = ?", [preview_id])
                if found.fetchone() is None:
                    raise ValidationError(f"preview_id: no preview with id {preview_id!r}")
            updated = conn.execute(
                "UPDATE playlist_entry SET preview_id = ? WHERE playlist_id = ? AND entity_id = ?",
                [preview_id, playlist_id, entity_id],
            )
            if updated.rowcount == 0:
                conn.execute(
                    "INSERT INTO playlist_entry (playlist_id, entity_id, preview_id) "
                    "VALUES (?, ?, ?)",
                    [playlist_id, entity_id, preview_id],
                )
            stamp = writes.now()
            conn.execute("UPDATE playlist SET updated_at = ? WHERE id = ?", [stamp, playlist_id])
            return records.get(conn, "playlist", playlist_id)

    def set_team_member(self, project_id: str, person_id: str, member: bool) -> None:
        """Add (``member=True``) or remove a person from a project's team (idempotent)."""
        with self._db.write() as conn:
            records.get(conn, "project", project_id)
            if conn.execute("SELECT 1 FROM person WHERE id = ?", [person_id]).fetchone() is None:
                raise ValidationError(f"team: no person with id {person_id!r}")
            if member:
                conn.execute(
                    "INSERT OR IGNORE INTO team (project_id, person_id) VALUES (?, ?)",
                    [project_id, person_id],
                )
            else:
                conn.execute(
                    "DELETE FROM team WHERE project_id = ? AND person_id = ?",
                    [project_id, person_id],
                )

    def search(self, text: str, project_id: str | None = None) -> builtins.list[tuple[str, Record]]:
        """``[(kind, record)]`` whose name contains ``text``, ignoring case (five queries).

        Searches projects, sequences, shots and assets by name and persons by
        full name or email, in that order. With ``project_id``: that project,
        its sequences, shots and assets, and its team. Blank text finds nothing.
        """
        needle = fold(text.strip())
        if not needle:
            return []
        found: list[tuple[str, Record]] = []
        by_name = "instr(gadget_fold(name), ?) > 0"
        by_person = (
            "(instr(gadget_fold(coalesce(first_name, '') || ' ' || coalesce(last_name, '')), ?)"
            " > 0 OR instr(gadget_fold(email), ?) > 0)"
        )
        with self._db.read() as conn:
            for kind in ("project", "sequence", "shot", "asset", "person"):
                where = by_person if kind == "person" else by_name
                params: list[Any] = [needle, needle] if kind == "person" else [needle]
                if project_id is not None:
                    if kind == "project":
                        where += " AND id = ?"
                    elif kind == "person":
                        where += " AND id IN (SELECT person_id FROM team WHERE project_id = ?)"
                    else:
                        where += " AND project_id = ?"
                    params.append(project_id)
                found.extend((kind, r) for r in records.select(conn, kind, where, params))
        return found


def _seed(conn: sqlite3.Connection, first_admin: str, rules: writes.Rules) -> None:
    """What a new database starts with: Kitsu's default task statuses and asset
    types, and its first admin."""
    for status in DEFAULT_STATUSES:
        writes.insert(conn, "task_status", status, None, rules)
    for name in DEFAULT_ASSET_TYPES:
        writes.insert(conn, "asset_type", {"name": name}, None, rules)
    fields = {"email": first_admin, "first_name": first_admin.split("@", 1)[0], "role": "admin"}
    writes.insert(conn, "person", fields, None, rules)


def _email(login: str | None) -> str | None:
    """The email a login names (``jane`` is ``jane@localhost``); None without a login."""
    if not login:
        return None
    return login if "@" in login else f"{login}@localhost"


def _casting_entry(
    conn: sqlite3.Connection, shot_id: str, entry: Mapping[str, Any]
) -> tuple[str, int, str]:
    """``(asset_id, nb_occurences, label)`` of one casting entry, checked."""
    unknown = set(entry) - {"asset_id", "nb_occurences", "label"}
    if unknown:
        raise ValidationError(
            f"unknown casting field(s) {', '.join(sorted(unknown))}; "
            "accepted: asset_id, nb_occurences, label"
        )
    asset_id = entry.get("asset_id")
    count = entry.get("nb_occurences", 1)
    label = entry.get("label") or ""
    if not isinstance(asset_id, str):
        raise ValidationError(f"casting of shot {shot_id}: asset_id must be an id string")
    if isinstance(count, bool) or not isinstance(count, int) or count < 1:
        raise ValidationError(f"casting of shot {shot_id}: nb_occurences must be a positive int")
    if not isinstance(label, str):
        raise ValidationError(f"casting of shot {shot_id}: label must be a string")
    if conn.execute("SELECT 1 FROM asset WHERE id = ?", [asset_id]).fetchone() is None:
        raise ValidationError(f"casting.asset_id: no asset with id {asset_id!r}")
    return asset_id, count, label


def _time_spent(person_id: str, day: str, seconds: float) -> Record:
    return {
        "person_id": person_id,
        "date": dt.date.fromisoformat(day),
        "duration": dt.timedelta(seconds=seconds),
    }


def _os_user() -> str:
    try:
        return getpass.getuser() or "user"
    except Exception:  # no login name on this machine (e.g. a container without one)
        return "user"
