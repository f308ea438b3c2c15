"""The ``gadget`` command.

::

    gadget demo [--db PATH] [--fresh]     build a small studio in a local tracker and walk it
    gadget ls projects|shots|assets|tasks [--project NAME] [--json]
    gadget doctor [--project NAME]        check config, tracker, login and project
    gadget outbox list [--all] [--tracker URL] [--json]
    gadget outbox flush [ID ...]          replay kept publishes on the configured tracker
    gadget outbox drop ID                 remove a kept publish
    gadget --version

Exit codes: 0 success; 1 a ``doctor`` check failed, or ``outbox flush`` left
entries unposted; 2 bad usage or a gadget
error, printed as one line ``error: ...`` on stderr (no traceback, secrets
shown as ``***``); 130 interrupted.

Nothing in :mod:`gadget` imports this package; rich loads only when a
command prints.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from gadget.errors import GadgetError

__all__ = ["main"]


def _parser() -> argparse.ArgumentParser:
    from gadget import __version__

    parser = argparse.ArgumentParser(
        prog="gadget",
        description="gadget: one entity layer over production trackers (Kitsu, local SQLite).",
        epilog="Settings come from the environment or adm_env.yml: TRACKER_URL, TRACKER_LOGIN, "
        "TRACKER_PASSWORD (or TRACKER_TOKEN), TRACKER_PROJECT.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    demo = commands.add_parser(
        "demo",
        help="build a small studio in a local tracker and walk it",
        description="Build (or complete) a demo studio in a local SQLite tracker, then walk it "
        "as pipeline code would and count the tracker calls. Running it again changes nothing.",
    )
    demo.add_argument(
        "--db",
        default="gadget-demo.db",
        metavar="PATH",
        help="the SQLite database to use (default: gadget-demo.db in the working directory)",
    )
    demo.add_argument(
        "--fresh", action="store_true", help="delete the database (and its files) first"
    )
    demo.set_defaults(run="demo")

    ls = commands.add_parser(
        "ls",
        help="list projects, shots, assets or tasks",
        description="List entities of the configured tracker: a table, or with --json one JSON "
        "array of objects (normalized field names; relations as <relation>_id and their natural "
        "key; dates ISO 8601; durations in seconds).",
    )
    ls.add_argument("what", choices=("projects", "shots", "assets", "tasks"))
    ls.add_argument("--project", metavar="NAME", help="the project (default: TRACKER_PROJECT)")
    ls.add_argument("--json", action="store_true", dest="as_json", help="print one JSON array")
    ls.set_defaults(run="ls")

    doctor = commands.add_parser(
        "doctor",
        help="check the configuration, tracker, login and project",
        description="Check, in order: configuration found, tracker class for the URL scheme, "
        "tracker reachable and login accepted, project found. Exit code 1 when a check fails.",
    )
    doctor.add_argument("--project", metavar="NAME", help="the project (default: TRACKER_PROJECT)")
    doctor.set_defaults(run="doctor")

    outbox = commands.add_parser(
        "outbox",
        help="list, replay or drop the publishes kept on this machine",
        description="gadget.publish keeps a publish its tracker could not take in the outbox "
        "(GADGET_OUTBOX_DIR, else the user data folder). list shows them, flush replays those "
        "of the configured tracker exactly once, drop removes one.",
    )
    actions = outbox.add_subparsers(dest="action", metavar="ACTION", required=True)
    listing = actions.add_parser(
        "list",
        help="list the kept publishes",
        description="List the entries waiting (sending, pending), refused (failed) and those "
        "posted with a status conflict. Reads only the outbox: no tracker is asked.",
    )
    listing.add_argument("--all", action="store_true", help="the posted entries too")
    listing.add_argument("--tracker", metavar="URL", help="only the entries of this tracker")
    listing.add_argument("--json", action="store_true", dest="as_json", help="print one JSON array")
    flush = actions.add_parser(
        "flush",
        help="replay the kept publishes on the configured tracker",
        description="Connect to the configured tracker (TRACKER_URL ...) and replay its "
        "entries, oldest first, each exactly once. Exit code 1 when some are left "
        "(tracker away, refused, being sent by another process).",
    )
    flush.add_argument(
        "ids", nargs="*", type=int, metavar="ID", help="only these entries (failed ones too)"
    )
    drop = actions.add_parser(
        "drop", help="remove a kept publish", description="Remove an entry and its files."
    )
    drop.add_argument("id", type=int, metavar="ID")
    outbox.set_defaults(run="outbox")
    return parser


def _dispatch(args: argparse.Namespace) -> int:
    if args.run == "demo":
        from gadget.cli import _demo

        return _demo.run(args)
    if args.run == "ls":
        from gadget.cli import _listing

        return _listing.run(args)
    if args.run == "outbox":
        from gadget.cli import _outbox

        return _outbox.run(args)
    from gadget.cli import _doctor

    return _doctor.run(args)


def _exit_code(code: object) -> int:
    if code is None:
        return 0
    return code if isinstance(code, int) else 2


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``gadget`` command with ``argv`` (default: ``sys.argv[1:]``); return the exit code."""
    parser = _parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # --help, --version, or a usage error (already printed)
        return _exit_code(exc.code)
    try:
        return _dispatch(args)
    except GadgetError as exc:
        from gadget.cli._output import redact

        message = " ".join(str(exc).split()) or type(exc).__name__
        print(f"error: {redact(message)}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
