"""A cross-process lock on a file: ``fcntl.flock`` on Linux and macOS,
``msvcrt.locking`` on Windows.

The lock belongs to an open file handle, so the operating system releases it
when the process ends, however it ends (a DCC killed mid-upload leaves no
stale lock), and two handles on one file exclude each other even inside one
process (two threads of a DCC each open their own). A lock file is never
deleted while it may be in use: the outbox removes an entry's lock file only
once the entry is finished, and everyone re-reads the entry under the lock.

Hand-rolled rather than the ``filelock`` package: these are the two system
calls it wraps too, the semantics gadget relies on (per handle, released on
process exit, a non-blocking try) are stated here in a few lines, and a DCC's
bundled Python gets no extra dependency.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path
from types import TracebackType

__all__ = ["FileLock"]

#: how often a waiting acquire tries again
_POLL = 0.05


def _try_lock(fd: int) -> bool:
    """Take the lock on ``fd`` without waiting; False when someone holds it."""
    if sys.platform == "win32":
        import msvcrt

        try:
            os.lseek(fd, 0, os.SEEK_SET)
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
        except OSError:
            return False
        return True
    import fcntl

    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    return True


def _unlock(fd: int) -> None:
    if sys.platform == "win32":
        import msvcrt

        os.lseek(fd, 0, os.SEEK_SET)
        msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)
        return
    import fcntl

    fcntl.flock(fd, fcntl.LOCK_UN)


class FileLock:
    """An exclusive lock on ``path`` (created if missing), shared by processes.

    ``acquire(timeout)`` waits up to ``timeout`` seconds (None: as long as it
    takes; 0: one try) and says whether it got the lock. Not re-entrant: one
    object holds the lock once. ``with FileLock(path):`` waits as long as it
    takes.
    """

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self._fd: int | None = None

    def __repr__(self) -> str:
        return f"<FileLock {str(self.path)!r} {'held' if self.held else 'free'}>"

    @property
    def held(self) -> bool:
        """Whether this object holds the lock."""
        return self._fd is not None

    def acquire(self, timeout: float | None = None) -> bool:
        """Take the lock, waiting up to ``timeout`` seconds; whether it was taken."""
        if self._fd is not None:
            raise RuntimeError(f"{self!r} is already held by this object")
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        deadline = None if timeout is None else time.monotonic() + timeout
        try:
            while not _try_lock(fd):
                if deadline is not None and time.monotonic() >= deadline:
                    os.close(fd)
                    return False
                time.sleep(_POLL)
        except BaseException:
            os.close(fd)
            raise
        self._fd = fd
        return True

    def release(self) -> None:
        """Let the lock go (harmless when not held)."""
        fd, self._fd = self._fd, None
        if fd is None:
            return
        try:
            _unlock(fd)
        finally:
            os.close(fd)

    def __enter__(self) -> FileLock:
        self.acquire()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.release()
