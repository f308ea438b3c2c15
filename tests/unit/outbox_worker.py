"""A process the outbox tests start, kill or race: ``python outbox_worker.py MODE ...``.

- ``publish-hang URL OUTBOX TASK_ID FILE``: publish with a preview; the
  publish lands, then the call hangs (prints ``landed``) until killed;
- ``flush-hang URL OUTBOX``: flush; the first replay lands, then hangs
  (prints ``landed``) until killed;
- ``hold-lock OUTBOX MARKER``: take the outbox's flush lock, print ``held``,
  wait for stdin to close, write MARKER, let the lock go;
- ``take-lock OUTBOX MARKER``: take the flush lock (waiting) and print
  whether MARKER existed when it got it.
"""

from __future__ import annotations

import sys
import threading
from pathlib import Path

import gadget
from gadget._filelock import FileLock
from gadget.outbox import Outbox
from gadget.testing.faults import CommentFaults


def _say_when_landed(faults: CommentFaults) -> None:
    def watch() -> None:
        faults.landed.wait()
        print("landed", flush=True)

    threading.Thread(target=watch, daemon=True).start()


def main(mode: str, *args: str) -> int:
    if mode == "publish-hang":
        url, folder, task_id, file = args
        session = gadget.connect(url)
        task = session._ref("task", task_id)
        faults = CommentFaults(session, "hang").install()
        _say_when_landed(faults)
        gadget.publish(task, "killed mid-upload", preview=[file], outbox=folder, flush=False)
        return 1  # never reached: the call hangs until the process is killed
    if mode == "flush-hang":
        url, folder = args
        session = gadget.connect(url)
        faults = CommentFaults(session, "hang").install()
        _say_when_landed(faults)
        Outbox(folder).flush(session)
        return 1
    if mode == "hold-lock":
        folder, marker = args
        lock = FileLock(Path(folder) / "flush.lock")
        lock.acquire()
        print("held", flush=True)
        sys.stdin.read()
        Path(marker).write_text("released")
        lock.release()
        return 0
    if mode == "take-lock":
        folder, marker = args
        with FileLock(Path(folder) / "flush.lock"):
            print(f"marker existed: {Path(marker).exists()}", flush=True)
        return 0
    raise SystemExit(f"unknown mode {mode}")


if __name__ == "__main__":
    raise SystemExit(main(*sys.argv[1:]))
