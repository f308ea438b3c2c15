"""Identifier helpers shared by every layer, public for tracker authors.

:func:`looks_like_id` is the default of :meth:`gadget.trackers.base.Tracker.looks_like_id`,
which the session asks to tell an id from a name; a tracker whose ids look
otherwise overrides that method.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from gadget.errors import ValidationError

__all__ = ["get_id", "looks_like_id"]

_UUID = re.compile(
    r"^[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}$"
)


def looks_like_id(value: str) -> bool:
    """True for a UUID string or an all-digit string (the id forms trackers use)."""
    return bool(_UUID.match(value)) or value.isdigit()


def get_id(value: Any) -> str:
    """The tracker id of ``value``: an id string, a dict with ``"id"``, or an entity.

    >>> get_id("7b1c1f9e-0a57-4a54-9a11-2f3c5d2b8c10")
    '7b1c1f9e-0a57-4a54-9a11-2f3c5d2b8c10'
    >>> get_id({"id": "42"})
    '42'
    """
    if isinstance(value, str):
        if not value:
            raise ValidationError("an empty string is not an id")
        return value
    if isinstance(value, Mapping):
        if "id" not in value:
            raise ValidationError(
                f"a dict given as an id must have an 'id' key; got keys {sorted(value)}"
            )
        return get_id(value["id"])
    ident = getattr(value, "id", None)
    if isinstance(ident, str) and ident:
        return ident
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    raise ValidationError(f"cannot take an id from {type(value).__name__} {value!r}")
