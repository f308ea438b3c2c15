"""Publish a scene file from a shell or a farm job: the DCC hooks' logic, no DCC.

::

    TRACKER_URL=sqlite:///studio.db \\
        python examples/publish_scene.py /prod/MyShow/sq010/sq010_sh0010/Anim/sh0010_anim_v003.ma \\
        --preview render.png [--comment TEXT] [--status CODE] [--attach FILE] \\
        [--meta gadget_shot=sq010_sh0020]

The task comes from the scene's path (``.../<project>/<sequence>/<shot>/<task_type>/<name>_v<NNN>.<ext>``)
or from ``--meta`` keys, as in every hook (``dcc_common.py``); the scene file
itself need not exist. The previews are given rather than rendered. The
publish runs in the background like a DCC's and its message comes back to
the main thread, which prints it.

Exit codes: 0 posted; 3 kept in the outbox (the tracker was away: ``gadget
outbox flush`` sends it later); 1 refused or failed (the message says why);
2 bad arguments.
"""

from __future__ import annotations

import argparse
import queue
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

import dcc_common

#: the exit codes
POSTED, FAILED, QUEUED = 0, 1, 3


def parser() -> argparse.ArgumentParser:
    cli = argparse.ArgumentParser(
        prog="publish_scene.py",
        description="Publish a scene's previews on its tracker task (the DCC hooks' logic).",
    )
    cli.add_argument("scene", help=f"the scene file's path: {dcc_common.CONVENTION}")
    cli.add_argument("--preview", action="append", default=[], metavar="FILE", help="a preview")
    cli.add_argument("--attach", action="append", default=[], metavar="FILE", help="a file")
    cli.add_argument("--comment", help="the comment (default: the scene's name and version)")
    cli.add_argument(
        "--status", help="a task status (default: the tracker's feedback-request status)"
    )
    cli.add_argument(
        "--meta",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help=f"scene metadata, over the path ({', '.join(dcc_common.METADATA_KEYS)})",
    )
    return cli


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    metadata: dict[str, str] = {}
    for item in args.meta:
        key, sep, value = item.partition("=")
        if not sep or key not in dcc_common.METADATA_KEYS:
            parser().error(f"--meta {item!r}: KEY=VALUE with KEY one of {dcc_common.METADATA_KEYS}")
        metadata[key] = value

    # this thread plays the DCC's UI thread: the publish hands its message here
    ui: queue.Queue[Callable[[], None]] = queue.Queue()
    shown: list[bool] = []

    def show(text: str, is_error: bool) -> None:
        shown.append(is_error)
        print(text, file=sys.stderr if is_error else sys.stdout)

    try:
        handle = dcc_common.publish_scene(
            args.scene,
            metadata,
            make_preview=lambda _scene: [Path(p) for p in args.preview],
            on_ui=ui.put,
            show=show,
            comment=args.comment,
            status=args.status,
            attachments=args.attach,
        )
        if handle is None:
            return FAILED
        ui.get()()  # blocks until the publish ended and handed its message over
    finally:
        dcc_common.close_projects()
    if shown[-1]:
        return FAILED
    return POSTED if handle.result().posted else QUEUED


if __name__ == "__main__":
    sys.exit(main())
