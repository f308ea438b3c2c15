"""A ShotGrid site in memory for the tests: mockgun, plus a TEST DOUBLE of what
mockgun lacks.

mockgun (``shotgun_api3.lib.mockgun``, ShotGrid's official in-memory double)
needs the site's schema as two pickles: :func:`write_schema_pickles` builds
them from ``site_schema.json`` beside this file (the fields of a real site,
with what gadget's tests add by hand, listed in its ``_about``).

:class:`MockSiteClient` is mockgun with, for the tests only:

- ``upload``, ``upload_thumbnail`` and ``download_attachment`` keeping the
  bytes in memory (mockgun raises NotImplementedError or does nothing), and
  ``share_thumbnail`` copying a Version's thumbnail to entities; an upload
  with no field name makes an Attachment linked to the entity (a Note's
  ``attachments``), as a real site does;
- ``schema_field_update`` of a field's ``valid_values`` (how gadget adds an
  asset type or a status code on a real site; mockgun has no schema writes);
- ``text_search`` (mockgun has none): an entity matches when its display
  name (``code``, or ``name`` for a Project or a HumanUser) contains the
  text, ignoring case, among the rows each entity type's filters find;
  ``project_ids`` keeps the rows of those projects; fewer than three
  characters are refused, as a real site refuses them. A real site's
  search engine matches words its own way: this double answers only for
  what gadget's tests search (whole names);
- ``created_at`` / ``updated_at`` stamped as a real server does;
- values of ``color`` fields (``"r,g,b"`` strings) taken, as a real site takes
  them (mockgun refuses the type as not implemented);
- one database shared by every client, behind one lock: a real site needs one
  client per thread, mockgun keeps its data per instance.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import pickle
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from shotgun_api3.lib import mockgun

SCHEMA_JSON = Path(__file__).with_name("site_schema.json")


def site_fields() -> dict[str, dict[str, Any]]:
    data: dict[str, dict[str, Any]] = json.loads(SCHEMA_JSON.read_text())["entities"]
    return data


def _field(spec: dict[str, Any]) -> dict[str, Any]:
    props: dict[str, Any] = {"default_value": {"value": spec.get("default")}}
    if "valid_values" in spec:
        props["valid_values"] = {"value": list(spec["valid_values"])}
    if "valid_types" in spec:
        props["valid_types"] = {"value": list(spec["valid_types"])}
    return {
        "data_type": {"value": spec["type"]},
        "properties": props,
        "editable": {"value": not spec.get("read_only", False)},
        "mandatory": {"value": bool(spec.get("mandatory", False))},
    }


def write_schema_pickles(folder: Path) -> tuple[Path, Path]:
    """The two pickles mockgun reads, built from site_schema.json."""
    fields = site_fields()
    schema = {t: {f: _field(s) for f, s in spec.items()} for t, spec in fields.items()}
    entities = {t: {"name": {"value": t}} for t in fields}
    schema_path, entity_path = folder / "schema.pickle", folder / "schema_entity.pickle"
    schema_path.write_bytes(pickle.dumps(schema))
    entity_path.write_bytes(pickle.dumps(entities))
    return schema_path, entity_path


class SharedSite:
    """The data of one site: mockgun's database, the files, one lock."""

    def __init__(self, clock: Callable[[], dt.datetime] | None = None) -> None:
        self.lock = threading.RLock()
        #: the time stamped on new rows (a fixed one makes recorded payloads stable)
        self.clock = clock or (lambda: dt.datetime.now(dt.timezone.utc))
        self.db: dict[str, dict[int, dict[str, Any]]] | None = None
        self.files: dict[tuple[str, int, str | None], bytes] = {}
        #: every call made, with its arguments: (method, args, keyword arguments)
        self.calls: list[tuple[str, tuple[Any, ...], dict[str, Any]]] = []
        self.logins: dict[str, str] = {}


def _locked(method: Any) -> Any:
    @functools.wraps(method)
    def call(self: MockSiteClient, *args: Any, **kwargs: Any) -> Any:
        with self.site.lock:
            self.site.calls.append((method.__name__, args, kwargs))
            return method(self, *args, **kwargs)

    return call


class MockSiteClient(mockgun.Shotgun):  # type: ignore[misc]
    """mockgun on a shared database, with the test double's file and schema calls."""

    def __init__(self, site: SharedSite, base_url: str, **kwargs: Any) -> None:
        self.site = site
        with site.lock:
            super().__init__(base_url, **kwargs)
            if site.db is None:
                site.db = self._db
            self._db = site.db

    find = _locked(mockgun.Shotgun.find)
    update = _locked(mockgun.Shotgun.update)
    delete = _locked(mockgun.Shotgun.delete)
    batch = _locked(mockgun.Shotgun.batch)

    @_locked
    def create(self, entity_type: str, data: dict[str, Any], return_fields: Any = None) -> Any:
        made = mockgun.Shotgun.create(self, entity_type, data, return_fields)
        row = self._db[entity_type][made["id"]]
        now = self.site.clock()
        for field in ("created_at", "updated_at"):
            if field in row:
                row[field] = now
        return made

    def _validate_entity_data(self, entity_type: str, data: dict[str, Any]) -> None:
        schema = self._schema[entity_type]
        colors = [f for f in data if f in schema and schema[f]["data_type"]["value"] == "color"]
        for field in colors:
            if data[field] is not None and not isinstance(data[field], str):
                raise mockgun.ShotgunError(f"{entity_type}.{field} is a color: 'r,g,b'")
        rest = {f: v for f, v in data.items() if f not in colors}
        super()._validate_entity_data(entity_type, rest)

    @_locked
    def schema_field_update(
        self, entity_type: str, field_name: str, properties: dict[str, Any]
    ) -> bool:
        field = self._schema[entity_type][field_name]
        for name, value in properties.items():
            field["properties"].setdefault(name, {})["value"] = value
        return True

    @_locked
    def text_search(
        self,
        text: str,
        entity_types: dict[str, list[Any]],
        project_ids: list[int] | None = None,
        limit: int | None = None,
    ) -> dict[str, Any]:
        if len(text) < 3:
            raise mockgun.ShotgunError("text_search needs at least three characters")
        needle = text.lower()
        matches = []
        for entity_type, filters in entity_types.items():
            name = "name" if entity_type in ("Project", "HumanUser") else "code"
            fields = [name, *(["project"] if "project" in self._schema[entity_type] else [])]
            for row in mockgun.Shotgun.find(self, entity_type, filters, fields):
                project = row.get("project") or {}
                if project_ids is not None and entity_type != "HumanUser":
                    ident = row["id"] if entity_type == "Project" else project.get("id")
                    if ident not in project_ids:
                        continue
                if needle in str(row.get(name) or "").lower():
                    matches.append(
                        {
                            "type": entity_type,
                            "id": row["id"],
                            "name": row.get(name),
                            "project_id": project.get("id"),
                        }
                    )
        return {"matches": matches[:limit] if limit else matches, "terms": [text]}

    @_locked
    def upload(
        self,
        entity_type: str,
        entity_id: int,
        path: str,
        field_name: str | None = None,
        display_name: str | None = None,
        tag_list: Any = None,
    ) -> int:
        content = Path(path).read_bytes()
        name = display_name or Path(path).name
        attachment = mockgun.Shotgun.create(
            self,
            "Attachment",
            {"this_file": {"name": name, "url": f"mock://{name}"}},
        )
        self.site.files[("Attachment", attachment["id"], None)] = content
        row = self._db["Attachment"][attachment["id"]]
        row["filename"] = name
        row["file_size"] = len(content)
        if field_name is None and entity_type == "Note":
            self._db["Note"][entity_id]["attachments"].append(
                {"type": "Attachment", "id": attachment["id"]}
            )
        elif field_name is None:
            self._db["Attachment"][attachment["id"]]["attachment_links"] = [
                {"type": entity_type, "id": entity_id}
            ]
        if field_name:
            self._db[entity_type][entity_id][field_name] = {
                "name": name,
                "url": f"mock://{name}",
                "type": "Attachment",
                "id": attachment["id"],
            }
        return int(attachment["id"])

    @_locked
    def upload_thumbnail(self, entity_type: str, entity_id: int, path: str, **kw: Any) -> int:
        self.site.files[(entity_type, entity_id, "image")] = Path(path).read_bytes()
        self._db[entity_type][entity_id]["image"] = f"mock://{entity_type}/{entity_id}/image"
        return 1

    @_locked
    def share_thumbnail(
        self,
        entities: list[dict[str, Any]],
        thumbnail_path: str | None = None,
        source_entity: dict[str, Any] | None = None,
        filmstrip_thumbnail: bool = False,
    ) -> int:
        if source_entity is None:
            raise mockgun.ShotgunError("share_thumbnail needs a source_entity here")
        source = self._db[source_entity["type"]][source_entity["id"]]
        movie = source.get("sg_uploaded_movie") or {}
        content = self.site.files.get(("Attachment", movie.get("id"), None), b"")
        for entity in entities:
            self.site.files[(entity["type"], entity["id"], "image")] = content
            self._db[entity["type"]][entity["id"]]["image"] = (
                f"mock://{entity['type']}/{entity['id']}/image"
            )
        return 1

    @_locked
    def download_attachment(self, attachment: Any, file_path: str | None = None) -> Any:
        ident = attachment["id"] if isinstance(attachment, dict) else attachment
        content = self.site.files[("Attachment", int(ident), None)]
        if file_path is None:
            return content
        Path(file_path).write_bytes(content)
        return file_path
