"""The files of a local tracker: preview and attachment copies, PNG sizes.

A :class:`FileStore` is a folder with ``previews/`` and ``attachments/``
inside. Records store paths relative to it (POSIX form), so the database and
its folder can move together.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import struct
import tempfile
import uuid
import weakref
from collections.abc import Iterable
from pathlib import Path

__all__ = ["FileStore", "png_size"]

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def png_size(path: Path) -> tuple[int, int] | None:
    """``(width, height)`` from a PNG's IHDR header; None when not a PNG.

    Reads the first 24 bytes only; the file is recognized by its signature,
    not its name.
    """
    try:
        with path.open("rb") as handle:
            head = handle.read(24)
    except OSError:
        return None
    if len(head) < 24 or head[:8] != PNG_SIGNATURE or head[12:16] != b"IHDR":
        return None
    width, height = struct.unpack(">II", head[16:24])
    return int(width), int(height)


class FileStore:
    """A folder holding the files a tracker was given.

    ``temporary`` stores are removed by :meth:`cleanup` (used by memory://).
    """

    def __init__(self, root: Path, *, temporary: bool = False) -> None:
        self.root = root
        self.temporary = temporary
        # a temporary store goes with its tracker, closed or not (and at exit)
        self._finalizer = (
            weakref.finalize(self, shutil.rmtree, str(root), True) if temporary else None
        )

    @classmethod
    def temporary_store(cls) -> FileStore:
        """A store in a new private temporary directory."""
        return cls(Path(tempfile.mkdtemp(prefix="gadget-memory-")), temporary=True)

    def path(self, relative: str) -> Path:
        """The absolute path of a stored file."""
        return self.root / relative

    def store(self, folder: str, source: Path, filename: str) -> str:
        """Copy ``source`` to ``<folder>/<filename>``; return its relative path.

        The copy is written under a temporary name and renamed, so a failed
        copy never leaves a partial file under the final name.
        """
        target_dir = self.root / folder
        target_dir.mkdir(parents=True, exist_ok=True)
        target = target_dir / filename
        partial = target_dir / f".{uuid.uuid4().hex}.partial"
        try:
            shutil.copyfile(source, partial)
            os.replace(partial, target)
        except BaseException:
            partial.unlink(missing_ok=True)
            raise
        return f"{folder}/{filename}"

    def remove(self, relatives: Iterable[str]) -> None:
        """Delete stored files, ignoring those already gone."""
        for relative in relatives:
            with contextlib.suppress(OSError):
                self.path(relative).unlink(missing_ok=True)

    def cleanup(self) -> None:
        """Remove the whole folder if it is temporary; else do nothing."""
        if self._finalizer is not None:
            self._finalizer()
