"""The read side of the ShotGrid tracker: gadget's ``list()`` filters as
ShotGrid filters, and the matching of what the server does not filter.

Links are filtered as "any of these is" (``filter_operator: any``), which
serves single and multi-entity fields alike (``Note.tasks``,
``Project.users``) on a real site and on mockgun.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from gadget.trackers.shotgrid import convert

#: list() filters the server answers; the others are matched on the records
_SERVER_FILTERS = {
    "project_id",
    "sequence_id",
    "episode_id",
    "entity_id",
    "task_type_id",
    "task_id",
    "asset_type_id",
    "comment_id",
}


def as_list(value: Any) -> list[Any]:
    """A filter's value as a list of the values it allows."""
    return list(value) if isinstance(value, (list, tuple, set, frozenset)) else [value]


def matches(record: Mapping[str, Any], filters: Mapping[str, Any]) -> bool:
    """Whether a record passes every filter (equality, "any of" for a list, a
    list field holding the value; names case-insensitively)."""
    for field, want in filters.items():
        # a task's "assigned to": one of its assignees
        have = record.get("assignee_ids") if field == "assignee_id" else record.get(field)
        wants = [str(w) if field.endswith("id") and w is not None else w for w in as_list(want)]
        if isinstance(have, list):
            if not any(w in have for w in wants):
                return False
        elif field == "name" and isinstance(have, str):
            if not any(isinstance(w, str) and w.lower() == have.lower() for w in wants):
                return False
        elif have not in wants:
            return False
    return True


def any_link(field: str, types: Sequence[str], ids: Sequence[Any]) -> dict[str, Any]:
    """A filter: ``field`` links one of the entities ``ids`` (of any of ``types``).
    Written as "any of these is" so it serves single and multi-entity fields."""
    numbers = [int(i) for i in ids if str(i).isdigit()]
    return {
        "filter_operator": "any",
        "filters": [[field, "is", {"type": t, "id": n}] for n in numbers for t in types]
        or [["id", "is", 0]],
    }


def ids_in(ids: Sequence[Any]) -> list[Any]:
    """A filter on ids; none is a filter no record passes (ids start at 1),
    not an empty ``in`` a server may refuse."""
    return ["id", "in", [int(i) for i in ids]] if ids else ["id", "is", 0]


def server_filters(
    kind: str,
    filters: Mapping[str, Any],
    site: Mapping[str, Any],
    team_ids: Callable[[Sequence[Any]], set[str]],
) -> list[Any]:
    """ShotGrid filters for the ``list()`` filters the server answers (the
    others are matched on the records by :func:`matches`). ``team_ids`` gives
    the people on some projects' teams."""
    sg: list[Any] = []
    renames = dict(convert.FIELDS.get(kind, ()))
    links = convert.LINKS.get(kind, {})
    for field, value in filters.items():
        values = [v for v in as_list(value) if v is not None]
        if field == "id":
            sg.append(ids_in([v for v in values if str(v).isdigit()]))
        elif kind == "person" and field == "project_id":
            sg.append(ids_in(sorted(team_ids(values), key=int)))
        elif kind == "task" and field == "assignee_id":
            sg.append(any_link("task_assignees", ["HumanUser"], values))
        elif field in ("name", "email") and field in renames:
            texts = [v for v in values if isinstance(v, str)]
            sg.append(
                {
                    "filter_operator": "any",
                    "filters": [[renames[field], "is", t] for t in texts] or [["id", "is", 0]],
                }
            )
        elif field in _SERVER_FILTERS and field in renames and renames[field] in site:
            if None in as_list(value):
                continue  # "no parent": matched on the records
            target = links.get(field)
            if field == "asset_type_id":
                sg.append([renames[field], "in", values])
                continue
            kinds = [k for k in as_list(filters.get("entity_kind")) if k in convert.ENTITY_TYPES]
            # a task's entity: of the kind the filters say, else of any kind (ids
            # are unique per entity type only: Shot 5 and Asset 5 both match)
            types = (
                [target]
                if target
                else [convert.ENTITY_TYPES[k] for k in kinds]
                or ["Shot", "Asset", "Sequence", "Episode"]
            )
            sg.append(any_link(renames[field], types, values))
    return sg
