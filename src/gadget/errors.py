"""The one exception tree of gadget.

Every error a caller can see is a :class:`GadgetError`. Vendor and HTTP
exceptions are converted at the tracker boundary (``raise ... from exc``), so
the original cause stays on ``__cause__`` for debugging::

    GadgetError
    ├── ConfigError                 a setting is missing or malformed
    ├── AuthenticationError         wrong login, password or token
    ├── PermissionDenied            the tracker refused the write for this role
    ├── NotFound(LookupError)       nothing matches; names the closest matches
    ├── MultipleFound               get() matched more than one entity
    ├── ValidationError(ValueError) bad input, refused before anything is written
    │   └── AlreadyExists           new() with a natural key that exists
    ├── TrackerUnavailable          the tracker cannot be reached; nothing landed
    ├── OutcomeUnknown              a write may have landed; the tracker cannot be asked
    ├── PartialWrite                a write landed in part and could not be undone
    │   └── PartialPublish          a publish's comment landed, some of its steps did not
    └── Unsupported(NotImplementedError)  the tracker lacks this capability
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from typing import Any

__all__ = [
    "AlreadyExists",
    "AuthenticationError",
    "ConfigError",
    "GadgetError",
    "MultipleFound",
    "NotFound",
    "OutcomeUnknown",
    "PartialPublish",
    "PartialWrite",
    "PermissionDenied",
    "TrackerUnavailable",
    "Unsupported",
    "ValidationError",
]


class GadgetError(Exception):
    """Base class of every error gadget raises."""


class ConfigError(GadgetError):
    """A configuration setting is missing or malformed."""


class AuthenticationError(GadgetError):
    """The tracker refused the credentials (never includes the secret)."""


class PermissionDenied(GadgetError):
    """The tracker refused the operation for the current user's role."""


class NotFound(GadgetError, LookupError):
    """Nothing matched a lookup.

    ``what`` is the kind looked for, ``criteria`` the fields asked for,
    ``where`` the scope searched and ``closest`` the nearest existing names.
    ``hint``, when not None, says why it may exist all the same (a project
    whose team the logged-in person is not on, on a tracker that hides those).
    """

    def __init__(
        self,
        what: str,
        criteria: dict[str, Any] | str | None = None,
        where: str | None = None,
        closest: Iterable[str] = (),
        hint: str | None = None,
    ) -> None:
        self.what = what
        self.criteria = criteria
        self.where = where
        self.closest = list(closest)
        self.hint = hint
        super().__init__(self._message())

    def _message(self) -> str:
        if isinstance(self.criteria, dict):
            crit = ", ".join(f"{k}={v!r}" for k, v in self.criteria.items())
        else:
            crit = repr(self.criteria) if self.criteria is not None else ""
        msg = f"no {self.what}" + (f" with {crit}" if crit else "")
        if self.where:
            msg += f" in {self.where}"
        if self.closest:
            msg += "; closest: " + ", ".join(repr(n) for n in self.closest)
        if self.hint:
            msg += f"; {self.hint}"
        return msg


class MultipleFound(GadgetError):
    """``get()`` matched more than one entity."""


class ValidationError(GadgetError, ValueError):
    """Bad input; nothing was written."""


class AlreadyExists(ValidationError):
    """``new()`` was given a natural key that already exists under the same parent.

    ``existing`` is the entity that holds the key.
    """

    def __init__(self, message: str, existing: Any = None) -> None:
        self.existing = existing
        super().__init__(message)


class TrackerUnavailable(GadgetError):
    """The tracker could not be reached, and nothing was written: a retry is safe.

    Raised for a connection refused, a request the server surely did not act
    on (503, a connection that failed before the request was sent), or a read
    whose retries ran out. A write that may have landed is never reported as
    ``TrackerUnavailable``: that is :class:`OutcomeUnknown`.
    """


class OutcomeUnknown(GadgetError):
    """A write may have landed, and the tracker cannot be asked whether it did.

    The write failed ambiguously (a connection dropped after the request was
    sent, a read timeout, a 502 after the request was forwarded) and looking
    it up by its idempotency key failed too. ``key`` is that key: the same
    call again with ``idempotency_key=key`` finds the write if it landed and
    makes it if it did not, never twice. ``operation`` names the write.
    Deliberately not a :class:`TrackerUnavailable`: a blind retry is not safe.
    """

    def __init__(self, message: str, key: str | None, operation: str) -> None:
        self.key = key
        self.operation = operation
        super().__init__(message)


class PartialWrite(GadgetError):
    """A write landed in part, and what it had written could not be undone.

    ``kind`` is what was written and ``left`` the ids of the records that are
    still there; the failure that stopped the write is ``__cause__``. A bulk
    write whose undo succeeds raises its failure itself: nothing is left.
    """

    def __init__(self, message: str, kind: str, left: Iterable[str]) -> None:
        self.kind = kind
        self.left = tuple(left)
        super().__init__(message)


class PartialPublish(PartialWrite):
    """A publish's comment landed, but some of its other steps did not.

    ``comment`` is the comment that was posted; ``landed`` and ``missing``
    name the steps (``"comment"``, ``"status"``, ``"previews"``,
    ``"attachments"``, ``"main_preview"``); ``key`` is the publish's
    idempotency key: publishing again with ``idempotency_key=key`` finishes
    the missing steps on the same comment and posts nothing twice.
    """

    def __init__(
        self,
        message: str,
        comment: Any,
        landed: Iterable[str],
        missing: Iterable[str],
        key: str | None,
    ) -> None:
        self.comment = comment
        self.landed = tuple(landed)
        self.missing = tuple(missing)
        self.key = key
        comment_id = getattr(comment, "id", None)
        if comment_id is None and isinstance(comment, dict):
            comment_id = comment.get("id")
        super().__init__(message, "comment", [str(comment_id)] if comment_id else [])


class Unsupported(GadgetError, NotImplementedError):
    """The tracker does not offer this capability."""


def closest_names(name: str, candidates: Iterable[str], n: int = 3) -> list[str]:
    """The ``n`` candidates most similar to ``name`` (case-insensitive)."""
    pool = {c.lower(): c for c in candidates if c}
    hits = difflib.get_close_matches(name.lower(), list(pool), n=n, cutoff=0.5)
    return [pool[h] for h in hits]
