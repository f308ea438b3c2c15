"""``gadget doctor``: check the configuration step by step and say how to fix it.

The checks run in order, each needing the one before: configuration found,
tracker class resolved for the URL scheme, tracker reachable and login
accepted, the server's version and clock (``Tracker.server_info``: one
request on Kitsu), project found (and a note when the logged-in person is
not on its team). Secrets are shown as ``***``. Exit code 1 when a
check fails.
"""

from __future__ import annotations

import argparse
import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from gadget.errors import AuthenticationError, GadgetError, NotFound, TrackerUnavailable

if TYPE_CHECKING:
    from gadget.config import TrackerConfig
    from gadget.session import Session

__all__ = ["CLOCK_TOLERANCE", "Check", "clock_verdict", "register", "run", "run_checks"]

OK, FAIL, SKIP = "ok", "FAIL", "skip"


@dataclass
class Check:
    """One verdict: ``status`` is ok, FAIL or skip; ``fix`` says what to do on FAIL."""

    name: str
    status: str
    detail: str
    fix: str = ""


class _State:
    def __init__(self, project: str | None) -> None:
        self.project = project
        self.config: TrackerConfig | None = None
        self.session: Session | None = None


def _check_config(state: _State) -> Check:
    from gadget.cli._output import mask_url
    from gadget.config import load_config

    try:
        config = load_config()
    except GadgetError as exc:
        fix = (
            "set TRACKER_URL in the environment (e.g. export TRACKER_URL=sqlite:///gadget-demo.db) "
            "or in an adm_env.yml in this directory (or point GADGET_ENV_FILE at one)"
        )
        if "${" in str(exc):
            fix = "export the variable the file refers to (secrets live in the environment)"
        elif "YAML" in str(exc) or "flat mapping" in str(exc) or "plain value" in str(exc):
            fix = "make that file a flat mapping of VARIABLE: value lines (valid YAML)"
        return Check("config", FAIL, str(exc), fix)
    state.config = config

    def shown(value: str | None, secret: bool = False) -> str:
        if not value:
            return "-"
        return "***" if secret else value

    detail = (
        f"found in {config.source}\n"
        f"TRACKER_URL={mask_url(config.url)}  TRACKER_LOGIN={shown(config.login)}  "
        f"TRACKER_PASSWORD={shown(config.password, True)}  "
        f"TRACKER_TOKEN={shown(config.token, True)}  TRACKER_PROJECT={shown(config.project)}"
    )
    return Check("config", OK, detail)


def _check_tracker(state: _State) -> Check:
    from gadget.trackers.registry import available_schemes, resolve

    assert state.config is not None
    try:
        cls = resolve(state.config.url)
    except GadgetError as exc:
        if "can't load" in str(exc):
            return Check(
                "tracker",
                FAIL,
                str(exc),
                "install what this tracker needs (the pip command above), in this Python",
            )
        return Check(
            "tracker",
            FAIL,
            str(exc),
            "use a URL with a known scheme ("
            + ", ".join(f"{s}://" for s in available_schemes())
            + "), or install the package that registers yours in the gadget.trackers entry points",
        )
    caps = ", ".join(sorted(cls.capabilities)) or "none"
    return Check(
        "tracker",
        OK,
        f"{state.config.scheme}:// -> {cls.__module__}.{cls.__qualname__} ({cls.name})\n"
        f"capabilities: {caps}",
    )


def _local_database(url: str) -> Any:
    """The database path of a sqlite:// URL (None for memory://), or False when not local."""
    if not url.lower().startswith(("sqlite://", "memory://")):
        return False
    from gadget.trackers.local.location import parse_url

    return parse_url(url).database


def _check_login(state: _State) -> Check:
    from gadget.cli._output import mask_url
    from gadget.session import connect

    assert state.config is not None
    url = mask_url(state.config.url)
    try:
        database = _local_database(state.config.url)
    except GadgetError as exc:
        return Check("login", FAIL, str(exc), "fix TRACKER_URL (sqlite:///path/studio.db)")
    try:
        session = connect(config=state.config)  # never creates a missing database
    except AuthenticationError as exc:
        fix = "check TRACKER_LOGIN and TRACKER_PASSWORD (or TRACKER_TOKEN for a bot)"
        if database is not False:
            fix = (
                "set TRACKER_LOGIN to the email of a person of that database, or unset it to "
                "act as its first admin (the local tracker checks no password)"
            )
        return Check("login", FAIL, f"{url} refused the login: {exc}", fix)
    except TrackerUnavailable as exc:
        return Check(
            "login",
            FAIL,
            f"cannot reach {url}: {exc}",
            "check that the tracker is up and that TRACKER_URL points at it",
        )
    except GadgetError as exc:
        if database and not database.exists():
            return Check(
                "login",
                FAIL,
                str(exc),
                "fix the path in TRACKER_URL (sqlite:///x is relative to the working directory, "
                "sqlite:////x absolute), or build the demo studio there with `gadget demo --db "
                f"{database}`, or make a new database with gadget.connect(url, create=True)",
            )
        return Check("login", FAIL, str(exc), "check TRACKER_URL and the credentials")
    state.session = session
    try:
        me = session.me
        who = f" as {me.name or me.email} <{me.email}>" if me.email else f" as {me.name}"
    except GadgetError:
        who = ""
    return Check("login", OK, f"logged in to {url}{who}")


#: beyond this many seconds apart, the clocks of this machine and the server disagree
CLOCK_TOLERANCE = 60.0


def clock_verdict(skew: dt.timedelta | None) -> tuple[str, str, str]:
    """(status, detail, fix) of the server's clock against this machine's."""
    if skew is None:
        return OK, "clock: not compared (the tracker does not tell its time)", ""
    seconds = skew.total_seconds()
    if abs(seconds) <= 1.5:
        return OK, "clock: the server's and this machine's agree (within a second)", ""
    way = "ahead of" if seconds > 0 else "behind"
    detail = f"clock: the server is {abs(seconds):.0f} s {way} this machine"
    if abs(seconds) <= CLOCK_TOLERANCE:
        return OK, detail, ""
    return (
        FAIL,
        detail,
        "set this machine's clock (or the server's) from NTP: times gadget shows and compares "
        "(comments' dates, what `gadget watch` prints) disagree with the tracker's",
    )


def _check_server(state: _State) -> Check:
    assert state.session is not None
    tracker = state.session.tracker
    try:
        info = tracker.server_info()
    except GadgetError as exc:
        return Check(
            "server",
            FAIL,
            f"cannot ask the server for its version: {exc}",
            "check that TRACKER_URL points at the tracker's API",
        )
    version = info.get("version")
    name = info.get("name") or tracker.name
    about = f"{name} {version}" if version else f"{tracker.name}: no server version to read"
    features = info.get("features")
    if features:
        offered = ", ".join(f"{k} {'yes' if v else 'no'}" for k, v in features.items())
        about += f"\nfeatures: {offered}"
    unsupported = info.get("unsupported")
    if unsupported:
        return Check("server", FAIL, f"{about}\n{unsupported}", "upgrade the tracker's server")
    status, clock, fix = clock_verdict(info.get("clock_skew"))
    return Check("server", status, f"{about}\n{clock}", fix)


def _team_note(session: Session, project: Any) -> str:
    """A note when the logged-in person is not on the project's team ('' when they are)."""
    if "team" not in session.capabilities:
        return ""
    try:
        me = session.me
        if me in project.team:
            return ""
    except GadgetError:
        return ""
    return (
        f"\nnote: you ({me.email or me.name}) are not on its team; to join it, ask an admin or "
        f"a manager of {project.name!r} to add you (`gadget ls tasks --mine` lists the tasks "
        "assigned to you)"
    )


def _check_project(state: _State) -> Check:
    assert state.session is not None and state.config is not None
    name = state.project or state.config.project
    if not name:
        return Check(
            "project",
            SKIP,
            "TRACKER_PROJECT is not set (Project.from_env() and `gadget ls shots` will need it "
            "or --project)",
        )
    session = state.session
    try:
        project = session.projects.fetch(name)
    except NotFound as exc:
        names = [p.name for p in session.projects]
        listed = ", ".join(repr(n) for n in names[:10]) + (" ..." if len(names) > 10 else "")
        fix = f"set TRACKER_PROJECT to one of: {listed}" if names else "create the project first"
        try:
            hidden = not session.sees_all_projects  # this person sees only their teams' projects
        except GadgetError:
            hidden = False
        if hidden:
            me = session.me
            fix = (
                f"ask an admin or a manager of {name!r} to add you ({me.email or me.name}) "
                f"to its team (on {session.tracker.name} people other than admins see only "
                "the projects whose team they are on)"
                + (f"; or set TRACKER_PROJECT to one of yours: {listed}" if names else "")
            )
        return Check("project", FAIL, str(exc), fix)
    note = _team_note(session, project)
    return Check("project", OK, f"project {project.name!r} found (id {project.id}){note}")


_CHECKS: tuple[tuple[str, Callable[[_State], Check]], ...] = (
    ("config", _check_config),
    ("tracker", _check_tracker),
    ("login", _check_login),
    ("server", _check_server),
    ("project", _check_project),
)


def run_checks(
    project: str | None = None, report: Callable[[Check], None] | None = None
) -> list[Check]:
    """Run every check in order (a check after a failure is skipped)."""
    state = _State(project)
    results: list[Check] = []
    try:
        for name, check in _CHECKS:
            if any(r.status == FAIL for r in results):
                result = Check(name, SKIP, "not checked: an earlier check failed")
            else:
                result = check(state)
            results.append(result)
            if report is not None:
                report(result)
    finally:
        if state.session is not None:
            state.session.close()
    return results


def register(commands: Any) -> None:
    """Add ``gadget doctor`` to the subparsers ``commands``."""
    doctor = commands.add_parser(
        "doctor",
        help="check the configuration, tracker, server, login and project",
        description="Check, in order: configuration found, tracker class for the URL scheme, "
        "tracker reachable and login accepted, the server (its version and clock), project "
        "found (and the logged-in person on its team). Exit code 1 when a check fails.",
    )
    doctor.add_argument("--project", metavar="NAME", help="the project (default: TRACKER_PROJECT)")
    doctor.set_defaults(run=__name__)


def run(args: argparse.Namespace) -> int:
    """``gadget doctor [--project NAME]``."""
    from rich.table import Table
    from rich.text import Text

    from gadget.cli._output import console, redact, secrets_in_play

    out = console()
    secrets = secrets_in_play()
    styles = {OK: "bold green", FAIL: "bold red", SKIP: "yellow"}

    def report(check: Check) -> None:
        # one grid per check, same column widths: printed as soon as the check is done
        grid = Table.grid(padding=(0, 1))
        grid.add_column(width=4, no_wrap=True)
        grid.add_column(width=7, no_wrap=True)
        grid.add_column()
        grid.add_row(
            Text(check.status, style=styles[check.status]),
            Text(check.name, style="bold"),
            Text(redact(check.detail, secrets)),
        )
        if check.fix:
            grid.add_row(Text(""), Text("fix:", style="bold"), Text(redact(check.fix, secrets)))
        out.print(grid)

    results = run_checks(args.project, report)
    failed = [c.name for c in results if c.status == FAIL]
    if failed:
        word = "check" if len(failed) == 1 else "checks"
        out.print(Text(f"doctor: {len(failed)} {word} failed ({', '.join(failed)})", style="red"))
        return 1
    out.print(Text("doctor: all checks passed", style="green"))
    return 0
