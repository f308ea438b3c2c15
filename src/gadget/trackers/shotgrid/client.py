"""The connection side of the ShotGrid tracker: one shotgun_api3 client per
thread, credentials, and ShotGrid errors turned into gadget errors.

``shotgun_api3.Shotgun`` must not be shared between threads, so
:class:`ShotGridConnection` makes one per thread, on first use in that
thread, with the same credentials. The SDK is imported only when a client is
made (``import gadget`` stays cheap). Nothing here puts the key or the
password in a message or a repr.

Errors at this boundary (``raise ... from exc``)::

    AuthenticationFault, MissingTwoFactorAuthenticationFault -> AuthenticationError
    Fault naming a permission                                -> PermissionDenied
    other Fault / ShotgunError                                -> ValidationError
    ProtocolError, OSError (connection, timeout)              -> TrackerUnavailable
    the same on a write (a 502, 504, a timeout, a connection  -> OutcomeUnknown
    lost), not refused nor answered 503 / 429                    (it may have landed)
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable, Iterator
from typing import Any

from gadget.config import mask_url
from gadget.errors import (
    AuthenticationError,
    ConfigError,
    GadgetError,
    OutcomeUnknown,
    PermissionDenied,
    TrackerUnavailable,
    ValidationError,
)

#: makes one client: (site URL, keyword arguments of shotgun_api3.Shotgun)
ClientFactory = Callable[[str, dict[str, Any]], Any]


def sdk_client(site: str, kwargs: dict[str, Any]) -> Any:
    """A real ``shotgun_api3.Shotgun`` client."""
    try:
        import shotgun_api3.shotgun
    except ImportError as exc:
        raise ConfigError(
            "the ShotGrid tracker needs shotgun_api3 (pip install 'gadget[shotgrid]')"
        ) from exc
    return shotgun_api3.shotgun.Shotgun(site, **kwargs)


#: The SDK calls that write: a connection lost during one may have landed.
WRITES = frozenset(
    {
        "create",
        "update",
        "delete",
        "revive",
        "batch",
        "upload",
        "upload_thumbnail",
        "share_thumbnail",
    }
)


@contextlib.contextmanager
def converted(what: str, *, write: bool = False) -> Iterator[None]:
    """Turn the SDK's exceptions raised in the block into gadget errors.

    With ``write``, a connection lost or timed out, or a 502 / 504, is
    OutcomeUnknown: the write may have landed (a refused connection, a 503 or
    a 429 stay TrackerUnavailable: nothing was done).
    """
    try:
        yield
    except (
        AuthenticationError,
        OutcomeUnknown,
        PermissionDenied,
        TrackerUnavailable,
        ValidationError,
    ):
        raise
    except Exception as exc:
        name = type(exc).__name__
        module = type(exc).__module__
        text = str(exc)
        if "Authentication" in name or "TwoFactor" in name:
            raise AuthenticationError(f"ShotGrid refused the credentials ({what})") from exc
        # httplib2 (inside the SDK) fails to reach a host: no server at that name, a timeout
        if name == "ProtocolError" or isinstance(exc, OSError) or "httplib2" in module:
            status = getattr(exc, "errcode", None)
            surely_not_done = isinstance(exc, ConnectionRefusedError) or status in (429, 503)
            if write and not surely_not_done:
                raise OutcomeUnknown(
                    f"ShotGrid did not answer {what} ({name}): it may have been done",
                    key=None,
                    operation=what,
                ) from exc
            raise TrackerUnavailable(f"ShotGrid is unreachable ({what}): {name}") from exc
        if "permission" in text.lower():
            raise PermissionDenied(f"ShotGrid refused {what}: {text}") from exc
        if name in ("Fault", "ShotgunError", "MockgunError"):
            raise ValidationError(f"ShotGrid refused {what}: {text}") from exc
        if (
            module.split(".", 1)[0] == "shotgun_api3"
        ):  # the SDK's other errors (a download, a thumbnail)
            raise GadgetError(f"ShotGrid failed {what}: {name}: {text}") from exc
        raise


class ShotGridConnection:
    """One ``Shotgun`` client per thread, all with the same credentials."""

    def __init__(
        self,
        site: str,
        credentials: dict[str, Any],
        factory: ClientFactory = sdk_client,
        timeout: float | None = None,
    ) -> None:
        self.site = site
        self.timeout = timeout
        self._credentials = credentials
        self._factory = factory
        self._local = threading.local()

    def __repr__(self) -> str:
        return f"ShotGridConnection({mask_url(self.site)!r})"

    @property
    def sg(self) -> Any:
        """This thread's client, made on first use."""
        client = getattr(self._local, "client", None)
        if client is None:
            with converted("the login"):
                client = self._factory(self.site, dict(self._credentials))
            if self.timeout is not None:  # the socket timeout of every request
                client.config.timeout_secs = self.timeout
            self._local.client = client
        return client

    def find(self, entity_type: str, filters: list[Any], fields: list[str], **kw: Any) -> Any:
        with converted(f"a search of {entity_type}"):
            return self.sg.find(entity_type, filters, fields, **kw)

    def call(self, method: str, *args: Any, **kwargs: Any) -> Any:
        """Any other SDK call, its errors converted."""
        # names the call and its entity type, never its payload (a batch holds data)
        target = args[0] if args and isinstance(args[0], str) else ""
        with converted(f"{method} {target}".strip(), write=method in WRITES):
            return getattr(self.sg, method)(*args, **kwargs)

    def close(self) -> None:
        client = getattr(self._local, "client", None)
        self._local.client = None
        close = getattr(client, "close", None)
        if callable(close):
            with contextlib.suppress(Exception):
                close()
