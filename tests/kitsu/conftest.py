"""A real Kitsu server (Zou, PostgreSQL, Redis, the events server) for the Kitsu tests.

One session-scoped fixture, :func:`kitsu_server`, starts the harness of
``tools/zou_server.py`` with its state in a temporary directory and stops it
at the end of the test session. To reuse a server already running (a
developer's own), set ``GADGET_KITSU_STATE`` to its state directory: it is
then left running.

If the server cannot start (PostgreSQL or redis-server missing, no Python
for Zou ...), every Kitsu test FAILS with the reason and the fix
(``bash tools/install-system-deps.sh``): these tests are never skipped.

The fixture seeds, through the REST API, a non-admin artist, a second
non-admin whose password the wrong-password test may spoil (never the admin:
five wrong passwords lock an account) and a bot with its token.
:class:`RawKitsu` is a plain ``requests`` client for checking what Zou
really stores, independently of gadget. ``kitsu_server.requests_served()``
counts the requests the server has answered (from its access log, whatever
client sent them): the request-count tests use its deltas.
"""

from __future__ import annotations

import os
import secrets
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import requests
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

import gadget
from gadget.config import TrackerConfig
from gadget.testing import EMAIL_DOMAIN

ROOT = Path(__file__).resolve().parents[2]
TOOLS = ROOT / "tools"
INSTALL_HINT = "bash tools/install-system-deps.sh"


def _harness() -> Any:
    if str(TOOLS) not in sys.path:
        sys.path.insert(0, str(TOOLS))
    import zou_server

    return zou_server


class RawKitsu:
    """Plain REST calls to Zou (no gazu, no gadget), for checking stored payloads."""

    def __init__(self, base_url: str, email: str, password: str) -> None:
        self.base_url = base_url.rstrip("/")
        self.http = requests.Session()
        self.http.trust_env = False
        # a kept-alive connection the server closes just as it is reused (gunicorn
        # keeps one 2 s) is reset: reads are asked again on a new one
        reads = Retry(total=2, connect=2, read=2, status=0, allowed_methods={"GET"})
        self.http.mount("http://", HTTPAdapter(max_retries=reads))
        answer = self.http.post(
            f"{self.base_url}/auth/login", json={"email": email, "password": password}, timeout=30
        )
        answer.raise_for_status()
        self.http.headers["Authorization"] = f"Bearer {answer.json()['access_token']}"

    def _check(self, response: requests.Response) -> Any:
        if response.status_code >= 400:
            raise AssertionError(
                f"{response.request.method} {response.url} -> {response.status_code}: "
                f"{response.text[:300]}"
            )
        return response.json() if response.content else None

    def get(self, path: str, **params: Any) -> Any:
        return self._check(self.http.get(f"{self.base_url}/{path}", params=params, timeout=30))

    def post(self, path: str, body: Any) -> Any:
        return self._check(self.http.post(f"{self.base_url}/{path}", json=body, timeout=30))

    def put(self, path: str, body: Any) -> Any:
        return self._check(self.http.put(f"{self.base_url}/{path}", json=body, timeout=30))


@dataclass
class Account:
    email: str
    password: str = field(repr=False)  # never in a failed assert's explanation
    id: str


@dataclass
class KitsuServer:
    """What the tests need to know of the running server."""

    api_url: str
    bare_url: str
    events_url: str
    short_token_url: str
    #: how long the access tokens of ``short_token_url`` live (seconds)
    short_token_seconds: int
    admin_email: str
    admin_password: str = field(repr=False)
    artist: Account
    spare: Account
    bot_token: str = field(repr=False)
    bot_email: str
    raw: RawKitsu
    #: requests the API has answered so far, counted at the server from its access
    #: log (login and token refresh left out): ``requests_served()``, use deltas
    requests_served: Callable[[], int]
    #: the API's access log (one line per request, with its HTTP status)
    access_log: Path
    #: the harness's ``zou_server.ZouServer`` (the fault tests stop and start its API)
    harness: Any = field(default=None, repr=False)

    def connect(self, url: str | None = None, **options: Any) -> gadget.Session:
        """A gadget session as the admin (``url`` defaults to the /api form).

        The harness serves events on a port of their own (production Kitsu
        puts them behind the same host), hence ``events_url``.
        """
        config = TrackerConfig(
            url=url or f"kitsu+{self.api_url}",
            login=self.admin_email,
            password=self.admin_password,
            events_url=self.events_url,
        )
        return gadget.connect(config=config, **options)


def _seed_person(raw: RawKitsu, first: str, role: str, **extra: Any) -> tuple[dict[str, Any], str]:
    suffix = secrets.token_hex(4)
    password = "Gd-" + secrets.token_urlsafe(12)
    person = raw.post(
        "data/persons",
        {
            "first_name": first,
            "last_name": f"Seed{suffix}",
            "email": f"{first.lower()}.{suffix}@{EMAIL_DOMAIN}",
            "password": password,
            "role": role,
            **extra,
        },
    )
    return person, password


@pytest.fixture(scope="session")
def kitsu_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[KitsuServer]:
    """The real Kitsu server of this test session (started here unless GADGET_KITSU_STATE)."""
    zou_server = _harness()
    reuse = os.environ.get("GADGET_KITSU_STATE")
    started = None
    problem = ""
    try:
        if reuse:
            server = zou_server.ZouServer.load(reuse)
            if not server.is_running():
                problem = (
                    f"GADGET_KITSU_STATE={reuse} names a server that is not running; "
                    f"start it with: python tools/zou_server.py start --state {reuse}"
                )
        else:
            state = tmp_path_factory.mktemp("zou")
            server = started = zou_server.ZouServer.start(state)
    except zou_server.ZouServerError as exc:
        problem = (
            f"cannot start the Kitsu test server: {exc}\n"
            f"Fix: {INSTALL_HINT} (installs postgresql and redis-server), then rerun. "
            "The Kitsu tests need a real server and are never skipped."
        )
    if problem:
        pytest.fail(problem, pytrace=False)
    try:
        raw = RawKitsu(server.api_url, server.admin_email, server.admin_password)
        artist, artist_pw = _seed_person(raw, "Artist", "user")
        spare, spare_pw = _seed_person(raw, "Spare", "user")
        bot, _ = _seed_person(raw, "Bot", "manager", is_bot=True)
        yield KitsuServer(
            api_url=server.api_url,
            bare_url=server.bare_url,
            events_url=server.events_url,
            short_token_url=server.short_token_url,
            short_token_seconds=server.short_token_seconds,
            admin_email=server.admin_email,
            admin_password=server.admin_password,
            artist=Account(artist["email"], artist_pw, artist["id"]),
            spare=Account(spare["email"], spare_pw, spare["id"]),
            bot_token=bot["access_token"],
            bot_email=bot["email"],
            raw=raw,
            requests_served=server.requests_served,
            access_log=server.state_dir / "logs" / "api-access.log",
            harness=server,
        )
    finally:
        if started is not None:
            started.stop()


@pytest.fixture
def kitsu(kitsu_server: KitsuServer) -> Iterator[gadget.Session]:
    """A gadget session as the admin on the /api host form."""
    session = kitsu_server.connect()
    try:
        yield session
    finally:
        session.close()


@pytest.fixture
def gadget_session(kitsu: gadget.Session) -> gadget.Session:
    """What the contract suite (gadget.testing) runs against."""
    return kitsu


@pytest.fixture
def raw(kitsu_server: KitsuServer) -> RawKitsu:
    """Plain REST calls as the admin."""
    return kitsu_server.raw
