"""``gadget outbox list|flush|drop``: the publishes kept on this machine.

``list`` reads only the outbox (no tracker is asked, no setting needed);
``flush`` connects to the configured tracker (TRACKER_URL ...) and replays
its entries; ``drop`` removes one entry. The outbox folder is
``GADGET_OUTBOX_DIR``, else the user data folder (``gadget.outbox.default_folder``).
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from gadget.outbox import DONE, OPEN_STATES, Entry, Outbox

if TYPE_CHECKING:
    from gadget.outbox import FlushReport

__all__ = ["run"]

COLUMNS = (
    ("id", "id"),
    ("state", "state"),
    ("task", "label"),
    ("comment", "comment"),
    ("status", "status"),
    ("files", "files"),
    ("missing", "missing"),
    ("tries", "attempts"),
    ("note", "note"),
)


def _note(entry: Entry) -> str:
    return entry.conflict or entry.last_error or ""


def _listed(box: Outbox, args: argparse.Namespace) -> list[Entry]:
    if args.all:
        return box.entries(args.tracker, (*OPEN_STATES, DONE))
    # finished entries are shown while they carry a conflict a person should see
    return [
        e for e in box.entries(args.tracker, (*OPEN_STATES, DONE)) if e.state != DONE or e.conflict
    ]


def _list(args: argparse.Namespace) -> int:
    from gadget.cli._output import console, print_json, redact

    box = Outbox()
    entries = _listed(box, args)
    if args.as_json:
        print_json([e.as_json() for e in entries])
        return 0

    from rich.table import Table
    from rich.text import Text

    title = f"{len(entries)} outbox entr{'y' if len(entries) == 1 else 'ies'} in {box.folder}"
    table = Table(title=Text(title), title_justify="left")
    for header, _ in COLUMNS:
        table.add_column(header, justify="right" if header in ("id", "tries") else "left")
    for entry in entries:
        files = entry.files("previews") + entry.files("attachments")
        cells = {
            "id": str(entry.id),
            "state": entry.state + (" (conflict)" if entry.conflict else ""),
            "label": entry.label,
            "comment": entry.text if len(entry.text) <= 40 else entry.text[:39] + "…",
            "status": entry.status or "",
            "files": ", ".join(files),
            "missing": ", ".join(entry.missing) if entry.state != DONE else "",
            "attempts": str(entry.attempts),
            "note": redact(_note(entry)),
        }
        table.add_row(*(Text(cells[key]) for _, key in COLUMNS))
    console().print(table)
    return 0


def _flush(args: argparse.Namespace) -> int:
    from gadget.cli._output import console, redact
    from gadget.session import connect

    box = Outbox()
    with connect() as session:
        report = box.flush(session, ids=args.ids or None)
    out = console()
    for entry in report.posted:
        line = f"posted  {entry.id}  {entry.label}  comment {entry.comment_id}"
        out.print(line, markup=False)
        if entry.conflict:
            out.print(f"        {redact(entry.conflict)}", markup=False)
    for entry in report.pending:
        out.print(f"pending {entry.id}  {entry.label}  {redact(_note(entry))}", markup=False)
    for entry in report.failed:
        out.print(f"failed  {entry.id}  {entry.label}  {redact(_note(entry))}", markup=False)
    for entry in report.in_flight:
        out.print(f"sending {entry.id}  {entry.label}  (another process)", markup=False)
    out.print(_summary(report), markup=False)
    return 1 if report.pending or report.failed or report.in_flight else 0


def _summary(report: FlushReport) -> str:
    return (
        f"{len(report.posted)} posted ({len(report.conflicts)} with a status conflict), "
        f"{len(report.pending)} pending, {len(report.failed)} failed, "
        f"{len(report.in_flight)} being sent elsewhere"
    )


def _drop(args: argparse.Namespace) -> int:
    from gadget.cli._output import console

    entry = Outbox().drop(args.id)
    console().print(f"dropped {entry.id}  {entry.label}  (it will not be replayed)", markup=False)
    return 0


def run(args: argparse.Namespace) -> int:
    """``gadget outbox list|flush|drop``."""
    if args.action == "list":
        return _list(args)
    if args.action == "flush":
        return _flush(args)
    return _drop(args)
