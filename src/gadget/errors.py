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
    ├── TrackerUnavailable          the tracker cannot be reached
    ├── PartialWrite                a bulk write failed part-way and could not be undone
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
    """The tracker could not be reached (connection refused, timeout, 5xx)."""


class PartialWrite(GadgetError):
    """A bulk write failed part-way and what it had written could not be undone.

    ``kind`` is what was written and ``left`` the ids of the records that are
    still there; the failure that stopped the write is ``__cause__``. A bulk
    write whose undo succeeds raises its failure itself: nothing is left.
    """

    def __init__(self, message: str, kind: str, left: Iterable[str]) -> None:
        self.kind = kind
        self.left = tuple(left)
        super().__init__(message)


class Unsupported(GadgetError, NotImplementedError):
    """The tracker does not offer this capability."""


def closest_names(name: str, candidates: Iterable[str], n: int = 3) -> list[str]:
    """The ``n`` candidates most similar to ``name`` (case-insensitive)."""
    pool = {c.lower(): c for c in candidates if c}
    hits = difflib.get_close_matches(name.lower(), list(pool), n=n, cutoff=0.5)
    return [pool[h] for h in hits]
