"""The ShotGrid tracker: gadget's contract over shotgun_api3.

``shotgrid+https://SITE`` (the site's address without the ``shotgrid+``).
Credentials: a script (``login`` = the script's name, ``token`` = its key),
or a person (``login`` and ``password``). The option ``sudo_as_login`` makes
a script act as that person (a publish hook posting as the artist).
See docs/shotgrid.md for the mapping of every kind.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, ClassVar

from gadget.config import TrackerConfig, mask_url
from gadget.errors import (
    AuthenticationError,
    ConfigError,
    NotFound,
    ValidationError,
)
from gadget.trackers.base import CAPABILITIES, CommentDraft, Pairs, Record, Records, Tracker
from gadget.trackers.shotgrid import convert, creation, publishing, queries, relations
from gadget.trackers.shotgrid.client import ClientFactory, ShotGridConnection, sdk_client
from gadget.trackers.shotgrid.events import ShotGridEvents
from gadget.trackers.shotgrid.queries import any_link, as_list, matches
from gadget.trackers.shotgrid.schema import SiteSchema, normalize

_Strs = list[str]
_Rows = list[dict[str, Any]]

#: the kinds search() looks for, in the order it answers them
_SEARCHED = ("project", "sequence", "shot", "asset", "person")

#: what goes with a deleted entity, as on the other trackers (ShotGrid retires
#: one entity at a time)
_CASCADE: dict[str, tuple[tuple[str, str], ...]] = {
    "episode": (("sequence", "episode_id"),),
    "sequence": (("shot", "sequence_id"),),
    "shot": (("task", "entity_id"),),
    "asset": (("task", "entity_id"),),
    "task": (("comment", "task_id"),),
}


class ShotGridTracker(Tracker):
    """``shotgrid+https://SITE``: a ShotGrid (Flow Production Tracking) site."""

    name: ClassVar[str] = "shotgrid"
    capabilities: ClassVar[frozenset[str]] = frozenset(
        {
            "episodes",
            "assets",
            "time_spent",
            "departments",
            "team",
            "delete",
            "create_persons",
            "casting",
            "previews",
            "attachments",
            "playlists",
            "search",
        }
    )
    option_names: ClassVar[frozenset[str]] = frozenset({"sudo_as_login", "status_roles", "timeout"})
    concurrent_reads: ClassVar[bool] = False
    production_types: ClassVar[tuple[str, ...]] = tuple(convert.PRODUCTION_TYPES)
    #: several tasks of one Step on one entity, told apart by their name; the
    #: entity is its kind and id (Shot 5 and Asset 5 are two entities), so the
    #: session's checks filter on entity_kind too
    unique_keys: ClassVar[Mapping[str, tuple[str, ...]]] = {
        "task": ("entity_kind", "entity_id", "task_type_id", "name")
    }
    #: the client maker; tests give one returning mockgun
    client_factory: ClassVar[ClientFactory] = staticmethod(sdk_client)

    def __init__(self, config: TrackerConfig) -> None:
        super().__init__(config)
        site = config.url.split("://", 1)
        if len(site) != 2 or not site[1]:
            raise ConfigError(f"a ShotGrid URL is shotgrid+https://SITE, not {config.url!r}")
        scheme = site[0].lower().removeprefix("shotgrid+")
        self.site = f"{scheme}://{site[1].rstrip('/')}"
        # the site's web root for entities' url: never any user:password@ of the URL
        host, sep, path = site[1].rstrip("/").partition("/")
        self.web = f"{scheme}://{host.rsplit('@', 1)[-1]}{sep}{path}"
        roles = config.options.get("status_roles", {})
        if not isinstance(roles, Mapping):
            raise ConfigError("the option status_roles maps status codes to roles")
        #: status code -> its role flags: the code table, then the option status_roles
        self.roles: dict[str, tuple[str, ...]] = dict(convert.STATUS_FLAGS)
        for code, role in roles.items():
            flag = role if str(role).startswith("is_") else f"is_{role}"
            if flag not in convert.STATUS_FLAG_FIELDS:
                raise ConfigError(f"status_roles[{code!r}]: unknown role {role!r}")
            self.roles[str(code)] = (flag,)
        timeout = config.options.get("timeout", config.timeout or 30)
        if isinstance(timeout, bool) or not isinstance(timeout, (int, float)) or timeout <= 0:
            raise ConfigError(f"the option timeout is a number of seconds, not {timeout!r}")
        self.timeout = float(timeout)
        self._connection: ShotGridConnection | None = None
        self._site: SiteSchema | None = None
        self._me: Record | None = None
        self._events: ShotGridEvents | None = None

    def __repr__(self) -> str:
        return f"ShotGridTracker({mask_url(self.site)!r})"

    # -- session -------------------------------------------------------------
    def _credentials(self) -> dict[str, Any]:
        config = self.config
        if not config.login:
            raise AuthenticationError("ShotGrid needs a login: a script name or a person's login")
        creds: dict[str, Any]
        if config.token:
            creds = {"script_name": config.login, "api_key": config.token}
        elif config.password:
            creds = {"login": config.login, "password": config.password}
        else:
            raise AuthenticationError("ShotGrid needs a script key (token) or a person's password")
        sudo = config.options.get("sudo_as_login")
        if sudo is not None:
            if not isinstance(sudo, str) or not sudo:
                raise ConfigError("the option sudo_as_login is a person's login")
            creds["sudo_as_login"] = sudo
        return creds

    def _transport(self) -> dict[str, Any]:
        """The SDK's ``ca_certs`` and ``http_proxy`` from TRACKER_CA_BUNDLE / TRACKER_PROXY."""
        kwargs: dict[str, Any] = {}
        if self.config.ca_bundle:
            kwargs["ca_certs"] = self.config.ca_bundle
        if self.config.proxy:  # the SDK takes [user:password@]host[:port], no scheme
            kwargs["http_proxy"] = self.config.proxy.split("://", 1)[-1].rstrip("/")
        return kwargs

    @property
    def connection(self) -> ShotGridConnection:
        if self._connection is None:
            raise ConfigError("the ShotGrid tracker is not open")
        return self._connection

    @property
    def events(self) -> ShotGridEvents:
        """This site's events, by polling EventLogEntry (made on first use)."""
        if self._events is None:
            self._events = ShotGridEvents(self.connection)
        return self._events

    @property
    def schema(self) -> SiteSchema:
        if self._site is None:
            self._site = SiteSchema(normalize(self.connection.call("schema_read")))
        return self._site

    def open(self) -> None:
        if self._connection is not None:
            return
        self._connection = ShotGridConnection(
            self.site,
            {**self._credentials(), **self._transport()},
            type(self).client_factory,
            self.timeout,
        )
        try:
            _ = self.schema
            self._me = self._find_me()
        except BaseException:  # not open: a later open() tries again
            self._connection.close()
            self._connection = self._site = self._me = None
            raise

    def _find_me(self) -> Record:
        login = self.config.options.get("sudo_as_login") or (
            self.config.login if not self.config.token else None
        )
        if login is None:
            raise ConfigError(
                "a ShotGrid script is not a person: give the option sudo_as_login "
                "(the person it acts as)"
            )
        found = self._find("person", [["login", "is", login]])
        if not found:
            raise AuthenticationError(f"no ShotGrid person has the login {login!r}")
        return found[0]

    def close(self) -> None:
        if self._events is not None:
            self._events.stop()
            self._events = None
        if self._connection is not None:
            self._connection.close()
        self._connection = None

    def whoami(self) -> Record:
        if self._me is None:
            raise ConfigError("the ShotGrid tracker is not open")
        return dict(self._me)

    # -- reads ---------------------------------------------------------------
    def _record(self, kind: str, payload: Mapping[str, Any]) -> Record:
        record = convert.to_record(kind, dict(payload), self.schema.of(kind), self.web)
        if kind == "task" and record["status_id"] is not None:
            record["status_id"] = str(record["status_id"])
        return record

    def find_records(self, kind: str, filters: list[Any], order_desc: bool = False) -> Records:
        """``kind`` records matching ShotGrid ``filters``, in creation order (or
        newest first)."""
        return self._find(kind, filters, order_desc)

    def _find(self, kind: str, filters: list[Any], order_desc: bool = False) -> Records:
        entity_type = convert.ENTITY_TYPES[kind]
        fields = convert.read_fields(kind, self.schema.of(kind))
        order = [{"field_name": "id", "direction": "desc" if order_desc else "asc"}]
        found = self.connection.find(entity_type, filters, fields, order=order)
        records = [self._record(kind, p) for p in found]
        if kind == "preview":  # a playlist's stand-in Version is no preview
            records = [r for r in records if not relations.is_stand_in(r["raw"])]
        if kind == "playlist" and records:
            relations.embed_entries(self, records)
        if kind == "comment":
            publishing.embed(self, records)
        if kind == "attachment" and records:
            self._comments_of_attachments(records)
        if kind == "person" and records:
            self._departments_of(records)
        return records

    def _departments_of(self, persons: Records) -> None:
        """A person's departments: those whose ``users`` hold them (ShotGrid's
        ``HumanUser.department`` holds one, the first)."""
        members: dict[str, list[str]] = {p["id"]: [] for p in persons}
        departments = self.connection.find(
            "Department", [], ["users"], order=[{"field_name": "id", "direction": "asc"}]
        )
        for department in departments:
            for user in department.get("users") or ():
                if str(user["id"]) in members:
                    members[str(user["id"])].append(str(department["id"]))
        for person in persons:
            first = person["department_ids"][:1]
            person["department_ids"] = first + [d for d in members[person["id"]] if d not in first]

    def _comments_of_attachments(self, attachments: Records) -> None:
        """An attachment's comment: the Note whose ``attachments`` hold it."""
        ids = [a["id"] for a in attachments]
        notes = self.connection.find(
            "Note", [any_link("attachments", ["Attachment"], ids)], ["attachments"]
        )
        owner = {str(a["id"]): str(n["id"]) for n in notes for a in n.get("attachments") or ()}
        for attachment in attachments:
            attachment["comment_id"] = owner.get(attachment["id"])

    def get(self, kind: str, id: str) -> Record:
        if kind == "asset_type":
            return self._one(self._asset_types(), id, kind)
        if kind == "task_status":
            return self._one(self._statuses(), id, kind)
        if not str(id).isdigit():
            raise NotFound(kind.replace("_", " "), {"id": id})
        found = self._find(kind, [["id", "is", int(id)]])
        if not found:
            raise NotFound(kind.replace("_", " "), {"id": id})
        return found[0]

    @staticmethod
    def _one(records: Records, id: str, kind: str) -> Record:
        for record in records:
            if record["id"] == id:
                return record
        raise NotFound(kind.replace("_", " "), {"id": id})

    def _asset_types(self) -> Records:
        return [
            convert.asset_type_record(v)
            for v in self.schema.valid_values(*convert.ASSET_TYPE_FIELD)
        ]

    def _statuses(self) -> Records:
        codes = self.schema.valid_values(*convert.TASK_STATUS_FIELD)
        found = (
            self.connection.find("Status", [["code", "in", codes]], ["code", "name", "bg_color"])
            if codes
            else []
        )
        by_code = {s["code"]: s for s in found}
        records = []
        for code in codes:
            record = convert.status_record(code, by_code.get(code))
            have = self.roles.get(code, ())
            record.update({f: f in have for f in convert.STATUS_FLAG_FIELDS})
            records.append(record)
        default = self.default_status_code
        for record in records:
            record["is_default"] = record["id"] == default if default else record["is_default"]
        return records

    @property
    def default_status_code(self) -> str | None:
        """The status a new task takes on this site (the field's default), if any."""
        default = self.schema.fields["Task"]["sg_status_list"].get("default")
        return str(default) if default else None

    def _server_filters(self, kind: str, filters: Mapping[str, Any]) -> list[Any]:
        return queries.server_filters(kind, filters, self.schema.of(kind), self._team_ids)

    def _team_ids(self, project_ids: Sequence[Any]) -> set[str]:
        ids = [int(p) for p in project_ids if str(p).isdigit()]
        found = self.connection.find("Project", [["id", "in", ids]], ["users"]) if ids else []
        return {str(u["id"]) for p in found for u in p.get("users") or ()}

    def list(self, kind: str, filters: Mapping[str, Any]) -> Records:
        if kind == "asset_type":
            return [r for r in self._asset_types() if matches(r, filters)]
        if kind == "task_status":
            return [r for r in self._statuses() if matches(r, filters)]
        if kind == "attachment" and "comment_id" in filters:
            notes = [v for v in as_list(filters["comment_id"]) if v is not None]
            found = self.connection.find(
                "Note", [["id", "in", [convert.sgid(n) for n in notes]]], ["attachments"]
            )
            ids = sorted({str(a["id"]) for n in found for a in n.get("attachments") or ()}, key=int)
            rest = {k: v for k, v in filters.items() if k != "comment_id"}
            records = self._find(kind, [["id", "in", [int(i) for i in ids]]])
            return [r for r in records if matches(r, {**rest, "comment_id": filters["comment_id"]})]
        if kind == "shot" and "episode_id" in filters:
            return self._shots_of_episodes(filters)
        local = {k: v for k, v in filters.items() if not (kind == "person" and k == "project_id")}
        records = self._find(kind, self._server_filters(kind, filters), kind == "comment")
        return [r for r in records if matches(r, local)]

    def _shots_of_episodes(self, filters: Mapping[str, Any]) -> Records:
        """Shots "in these episodes": the episodes' sequences (one ``find``), then
        their shots (one ``find``); ShotGrid's Shot links its episode through
        its sequence only."""
        rest = {k: v for k, v in filters.items() if k != "episode_id"}
        scope = {"project_id": rest["project_id"]} if "project_id" in rest else {}
        sequences = self.list("sequence", {**scope, "episode_id": filters["episode_id"]})
        ids = [s["id"] for s in sequences]
        if "sequence_id" in rest:
            given = {str(v) for v in as_list(rest["sequence_id"])}
            ids = [i for i in ids if i in given]
        return self.list("shot", {**rest, "sequence_id": ids}) if ids else []

    def list_children(
        self, kind: str, parent_field: str, parent_ids: Sequence[str], *, parent_kind: str
    ) -> dict[str, Records]:
        answer: dict[str, Records] = {str(p): [] for p in parent_ids}
        if not parent_ids:
            return answer
        if kind in ("asset_type", "task_status"):
            for record in self.list(kind, {}):
                answer.setdefault(str(record.get(parent_field)), [])
            return answer
        field = dict(convert.FIELDS[kind])[parent_field]
        entity_type = convert.ENTITY_TYPES.get(parent_kind, "Project")
        records = self._find(kind, [any_link(field, [entity_type], parent_ids)], kind == "comment")
        for record in records:
            if parent_field == "entity_id" and record["entity_kind"] != parent_kind:
                continue
            key = record.get(parent_field)
            if key in answer:
                answer[key].append(record)
        return answer

    def list_with_children(
        self,
        kind: str,
        filters: Mapping[str, Any],
        child_kind: str,
        parent_field: str,
        *,
        validator: str | None = None,  # never given: no answer here carries one
    ) -> tuple[Records, dict[str, Records]] | None:
        if kind not in ("shot", "asset") or child_kind != "task":
            return None
        parents = self.list(kind, filters)
        children = self.list_children(
            child_kind, parent_field, [p["id"] for p in parents], parent_kind=kind
        )
        return parents, children

    # -- writes --------------------------------------------------------------
    def write_payload(
        self, kind: str, fields: Mapping[str, Any], *, entity_kind: str | None = None
    ) -> dict[str, Any]:
        """The ShotGrid data of a write, checked against the site: list and status
        values among the field's valid values, custom_data keys and types."""
        site = self.schema.of(kind)
        data = convert.to_shotgrid(kind, fields, site, entity_kind=entity_kind)
        entity_type = convert.ENTITY_TYPES[kind]
        for field in ("sg_status_list", "sg_asset_type", "sg_type"):
            if field in data:
                what = {"sg_status_list": "status", "sg_asset_type": "asset type"}.get(
                    field, "production type"
                )
                self.schema.check_value(entity_type, field, data[field], what)
        if fields.get("custom_data"):
            data.update(self.schema.custom_payload(kind, fields["custom_data"]))
        for field, value in data.items():
            if site.get(field, {}).get("type") == "float" and type(value) is int:
                data[field] = float(value)
        return data

    def cannot_store(self, kind: str, fields: Mapping[str, Any]) -> dict[str, str]:
        """What this site has no field for (or no value of), by the checks a write
        makes: each field alone through :meth:`write_payload`, each custom_data
        key alone; a status's role flags the code table does not give it."""
        refused: dict[str, str] = {}
        if kind == "task_status":
            have = set(self.roles.get(str(fields.get("short_name") or ""), ()))
            for flag in convert.STATUS_FLAG_FIELDS:
                if fields.get(flag) and flag not in have:
                    refused[flag] = (
                        "a ShotGrid status carries no role: its roles come from the code "
                        "table or the option status_roles"
                    )
            return refused
        if kind == "asset_type":
            if fields.get("short_name") not in (None, fields.get("name")):
                refused["short_name"] = "a ShotGrid asset type is a list value: its name"
            return refused
        if kind not in convert.ENTITY_TYPES:
            return refused
        entity_kind = fields.get("entity_kind")
        mapped = {name for name, _ in convert.FIELDS.get(kind, ())}
        derived = {"id", "entity_kind", "nb_frames", "nb_retakes", "for_shots", "custom_data"}
        for name, value in fields.items():
            if name not in mapped and name not in derived:
                refused[name] = f"a ShotGrid {kind.replace('_', ' ')} has no field for {name}"
                continue
            if name == "custom_data":
                for key, item in (value or {}).items():
                    try:
                        self.schema.custom_payload(kind, {key: item})
                    except ValidationError as exc:
                        refused[f"custom_data.{key}"] = str(exc)
                continue
            if kind == "person" and name == "department_ids":
                extra = len([d for d in value or () if d is not None]) > 1
                if extra:
                    refused[name] = "a ShotGrid person is in one department at most"
                continue
            try:
                self.write_payload(kind, {name: value}, entity_kind=entity_kind)
            except ValidationError as exc:
                refused[name] = str(exc)
        return refused

    def person_fields(self, fields: Mapping[str, Any]) -> tuple[dict[str, Any], _Strs | None]:
        """A person's fields without its departments, and the departments: the
        first is ``HumanUser.department``, all are written in ``Department.users``
        (:meth:`department_requests`)."""
        rest = dict(fields)
        if "department_ids" not in rest:
            return rest, None
        departments = [str(d) for d in rest.pop("department_ids") or ()]
        rest["department_ids"] = departments[:1]
        return rest, departments

    def department_requests(self, person_id: str, departments: _Strs) -> _Rows:
        """The ``batch`` requests that make ``departments`` a person's, and only
        those: one update of each Department whose ``users`` change (one find of
        those holding the person now). Sent in one batch, one transaction on a
        real server, they land all or none."""
        person = convert.link("HumanUser", person_id)
        current = self.connection.find(
            "Department", [any_link("users", ["HumanUser"], [person_id])], ["id"]
        )
        have = {str(d["id"]) for d in current}
        changes = [(d, "remove") for d in sorted(have - set(departments), key=int)]
        changes += [(d, "add") for d in departments if d not in have]
        return [
            {
                "request_type": "update",
                "entity_type": "Department",
                "entity_id": convert.sgid(department, "department_ids"),
                "data": {"users": [person]},
                "multi_entity_update_modes": {"users": mode},
            }
            for department, mode in changes
        ]

    def update(self, kind: str, id: str, fields: Mapping[str, Any]) -> Record:
        if kind in ("asset_type", "task_status"):
            record = self.get(kind, id)
            wrong = [f for f in fields if fields[f] != record.get(f)]
            if wrong:
                raise ValidationError(
                    f"a ShotGrid {kind.replace('_', ' ')} is a value of a list field: "
                    f"{', '.join(wrong)} cannot change through gadget"
                )
            return record
        current = self.get(kind, id)
        departments = None
        if kind == "person":
            fields, departments = self.person_fields(fields)
        merged = dict(fields)
        if kind == "shot" and ("frame_in" in fields or "frame_out" in fields):
            merged.setdefault("frame_in", current["frame_in"])
            merged.setdefault("frame_out", current["frame_out"])
        data = self.write_payload(kind, merged, entity_kind=current.get("entity_kind"))
        if departments is not None:  # the person and its departments: one batch
            requests = (
                [
                    {
                        "request_type": "update",
                        "entity_type": "HumanUser",
                        "entity_id": int(id),
                        "data": data,
                    }
                ]
                if data
                else []
            )
            requests += self.department_requests(id, departments)
            if requests:
                self.connection.call("batch", requests)
        elif data:
            self.connection.call("update", convert.ENTITY_TYPES[kind], int(id), data)
        return self.get(kind, id)

    def delete(self, kind: str, id: str) -> None:
        if kind in ("asset_type", "task_status"):
            raise ValidationError(f"a ShotGrid {kind.replace('_', ' ')} is removed in the schema")
        self.get(kind, id)
        for child_kind, field in _CASCADE.get(kind, ()):
            for child in self.list(child_kind, {field: id}):
                if child_kind != "task" or child["entity_kind"] == kind:
                    self.delete(child_kind, child["id"])
        self.connection.call("delete", convert.ENTITY_TYPES[kind], int(id))

    # -- publishing ------------------------------------------------------------
    def create_comment(self, task_id: str, draft: CommentDraft) -> Record:
        return publishing.post(self, task_id, draft)

    def find_comment(self, task_id: str, key: str) -> Record | None:
        """One find of the task's Note whose ``sg_gadget_key`` is ``key`` (on a site
        without that field, the contract's default: the task's Notes, by their
        content's key line)."""
        if publishing.KEY_FIELD not in self.schema.of("comment"):
            return super().find_comment(task_id, key)
        found = self._find(
            "comment",
            [
                any_link("tasks", ["Task"], [task_id]),
                [publishing.KEY_FIELD, "is", key],
            ],
        )
        return found[0] if found else None

    def complete_comment(self, task_id: str, record: Record, draft: CommentDraft) -> Record:
        """The Versions and Attachments the Note lacks, then the main preview (the
        contract's default)."""
        record = publishing.complete(self, task_id, record, draft)
        return super().complete_comment(task_id, record, draft)

    def set_main_preview(self, preview_id: str) -> None:
        """The preview's Version becomes its entity's thumbnail (``share_thumbnail``)
        and ``sg_main_version``."""
        preview = self.get("preview", preview_id)
        if preview["task_id"] is None:
            raise ValidationError(f"preview {preview_id} belongs to no task")
        task = self.get("task", preview["task_id"])
        publishing.share_main_preview(self, task, int(preview_id))

    def download(self, kind: str, id: str, path: Path) -> Path:
        return publishing.download(self, kind, id, path)

    def is_retake(self, code: str) -> bool:
        """Whether the status code has the retake role."""
        return "is_retake" in self.roles.get(code, ())

    # -- writes, casting, time spent, team: see creation.py and relations.py -----
    def create(self, kind: str, fields: Mapping[str, Any]) -> Record:
        return creation.create(self, kind, fields)

    def create_many(self, kind: str, rows: Sequence[Mapping[str, Any]]) -> Records:
        """Every row or none: links checked first, then one ``batch`` (one
        transaction on a real server)."""
        return creation.create_many(self, kind, rows)

    def get_casting(self, shot_ids: Sequence[str]) -> dict[str, Records]:
        return relations.get_casting(self, shot_ids)

    def set_casting(self, project_id: str, casting: Mapping[str, Sequence[Record]]) -> None:
        relations.set_casting(self, project_id, casting)

    def list_cast_in(self, asset_id: str) -> Records:
        return relations.list_cast_in(self, asset_id)

    def list_time_spent(self, task_id: str) -> Records:
        return relations.list_time_spent(self, task_id)

    def set_time_spent(
        self,
        task_id: str,
        person_id: str,
        date: dt.date,
        duration: dt.timedelta,
        *,
        add: bool = False,
    ) -> Record:
        return relations.set_time_spent(self, task_id, person_id, date, duration, add=add)

    def set_team_member(self, project_id: str, person_id: str, member: bool) -> None:
        relations.set_team_member(self, project_id, person_id, member)

    def search(self, text: str, project_id: str | None = None) -> Pairs:
        """``text_search`` over projects, sequences, shots, assets and people
        (one call), then their records (one find per kind found). With
        ``project_id``: that project, its sequences, shots and assets, and its
        team. Blank text finds nothing; ShotGrid refuses fewer than three
        characters, and so does this, before sending."""
        needle = text.strip()
        if not needle:
            return []
        if len(needle) < 3:
            raise ValidationError(
                f"ShotGrid searches text of three characters or more, not {text!r}"
            )
        types: dict[str, list[Any]] = {convert.ENTITY_TYPES[kind]: [] for kind in _SEARCHED}
        answer = self.connection.call("text_search", needle, types)
        found: dict[str, list[str]] = {}
        for match in answer.get("matches") or ():
            found.setdefault(str(match["type"]), []).append(str(match["id"]))
        pairs: Pairs = []
        for kind in _SEARCHED:
            ids = found.get(convert.ENTITY_TYPES[kind], [])
            filters: dict[str, Any] = {"id": ids}
            if project_id is not None and kind == "project":
                filters["id"] = [i for i in ids if i == str(project_id)]
            elif project_id is not None:  # a person: on the project's team
                filters["project_id"] = project_id
            if filters["id"]:
                pairs += [(kind, record) for record in self.list(kind, filters)]
        return pairs

    def add_playlist_entry(
        self, playlist_id: str, entity_id: str, preview_id: str | None
    ) -> Record:
        """A Version of the entity joins ``Playlist.versions``: the preview's, or
        the entity's stand-in Version (see relations.add_playlist_entry)."""
        return relations.add_playlist_entry(self, playlist_id, entity_id, preview_id)


assert ShotGridTracker.capabilities <= CAPABILITIES
