"""What one ShotGrid site holds: its fields, their types and valid values.

Read once per tracker with ``schema_read()`` and kept: every check before a
write (a status code among the field's valid values, a ``custom_data`` key
naming one of the site's own fields, its value fitting the field's type)
uses it, so a refusal comes before anything is sent.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from gadget.errors import ValidationError
from gadget.trackers.shotgrid import convert

FieldSpec = dict[str, Any]


def normalize(schema_read: Mapping[str, Any]) -> dict[str, dict[str, FieldSpec]]:
    """``schema_read()``'s answer as ``{type: {field: {"type", "valid_values",
    "read_only", "default"}}}``."""
    site: dict[str, dict[str, FieldSpec]] = {}
    for entity_type, fields in schema_read.items():
        site[entity_type] = {}
        for name, spec in fields.items():
            props = spec.get("properties", {})
            site[entity_type][name] = {
                "type": spec.get("data_type", {}).get("value"),
                "valid_values": list(props.get("valid_values", {}).get("value") or ()),
                "valid_types": list(props.get("valid_types", {}).get("value") or ()),
                "default": props.get("default_value", {}).get("value"),
                "read_only": bool(spec.get("editable", {}).get("value") is False),
            }
    return site


#: the Python types a value of each ShotGrid field type may have in custom_data
_FITS: dict[str, tuple[type, ...]] = {
    "number": (int,),
    "percent": (int,),
    "duration": (int,),
    "float": (int, float),
    "text": (str,),
    "checkbox": (bool,),
    "date": (str,),
    "list": (str,),
    "serializable": (dict,),
}


class SiteSchema:
    """The fields of one site, with the checks made before a write."""

    def __init__(self, fields: dict[str, dict[str, FieldSpec]]) -> None:
        self.fields = fields

    def of(self, kind: str) -> dict[str, FieldSpec]:
        return self.fields.get(convert.ENTITY_TYPES[kind], {})

    def valid_values(self, entity_type: str, field: str) -> list[str]:
        return list(self.fields.get(entity_type, {}).get(field, {}).get("valid_values", ()))

    def set_valid_values(self, entity_type: str, field: str, values: list[str]) -> None:
        """What the site now lists for a field (read afresh, or just written)."""
        self.fields[entity_type][field]["valid_values"] = list(values)

    def check_value(self, entity_type: str, field: str, value: Any, what: str) -> None:
        """Refuse a value of a list or status field that the site does not list."""
        if value is None:
            return
        valid = self.valid_values(entity_type, field)
        if valid and value not in valid:
            raise ValidationError(
                f"{what} {value!r} is not one of the values of {entity_type}.{field} "
                f"on this ShotGrid site: {', '.join(valid)}"
            )

    def custom_payload(self, kind: str, custom_data: Mapping[str, Any]) -> dict[str, Any]:
        """The site fields of a ``custom_data`` write: key ``k`` is the site field
        ``sg_k``; a key naming no such field, or a value its type cannot hold, is
        a ValidationError naming the fields the site has."""
        fields = self.of(kind)
        own = convert.custom_fields(kind, fields)
        payload: dict[str, Any] = {}
        for key, value in custom_data.items():
            field = f"sg_{key}"
            if field not in own:
                have = ", ".join(convert.custom_key(f) for f in own) or "none"
                raise ValidationError(
                    f"custom_data[{key!r}]: this ShotGrid site has no field "
                    f"{convert.ENTITY_TYPES[kind]}.{field}; a {kind.replace('_', ' ')}'s "
                    f"custom_data keys are its site fields: {have}"
                )
            spec = fields[field]
            fits = _FITS.get(spec["type"], ())
            ok = value is None or (
                isinstance(value, fits) and not (bool not in fits and isinstance(value, bool))
            )
            if ok and spec["type"] == "date" and value is not None:
                try:
                    dt.date.fromisoformat(value)
                except ValueError:
                    ok = False
            if not ok:
                raise ValidationError(
                    f"custom_data[{key!r}] = {value!r} does not fit the site field "
                    f"{convert.ENTITY_TYPES[kind]}.{field} of type {spec['type']}"
                )
            if spec["type"] == "list":
                self.check_value(convert.ENTITY_TYPES[kind], field, value, f"custom_data[{key!r}]")
            payload[field] = value
        return payload
