"""One SQLite connection, its lock, its transactions and its migrations.

Safe for several processes on one file and for several threads in one
process: the database runs in WAL mode (``options={"journal_mode": "DELETE"}``
for a database on a network share, where WAL does not work) with a busy timeout, every write runs
under ``BEGIN IMMEDIATE`` (so two writers queue instead of failing half-way),
every read runs in one deferred transaction (a consistent snapshot), and the
one connection is guarded by a re-entrant lock shared by the threads.

SQLite errors never escape: a locked or unreachable database becomes
:class:`~gadget.errors.TrackerUnavailable`, a violated constraint
:class:`~gadget.errors.ValidationError`.
"""

from __future__ import annotations

import sqlite3
import threading
import unicodedata
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from gadget.errors import ConfigError, GadgetError, TrackerUnavailable, ValidationError
from gadget.trackers.local.schema import MIGRATIONS, SCHEMA_VERSION

__all__ = ["Database", "fold"]

#: Words of the sqlite3.OperationalError messages that mean "cannot be reached now".
_UNAVAILABLE = ("locked", "busy", "unable to open", "disk", "i/o", "readonly", "read-only")


def fold(text: str | None) -> str:
    """Case- and width-insensitive form of a text, for search (``gadget_fold`` in SQL)."""
    if text is None:
        return ""
    return unicodedata.normalize("NFKC", text).casefold()


class Database:
    """The connection of one tracker instance (``path`` None: in memory)."""

    def __init__(
        self, path: Path | None, label: str, timeout: float = 10.0, journal_mode: str = "WAL"
    ) -> None:
        self.path = path
        self.label = label
        self.timeout = timeout
        self.journal_mode = journal_mode
        self._lock = threading.RLock()
        self._conn: sqlite3.Connection | None = None
        self._mode: str | None = None  # "read" or "write" while a transaction runs

    # -- life cycle --------------------------------------------------------
    @property
    def is_open(self) -> bool:
        """True between :meth:`connect` and :meth:`close`."""
        return self._conn is not None

    def connect(
        self, seed: Callable[[sqlite3.Connection], None] | None = None, *, create: bool = False
    ) -> None:
        """Open the connection and migrate the schema.

        The file must exist unless ``create`` (then it and its folder are
        made): without it SQLite opens the file read-write only and never
        creates it. A new database gets the whole schema, and ``seed`` is
        called to fill it, in one ``BEGIN IMMEDIATE`` transaction: two
        processes opening it at once do not both build it, and a crash never
        leaves it half-made.
        """
        with self._lock:
            if self._conn is not None:
                return
            target, uri = ":memory:", False
            if self.path is not None:
                target, uri = self.path.as_uri() + ("?mode=rwc" if create else "?mode=rw"), True
            try:
                if self.path is not None and create:
                    self.path.parent.mkdir(parents=True, exist_ok=True)
                conn = sqlite3.connect(
                    target,
                    timeout=self.timeout,
                    isolation_level=None,
                    check_same_thread=False,
                    uri=uri,
                )
            except (OSError, sqlite3.Error) as exc:
                raise TrackerUnavailable(f"cannot open the database {self.label}: {exc}") from exc
            try:
                conn.row_factory = sqlite3.Row
                conn.execute(f"PRAGMA busy_timeout = {int(self.timeout * 1000)}")
                if self.path is not None:
                    conn.execute(f"PRAGMA journal_mode = {self.journal_mode}")
                conn.create_function("gadget_fold", 1, fold, deterministic=True)
            except sqlite3.OperationalError as exc:
                conn.close()
                raise TrackerUnavailable(f"cannot open the database {self.label}: {exc}") from exc
            except sqlite3.DatabaseError as exc:
                conn.close()
                raise ConfigError(f"{self.label} is not a usable SQLite database: {exc}") from exc
            self._conn = conn
            try:
                self._migrate(seed)
            except BaseException:
                self.close()
                raise

    def _migrate(self, seed: Callable[[sqlite3.Connection], None] | None) -> None:
        """Bring the schema to :data:`SCHEMA_VERSION`; seed it when it was empty."""
        with self.write() as conn:
            version = int(conn.execute("PRAGMA user_version").fetchone()[0])
            if version > SCHEMA_VERSION:
                raise ConfigError(
                    f"{self.label} has schema version {version}, newer than this gadget "
                    f"understands ({SCHEMA_VERSION}); upgrade gadget"
                )
            for step in range(version, SCHEMA_VERSION):
                for statement in MIGRATIONS[step]:
                    conn.execute(statement)
            if version != SCHEMA_VERSION:
                conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
            if version == 0 and seed is not None:
                seed(conn)

    def close(self) -> None:
        """Close the connection (a no-op when closed)."""
        with self._lock:
            if self._conn is not None:
                self._conn.close()
                self._conn = None
                self._mode = None

    # -- transactions ------------------------------------------------------
    def _connection(self) -> sqlite3.Connection:
        if self._conn is None:
            raise TrackerUnavailable(f"the local tracker on {self.label} is not open")
        return self._conn

    @contextmanager
    def read(self) -> Iterator[sqlite3.Connection]:
        """A consistent snapshot for several SELECTs (joins an open transaction)."""
        with self._lock:
            conn = self._connection()
            if self._mode is not None:
                yield conn
                return
            with self._translate():
                conn.execute("BEGIN")
                self._mode = "read"
                try:
                    yield conn
                finally:
                    self._mode = None
                    if conn.in_transaction:
                        conn.execute("COMMIT")

    @contextmanager
    def write(self) -> Iterator[sqlite3.Connection]:
        """One ``BEGIN IMMEDIATE`` transaction: committed on success, else rolled back.

        Nested calls join the outer write transaction, so a bulk operation
        made of single ones stays all or nothing.
        """
        with self._lock:
            conn = self._connection()
            if self._mode == "write":
                yield conn
                return
            if self._mode == "read":
                raise RuntimeError("a write cannot start inside a read transaction")
            with self._translate():
                conn.execute("BEGIN IMMEDIATE")
                self._mode = "write"
                try:
                    yield conn
                except BaseException:
                    if conn.in_transaction:
                        conn.execute("ROLLBACK")
                    raise
                else:
                    conn.execute("COMMIT")
                finally:
                    self._mode = None

    @contextmanager
    def _translate(self) -> Iterator[None]:
        """Turn sqlite3 errors into gadget errors, keeping the cause."""
        try:
            yield
        except sqlite3.IntegrityError as exc:
            raise ValidationError(f"{self.label}: {exc}") from exc
        except sqlite3.OperationalError as exc:
            message = str(exc).lower()
            if any(word in message for word in _UNAVAILABLE):
                raise TrackerUnavailable(f"{self.label}: {exc}") from exc
            raise GadgetError(f"{self.label}: {exc}") from exc
        except sqlite3.Error as exc:
            raise GadgetError(f"{self.label}: {exc}") from exc
