"""The outbox: publishes kept on local disk until their tracker takes them.

:func:`gadget.publish` writes every publish here before it sends it (a
journal: the task, the fields, the files' sha256, its idempotency key), and
settles the entry with the answer: posted (``done``), or kept for later
(``pending``) when the tracker could not be reached
(:class:`~gadget.errors.TrackerUnavailable`), could not say whether the write
landed (:class:`~gadget.errors.OutcomeUnknown`) or took the comment but not
all of its steps (:class:`~gadget.errors.PartialPublish`). A kept entry has
its files copied into the outbox folder, their checksums checked again
before each replay. A process killed while sending leaves its entry
``sending``: the next flush takes it over (the operating system released the
entry's lock when the process died) and replays it.

A replay is the same ``task.comments.new(...)`` call with the entry's
idempotency key: the tracker never writes one key twice, so a publish that
had landed after all is found and finished (its missing main preview, a
preview left unprocessed), not posted again. A status change applies only if
the task's status is still what it was when the publish was queued;
otherwise the comment posts without it and the entry reports the conflict.

Storage: one SQLite database (WAL mode; one transaction per step of an
entry) and a ``files/`` folder, in ``GADGET_OUTBOX_DIR`` or else the
platform's user data folder (:func:`default_folder`). Entries belong to the
tracker they were meant for, by :func:`tracker_identity` (the URL forms of
one Kitsu count as one); a flush replays only the entries of its session's
tracker. No password, token or URL credential is ever written here.

Who flushes: ``gadget outbox flush``, :meth:`Outbox.flush`, a
:class:`Flusher` (a background thread, every ``interval`` seconds) and
:func:`gadget.publish` after a publish that posted. Never ``connect()`` nor
``Project.from_env()``: opening a session does not wait on old work. Two
flushes, in two threads or two processes, are serialized by a lock file
(:mod:`gadget._filelock`); a publish being sent holds its entry's own lock, so
a flush never replays it at the same time.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
import logging
import os
import re
import shutil
import sqlite3
import sys
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import attrs

from gadget._filelock import FileLock
from gadget.errors import (
    ConfigError,
    GadgetError,
    NotFound,
    OutcomeUnknown,
    PartialPublish,
    TrackerUnavailable,
    ValidationError,
)

if TYPE_CHECKING:
    from gadget.session import Session

__all__ = [
    "DONE",
    "FAILED",
    "PENDING",
    "SENDING",
    "Entry",
    "FlushReport",
    "Flusher",
    "Outbox",
    "default_folder",
    "tracker_identity",
]

logger = logging.getLogger("gadget.outbox")

#: an entry's states: being sent (or was, by a process that died), waiting for
#: a flush, posted in full, refused (kept for a person to look at: drop it or
#: flush it by id once fixed)
SENDING = "sending"
PENDING = "pending"
DONE = "done"
FAILED = "failed"
#: the states a flush replays
_TO_REPLAY = (SENDING, PENDING)
#: the states ``gadget outbox list`` shows by default
OPEN_STATES = (SENDING, PENDING, FAILED)

#: finished entries are kept this long (what was posted, and any conflict)
KEEP_DONE = dt.timedelta(days=30)

#: errors of the tracker that a later attempt may not see: the entry waits
_TRANSIENT = (TrackerUnavailable, OutcomeUnknown)

_SCHEMA = """
CREATE TABLE IF NOT EXISTS entries (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    tracker TEXT NOT NULL,
    key TEXT NOT NULL UNIQUE,
    task_id TEXT NOT NULL,
    label TEXT NOT NULL,
    fields TEXT NOT NULL,
    status_before TEXT,
    status_before_name TEXT,
    state TEXT NOT NULL,
    landed TEXT NOT NULL DEFAULT '[]',
    missing TEXT NOT NULL DEFAULT '[]',
    comment_id TEXT,
    attempts INTEGER NOT NULL DEFAULT 0,
    last_error TEXT,
    conflict TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS entries_by_tracker ON entries (tracker, state);
"""
_SCHEMA_VERSION = 1


# -- where, and for which tracker ------------------------------------------------
def default_folder(environ: Mapping[str, str] | None = None, platform: str | None = None) -> Path:
    """The outbox folder: ``GADGET_OUTBOX_DIR``, else ``gadget/outbox`` in the
    platform's user data folder.

    Linux and other Unixes: ``$XDG_DATA_HOME`` or ``~/.local/share``; macOS:
    ``~/Library/Application Support``; Windows: ``%LOCALAPPDATA%`` (or
    ``~/AppData/Local``). Hand-rolled (these three rules) rather than a
    dependency. Nothing is created.
    """
    env = os.environ if environ is None else environ
    platform = sys.platform if platform is None else platform
    explicit = env.get("GADGET_OUTBOX_DIR")
    if explicit:
        return Path(explicit).expanduser()
    home = Path(env.get("HOME") or env.get("USERPROFILE") or Path.home())
    if platform == "win32":
        base = Path(env["LOCALAPPDATA"]) if env.get("LOCALAPPDATA") else home / "AppData" / "Local"
    elif platform == "darwin":
        base = home / "Library" / "Application Support"
    else:
        xdg = env.get("XDG_DATA_HOME")
        base = Path(xdg) if xdg and Path(xdg).is_absolute() else home / ".local" / "share"
    return base / "gadget" / "outbox"


def tracker_identity(url: str) -> str:
    """The identity the outbox files a tracker's entries under (no secret in it).

    The tracker class for ``url`` says which URLs are one tracker
    (``Tracker.identity``): ``kitsu+https://h/api``, ``https://h/api`` and
    ``kitsu+https://h`` are all ``kitsu+https://h``; ``sqlite:///studio.db``
    is its absolute path.
    """
    from gadget.trackers.registry import resolve

    return resolve(url).identity(url)


def session_identity(session: Session) -> str:
    """The identity of a session's tracker (no I/O)."""
    return type(session.tracker).identity(session.config.url)


# -- what is stored --------------------------------------------------------------
def _now() -> str:
    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")


@attrs.frozen
class Entry:
    """One publish in the outbox, as read from it.

    ``key`` is the idempotency key a replay posts with; ``label`` names the
    task (project / shot or asset / task type); ``fields`` are the publish's
    fields (``comment``, ``status``, ``previews`` and ``attachments`` as file
    records, ``checklist``, ``set_main_preview``, ``author``);
    ``status_before`` is the task's status id when the publish was made (and
    ``status_before_name`` its short name, when known); ``landed`` and
    ``missing`` are the steps known to have landed or still to do;
    ``conflict`` says why a replay posted the comment without its status.
    """

    id: int
    tracker: str
    key: str
    task_id: str
    label: str
    fields: Mapping[str, Any] = attrs.field(repr=False)
    status_before: str | None
    status_before_name: str | None
    state: str
    landed: tuple[str, ...]
    missing: tuple[str, ...]
    comment_id: str | None
    attempts: int
    last_error: str | None
    conflict: str | None
    created_at: str
    updated_at: str

    @property
    def text(self) -> str:
        """The comment's text."""
        return str(self.fields.get("comment") or "")

    @property
    def status(self) -> str | None:
        """The status the publish sets, as it was given (a short name or an id)."""
        status = self.fields.get("status")
        return None if status is None else str(status)

    def files(self, kind: str) -> list[str]:
        """The names of the entry's ``previews`` or ``attachments``."""
        return [str(f["name"]) for f in self.fields.get(kind, ())]

    def as_json(self) -> dict[str, Any]:
        """The entry as plain JSON values (``gadget outbox list --json``)."""
        return {
            "id": self.id,
            "state": self.state,
            "tracker": self.tracker,
            "task_id": self.task_id,
            "label": self.label,
            "key": self.key,
            "comment": self.text,
            "status": self.status,
            "status_before": self.status_before,
            "status_before_name": self.status_before_name,
            "previews": self.files("previews"),
            "attachments": self.files("attachments"),
            "set_main_preview": bool(self.fields.get("set_main_preview")),
            "landed": list(self.landed),
            "missing": list(self.missing),
            "comment_id": self.comment_id,
            "attempts": self.attempts,
            "last_error": self.last_error,
            "conflict": self.conflict,
            "created_at": self.created_at,
            "updated_at": self.updated_at,
        }


def _entry(row: sqlite3.Row) -> Entry:
    return Entry(
        id=row["id"],
        tracker=row["tracker"],
        key=row["key"],
        task_id=row["task_id"],
        label=row["label"],
        fields=json.loads(row["fields"]),
        status_before=row["status_before"],
        status_before_name=row["status_before_name"],
        state=row["state"],
        landed=tuple(json.loads(row["landed"])),
        missing=tuple(json.loads(row["missing"])),
        comment_id=row["comment_id"],
        attempts=row["attempts"],
        last_error=row["last_error"],
        conflict=row["conflict"],
        created_at=row["created_at"],
        updated_at=row["updated_at"],
    )


@attrs.frozen
class FlushReport:
    """What one flush did, entry by entry (each as it stands after the flush).

    ``posted``: landed in full now (``conflicts`` are those whose status was
    not applied, ``entry.conflict`` says why); ``pending``: still waiting (the
    tracker was away, or a step is left); ``failed``: refused (a checksum that
    no longer matches, an error the tracker will give again: kept for a
    person); ``in_flight``: being sent by another thread or process, left
    alone; ``busy``: another flush held the outbox and this one tried nothing.
    """

    posted: tuple[Entry, ...] = ()
    pending: tuple[Entry, ...] = ()
    failed: tuple[Entry, ...] = ()
    in_flight: tuple[Entry, ...] = ()
    busy: bool = False

    @property
    def conflicts(self) -> tuple[Entry, ...]:
        """The posted entries whose status change was not applied."""
        return tuple(e for e in self.posted if e.conflict)


class _Refused(Exception):
    """An entry that must not be replayed as it stands (a file changed or went)."""


# -- the store -------------------------------------------------------------------
def sha256_of(path: Path) -> tuple[str, int]:
    """The sha256 (hex) and size of a file, read in chunks."""
    digest = hashlib.sha256()
    size = 0
    with path.open("rb") as stream:
        for chunk in iter(lambda: stream.read(1 << 20), b""):
            digest.update(chunk)
            size += len(chunk)
    return digest.hexdigest(), size


def file_record(path: Path) -> dict[str, Any]:
    """What the outbox keeps of a preview or attachment before it is sent."""
    sha, size = sha256_of(path)
    return {"name": path.name, "source": str(path.resolve()), "sha256": sha, "size": size}


_USERINFO = re.compile(r"([A-Za-z][A-Za-z0-9+.-]*://)[^/\s]*@")


def describe_error(exc: BaseException, secrets: Sequence[str | None] = ()) -> str:
    """One line naming an error, with URL credentials and ``secrets`` masked."""
    text = " ".join(str(exc).split()) or "(no message)"
    text = _USERINFO.sub(r"\1***@", text)
    for secret in sorted((s for s in secrets if s), key=len, reverse=True):
        text = text.replace(secret, "***")
    return f"{type(exc).__name__}: {text}"[:1000]


class Outbox:
    """The outbox in ``folder`` (default: :func:`default_folder`).

    Cheap to make: nothing is created until the first entry is written or
    read. Safe to share between threads; several processes may use one
    folder at once.
    """

    def __init__(self, folder: str | Path | None = None) -> None:
        self.folder = Path(folder).expanduser() if folder is not None else default_folder()
        self._ready = False
        self._ready_lock = threading.Lock()

    def __repr__(self) -> str:
        return f"<Outbox {str(self.folder)!r}>"

    @property
    def database(self) -> Path:
        """The SQLite database of the outbox."""
        return self.folder / "outbox.db"

    # -- storage -------------------------------------------------------------
    def _connect(self) -> sqlite3.Connection:
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            conn = sqlite3.connect(self.database, timeout=30.0, isolation_level=None)
        except (OSError, sqlite3.Error) as exc:
            raise ConfigError(f"cannot open the outbox in {self.folder}: {exc}") from exc
        conn.row_factory = sqlite3.Row
        if not self._ready:
            with self._ready_lock:
                if not self._ready:
                    conn.execute("PRAGMA journal_mode=WAL")
                    conn.executescript(_SCHEMA)
                    if conn.execute("PRAGMA user_version").fetchone()[0] < _SCHEMA_VERSION:
                        conn.execute(f"PRAGMA user_version={_SCHEMA_VERSION}")
                    self._ready = True
        conn.execute("PRAGMA synchronous=FULL")
        return conn

    @contextlib.contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        """One transaction (one step of an entry), committed when the block ends."""
        conn = self._connect()
        try:
            conn.execute("BEGIN IMMEDIATE")
            try:
                yield conn
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")
        finally:
            conn.close()

    @contextlib.contextmanager
    def _read(self) -> Iterator[sqlite3.Connection]:
        conn = self._connect()
        try:
            yield conn
        finally:
            conn.close()

    def _update(self, entry_id: int, **values: Any) -> Entry:
        values["updated_at"] = _now()
        for name in ("landed", "missing", "fields"):
            if name in values and not isinstance(values[name], str):
                values[name] = json.dumps(list(values[name]) if name != "fields" else values[name])
        columns = ", ".join(f"{name} = ?" for name in values)
        with self._write() as conn:
            conn.execute(f"UPDATE entries SET {columns} WHERE id = ?", [*values.values(), entry_id])
            row = conn.execute("SELECT * FROM entries WHERE id = ?", (entry_id,)).fetchone()
        return _entry(row)

    def _lock_of(self, entry_id: int) -> FileLock:
        return FileLock(self.folder / "locks" / f"{entry_id}.lock")

    def _files_of(self, entry_id: int) -> Path:
        return self.folder / "files" / str(entry_id)

    def _forget_files(self, entry_id: int) -> None:
        shutil.rmtree(self._files_of(entry_id), ignore_errors=True)
        with contextlib.suppress(OSError):  # Windows: still open elsewhere, kept
            (self.folder / "locks" / f"{entry_id}.lock").unlink()

    # -- reading -------------------------------------------------------------
    def entries(
        self, tracker: str | None = None, states: Sequence[str] = OPEN_STATES
    ) -> list[Entry]:
        """The entries in ``states`` (default: sending, pending, failed), oldest
        first; only those of ``tracker`` (a URL or an identity) if given."""
        query = f"SELECT * FROM entries WHERE state IN ({', '.join('?' * len(states))})"
        args: list[Any] = list(states)
        if tracker is not None:
            query += " AND tracker = ?"
            args.append(_as_identity(tracker))
        if not self.database.exists():
            return []
        with self._read() as conn:
            return [_entry(r) for r in conn.execute(query + " ORDER BY id", args)]

    def get(self, entry_id: int) -> Entry:
        """The entry ``entry_id``; NotFound when there is none."""
        found = None
        if self.database.exists():
            with self._read() as conn:
                found = conn.execute("SELECT * FROM entries WHERE id = ?", (entry_id,)).fetchone()
        if found is None:
            ids = [str(e.id) for e in self.entries()]
            raise NotFound("outbox entry", {"id": entry_id}, str(self.folder), ids[-3:])
        return _entry(found)

    def in_flight(self, entry: Entry) -> bool:
        """Whether someone (a thread or a live process) is sending ``entry`` now."""
        lock = self._lock_of(entry.id)
        if not lock.acquire(timeout=0):
            return True
        lock.release()
        return False

    # -- writing -------------------------------------------------------------
    def drop(self, entry_id: int) -> Entry:
        """Remove an entry and its files; nothing is posted. Refused (ValidationError)
        while the entry is being sent. Returns the entry as it was."""
        entry = self.get(entry_id)
        lock = self._lock_of(entry_id)
        if not lock.acquire(timeout=0):
            raise ValidationError(
                f"outbox entry {entry_id} is being sent now (by this or another process); "
                "nothing was dropped"
            )
        try:
            with self._write() as conn:
                conn.execute("DELETE FROM entries WHERE id = ?", (entry_id,))
            self._forget_files(entry_id)
        finally:
            lock.release()
        return entry

    def journal(
        self,
        *,
        tracker: str,
        key: str,
        task_id: str,
        label: str,
        fields: Mapping[str, Any],
        status_before: str | None,
        status_before_name: str | None,
    ) -> tuple[Entry, FileLock]:
        """Record a publish about to be sent (state ``sending``) and hold its lock.

        The same key again (a caller retrying with its key) takes over the
        entry it names, if it is for the same tracker and task. The caller
        settles the entry (:meth:`settle`) and releases the lock.
        """
        now = _now()
        with self._write() as conn:
            row = conn.execute("SELECT * FROM entries WHERE key = ?", (key,)).fetchone()
            if row is None:
                cursor = conn.execute(
                    "INSERT INTO entries (tracker, key, task_id, label, fields, status_before, "
                    "status_before_name, state, missing, attempts, created_at, updated_at) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?, ?)",
                    (
                        tracker,
                        key,
                        task_id,
                        label,
                        json.dumps(dict(fields)),
                        status_before,
                        status_before_name,
                        SENDING,
                        json.dumps(steps_of(fields)),
                        now,
                        now,
                    ),
                )
                entry_id = int(cursor.lastrowid or 0)
            else:
                if row["tracker"] != tracker or row["task_id"] != task_id:
                    raise ValidationError(
                        f"the idempotency key {key!r} is already used in the outbox by entry "
                        f"{row['id']} ({row['label']}); give each publish its own key"
                    )
                entry_id = int(row["id"])
        lock = self._lock_of(entry_id)
        if not lock.acquire(timeout=0):
            raise ValidationError(
                f"the publish with idempotency key {key!r} (outbox entry {entry_id}) is being "
                "sent now by another thread or process"
            )
        if row is not None:  # taken over: it is being sent again, with these fields
            try:
                entry = self._update(
                    entry_id,
                    state=SENDING,
                    fields=json.dumps(dict(fields)),
                    attempts=int(row["attempts"]) + 1,
                )
            except BaseException:
                lock.release()
                raise
        else:
            entry = self.get(entry_id)
        return entry, lock

    def refuse(
        self, entry: Entry, error: BaseException, secrets: Sequence[str | None] = ()
    ) -> Entry | None:
        """A publish refused before anything landed (bad input, the person's role):
        a first attempt leaves nothing behind (None); an entry tried before is
        kept as failed, for a person to look at."""
        if entry.attempts <= 1:
            with self._write() as conn:
                conn.execute("DELETE FROM entries WHERE id = ?", (entry.id,))
            self._forget_files(entry.id)
            return None
        return self._update(entry.id, state=FAILED, last_error=describe_error(error, secrets))

    def settle(
        self,
        entry: Entry,
        error: BaseException | None = None,
        *,
        comment_id: str | None = None,
        conflict: str | None = None,
        secrets: Sequence[str | None] = (),
    ) -> Entry:
        """Record how an attempt at ``entry`` ended: posted (``error`` None),
        or kept (``error`` says why); its files copied in when kept."""
        if error is None:
            done = self._update(
                entry.id,
                state=DONE,
                comment_id=comment_id,
                conflict=conflict,
                landed=list(dict.fromkeys([*entry.landed, *steps_of(entry.fields)])),
                missing=[],
                last_error=None,
            )
            self._forget_files(entry.id)
            return done
        values: dict[str, Any] = {"last_error": describe_error(error, secrets)}
        if isinstance(error, PartialPublish):
            values.update(landed=list(error.landed), missing=list(error.missing))
            values["comment_id"] = error.left[0] if error.left else None
        values["state"] = PENDING if keeps(error) else FAILED
        entry = self._update(entry.id, **values)
        if entry.state == PENDING:
            try:
                entry = self._secure_files(entry)
            except _Refused as refused:
                entry = self._update(entry.id, state=FAILED, last_error=str(refused))
        return entry

    def _secure_files(self, entry: Entry, *, verify: bool = False) -> Entry:
        """Copy the entry's files not yet in the outbox into it, checking each copy's
        sha256 against the one taken when the publish was made; with ``verify``,
        check every file already kept too (before a replay)."""
        fields = json.loads(json.dumps(dict(entry.fields)))  # a deep copy
        copied = False
        for kind in ("previews", "attachments"):
            for index, record in enumerate(fields.get(kind, ())):
                if record.get("stored"):
                    if verify:
                        self._check_file(kind, record)
                    continue
                source = Path(record["source"])
                target = self._files_of(entry.id) / kind / str(index) / record["name"]
                try:
                    target.parent.mkdir(parents=True, exist_ok=True)
                    shutil.copyfile(source, target)
                except OSError as exc:
                    raise _Refused(
                        f"the {kind[:-1]} {record['name']!r} could not be copied into the outbox "
                        f"from {source}: {exc.strerror or exc}; nothing was posted"
                    ) from exc
                record["stored"] = target.relative_to(self.folder).as_posix()
                self._check_file(kind, record)
                copied = True
        if copied:
            entry = self._update(entry.id, fields=json.dumps(fields))
        return entry

    def _check_file(self, kind: str, record: Mapping[str, Any]) -> None:
        path = self.folder / record["stored"]
        try:
            found, _ = sha256_of(path)
        except OSError as exc:
            raise _Refused(
                f"the {kind[:-1]} {record['name']!r} is missing from the outbox "
                f"({exc.strerror or exc}); nothing was posted"
            ) from exc
        if found != record["sha256"]:
            raise _Refused(
                f"checksum mismatch: the {kind[:-1]} {record['name']!r} is not the file that "
                f"was published (sha256 {record['sha256'][:12]}... then, {found[:12]}... now); "
                "nothing was posted"
            )

    def paths(self, entry: Entry, kind: str) -> list[Path]:
        """Where the entry's ``previews`` or ``attachments`` are kept."""
        return [
            self.folder / r["stored"] if r.get("stored") else Path(r["source"])
            for r in entry.fields.get(kind, ())
        ]

    def prune(self, older_than: dt.timedelta = KEEP_DONE) -> int:
        """Remove finished entries older than ``older_than``; how many went."""
        if not self.database.exists():
            return 0
        limit = (dt.datetime.now(dt.timezone.utc) - older_than).isoformat(timespec="seconds")
        with self._write() as conn:
            gone = conn.execute(
                "DELETE FROM entries WHERE state = ? AND updated_at < ?", (DONE, limit)
            ).rowcount
        return int(gone)

    # -- replaying -----------------------------------------------------------
    def flush(
        self,
        session: Session,
        *,
        ids: Sequence[int] | None = None,
        wait: float | None = None,
    ) -> FlushReport:
        """Replay the entries of ``session``'s tracker, oldest first, each exactly once.

        ``ids`` limits the flush to those entries (failed ones included: a
        person asks again); otherwise the ``sending`` and ``pending`` ones.
        ``wait`` is how long to wait for another flush to end (None: as long
        as it takes; 0: not at all, the report says ``busy``). The flush stops
        at the first entry the tracker cannot take (unreachable, outcome
        unknown): the rest wait for the next one. What each replay costs is
        what ``task.comments.new`` costs, plus one read of the task when a
        status change is replayed.
        """
        tracker = session_identity(session)
        flush_lock = FileLock(self.folder / "flush.lock")
        if not flush_lock.acquire(timeout=wait):
            return FlushReport(busy=True)
        try:
            if ids is None:
                todo = self.entries(tracker, _TO_REPLAY)
            else:
                todo = [self.get(i) for i in ids]
                for entry in todo:
                    if entry.tracker != tracker:
                        raise ValidationError(
                            f"outbox entry {entry.id} is for {entry.tracker}, not for this "
                            f"session's tracker {tracker}; nothing was flushed"
                        )
            report = self._replay_all(session, todo)
            self.prune()
            return report
        finally:
            flush_lock.release()

    def _replay_all(self, session: Session, todo: list[Entry]) -> FlushReport:
        posted: list[Entry] = []
        pending: list[Entry] = []
        failed: list[Entry] = []
        in_flight: list[Entry] = []
        stopped = False
        for entry in todo:
            if stopped:
                pending.append(entry)
                continue
            lock = self._lock_of(entry.id)
            if not lock.acquire(timeout=0):
                in_flight.append(entry)
                continue
            try:
                try:
                    entry = self.get(entry.id)  # as it is now, under its lock
                except NotFound:  # dropped, or refused at its first attempt, meanwhile
                    continue
                if entry.state == DONE:
                    continue
                entry, stopped = self._replay(session, entry)
            finally:
                lock.release()
            if entry.state == DONE:
                posted.append(entry)
                if entry.conflict:
                    logger.warning("outbox entry %s: %s", entry.id, entry.conflict)
            elif entry.state == FAILED:
                failed.append(entry)
                logger.warning("outbox entry %s refused: %s", entry.id, entry.last_error)
            else:
                pending.append(entry)
        return FlushReport(tuple(posted), tuple(pending), tuple(failed), tuple(in_flight))

    def _replay(self, session: Session, entry: Entry) -> tuple[Entry, bool]:
        """One attempt at one entry, under its lock; the entry as it ends, and
        whether the tracker could not be reached (the flush stops)."""
        secrets = (session.config.password, session.config.token)
        try:
            entry = self._secure_files(entry, verify=True)
        except _Refused as refused:
            return self._update(entry.id, state=FAILED, last_error=str(refused)), False
        entry = self._update(entry.id, state=SENDING, attempts=entry.attempts + 1)
        conflict = None
        try:
            task = session._ref("task", entry.task_id)
            call = self._call_fields(entry)
            status = call.get("status")
            target = None
            if status is not None and "status" in entry.missing:
                target = session._resolve("task_status", status)
                current = task.refresh().status_id
                if entry.status_before is not None and current not in (
                    entry.status_before,
                    target,
                ):
                    conflict = self._conflict(session, entry, current, target)
                    call.pop("status")
            comment = task.comments.new(**call, idempotency_key=entry.key)
        except GadgetError as exc:
            return self.settle(entry, exc, secrets=secrets), isinstance(exc, _TRANSIENT)
        except Exception as exc:  # not a gadget error: a bug, kept for a person
            failed = self._update(entry.id, state=FAILED, last_error=describe_error(exc, secrets))
            return failed, False
        if conflict is not None and target is not None and comment.status_id == target:
            conflict = None  # it had landed with its status before the task moved on
        return self.settle(entry, comment_id=comment.id, conflict=conflict), False

    def _call_fields(self, entry: Entry) -> dict[str, Any]:
        fields = entry.fields
        call: dict[str, Any] = {"comment": fields.get("comment") or ""}
        for name in ("status", "author"):
            if fields.get(name) is not None:
                call[name] = fields[name]
        if fields.get("checklist"):
            call["checklist"] = [tuple(item) for item in fields["checklist"]]
        previews = self.paths(entry, "previews")
        if previews:
            call["preview"] = previews
            call["set_main_preview"] = bool(fields.get("set_main_preview"))
        attachments = self.paths(entry, "attachments")
        if attachments:
            call["attachments"] = attachments
        return call

    @staticmethod
    def _conflict(session: Session, entry: Entry, current: str | None, target: str) -> str:
        def name(status_id: str | None) -> str:
            try:
                return str(session._ref("task_status", status_id).short_name)
            except GadgetError:
                return str(status_id)

        before = entry.status_before_name or name(entry.status_before)
        return (
            f"status conflict: the task's status is now {name(current)!r}, not {before!r} as "
            f"when this was published; the comment was posted without setting {name(target)!r}"
        )


def steps_of(fields: Mapping[str, Any]) -> list[str]:
    """The steps a publish with ``fields`` takes (PartialPublish's step names)."""
    steps = ["comment"]
    if fields.get("status") is not None:
        steps.append("status")
    if fields.get("previews"):
        steps.append("previews")
    if fields.get("attachments"):
        steps.append("attachments")
    if fields.get("previews") and fields.get("set_main_preview"):
        steps.append("main_preview")
    return steps


def keeps(error: BaseException) -> bool:
    """Whether a publish that failed with ``error`` waits in the outbox for a later
    attempt (the tracker was away, the outcome is unknown, some steps are left
    for a reason that may pass) rather than being refused."""
    if isinstance(error, PartialPublish):
        cause = error.__cause__
        return cause is None or isinstance(cause, _TRANSIENT) or not isinstance(cause, GadgetError)
    return isinstance(error, _TRANSIENT)


def _as_identity(tracker: str) -> str:
    """A tracker given as a URL or as an identity, as an identity."""
    try:
        return tracker_identity(tracker)
    except GadgetError:
        return tracker


# -- in the background -------------------------------------------------------------
class Flusher:
    """Flushes an outbox for one session in a background thread, every ``interval``
    seconds (the first time at once), until :meth:`stop`.

    A flush already running elsewhere is not waited for (that round is
    skipped). ``on_report(report)`` hears each round's :class:`FlushReport`
    (in the flusher's thread). Errors are logged, never raised: the thread
    keeps going. ``with Flusher(session) as flusher:`` starts and stops it.
    """

    def __init__(
        self,
        session: Session,
        outbox: Outbox | None = None,
        *,
        interval: float = 60.0,
        on_report: Callable[[FlushReport], None] | None = None,
    ) -> None:
        if isinstance(interval, bool) or not isinstance(interval, (int, float)) or interval <= 0:
            raise ValidationError(f"interval is a number of seconds above 0, not {interval!r}")
        self.session = session
        self.outbox = outbox if outbox is not None else Outbox()
        self.interval = float(interval)
        self._on_report = on_report
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        #: the last round's report (None before the first round ends)
        self.last_report: FlushReport | None = None

    def __repr__(self) -> str:
        state = "running" if self.running else "stopped"
        return f"<Flusher {self.outbox.folder} every {self.interval:g}s {state}>"

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def start(self) -> Flusher:
        """Start the thread (a second start while running does nothing)."""
        if self.running:
            return self
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="gadget-outbox", daemon=True)
        self._thread.start()
        return self

    def stop(self, timeout: float | None = None) -> bool:
        """Ask the thread to stop and wait up to ``timeout`` seconds for the round in
        progress to end; whether it has stopped."""
        self._stop.set()
        thread = self._thread
        if thread is None:
            return True
        thread.join(timeout)
        return not thread.is_alive()

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                report = self.outbox.flush(self.session, wait=0)
                self.last_report = report
                if self._on_report is not None:
                    self._on_report(report)
            except Exception:
                logger.exception("the outbox flusher's round failed")
            if self._stop.wait(self.interval):
                return

    def __enter__(self) -> Flusher:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
