#!/usr/bin/env python3
"""Start and stop a real Kitsu server (Zou) on 127.0.0.1 for tests and benchmarks.

Standard library only: importable from a pytest conftest or a benchmark, and
runnable as a script::

    python tools/zou_server.py venv                 # build/reuse the zou venv
    python tools/zou_server.py start  --state DIR   # prints server.json (no password)
    python tools/zou_server.py status --state DIR
    python tools/zou_server.py stop   --state DIR
    python tools/zou_server.py dump    --state DIR --file F   # pg_dump -Fc
    python tools/zou_server.py restore --state DIR --file F   # replaces the database

What runs (every server binds 127.0.0.1 on a free port):

* PostgreSQL (own cluster in ``DIR/pg``, run as the ``postgres`` user when we
  are root, fsync off), role ``zou`` and database ``zoudb``;
* redis-server (daemonized, pidfile in ``DIR/redis``);
* the Zou API under gunicorn/gevent, reachable both as ``/data/...`` and as
  ``/api/data/...`` (``bare_url`` and ``api_url``);
* a second API process on the same database whose access tokens expire after
  a few seconds (``short_token_url``), to test token refresh;
* the Zou events server (socket.io, ``events_url``).

Zou itself (``zou==ZOU_VERSION``, which pins all its dependencies) lives in
its own venv outside the git tree, by default
``~/.cache/gadget/zou-<version>-py3.X`` (override the root with
``GADGET_CACHE_DIR``).  System packages come from
``bash tools/install-system-deps.sh``.
"""

from __future__ import annotations

import argparse
import contextlib
import fcntl
import glob
import json
import os
import pwd
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import textwrap
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

ZOU_VERSION = "1.0.97"
ZOU_REQUIREMENT = f"zou=={ZOU_VERSION}"
# zou 1.0.97 declares Requires-Python >=3.10,<3.15; preferred order first.
SUPPORTED_PYTHONS = [(3, 12), (3, 11), (3, 13), (3, 10), (3, 14)]
MARKER_NAME = "gadget-zou-venv.json"

DEFAULT_ADMIN_EMAIL = "admin@gadget-studio.com"
DEFAULT_SHORT_TOKEN_SECONDS = 3
ACCESS_LOG = "api-access.log"
DEFAULT_TIMEOUT = 180.0
INSTALL_HINT = "run: bash tools/install-system-deps.sh"
STATE_FILE = "server.json"
HOST = "127.0.0.1"


class ZouServerError(RuntimeError):
    """Raised when the server cannot be built, started or reached."""


# --------------------------------------------------------------------------
# small helpers
# --------------------------------------------------------------------------


def _log(msg: str) -> None:
    print(f"[zou_server] {msg}", file=sys.stderr, flush=True)


@contextlib.contextmanager
def _stage(name: str):
    t0 = time.monotonic()
    _log(f"{name} ...")
    try:
        yield
    except BaseException:
        _log(f"{name} FAILED after {time.monotonic() - t0:.1f}s")
        raise
    _log(f"{name}: {time.monotonic() - t0:.1f}s")


def _tail(path: Path, lines: int = 40) -> str:
    try:
        with open(path, "rb") as fh:
            fh.seek(0, os.SEEK_END)
            size = fh.tell()
            fh.seek(max(0, size - 16384))
            data = fh.read().decode("utf-8", "replace")
    except OSError:
        return f"(no log at {path})"
    return "\n".join(data.splitlines()[-lines:])


def _log_excerpt(path: Path, lines: int = 30) -> str:
    """Tail of a log, preceded by its first exception lines (root causes are
    often far above gunicorn's own shutdown traceback)."""
    tail = _tail(path, lines)
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return tail
    causes: list[str] = []
    for line in text.splitlines():
        head = line.split(":", 1)[0].strip()
        if (
            ":" in line
            and head.endswith(("Error", "Exception"))
            and " " not in head
            and line not in causes
            and line not in tail
        ):
            causes.append(line)
            if len(causes) >= 5:
                break
    if causes:
        return "first errors:\n" + "\n".join(causes) + "\n... tail:\n" + tail
    return tail


def _free_ports(n: int) -> list[int]:
    socks, ports = [], []
    try:
        while len(ports) < n:
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            s.bind((HOST, 0))
            socks.append(s)
            port = s.getsockname()[1]
            if port not in ports:
                ports.append(port)
    finally:
        for s in socks:
            s.close()
    return ports


def _run(
    cmd: list[str],
    *,
    env: dict | None = None,
    cwd: Path | None = None,
    log: Path | None = None,
    timeout: float = 600,
    what: str = "",
) -> str:
    """Run a command; raise ZouServerError with its output on failure."""
    try:
        proc = subprocess.run(
            [str(c) for c in cmd],
            env=env,
            cwd=cwd,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            timeout=timeout,
        )
    except subprocess.TimeoutExpired as exc:
        out = (exc.output or b"").decode("utf-8", "replace")
        raise ZouServerError(
            f"{what or cmd[0]} timed out after {timeout}s:\n{out[-4000:]}"
        ) from None
    out = proc.stdout.decode("utf-8", "replace")
    if log is not None:
        with open(log, "a", encoding="utf-8") as fh:
            fh.write(f"$ {' '.join(map(str, cmd[:3]))} ...\n{out}\n")
    if proc.returncode != 0:
        raise ZouServerError(f"{what or cmd[0]} failed (exit {proc.returncode}):\n{out[-4000:]}")
    return out


# --------------------------------------------------------------------------
# process bookkeeping (by PID + start time, so a reused PID is never killed)
# --------------------------------------------------------------------------


def _proc_stat(pid: int) -> tuple[str, int, int] | None:
    """(state, ppid, starttime) of a process, or None when it does not exist."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as fh:
            data = fh.read().decode("utf-8", "replace")
    except OSError:
        return None
    rest = data[data.rfind(")") + 2 :].split()
    # rest[0] = state (field 3), rest[1] = ppid (4), rest[19] = starttime (22)
    try:
        return rest[0], int(rest[1]), int(rest[19])
    except (IndexError, ValueError):
        return None


def _proc_record(pid: int) -> dict | None:
    st = _proc_stat(pid)
    if st is None:
        return None
    return {"pid": pid, "starttime": st[2]}


def _same_process(rec: dict | None) -> bool:
    """True when the recorded process still exists and is not a zombie."""
    if not rec:
        return False
    st = _proc_stat(int(rec["pid"]))
    if st is None or st[0] in ("Z", "X"):
        return False
    return st[2] == rec.get("starttime", st[2])


def _reap(pid: int) -> None:
    with contextlib.suppress(ChildProcessError, OSError):
        os.waitpid(pid, os.WNOHANG)


def _children(pid: int) -> list[int]:
    kids = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            st = _proc_stat(int(entry))
            if st and st[1] == pid:
                kids.append(int(entry))
    return kids


def _wait_gone(recs: list[dict], timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while True:
        for r in recs:
            _reap(int(r["pid"]))
        if not any(_same_process(r) for r in recs):
            return True
        if time.monotonic() >= deadline:
            return False
        time.sleep(0.1)


def _kill_trees(recs: list[dict | None], sig: int = signal.SIGINT, timeout: float = 15.0) -> None:
    """Stop recorded processes and their direct children (gunicorn workers).

    All are signalled at once, then waited for; SIGKILL after ``timeout``.
    """
    alive = []
    for rec in recs:
        if rec and _same_process(rec):
            alive.append(rec)
        elif rec:
            _reap(int(rec["pid"]))
    if not alive:
        return
    kids = [r for rec in alive for r in (_proc_record(k) for k in _children(int(rec["pid"]))) if r]
    for rec in alive:
        with contextlib.suppress(ProcessLookupError):
            os.kill(int(rec["pid"]), sig)
    everyone = alive + kids
    if _wait_gone(everyone, timeout):
        return
    for r in everyone:
        if _same_process(r):
            with contextlib.suppress(ProcessLookupError):
                os.kill(int(r["pid"]), signal.SIGKILL)
    _wait_gone(everyone, 5.0)


def _kill_tree(rec: dict | None, sig: int = signal.SIGINT, timeout: float = 15.0) -> None:
    _kill_trees([rec], sig, timeout)


# --------------------------------------------------------------------------
# the zou venv
# --------------------------------------------------------------------------


def default_cache_root() -> Path:
    env = os.environ.get("GADGET_CACHE_DIR")
    if env:
        return Path(env).expanduser()
    xdg = os.environ.get("XDG_CACHE_HOME")
    base = Path(xdg).expanduser() if xdg else Path.home() / ".cache"
    return base / "gadget"


def _python_candidates(version: tuple[int, int]) -> list[str]:
    major, minor = version
    names = [f"python{major}.{minor}"]
    found: list[str] = []
    cur = sys.version_info[:2]
    if cur == version:
        found.append(sys.executable)
    pyenv_root = Path(os.environ.get("PYENV_ROOT", Path.home() / ".pyenv"))
    roots = [pyenv_root, Path("/root/.pyenv"), Path("/opt/pyenv")]
    for root in roots:
        pattern = str(root / "versions" / f"{major}.{minor}.*" / "bin" / "python")
        for p in sorted(glob.glob(pattern), reverse=True):
            if "-dev" not in p and "/envs/" not in p:
                found.append(p)
    for name in names:
        w = shutil.which(name)
        if w:
            found.append(w)
        for d in ("/usr/local/bin", "/usr/bin"):
            p = os.path.join(d, name)
            if os.access(p, os.X_OK):
                found.append(p)
    out: list[str] = []
    for p in found:
        if p not in out:
            out.append(p)
    return out


def _probe_python(exe: str) -> tuple[tuple[int, int], str] | None:
    """Version and real executable of a python that can build a venv with pip."""
    code = (
        "import sys, venv, ensurepip; print('%d.%d' % sys.version_info[:2]); print(sys.executable)"
    )
    try:
        out = subprocess.run(
            [exe, "-c", code], stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=30
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    if out.returncode != 0:
        return None
    lines = out.stdout.split()
    if len(lines) < 2:
        return None
    major, minor = (int(x) for x in lines[0].split("."))
    return (major, minor), lines[1]


def find_base_python() -> tuple[str, tuple[int, int]]:
    """Pick an interpreter zou supports (3.12 first, then 3.11, 3.13, 3.10)."""
    override = os.environ.get("GADGET_ZOU_PYTHON")
    if override:
        probed = _probe_python(override)
        if not probed or probed[0] not in SUPPORTED_PYTHONS:
            raise ZouServerError(
                f"GADGET_ZOU_PYTHON={override} is not a usable "
                f"python in {SUPPORTED_PYTHONS} with venv/ensurepip"
            )
        return probed[1], probed[0]
    for version in SUPPORTED_PYTHONS:
        for cand in _python_candidates(version):
            probed = _probe_python(cand)
            if probed and probed[0] == version:
                return probed[1], version
    raise ZouServerError(
        "no python 3.10-3.14 with the venv module found for zou "
        f"(tried {SUPPORTED_PYTHONS}); install one (e.g. apt-get install "
        "python3-venv) or set GADGET_ZOU_PYTHON"
    )


def _venv_ok(venv: Path) -> bool:
    marker = venv / MARKER_NAME
    try:
        data = json.loads(marker.read_text())
    except (OSError, ValueError):
        return False
    if data.get("zou") != ZOU_VERSION:
        return False
    for exe in ("python", "zou", "gunicorn"):
        if not os.access(venv / "bin" / exe, os.X_OK):
            return False
    # the interpreter it was built from may have gone away
    return os.path.exists(os.path.realpath(venv / "bin" / "python"))


def ensure_zou_venv(cache_root: Path | None = None) -> Path:
    """Return a venv with ``zou==ZOU_VERSION`` installed, building it if needed.

    Reused when its marker file records the same zou version.  The marker is
    written only after a successful install, so a half-built venv is rebuilt.
    A lock file serialises concurrent builders (e.g. pytest-xdist workers).
    """
    root = Path(cache_root).expanduser() if cache_root else default_cache_root()
    override = os.environ.get("GADGET_ZOU_VENV")
    if override and cache_root is None:
        venv = Path(override).expanduser()
        if _venv_ok(venv):
            return venv
    root.mkdir(parents=True, exist_ok=True)
    # fast path: any matching, complete venv in preference order
    for version in SUPPORTED_PYTHONS:
        cand = root / f"zou-{ZOU_VERSION}-py{version[0]}.{version[1]}"
        if _venv_ok(cand):
            return cand
    with open(root / f"zou-{ZOU_VERSION}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        for version in SUPPORTED_PYTHONS:
            cand = root / f"zou-{ZOU_VERSION}-py{version[0]}.{version[1]}"
            if _venv_ok(cand):
                return cand
        base, version = find_base_python()
        venv = root / f"zou-{ZOU_VERSION}-py{version[0]}.{version[1]}"
        with _stage(f"venv: building {venv} with {base} (pip install {ZOU_REQUIREMENT})"):
            if venv.exists():
                shutil.rmtree(venv)
            _run([base, "-m", "venv", str(venv)], what="python -m venv")
            py = venv / "bin" / "python"
            env = dict(os.environ)
            env.pop("PYTHONPATH", None)
            env["PIP_DISABLE_PIP_VERSION_CHECK"] = "1"
            _run(
                [py, "-m", "pip", "install", "-q", ZOU_REQUIREMENT],
                env=env,
                timeout=1800,
                what=f"pip install {ZOU_REQUIREMENT}",
            )
            versions = _run(
                [
                    py,
                    "-c",
                    (
                        "import importlib.metadata as m; "
                        "print(m.version('zou')); print(m.version('gazu'))"
                    ),
                ],
                what="zou import check",
            ).split()
            if versions[0] != ZOU_VERSION:
                raise ZouServerError(f"installed zou {versions[0]} != {ZOU_VERSION}")
            (venv / MARKER_NAME).write_text(
                json.dumps(
                    {
                        "zou": ZOU_VERSION,
                        "gazu": versions[1],
                        "python": f"{version[0]}.{version[1]}",
                        "base_python": base,
                        "built_at": time.strftime("%Y-%m-%dT%H:%M:%S"),
                    },
                    indent=2,
                )
                + "\n"
            )
        return venv


# --------------------------------------------------------------------------
# PostgreSQL / redis binaries
# --------------------------------------------------------------------------


def find_pg_bin() -> Path:
    """Directory holding the PostgreSQL server binaries (initdb, pg_ctl, postgres)."""
    need = ("initdb", "pg_ctl", "postgres")

    def version_key(p: str) -> tuple:
        name = Path(p).parent.name
        return tuple(int(x) if x.isdigit() else 0 for x in name.split("."))

    dirs = sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=version_key, reverse=True)
    for d in dirs:
        if all(os.access(os.path.join(d, n), os.X_OK) for n in need):
            return Path(d)
    # PATH (e.g. /usr/local/bin symlinks, or a distribution putting them there)
    first = shutil.which("pg_ctl")
    if first:
        real = Path(os.path.realpath(first)).parent
        if all(os.access(real / n, os.X_OK) for n in need):
            return real
        plain = Path(first).parent
        if all(os.access(plain / n, os.X_OK) for n in need):
            return plain
    raise ZouServerError(
        "PostgreSQL server binaries (initdb, pg_ctl, postgres) not found in "
        f"/usr/lib/postgresql/*/bin or PATH; {INSTALL_HINT}"
    )


def find_redis_server() -> Path:
    exe = shutil.which("redis-server") or (
        "/usr/bin/redis-server" if os.access("/usr/bin/redis-server", os.X_OK) else None
    )
    if not exe:
        raise ZouServerError(f"redis-server not found; {INSTALL_HINT}")
    return Path(exe)


# --------------------------------------------------------------------------
# WSGI modules written into the state dir
# --------------------------------------------------------------------------

_WSGI_MAIN = '''\
"""Zou app served both at / and at /api (production Kitsu's nginx layout)."""
from werkzeug.middleware.dispatcher import DispatcherMiddleware

from zou.app import app as zou_app

application = DispatcherMiddleware(zou_app, {"/api": zou_app})
'''

_WSGI_SHORT = '''\
"""Zou app whose access tokens expire after %(seconds)s seconds (token refresh tests)."""
import datetime

from werkzeug.middleware.dispatcher import DispatcherMiddleware

from zou.app import config

config.JWT_ACCESS_TOKEN_EXPIRES = datetime.timedelta(seconds=%(seconds)s)

from zou.app import app as zou_app  # noqa: E402

# zou.app copies config at import; flask-jwt-extended reads app.config lazily
zou_app.config["JWT_ACCESS_TOKEN_EXPIRES"] = datetime.timedelta(seconds=%(seconds)s)

application = DispatcherMiddleware(zou_app, {"/api": zou_app})
'''

# zou CLI steps in one interpreter (each `zou` call costs ~5 s of imports).
_INIT_SCRIPT = """\
import os, sys
from zou import cli

def run(args):
    print("+ zou", args[0], flush=True)
    try:
        cli.cli.main(args=args, prog_name="zou", standalone_mode=False)
    except SystemExit as exc:
        if exc.code not in (0, None):
            raise

run(["upgrade-db", "--no-telemetry"])
run(["init-data"])
run(["create-admin", os.environ["GADGET_ADMIN_EMAIL"],
     "--password", os.environ["GADGET_ADMIN_PASSWORD"]])
"""


# --------------------------------------------------------------------------
# HTTP probes
# --------------------------------------------------------------------------


def _http(
    method: str, url: str, body: Any = None, token: str | None = None, timeout: float = 10.0
) -> tuple[int, Any]:
    data = None
    headers = {"Accept": "application/json"}
    if body is not None:
        data = json.dumps(body).encode()
        headers["Content-Type"] = "application/json"
    if token:
        headers["Authorization"] = f"Bearer {token}"
    req = urllib.request.Request(url, data=data, method=method, headers=headers)
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(req, timeout=timeout) as resp:
            raw, status = resp.read(), resp.status
    except urllib.error.HTTPError as exc:
        raw, status = exc.read(), exc.code
    try:
        return status, json.loads(raw.decode("utf-8")) if raw else None
    except ValueError:
        return status, raw.decode("utf-8", "replace")


def login(base_url: str, email: str, password: str, timeout: float = 10.0) -> dict:
    """POST {base_url}/auth/login; return the JSON answer (access_token, refresh_token, ...)."""
    status, body = _http(
        "POST",
        f"{base_url.rstrip('/')}/auth/login",
        {"email": email, "password": password},
        timeout=timeout,
    )
    if status != 200 or not isinstance(body, dict) or "access_token" not in body:
        raise ZouServerError(f"login at {base_url} answered {status}: {str(body)[:300]}")
    return body


# --------------------------------------------------------------------------
# the server
# --------------------------------------------------------------------------


class ZouServer:
    """A running (or stopped) local Kitsu server, described by DIR/server.json.

    Attributes: ``state_dir``, ``api_url`` (``http://127.0.0.1:P/api``),
    ``bare_url`` (``http://127.0.0.1:P``), ``events_url``
    (``http://127.0.0.1:P2``), ``short_token_url`` (a second API, same
    database, access tokens valid ``short_token_seconds``; also serves
    ``/api``), ``short_token_bare_url``, ``admin_email``, ``admin_password``,
    ``ports`` (dict), ``venv``, ``zou_version``, ``secret_key``.
    """

    def __init__(self, state_dir: Path, info: dict):
        self.state_dir = Path(state_dir)
        self._info = info
        self._popen: dict[str, subprocess.Popen] = {}
        ports = info["ports"]
        self.ports: dict[str, int] = dict(ports)
        self.bare_url = f"http://{HOST}:{ports['api']}"
        self.api_url = f"{self.bare_url}/api"
        self.short_token_bare_url = f"http://{HOST}:{ports['api_short']}"
        self.short_token_url = f"{self.short_token_bare_url}/api"
        self.events_url = f"http://{HOST}:{ports['events']}"
        self.short_token_seconds: int = info["short_token_seconds"]
        self.admin_email: str = info["admin_email"]
        self.admin_password: str = info["admin_password"]
        self.venv = Path(info["venv"])
        self.zou_version: str = info.get("zou_version", ZOU_VERSION)
        self.secret_key: str = info["secret_key"]

    def __repr__(self) -> str:  # never shows the password
        return (
            f"ZouServer(api_url={self.api_url!r}, events_url={self.events_url!r}, "
            f"state_dir={str(self.state_dir)!r})"
        )

    # ---- construction --------------------------------------------------

    @classmethod
    def load(cls, state_dir: Path | str) -> ZouServer:
        path = Path(state_dir) / STATE_FILE
        try:
            info = json.loads(path.read_text())
        except FileNotFoundError:
            raise ZouServerError(f"no {STATE_FILE} in {state_dir}") from None
        return cls(Path(state_dir), info)

    @classmethod
    def start(
        cls,
        state_dir: Path | str,
        *,
        venv: Path | None = None,
        cache_root: Path | None = None,
        admin_email: str = DEFAULT_ADMIN_EMAIL,
        admin_password: str | None = None,
        short_token_seconds: int = DEFAULT_SHORT_TOKEN_SECONDS,
        api_workers: int = 2,
        timeout: float = DEFAULT_TIMEOUT,
    ) -> ZouServer:
        """Start PostgreSQL, redis, the API (x2) and the events server.

        Any server previously started from the same ``state_dir`` is stopped
        and its files are replaced.  On failure everything started so far is
        stopped again and ZouServerError carries the tail of the logs.
        """
        state_dir = Path(state_dir).absolute()
        t_all = time.monotonic()
        with _stage("venv"):
            venv = Path(venv) if venv else ensure_zou_venv(cache_root)
        pg_bin = find_pg_bin()
        redis_bin = find_redis_server()

        state_dir.mkdir(parents=True, exist_ok=True)
        if (state_dir / STATE_FILE).exists():
            with contextlib.suppress(Exception):
                previous = cls.load(state_dir)
                if any(previous.status().values()):
                    _log(f"stopping the previous server of {state_dir}")
                previous.stop()
        _clean_state_dir(state_dir)

        p_pg, p_redis, p_api, p_short, p_events = _free_ports(5)
        info: dict[str, Any] = {
            "version": 1,
            "zou_version": ZOU_VERSION,
            "venv": str(venv),
            "pg_bin": str(pg_bin),
            "ports": {
                "postgres": p_pg,
                "redis": p_redis,
                "api": p_api,
                "api_short": p_short,
                "events": p_events,
            },
            "admin_email": admin_email,
            "admin_password": admin_password or ("Gd-" + secrets.token_urlsafe(15)),
            "db_password": secrets.token_urlsafe(16),
            "secret_key": secrets.token_hex(32),
            "short_token_seconds": int(short_token_seconds),
            "pids": {},
            "pg_dir": None,
            "started_at": time.strftime("%Y-%m-%dT%H:%M:%S"),
        }
        server = cls(state_dir, info)
        try:
            server._boot(pg_bin, redis_bin, api_workers, timeout)
        except BaseException:
            _log("start failed; stopping what was started")
            with contextlib.suppress(Exception):
                server.stop()
            raise
        _log(f"total start: {time.monotonic() - t_all:.1f}s")
        return server

    # ---- environment ---------------------------------------------------

    def env(self) -> dict[str, str]:
        """Environment for zou processes (the CLI or the servers) of this instance."""
        i, sd = self._info, self.state_dir
        env = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith(("PYTHON", "VIRTUAL_ENV", "PIP_", "GUNICORN"))
        }
        env.update(
            {
                "PATH": f"{self.venv / 'bin'}:{os.environ.get('PATH', '/usr/bin:/bin')}",
                "VIRTUAL_ENV": str(self.venv),
                "PYTHONUNBUFFERED": "1",
                "SECRET_KEY": i["secret_key"],
                "DB_HOST": HOST,
                "DB_PORT": str(i["ports"]["postgres"]),
                "DB_USERNAME": "zou",
                "DB_PASSWORD": i["db_password"],
                "DB_DATABASE": "zoudb",
                # zou defaults to 30+60 connections per process; 4 processes
                # must fit in max_connections (200) of the test cluster
                "DB_POOL_SIZE": "10",
                "DB_MAX_OVERFLOW": "30",
                "KV_HOST": HOST,
                "KV_PORT": str(i["ports"]["redis"]),
                "EVENT_STREAM_HOST": HOST,
                "EVENT_STREAM_PORT": str(i["ports"]["events"]),
                "PREVIEW_FOLDER": str(sd / "previews"),
                "TMP_DIR": str(sd / "tmp"),
                "MAIL_ENABLED": "false",
                "MAIL_CHECK_DELIVERABILITY": "false",
                "TELEMETRY_URL": "http://127.0.0.1:9/",
                "BCRYPT_LOG_ROUNDS": "4",
                "INDEXER_HOST": HOST,
                "INDEXER_PORT": "9",
                "NO_PROXY": "127.0.0.1,localhost",
                "no_proxy": "127.0.0.1,localhost",
            }
        )
        return env

    def run_zou(self, *args: str, timeout: float = 300) -> str:
        """Run the zou CLI of this instance (cwd = the state dir's run/ folder)."""
        return _run(
            [self.venv / "bin" / "zou", *args],
            env=self.env(),
            cwd=self.state_dir / "run",
            timeout=timeout,
            what=f"zou {args[0] if args else ''}",
        )

    # ---- boot ----------------------------------------------------------

    def _save(self) -> None:
        path = self.state_dir / STATE_FILE
        tmp = path.with_suffix(".tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as fh:
            json.dump(self._info, fh, indent=2)
            fh.write("\n")
        os.replace(tmp, path)

    def _boot(self, pg_bin: Path, redis_bin: Path, api_workers: int, timeout: float) -> None:
        sd = self.state_dir
        for sub in ("logs", "previews", "tmp", "run", "wsgi", "redis"):
            (sd / sub).mkdir(exist_ok=True)
        self._save()
        with _stage("postgres (initdb + start + role/db)"):
            self._start_postgres(pg_bin)
        with _stage("redis"):
            self._start_redis(redis_bin)
        # The app does not touch the database while it boots, so the
        # gunicorn servers load zou while the schema and admin are created.
        self._start_http(api_workers)
        with _stage("zou init (upgrade-db, init-data, create-admin; servers booting)"):
            self._zou_init()
        with _stage("server boot (api, short-token api, events: wait until ready)"):
            self._wait_ready(timeout)

    def _pg_user(self) -> str | None:
        if os.geteuid() != 0:
            return None
        try:
            pwd.getpwnam("postgres")
        except KeyError:
            raise ZouServerError(
                "running as root but there is no 'postgres' user "
                f"to run PostgreSQL as; {INSTALL_HINT}"
            ) from None
        return "postgres"

    def _as_pg(self, cmd: list) -> list[str]:
        user = self._pg_user()
        cmd = [str(c) for c in cmd]
        if user is None:
            return cmd
        runuser = shutil.which("runuser") or "/usr/sbin/runuser"
        return [runuser, "-u", user, "--", *cmd]

    def _pg_dir_usable(self, pg_dir: Path, user: str | None) -> bool:
        if user is None:
            return True
        res = subprocess.run(
            self._as_pg(["test", "-w", pg_dir, "-a", "-x", pg_dir]),
            stdin=subprocess.DEVNULL,
            capture_output=True,
        )
        return res.returncode == 0

    def _start_postgres(self, pg_bin: Path) -> None:
        user = self._pg_user()
        pg_dir = self.state_dir / "pg"
        pg_dir.mkdir(mode=0o700, exist_ok=True)
        if user:
            pw = pwd.getpwnam(user)
            os.chown(pg_dir, pw.pw_uid, pw.pw_gid)
            if not self._pg_dir_usable(pg_dir, user):
                # a parent of the state dir is closed to postgres (e.g. /root)
                shutil.rmtree(pg_dir, ignore_errors=True)
                pg_dir = Path(tempfile.mkdtemp(prefix="gadget-zou-pg-"))
                os.chown(pg_dir, pw.pw_uid, pw.pw_gid)
                _log(f"state dir not reachable by postgres; cluster in {pg_dir}")
        self._info["pg_dir"] = str(pg_dir)
        self._save()
        data = pg_dir / "data"
        pwfile = pg_dir / "pwfile"
        super_pw = secrets.token_urlsafe(16)
        pwfile.write_text(super_pw + "\n")
        if user:
            os.chown(pwfile, pwd.getpwnam(user).pw_uid, pwd.getpwnam(user).pw_gid)
        os.chmod(pwfile, 0o600)
        _run(
            self._as_pg(
                [
                    pg_bin / "initdb",
                    "-D",
                    data,
                    "-U",
                    "postgres",
                    "--pwfile",
                    pwfile,
                    "-E",
                    "UTF8",
                    "--no-locale",
                    "--auth-local=trust",
                    "--auth-host=scram-sha-256",
                    "--no-sync",
                ]
            ),
            cwd=pg_dir,
            what="initdb",
            timeout=120,
        )
        pwfile.unlink()
        port = self._info["ports"]["postgres"]
        conf = textwrap.dedent(f"""
            # gadget test harness
            listen_addresses = '{HOST}'
            port = {port}
            unix_socket_directories = ''
            fsync = off
            synchronous_commit = off
            full_page_writes = off
            max_connections = 200
            shared_buffers = 64MB
            logging_collector = off
            """)
        with open(data / "postgresql.conf", "a") as fh:
            fh.write(conf)
        log = pg_dir / "postgres.log"
        _run(
            self._as_pg([pg_bin / "pg_ctl", "-D", data, "-l", log, "-w", "-t", "60", "start"]),
            cwd=pg_dir,
            what="pg_ctl start",
            timeout=90,
        )
        pid = int((data / "postmaster.pid").read_text().split()[0])
        self._info["pids"]["postgres"] = _proc_record(pid)
        self._save()
        psql = pg_bin / "psql"
        if not os.access(psql, os.X_OK):
            psql = Path(shutil.which("psql") or "psql")
        env = dict(os.environ, PGPASSWORD=super_pw, PGCONNECT_TIMEOUT="10")
        db_pw = self._info["db_password"].replace("'", "''")
        for sql in (
            f"CREATE ROLE zou LOGIN PASSWORD '{db_pw}'",
            "CREATE DATABASE zoudb OWNER zou ENCODING 'UTF8' TEMPLATE template0",
        ):
            _run(
                [
                    psql,
                    "-h",
                    HOST,
                    "-p",
                    str(port),
                    "-U",
                    "postgres",
                    "-d",
                    "postgres",
                    "-v",
                    "ON_ERROR_STOP=1",
                    "-q",
                    "-c",
                    sql,
                ],
                env=env,
                cwd=pg_dir,
                what="psql",
                timeout=60,
            )

    def _start_redis(self, redis_bin: Path) -> None:
        rd = self.state_dir / "redis"
        port = self._info["ports"]["redis"]
        pidfile = rd / "redis.pid"
        _run(
            [
                redis_bin,
                "--bind",
                HOST,
                "--port",
                str(port),
                "--daemonize",
                "yes",
                "--pidfile",
                pidfile,
                "--dir",
                rd,
                "--logfile",
                rd / "redis.log",
                "--save",
                "",
                "--appendonly",
                "no",
                "--protected-mode",
                "yes",
            ],
            cwd=rd,
            what="redis-server",
            timeout=30,
        )
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            if pidfile.exists() and _redis_ping(port):
                pid = int(pidfile.read_text().strip())
                self._info["pids"]["redis"] = _proc_record(pid)
                self._save()
                return
            time.sleep(0.05)
        raise ZouServerError(f"redis did not answer on port {port}:\n{_tail(rd / 'redis.log')}")

    def _zou_init(self) -> None:
        sd = self.state_dir
        script = sd / "wsgi" / "gadget_zou_init.py"
        script.write_text(_INIT_SCRIPT)
        env = self.env()
        env["GADGET_ADMIN_EMAIL"] = self.admin_email
        env["GADGET_ADMIN_PASSWORD"] = self.admin_password
        try:
            _run(
                [self.venv / "bin" / "python", script],
                env=env,
                cwd=sd / "run",
                log=sd / "logs" / "zou-init.log",
                timeout=600,
                what="zou init",
            )
        except ZouServerError as exc:
            raise ZouServerError(str(exc).replace(self.admin_password, "***")) from None

    def _spawn(self, name: str, args: list) -> None:
        log = self.state_dir / "logs" / f"{name}.log"
        with open(log, "ab") as fh:
            proc = subprocess.Popen(
                [str(a) for a in args],
                env=self.env(),
                cwd=self.state_dir / "run",
                stdin=subprocess.DEVNULL,
                stdout=fh,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        self._popen[name] = proc
        self._info["pids"][name] = _proc_record(proc.pid) or {"pid": proc.pid}
        self._save()

    def _start_http(self, api_workers: int) -> None:
        sd = self.state_dir
        wsgi = sd / "wsgi"
        (wsgi / "gadget_zou_wsgi.py").write_text(_WSGI_MAIN)
        (wsgi / "gadget_zou_wsgi_short.py").write_text(
            _WSGI_SHORT % {"seconds": int(self.short_token_seconds)}
        )
        gunicorn = self.venv / "bin" / "gunicorn"
        common = self._gunicorn_common()
        ports = self._info["ports"]
        self._info["api_workers"] = api_workers
        self._spawn("api", self._api_command())
        self._spawn(
            "api_short",
            [
                gunicorn,
                "-k",
                "gevent",
                "-w",
                "1",
                "-b",
                f"{HOST}:{ports['api_short']}",
                *common,
                "gadget_zou_wsgi_short:application",
            ],
        )
        self._spawn(
            "events",
            [
                gunicorn,
                "-k",
                "geventwebsocket.gunicorn.workers.GeventWebSocketWorker",
                "-w",
                "1",
                "-b",
                f"{HOST}:{ports['events']}",
                *common,
                "zou.event_stream:app",
            ],
        )

    def _gunicorn_common(self) -> list:
        sd = self.state_dir
        return [
            "--no-control-socket",
            "--pythonpath",
            sd / "wsgi",
            "--chdir",
            sd / "run",
            "--graceful-timeout",
            "5",
            "--timeout",
            "300",
            "--worker-tmp-dir",
            sd / "tmp",
        ]

    def _api_command(self) -> list:
        """The command line of the main API (gunicorn, gevent workers)."""
        sd = self.state_dir
        return [
            self.venv / "bin" / "gunicorn",
            "-k",
            "gevent",
            "-w",
            str(self._info.get("api_workers", 2)),
            "-b",
            f"{HOST}:{self._info['ports']['api']}",
            # one line per request served: requests are counted at the server
            "--access-logfile",
            sd / "logs" / ACCESS_LOG,
            *self._gunicorn_common(),
            "gadget_zou_wsgi:application",
        ]

    # ---- the main API alone (fault tests) --------------------------------

    def stop_api(self, kill: bool = False) -> None:
        """Stop the main API process and its workers; the database, redis and the
        other servers keep running.

        ``kill=False``: gunicorn's quick shutdown (SIGINT: requests in flight
        are cut); ``kill=True``: SIGKILL to the master and every worker at
        once, as when the machine's OOM killer or an operator strikes.
        """
        rec = self._info.get("pids", {}).get("api")
        if not _same_process(rec):
            return
        if kill:
            kids = [r for r in (_proc_record(k) for k in _children(int(rec["pid"]))) if r]
            for r in [rec, *kids]:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(int(r["pid"]), signal.SIGKILL)
            _wait_gone([rec, *kids], 10)
        else:
            _kill_trees([rec], signal.SIGINT, timeout=15)
        proc = self._popen.pop("api", None)
        if proc is not None:
            with contextlib.suppress(Exception):
                proc.wait(timeout=5)

    def start_api(self, timeout: float = DEFAULT_TIMEOUT) -> None:
        """Start the main API again (same port, same database) and wait until it answers."""
        if _same_process(self._info.get("pids", {}).get("api")):
            return
        self._spawn("api", self._api_command())
        self._wait_ready(timeout, only=("api", "api (/api)"))

    def _check_alive(self) -> None:
        for name in ("api", "api_short", "events"):
            proc = self._popen.get(name)
            if proc is not None and proc.poll() is not None:
                raise ZouServerError(
                    f"{name} server exited with {proc.returncode} during boot; "
                    f"log:\n{_log_excerpt(self.state_dir / 'logs' / f'{name}.log')}"
                )

    def _wait_ready(self, timeout: float, only: tuple[str, ...] | None = None) -> None:
        deadline = time.monotonic() + timeout
        pending = {
            "api": self.bare_url,
            "api (/api)": self.api_url,
            "api_short": self.short_token_bare_url,
            "events": self.events_url,
        }
        if only is not None:
            pending = {name: url for name, url in pending.items() if name in only}
        last: dict[str, str] = {}
        while pending:
            self._check_alive()
            for name, url in list(pending.items()):
                try:
                    if name == "events":
                        status, _ = _http(
                            "GET", f"{url}/socket.io/?EIO=4&transport=polling", timeout=5
                        )
                        if status == 200:
                            del pending[name]
                        else:
                            last[name] = f"HTTP {status}"
                        continue
                    tokens = login(url, self.admin_email, self.admin_password, timeout=10)
                    status, body = _http(
                        "GET", f"{url}/data/projects", token=tokens["access_token"], timeout=10
                    )
                    if status == 200:
                        del pending[name]
                    else:
                        last[name] = f"GET /data/projects: HTTP {status} {str(body)[:200]}"
                except (OSError, ZouServerError) as exc:
                    last[name] = str(exc)[:300]
            if not pending:
                return
            if time.monotonic() > deadline:
                tails = "\n".join(
                    f"--- {n}.log ---\n{_log_excerpt(self.state_dir / 'logs' / f'{n}.log')}"
                    for n in ("api", "api_short", "events")
                )
                raise ZouServerError(
                    f"zou not ready after {timeout:.0f}s; waiting for {sorted(pending)}; "
                    f"last errors: {last}\n{tails}"
                )
            time.sleep(0.25)

    # ---- request counting ----------------------------------------------

    def requests_served(self) -> int:
        """How many requests the main API has answered so far (both host forms).

        Read from the API's access log, one line per request, whatever HTTP
        client made them. Login and token refresh (``/auth/``) are left out.
        Waits until the count is steady: a worker
        writes its line just after sending the answer.
        """
        log = self.state_dir / "logs" / ACCESS_LOG

        def count() -> int:
            try:
                lines = log.read_text(encoding="utf-8", errors="replace").splitlines()
            except FileNotFoundError:
                return 0
            return sum(1 for ln in lines if "/auth/" not in ln)

        last, steady_since = count(), time.monotonic()
        while time.monotonic() - steady_since < 0.15:
            time.sleep(0.03)
            now = count()
            if now != last:
                last, steady_since = now, time.monotonic()
        return last

    # ---- database dump / restore (the benchmark's seeded-series cache) ------

    def _pg_tool(self, tool: str) -> Path:
        pg_bin = Path(self._info.get("pg_bin") or find_pg_bin())
        path = pg_bin / tool
        if not os.access(path, os.X_OK):
            found = shutil.which(tool)
            if not found:
                raise ZouServerError(f"no {tool} next to the server's PostgreSQL; {INSTALL_HINT}")
            path = Path(found)
        return path

    def _pg_args(self) -> list[str]:
        """Connection arguments of the ``zou`` role (the owner of ``zoudb``)."""
        return ["-h", HOST, "-p", str(self._info["ports"]["postgres"]), "-U", "zou"]

    def _pg_env(self) -> dict[str, str]:
        return dict(os.environ, PGPASSWORD=self._info["db_password"], PGCONNECT_TIMEOUT="10")

    def psql(self, sql: str, timeout: float = 120) -> str:
        """Run SQL on ``zoudb`` as its owner; the unaligned, tuples-only output."""
        return _run(
            [
                self._pg_tool("psql"),
                *self._pg_args(),
                "-d",
                "zoudb",
                "-X",
                "-q",
                "-A",
                "-t",
                "-v",
                "ON_ERROR_STOP=1",
                "-c",
                sql,
            ],
            env=self._pg_env(),
            cwd=self.state_dir,
            timeout=timeout,
            what="psql",
        )

    def dump_db(self, path: Path | str, timeout: float = 900) -> Path:
        """Dump the whole database to ``path`` (pg_dump custom format, no owner or
        privileges: it restores into any server started by this tool)."""
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(path.name + ".part")
        _run(
            [
                self._pg_tool("pg_dump"),
                *self._pg_args(),
                "-d",
                "zoudb",
                "-Fc",
                "-Z",
                "1",
                "--no-owner",
                "--no-privileges",
                "-f",
                tmp,
            ],
            env=self._pg_env(),
            cwd=self.state_dir,
            timeout=timeout,
            what="pg_dump",
        )
        os.replace(tmp, path)  # a dump is either whole or absent
        return path

    def restore_db(self, path: Path | str, timeout: float = 900) -> None:
        """Replace the whole database with the dump at ``path`` (see dump_db).

        Everything on this server is lost. The running API keeps going: its
        pooled connections are closed here and it reconnects (Zou pings its
        pool). The admin of this server logs in afterwards with its own
        password (its password hash is carried over the restore; when the
        dump has no person with the admin's email, ``zou create-admin`` makes
        one); tokens issued before the restore are dead (person ids changed).
        Zou's redis cache is cleared.
        """
        path = Path(path)
        if not path.is_file():
            raise ZouServerError(f"no database dump at {path}")
        email = self.admin_email.replace("'", "''")
        hashed = self.psql(
            f"SELECT encode(password, 'hex') FROM person WHERE email = '{email}'"
        ).strip()
        self.psql(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = 'zoudb' AND pid <> pg_backend_pid();"
            " DROP SCHEMA public CASCADE; CREATE SCHEMA public;"
        )
        _run(
            [
                self._pg_tool("pg_restore"),
                *self._pg_args(),
                "-d",
                "zoudb",
                "-j",
                "2",
                "--no-owner",
                "--no-privileges",
                "--exit-on-error",
                path,
            ],
            env=self._pg_env(),
            cwd=self.state_dir,
            timeout=timeout,
            what="pg_restore",
        )
        self.psql("ANALYZE")  # fresh planner statistics: a restore has none
        updated = ""
        if hashed:
            updated = self.psql(
                f"UPDATE person SET password = decode('{hashed}', 'hex'), active = true "
                f"WHERE email = '{email}' RETURNING id"
            ).strip()
        if not updated:
            try:
                self.run_zou("create-admin", self.admin_email, "--password", self.admin_password)
            except ZouServerError as exc:
                raise ZouServerError(str(exc).replace(self.admin_password, "***")) from None
        self.flush_cache()

    def flush_cache(self) -> None:
        """Empty Zou's redis (its cache and token blocklist): after a restore."""
        with socket.create_connection((HOST, self._info["ports"]["redis"]), timeout=10) as s:
            s.sendall(b"FLUSHALL\r\n")
            answer = s.recv(64)
        if not answer.startswith(b"+OK"):
            raise ZouServerError(f"redis FLUSHALL answered {answer[:60]!r}")

    # ---- status / stop -------------------------------------------------

    def status(self) -> dict[str, bool]:
        """Which recorded processes are alive (zombies count as dead)."""
        out = {}
        for name, rec in self._info.get("pids", {}).items():
            if name in self._popen:
                self._popen[name].poll()
            out[name] = _same_process(rec)
        return out

    def is_running(self) -> bool:
        st = self.status()
        return bool(st) and all(st.values())

    def stop(self) -> None:
        """Stop the processes this instance started (recorded PIDs only). Idempotent."""
        pids = self._info.get("pids", {})
        # gunicorn: SIGINT = quick shutdown (SIGTERM would be graceful)
        _kill_trees(
            [pids.get(n) for n in ("events", "api_short", "api")], signal.SIGINT, timeout=15
        )
        for proc in self._popen.values():
            with contextlib.suppress(Exception):
                proc.wait(timeout=5)
        rec = pids.get("redis")
        if _same_process(rec):
            with contextlib.suppress(ProcessLookupError):
                os.kill(int(rec["pid"]), signal.SIGTERM)
            if not _wait_gone([rec], 10):
                _kill_tree(rec, signal.SIGKILL, timeout=5)
        rec = pids.get("postgres")
        if _same_process(rec):
            pg_bin = Path(self._info.get("pg_bin") or find_pg_bin())
            data = Path(self._info["pg_dir"]) / "data"
            with contextlib.suppress(Exception):
                subprocess.run(
                    self._as_pg(
                        [pg_bin / "pg_ctl", "-D", data, "-m", "fast", "-w", "-t", "30", "stop"]
                    ),
                    stdin=subprocess.DEVNULL,
                    capture_output=True,
                    timeout=45,
                )
            if not _wait_gone([rec], 10):
                _kill_tree(rec, signal.SIGQUIT, timeout=5)
        for rec in pids.values():
            if rec:
                _reap(int(rec["pid"]))
        self._popen.clear()
        pg_dir = self._info.get("pg_dir")
        # a fallback cluster outside the state dir is removed with the server
        if pg_dir and not Path(pg_dir).is_relative_to(self.state_dir):
            shutil.rmtree(pg_dir, ignore_errors=True)
        if (self.state_dir / STATE_FILE).exists():
            self._info["stopped_at"] = time.strftime("%Y-%m-%dT%H:%M:%S")
            with contextlib.suppress(OSError):
                self._save()

    def __enter__(self) -> ZouServer:
        return self

    def __exit__(self, *exc) -> None:
        self.stop()

    def public_info(self, show_password: bool = False) -> dict:
        """server.json content for printing (secrets left out by default)."""
        info = {
            k: v
            for k, v in self._info.items()
            if k not in ("admin_password", "db_password", "secret_key")
        }
        if show_password:
            info["admin_password"] = self.admin_password
        info.update(
            api_url=self.api_url,
            bare_url=self.bare_url,
            events_url=self.events_url,
            short_token_url=self.short_token_url,
            state_dir=str(self.state_dir),
        )
        return info


def _redis_ping(port: int) -> bool:
    try:
        with socket.create_connection((HOST, port), timeout=1) as s:
            s.sendall(b"PING\r\n")
            return s.recv(64).startswith(b"+PONG")
    except OSError:
        return False


_STATE_ENTRIES = (
    "pg",
    "redis",
    "logs",
    "previews",
    "tmp",
    "run",
    "wsgi",
    STATE_FILE,
    STATE_FILE.replace(".json", ".tmp"),
)


def _clean_state_dir(state_dir: Path) -> None:
    """Remove only what a previous start wrote into state_dir."""
    for name in _STATE_ENTRIES:
        p = state_dir / name
        if p.is_dir() and not p.is_symlink():
            shutil.rmtree(p)
        elif p.exists() or p.is_symlink():
            p.unlink()


def start(state_dir: Path | str, **kwargs) -> ZouServer:
    """Start a server whose state lives in state_dir; see ZouServer.start."""
    return ZouServer.start(state_dir, **kwargs)


def stop(state_dir: Path | str) -> None:
    """Stop the server recorded in state_dir/server.json (no-op when absent)."""
    try:
        server = ZouServer.load(state_dir)
    except ZouServerError:
        return
    server.stop()


# --------------------------------------------------------------------------
# command line
# --------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="cmd", required=True)
    p_venv = sub.add_parser("venv", help="build or reuse the zou venv, print its path")
    p_venv.add_argument("--cache-root", type=Path)
    p_start = sub.add_parser("start", help="start a server, print server.json")
    p_start.add_argument("--state", type=Path, required=True)
    p_start.add_argument("--cache-root", type=Path)
    p_start.add_argument("--admin-email", default=DEFAULT_ADMIN_EMAIL)
    p_start.add_argument("--short-token-seconds", type=int, default=DEFAULT_SHORT_TOKEN_SECONDS)
    p_start.add_argument("--timeout", type=float, default=DEFAULT_TIMEOUT)
    p_start.add_argument(
        "--show-password", action="store_true", help="include admin_password in the printed JSON"
    )
    for name in ("stop", "status"):
        p = sub.add_parser(name)
        p.add_argument("--state", type=Path, required=True)
    for name, what in (
        ("dump", "dump the server's database to FILE (pg_dump custom format)"),
        ("restore", "replace the server's database with FILE (everything on it is lost)"),
    ):
        p = sub.add_parser(name, help=what)
        p.add_argument("--state", type=Path, required=True)
        p.add_argument("--file", type=Path, required=True)
    args = parser.parse_args(argv)
    try:
        if args.cmd == "venv":
            print(ensure_zou_venv(args.cache_root))
        elif args.cmd == "start":
            server = ZouServer.start(
                args.state,
                cache_root=args.cache_root,
                admin_email=args.admin_email,
                short_token_seconds=args.short_token_seconds,
                timeout=args.timeout,
            )
            print(json.dumps(server.public_info(args.show_password), indent=2))
        elif args.cmd == "dump":
            t0 = time.monotonic()
            ZouServer.load(args.state).dump_db(args.file)
            _log(f"dumped to {args.file} in {time.monotonic() - t0:.1f}s")
        elif args.cmd == "restore":
            t0 = time.monotonic()
            ZouServer.load(args.state).restore_db(args.file)
            _log(f"restored {args.file} in {time.monotonic() - t0:.1f}s")
        elif args.cmd == "stop":
            stop(args.state)
            _log(f"stopped server of {args.state}")
        elif args.cmd == "status":
            server = ZouServer.load(args.state)
            st = server.status()
            print(
                json.dumps(
                    {
                        "running": bool(st) and all(st.values()),
                        "processes": st,
                        **server.public_info(),
                    },
                    indent=2,
                )
            )
            return 0 if st and all(st.values()) else 3
    except ZouServerError as exc:
        print(f"zou_server: error: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
