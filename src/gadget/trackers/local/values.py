"""Conversions between record values and the SQLite columns that store them.

Pure functions, no I/O. :func:`normalize` checks a caller's value against a
field's :data:`~gadget.trackers.local.schema.FieldType` and returns it in the
record's type (raising :class:`~gadget.errors.ValidationError` naming the
field); :func:`to_db` and :func:`from_db` translate between that type and the
column's SQL value.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from collections.abc import Mapping, Sequence
from typing import Any

from gadget.errors import ValidationError
from gadget.trackers.local.schema import FieldType

__all__ = [
    "dump_json",
    "from_db",
    "load_json",
    "normalize",
    "normalize_custom_data",
    "parse_timestamp",
    "timestamp",
    "to_db",
]


def timestamp(moment: dt.datetime) -> str:
    """The stored form of an aware datetime: ISO 8601 in UTC."""
    return moment.astimezone(dt.timezone.utc).isoformat()


def parse_timestamp(text: str | None) -> dt.datetime | None:
    """An aware UTC datetime from its stored form (None stays None)."""
    if text is None:
        return None
    moment = dt.datetime.fromisoformat(text)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.timezone.utc)
    return moment


def dump_json(value: Any) -> str:
    """JSON text for a stored list or dict (compact, key order kept)."""
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def load_json(text: str | None, default: Any) -> Any:
    """The value of stored JSON text; ``default`` for NULL or empty text."""
    if not text:
        return default
    return json.loads(text)


def _fail(kind: str, field: str, expected: str, value: Any) -> ValidationError:
    return ValidationError(
        f"{kind}.{field} must be {expected}, not {type(value).__name__} {value!r}"
    )


def normalize(kind: str, field: str, ftype: FieldType, value: Any) -> Any:
    """Check ``value`` for ``kind.field`` and return it in its record type.

    None is accepted for every type (whether a field may be empty is checked
    elsewhere). Text is ``str``; ``int`` refuses bools; ``number`` takes an
    int, a float or a numeric string (fps); ``date`` takes a ``date`` (a
    ``datetime`` is cut to its date) or an ISO string; ``duration`` takes a
    ``timedelta``; ``ids`` takes a list or tuple of id strings (duplicates
    dropped); ``checklist`` takes items given as ``{"text", "checked"}``
    dicts, ``(text, checked)`` pairs or plain strings (unchecked).
    """
    if value is None:
        return None
    if ftype == "text":
        if not isinstance(value, str):
            raise _fail(kind, field, "a string", value)
        return value
    if ftype == "int":
        if isinstance(value, bool) or not isinstance(value, int):
            raise _fail(kind, field, "an integer", value)
        return value
    if ftype in ("number", "float"):
        return _number(kind, field, ftype, value)
    if ftype == "bool":
        if isinstance(value, bool):
            return value
        if isinstance(value, int) and value in (0, 1):
            return bool(value)
        raise _fail(kind, field, "a bool", value)
    if ftype == "date":
        return _date(kind, field, value)
    if ftype == "duration":
        if not isinstance(value, dt.timedelta):
            raise _fail(kind, field, "a datetime.timedelta", value)
        return value
    if ftype == "ids":
        if isinstance(value, (str, bytes)) or not isinstance(value, Sequence):
            raise _fail(kind, field, "a list of ids", value)
        ids: list[str] = []
        for item in value:
            if not isinstance(item, str):
                raise _fail(kind, field, "a list of id strings", value)
            if item not in ids:
                ids.append(item)
        return ids
    if ftype == "checklist":
        return _checklist(kind, field, value)
    raise AssertionError(f"unknown field type {ftype!r}")  # pragma: no cover


def _number(kind: str, field: str, ftype: FieldType, value: Any) -> int | float:
    number: int | float
    if isinstance(value, bool):
        raise _fail(kind, field, "a number", value)
    if isinstance(value, (int, float)):
        number = value
    elif isinstance(value, str) and ftype == "number":
        try:
            number = int(value)
        except ValueError:
            try:
                number = float(value)
            except ValueError:
                raise _fail(kind, field, "a number", value) from None
    else:
        raise _fail(kind, field, "a number", value)
    if isinstance(number, float) and not math.isfinite(number):
        raise _fail(kind, field, "a finite number", value)
    return float(number) if ftype == "float" else number


def _date(kind: str, field: str, value: Any) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value[:10])
        except ValueError:
            pass
    raise _fail(kind, field, "a date (or an ISO 'YYYY-MM-DD' string)", value)


def _checklist(kind: str, field: str, value: Any) -> list[dict[str, Any]]:
    if isinstance(value, (str, bytes)) or not isinstance(value, Sequence):
        raise _fail(kind, field, "a list of checklist items", value)
    items: list[dict[str, Any]] = []
    for item in value:
        text: Any
        checked: Any
        if isinstance(item, str):
            text, checked = item, False
        elif isinstance(item, Mapping):
            text, checked = item.get("text"), item.get("checked", False)
        elif isinstance(item, Sequence) and len(item) == 2:
            text, checked = item[0], item[1]
        else:
            raise _fail(kind, field, "checklist items ({'text', 'checked'})", item)
        if not isinstance(text, str) or not isinstance(checked, bool):
            raise _fail(kind, field, "checklist items of a text and a bool 'checked'", item)
        items.append({"text": text, "checked": checked})
    return items


def normalize_custom_data(kind: str, value: Any) -> dict[str, Any]:
    """Check a ``custom_data`` value: a JSON-serializable dict with string keys."""
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise _fail(kind, "custom_data", "a dict", value)
    data = dict(value)
    for key in data:
        if not isinstance(key, str):
            raise _fail(kind, "custom_data", "a dict with string keys", value)
    try:
        json.dumps(data, allow_nan=False)
    except (TypeError, ValueError) as exc:
        raise ValidationError(f"{kind}.custom_data cannot be stored as JSON: {exc}") from None
    return data


def to_db(ftype: FieldType, value: Any) -> Any:
    """The SQL value storing a normalized record value."""
    if value is None:
        return None
    if ftype == "bool":
        return int(value)
    if ftype == "date":
        return str(value.isoformat())
    if ftype == "duration":
        return float(value.total_seconds())
    if ftype in ("ids", "checklist"):
        return dump_json(value)
    return value


def from_db(ftype: FieldType, value: Any) -> Any:
    """The record value of a stored SQL value."""
    if ftype in ("ids", "checklist"):
        return list(load_json(value, []))
    if value is None:
        return None
    if ftype == "bool":
        return bool(value)
    if ftype == "date":
        return dt.date.fromisoformat(value)
    if ftype == "duration":
        return dt.timedelta(seconds=value)
    if ftype == "float":
        return float(value)
    return value
