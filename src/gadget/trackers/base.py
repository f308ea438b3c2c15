"""The Tracker contract: the narrow interface every tracker implements.

A tracker speaks only the normalized vocabulary of :mod:`gadget.kinds`:
it returns *records* (plain dicts with normalized field names, plus ``raw``
holding the vendor payload) and accepts normalized field names on writes.
It never returns vendor dicts, never imports :mod:`gadget.collections` or the
CLI, and converts its vendor's exceptions into :mod:`gadget.errors`.

Value types inside records:

- ids are ``str``; ``created_at`` / ``updated_at`` are aware or naive
  ``datetime`` (or None); task ``start_date`` / ``due_date`` are ``date``;
  task ``estimation`` and time-spent ``duration`` are ``timedelta``;
- ``custom_data`` is a dict (for shots: without frame_in, frame_out, fps);
- a comment record embeds ``previews`` and ``attachments`` as lists of
  preview / attachment records and ``checklist`` as ``[{"text", "checked"}]``;
- a playlist record embeds ``entries`` as ``[{"entity_id", "preview_id"}]``;
- a comment record's ``key`` is the idempotency key it was posted with
  (:attr:`CommentDraft.key`), None for a comment made elsewhere; its
  ``text`` is what the caller wrote, whatever the tracker stores the key in.

A record may be *partial*: when a fast route leaves fields out (Kitsu's
``with-tasks`` listings carry no task names, for one), the record lists
them under :data:`MISSING` and omits them. The session binds the fields it
has and loads the rest, for every record read together, the first time one
of them is read (one :meth:`Tracker.list` or :meth:`Tracker.list_children`
call). Records from :meth:`Tracker.get` are never partial.

``list()`` filters are equality on normalized fields; a list or tuple value
means "any of". A ``name`` filter may be matched loosely by the tracker
(case-insensitive, say); the session makes the final match exact.

The contract is a required core (:data:`REQUIRED_METHODS`, abstract) and
an optional tail: each method of :data:`OPTIONAL_METHODS` belongs to a
capability and has a default body raising :class:`gadget.errors.Unsupported`
naming the tracker and the capability. A tracker declares the capabilities
it offers in :attr:`Tracker.capabilities` and overrides their methods (a
class declaring a capability without them is a TypeError when defined).
"""

from __future__ import annotations

import abc
import contextlib
import datetime as dt
import re
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, ClassVar, NoReturn, TypeVar

import attrs

from gadget import ids
from gadget.errors import (
    ConfigError,
    GadgetError,
    PartialPublish,
    PartialWrite,
    Unsupported,
    ValidationError,
)
from gadget.kinds import COMMON_FIELDS, KINDS

if TYPE_CHECKING:
    from gadget.config import TrackerConfig

__all__ = [
    "CAPABILITIES",
    "CAPABILITY_MEANINGS",
    "KEY_PATTERN",
    "MISSING",
    "OPTIONAL_METHODS",
    "REQUIRED_METHODS",
    "UNCHANGED",
    "CommentDraft",
    "Listing",
    "Pairs",
    "Record",
    "Records",
    "Tracker",
    "Unchanged",
    "check_key",
    "publish_steps",
]

Record = dict[str, Any]
Records = list[Record]
Pairs = list[tuple[str, Record]]

#: Record key of a partial record: the tuple of field names it leaves out.
MISSING = "_missing"


class Unchanged:
    """The type of :data:`UNCHANGED` (one instance)."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "UNCHANGED"


#: What :meth:`Tracker.list_with_children` answers, given the ``validator`` of
#: its last answer, when the server says that answer still holds: the session
#: keeps the entities it bound from it.
UNCHANGED = Unchanged()


class Listing(tuple[Records, dict[str, Records]]):
    """A :meth:`Tracker.list_with_children` answer, ``(records, {parent_id: [children]})``,
    with the server's ``validator`` of it (an ETag; None: the server gave none).

    A plain tuple is a Listing without a validator. A tracker returns one
    with a validator only when it can revalidate that answer: the session
    then passes the validator back (``validator=``) once the answer is out
    of its cache, and the tracker answers :data:`UNCHANGED` or a new Listing.
    """

    validator: str | None

    def __new__(
        cls, records: Records, children: dict[str, Records], validator: str | None = None
    ) -> Listing:
        made = super().__new__(cls, (records, children))
        made.validator = validator
        return made


#: What an idempotency key may hold (:attr:`CommentDraft.key`): 1 to 128
#: letters, digits, ``_ . : -``, no ``--``; so every tracker can store it in
#: a text field or a marker (Kitsu keeps it in an HTML comment) unescaped.
KEY_PATTERN = re.compile(r"(?!.*--)[A-Za-z0-9_.:-]{1,128}")


def check_key(key: object) -> str:
    """``key`` if it is a valid idempotency key (:data:`KEY_PATTERN`), else ValidationError."""
    if not isinstance(key, str) or KEY_PATTERN.fullmatch(key) is None:
        raise ValidationError(
            f"idempotency_key {key!r} is not a valid key: 1 to 128 letters, digits, "
            "'_', '.', ':' or '-' (no '--'); nothing was posted"
        )
    return key


#: Every optional capability a tracker may declare, with what it means: one
#: line each, shown in the capability matrix (docs/capabilities.md).
CAPABILITY_MEANINGS: dict[str, str] = {
    "episodes": "project.episodes, and sequences under an episode",
    "assets": "asset types and assets",
    "previews": "preview files on comments, a shot's or asset's main preview, download",
    "attachments": "attachment files on comments",
    "casting": "shot casting, and the shots an asset is cast in",
    "time_spent": "time spent on a task, per person and day",
    "playlists": "playlists and their entries",
    "departments": "departments, of task types and of people",
    "team": "project team membership",
    "search": "full-text search",
    "delete": "entity deletion",
    "create_persons": "people are created through the API",
    "custom_data": "custom_data takes any key holding any JSON value (else only the keys the "
    "tracker names, as ShotGrid's site fields)",
    "roles": "each person's role is enforced: what a user, supervisor, manager, vendor or "
    "client may do (PermissionDenied otherwise)",
}
#: Every optional capability a tracker may declare.
CAPABILITIES = frozenset(CAPABILITY_MEANINGS)

#: The methods every tracker implements (abstract in :class:`Tracker`).
REQUIRED_METHODS: tuple[str, ...] = (
    "open",
    "close",
    "whoami",
    "get",
    "list",
    "list_children",
    "create",
    "update",
    "create_comment",
)
#: The methods of optional capabilities, each with the capabilities that need
#: it: a tracker declaring one of them overrides the method; the default body
#: raises Unsupported.
OPTIONAL_METHODS: Mapping[str, tuple[str, ...]] = {
    "delete": ("delete",),
    "set_main_preview": ("previews",),
    "download": ("previews", "attachments"),
    "get_casting": ("casting",),
    "set_casting": ("casting",),
    "list_cast_in": ("casting",),
    "list_time_spent": ("time_spent",),
    "set_time_spent": ("time_spent",),
    "add_playlist_entry": ("playlists",),
    "set_team_member": ("team",),
    "search": ("search",),
}

_T = TypeVar("_T", bound="Tracker")


def _check_declarations(cls: type[Tracker]) -> None:
    """Refuse, when a tracker class is built, declarations that name no kind or
    field, or enumerations that are not tuples of non-empty strings."""
    where = f"{cls.__module__}.{cls.__qualname__}"
    for attribute in ("production_types", "project_statuses"):
        values = getattr(cls, attribute)
        if (
            not isinstance(values, tuple)
            or not values
            or not all(isinstance(v, str) and v for v in values)
        ):
            raise TypeError(f"{where}.{attribute} is a tuple of non-empty strings, not {values!r}")
    if any(v != v.lower() for v in cls.project_statuses):
        raise TypeError(f"{where}.project_statuses are lower-case: {cls.project_statuses!r}")
    for attribute, table in (
        ("unique_keys", cls.unique_keys),
        ("field_defaults", cls.field_defaults),
    ):
        for kind, fields in table.items():
            if kind not in KINDS:
                raise TypeError(
                    f"{where}.{attribute} names the kind {kind!r}; kinds: {', '.join(KINDS)}"
                )
            known = (*COMMON_FIELDS, *KINDS[kind].fields)
            wrong = [f for f in fields if f not in known]
            if wrong or (attribute == "unique_keys" and (isinstance(fields, str) or not fields)):
                raise TypeError(
                    f"{where}.{attribute}[{kind!r}] must name fields of a {kind.replace('_', ' ')} "
                    f"({', '.join(known)}), not {fields!r}"
                )


@attrs.define(frozen=True)
class CommentDraft:
    """Everything one publish carries, in normalized form.

    Trackers post it in as few round trips as they can. ``previews`` and
    ``attachments`` are local file paths that exist (checked by the session);
    ``progress``, when given, hears about the bytes sent as they go.
    ``key`` is the publish's idempotency key (:data:`KEY_PATTERN`; the
    session always gives one): the tracker stores it with the comment so
    that :meth:`Tracker.find_comment` finds the comment by it, and returns
    it as the record's ``key``.
    """

    text: str = ""
    status_id: str | None = None
    author_id: str | None = None
    checklist: tuple[tuple[str, bool], ...] = ()
    previews: tuple[Path, ...] = ()
    attachments: tuple[Path, ...] = ()
    set_main_preview: bool = False
    key: str | None = None
    #: called as ``progress(bytes_sent, bytes_total)`` while the files go up
    progress: Callable[[int, int], None] | None = attrs.field(default=None, eq=False)


def publish_steps(draft: CommentDraft) -> tuple[str, ...]:
    """The steps of a publish, as :class:`~gadget.errors.PartialPublish` names them:
    ``"comment"``, then ``"status"``, ``"previews"``, ``"attachments"`` and
    ``"main_preview"`` where the draft has them."""
    steps = ["comment"]
    if draft.status_id is not None:
        steps.append("status")
    if draft.previews:
        steps.append("previews")
    if draft.attachments:
        steps.append("attachments")
    if draft.set_main_preview and draft.previews:
        steps.append("main_preview")
    return tuple(steps)


class Tracker(abc.ABC):
    """A production tracker behind gadget.

    Subclasses are registered for a URL scheme (:mod:`gadget.trackers.registry`),
    implement every abstract method (:data:`REQUIRED_METHODS`), declare
    :attr:`capabilities` and override the methods of those (the others raise
    Unsupported). The constructor must not do I/O; :meth:`open`
    authenticates. ``with TrackerClass(config) as tracker:`` opens the
    tracker and closes it when the block ends, however it ends.
    """

    #: Human name, shown by ``gadget doctor`` and in error messages.
    name: ClassVar[str] = "tracker"
    #: Optional capabilities this tracker offers (a subset of CAPABILITIES).
    capabilities: ClassVar[frozenset[str]] = frozenset()
    #: Optional ``list()`` filters on a referenced entity's name, beyond the
    #: kinds' own filters. ``"task_type_name"``: tasks whose task type has that
    #: name, so ``shot.tasks.fetch("Animation")`` reads no task-type list first.
    name_filters: ClassVar[frozenset[str]] = frozenset()
    #: Reads gain from running in parallel threads (a tracker behind a network,
    #: safe to call from several threads). The session then reads the small
    #: reference lists a bulk listing points at (task types and statuses of
    #: the tasks of :meth:`list_with_children`) while that listing is in flight.
    concurrent_reads: ClassVar[bool] = False
    #: The keys of ``TrackerConfig.options`` (``gadget.connect(options=...)``)
    #: this tracker reads. Any other key is a ConfigError when the tracker is
    #: built, naming these; a tracker checks the values itself.
    option_names: ClassVar[frozenset[str]] = frozenset()
    #: People other than admins see only the projects whose team they are on
    #: (Kitsu). A lookup of a project that finds nothing then says that the
    #: project may exist, for such a person (``Session.sees_all_projects``).
    projects_by_team: ClassVar[bool] = False
    #: The values a project's ``production_type`` takes on this tracker; the
    #: session refuses any other, naming these, before anything is sent.
    production_types: ClassVar[tuple[str, ...]] = ("short", "featurefilm", "tvshow")
    #: The values of a project's ``status``, lower-case; the session accepts them
    #: in any case, writes them lower-case and refuses any other, naming these.
    project_statuses: ClassVar[tuple[str, ...]] = ("open", "closed")
    #: Uniqueness rules where this tracker differs from the kinds' defaults:
    #: kind -> the record fields no two records of that kind share all the
    #: values of. A kind not named keeps its default, its ``scope`` then its
    #: ``key`` (:meth:`unique_fields`): one task per task type per entity, a
    #: shot's name in its sequence. ``new()`` raises AlreadyExists by it and
    #: ``ensure()`` finds by it; ``fetch()`` still looks up the kind's key.
    unique_keys: ClassVar[Mapping[str, tuple[str, ...]]] = MappingProxyType({})
    #: What this tracker stores in a field a new record leaves out, where the
    #: session must know it first (a field of a uniqueness rule): kind ->
    #: {field: value}. The session fills these in before it checks and writes.
    #: A task is named "main" when no name is given (Kitsu's default).
    field_defaults: ClassVar[Mapping[str, Mapping[str, Any]]] = MappingProxyType(
        {"task": MappingProxyType({"name": "main"})}
    )

    def __init__(self, config: TrackerConfig) -> None:
        self.config = config
        unknown = sorted(str(key) for key in config.options if key not in self.option_names)
        if unknown:
            known = ", ".join(sorted(self.option_names)) or "none"
            raise ConfigError(
                f"the {self.name} tracker has no option {', '.join(map(repr, unknown))} "
                f"(its options: {known})"
            )

    def __init_subclass__(cls, **kwargs: Any) -> None:
        """A class declaring a capability without overriding its methods is a
        TypeError when defined (its calls would raise Unsupported); so is a
        declaration of values or rules that does not hold together."""
        super().__init_subclass__(**kwargs)
        _check_declarations(cls)
        missing = {
            name: sorted(cls.capabilities.intersection(needed))
            for name, needed in OPTIONAL_METHODS.items()
            if cls.capabilities.intersection(needed)
            and getattr(cls, name, None) is getattr(Tracker, name)
        }
        if missing:
            raise TypeError(
                f"tracker class {cls.__qualname__} declares capabilities it does not "
                "implement: "
                + ", ".join(f"{name}() for {'/'.join(caps)}" for name, caps in missing.items())
            )

    def __enter__(self: _T) -> _T:
        self.open()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def require(self, capability: str) -> None:
        """Raise :class:`Unsupported` unless ``capability`` is declared."""
        if capability not in self.capabilities:
            self._unsupported(capability)

    def _unsupported(self, capability: str) -> NoReturn:
        """Raise Unsupported naming this tracker and ``capability``: the body of
        every optional method a tracker does not override."""
        raise Unsupported(f"the {self.name} tracker does not support {capability}")

    def looks_like_id(self, value: str) -> bool:
        """Whether the string ``value`` is one of this tracker's ids rather than a name.

        The session asks before it looks a string up by name (``status="wip"``,
        ``task_type="Anim"``, ``shot.tasks.fetch("Anim")``): a string that
        looks like an id is used as one. The default is
        :func:`gadget.ids.looks_like_id` (a UUID or all digits); a tracker
        whose ids look otherwise overrides it. No I/O.
        """
        return ids.looks_like_id(value)

    def cannot_store(self, kind: str, fields: Mapping[str, Any]) -> dict[str, str]:
        """The fields of a write of ``kind`` this tracker cannot keep, each with why.

        ``fields`` are record fields (ids of this tracker); a key of the answer
        is a field name, or ``custom_data.KEY`` for one key of ``custom_data``.
        A write holding them would be refused (or lose them): callers that move
        data between trackers (``gadget.copy``) leave them out and say so. The
        default keeps everything, as the session's own checks pass it; a
        tracker whose records have fixed fields (ShotGrid's site schema)
        overrides it. No I/O beyond what the open tracker holds.
        """
        return {}

    @classmethod
    def identity(cls, url: str) -> str:
        """Which tracker ``url`` reaches, as a stable string holding no secret.

        Two URLs that reach the same tracker give the same identity (the
        outbox files a queued publish under it, so any spelling of the URL
        finds it again). The default: scheme and host lower-cased, a
        ``user:password@`` part, the query, the fragment, a default port and
        trailing slashes dropped. A tracker whose URLs have other equivalent
        forms overrides it. No I/O.
        """
        from urllib.parse import urlsplit, urlunsplit

        if "://" not in url:
            raise ConfigError(f"tracker URL {url!r} has no scheme (expected scheme://...)")
        parts = urlsplit(url.strip())
        host = (parts.hostname or "").lower()
        try:
            port = parts.port
        except ValueError as exc:
            raise ConfigError(f"tracker URL {url.split('@')[-1]!r} has a bad port") from exc
        scheme = parts.scheme.lower()
        default_port = {"https": 443, "http": 80}.get(scheme.rsplit("+", 1)[-1])
        if port is not None and port != default_port:
            host = f"{host}:{port}"
        return urlunsplit((scheme, host, parts.path.rstrip("/"), "", ""))

    def server_info(self) -> Record:
        """What the server says of itself, for ``gadget doctor``: ``version`` (a
        string, or None when unknown) and ``clock_skew`` (a ``timedelta``: the
        server's clock minus this machine's, or None when the server does not
        tell its time). A tracker may add ``features`` (name -> bool: what
        this server offers that older ones lack, ``gadget doctor`` lists them)
        and ``unsupported`` (why the server is too old for gadget, else None).

        The default knows neither and makes no request (a tracker with no
        server, such as the local one); a tracker behind a server overrides it
        with one cheap request. Called on an open tracker.
        """
        return {"version": None, "clock_skew": None}

    @classmethod
    def unique_fields(cls, kind: str) -> tuple[str, ...]:
        """The fields whose values, together, identify one ``kind`` record on this
        tracker: :attr:`unique_keys` for ``kind``, else the kind's ``scope`` and
        ``key``. Empty for kinds known by id only (comments, previews ...)."""
        declared = cls.unique_keys.get(kind)
        if declared is not None:
            return tuple(declared)
        spec = KINDS[kind]
        return () if spec.key == "id" else (*spec.scope, spec.key)

    # -- session -----------------------------------------------------------
    @abc.abstractmethod
    def open(self) -> None:
        """Connect and authenticate; raise AuthenticationError on bad credentials."""

    @abc.abstractmethod
    def close(self) -> None:
        """Release connections; the tracker is not used afterwards."""

    @abc.abstractmethod
    def whoami(self) -> Record:
        """The person record of the authenticated user."""

    def deadline(self, seconds: float) -> contextlib.AbstractContextManager[Any]:
        """Within the block, the calling thread's calls to this tracker end within
        ``seconds`` in all (``Session.deadline``), raising TrackerUnavailable, or
        OutcomeUnknown for a write that was sent, when time runs out.

        A tracker that cannot bound its calls keeps the default, which does
        nothing (the local tracker waits only on its database lock, bounded by
        its own timeout); docs say what each tracker honours.
        """
        return contextlib.nullcontext()

    # -- generic reads and writes -----------------------------------------
    @abc.abstractmethod
    def get(self, kind: str, id: str) -> Record:
        """One record by id; NotFound when absent."""

    @abc.abstractmethod
    def list(self, kind: str, filters: Mapping[str, Any]) -> Records:
        """Records of ``kind`` matching every filter (one request or a few pages)."""

    @abc.abstractmethod
    def list_children(
        self, kind: str, parent_field: str, parent_ids: Sequence[str], *, parent_kind: str
    ) -> dict[str, Records]:
        """Bulk read: the ``kind`` records of many parents in one call.

        Returns ``{parent_id: [records]}`` with every parent id present (an
        empty list when it has no children). ``parent_field`` is the record
        field holding the parent id (``entity_id`` for the tasks of shots);
        ``parent_kind`` is the kind of every one of the parents, always given
        (``"shot"`` or ``"asset"`` for a task's ``entity_id``, ``"task"`` for
        comments), so a tracker never has to find it out.
        Each list in the order ``list`` gives: comments newest first by the
        exact time, comments of one instant newest created first.
        """

    def list_with_children(
        self,
        kind: str,
        filters: Mapping[str, Any],
        child_kind: str,
        parent_field: str,
        *,
        validator: str | None = None,
    ) -> tuple[Records, dict[str, Records]] | Unchanged | None:
        """``list(kind, filters)`` and the ``child_kind`` records of each result, read
        together where the tracker has one request for both; else None, at once
        and without I/O (the default).

        Returns ``(records, {parent_id: [children]})`` with every parent id
        present. The session asks this when a collection of shots or assets
        is loaded with prefetch on, so a walk of shots and their tasks costs
        one request; records of either list may be partial (see :data:`MISSING`).
        The parents are of ``kind``: a tracker answering with :meth:`list_children`
        passes ``parent_kind=kind``.

        Revalidation (optional; without it a repeated walk reads everything
        again): a tracker whose server tells whether an answer changed returns
        a :class:`Listing` carrying the server's validator (an ETag). When that
        answer has outlived the session's cache, the session asks again with
        ``validator=`` that value, and the tracker answers :data:`UNCHANGED`
        when the server says nothing changed (Kitsu: a 304 to
        ``If-None-Match``), else the new Listing. ``validator`` is only ever
        one this tracker gave; a tracker that returns plain tuples is never
        passed one.
        """
        return None

    def children_per_request(self, kind: str, parent_field: str) -> int | None:
        """How many parents one request of :meth:`list_children` covers (None: any number).

        The session prefetches the children of at most that many siblings at
        once, so a tracker that must split long id lists is not asked for
        thousands of parents when one was wanted.
        """
        return None

    @abc.abstractmethod
    def create(self, kind: str, fields: Mapping[str, Any]) -> Record:
        """Create one record; all or nothing."""

    def create_many(self, kind: str, rows: Sequence[Mapping[str, Any]]) -> Records:
        """Create several records, all or nothing.

        This default creates them one by one; when one fails, those made
        before it are deleted again (:meth:`undo_creations`) and the failure
        is raised. Trackers override it with a bulk call that keeps the promise.
        """
        made: Records = []
        try:
            for row in rows:
                made.append(self.create(kind, row))
        except Exception as failure:
            self.undo_creations(kind, [str(r["id"]) for r in made], failure)
            raise
        return made

    def undo_creations(self, kind: str, ids: Sequence[str], failure: BaseException) -> None:
        """Delete the ``kind`` records ``ids`` that a bulk write made before
        ``failure`` stopped it, newest first.

        Returns when all are gone (the caller then raises ``failure``); raises
        :class:`PartialWrite` naming those left when the tracker cannot
        delete them (no ``delete`` capability, or a deletion failed).
        """
        left = []
        for ident in reversed(ids):
            try:
                self.delete(kind, ident)
            except Exception:  # reported below, with every id left
                left.append(ident)
        if left:
            noun = kind.replace("_", " ")
            raise PartialWrite(
                f"a bulk creation of {noun}s failed part-way ({failure}); {len(left)} "
                f"of the {len(ids)} created before it could not be deleted again: "
                + ", ".join(reversed(left)),
                kind,
                reversed(left),
            ) from failure

    @abc.abstractmethod
    def update(self, kind: str, id: str, fields: Mapping[str, Any]) -> Record:
        """Write the given fields and return the updated record.

        ``custom_data`` given here is merged into the stored one. A field the
        vendor's answer leaves out is named under :data:`MISSING`, as in a
        listing (Kitsu answers a task's update without its assignees).
        """

    def delete(self, kind: str, id: str) -> None:
        """Delete one record (capability ``delete``)."""
        self._unsupported("delete")

    # -- publishing --------------------------------------------------------
    @abc.abstractmethod
    def create_comment(self, task_id: str, draft: CommentDraft) -> Record:
        """Post a comment with its status, checklist, previews and attachments.

        Returns the comment record with its embedded previews and
        attachments, its ``key`` being ``draft.key`` (stored with the
        comment, so :meth:`find_comment` finds it). A step that fails after
        the comment landed (a preview the tracker dropped or could not
        process, the main preview) raises
        :class:`~gadget.errors.PartialPublish` carrying the comment record,
        the steps that landed and those missing; a failure after which the
        comment may have landed raises
        :class:`~gadget.errors.OutcomeUnknown` (the session then looks the
        comment up by key); any other error means nothing landed.
        """

    def find_comment(self, task_id: str, key: str) -> Record | None:
        """The comment of task ``task_id`` posted with the idempotency key ``key``,
        or None when there is none. A read: it never writes.

        The session asks it before posting a draft whose key the caller gave
        (a retry, an outbox replay) and after a write failed ambiguously
        (:class:`~gadget.errors.OutcomeUnknown`), to learn whether the
        comment landed. This default reads every comment of the task
        (``list("comment", {"task_id": ...})``) and picks the one whose
        record's ``key`` is ``key``: right for any tracker whose comment
        records carry their key; a tracker with a cheaper lookup (a filter
        on the field holding the key) overrides it.
        """
        for record in self.list("comment", {"task_id": task_id}):
            if record.get("key") == key:
                return record
        return None

    def complete_comment(self, task_id: str, record: Record, draft: CommentDraft) -> Record:
        """Finish what a comment posted earlier with ``draft.key`` lacks, and return it.

        ``record`` is that comment, as :meth:`find_comment` found it. Called
        instead of :meth:`create_comment` when the comment exists, so the
        same publish again never posts twice: only its missing steps are
        done. This default does the one step a tracker makes after posting
        the comment: with ``draft.set_main_preview``, the comment's first
        preview becomes its entity's main preview, unless it already is
        (one read of the task and one of its shot or asset; one write when
        it is not). A tracker whose publish has other separate steps (Kitsu
        re-sends a preview file the server left unprocessed) overrides it,
        raising :class:`~gadget.errors.PartialPublish` for a step it cannot
        finish (here: the main preview, whose failure is the cause).
        """
        previews = record.get("previews") or []
        if draft.set_main_preview and previews:
            task = self.get("task", task_id)
            kind = task.get("entity_kind") or "shot"
            owner = self.get(kind, str(task["entity_id"])) if task.get("entity_id") else {}
            if owner.get("preview_id") != previews[0]["id"]:
                try:
                    self.set_main_preview(str(previews[0]["id"]))
                except GadgetError as failed:
                    steps = publish_steps(draft)
                    raise PartialPublish(
                        f"the comment {record['id']} on task {task_id} is posted, but its "
                        f"preview could not be made the main one ({failed}); publish again "
                        f"with idempotency_key={draft.key!r} to finish it",
                        comment=record,
                        landed=[s for s in steps if s != "main_preview"],
                        missing=["main_preview"],
                        key=draft.key,
                    ) from failed
        return record

    def set_main_preview(self, preview_id: str) -> None:
        """Make a preview the thumbnail of its task's entity (capability ``previews``)."""
        self._unsupported("previews")

    def download(self, kind: str, id: str, path: Path) -> Path:
        """Download a ``preview`` or ``attachment`` file to ``path`` (capability
        ``previews`` or ``attachments``)."""
        self._unsupported("attachments" if kind == "attachment" else "previews")

    # -- casting -----------------------------------------------------------
    def get_casting(self, shot_ids: Sequence[str]) -> dict[str, Records]:
        """``{shot_id: [{"asset_id", "nb_occurences", "label"}]}`` for many shots
        (capability ``casting``)."""
        self._unsupported("casting")

    def set_casting(self, project_id: str, casting: Mapping[str, Sequence[Record]]) -> None:
        """Replace the casting of many shots of one project at once (capability ``casting``)."""
        self._unsupported("casting")

    def list_cast_in(self, asset_id: str) -> Records:
        """Shot records in which an asset is cast (capability ``casting``)."""
        self._unsupported("casting")

    # -- time spent --------------------------------------------------------
    def list_time_spent(self, task_id: str) -> Records:
        """``[{"person_id", "date": date, "duration": timedelta}]`` of a task
        (capability ``time_spent``)."""
        self._unsupported("time_spent")

    def set_time_spent(
        self,
        task_id: str,
        person_id: str,
        date: dt.date,
        duration: dt.timedelta,
        *,
        add: bool = False,
    ) -> Record:
        """Set (or, with ``add``, add to) a person's time on a task for a day
        (capability ``time_spent``)."""
        self._unsupported("time_spent")

    # -- playlists, team, search ------------------------------------------
    def add_playlist_entry(
        self, playlist_id: str, entity_id: str, preview_id: str | None
    ) -> Record:
        """Add an entity (with a preview) to a playlist; returns the playlist record
        (capability ``playlists``)."""
        self._unsupported("playlists")

    def set_team_member(self, project_id: str, person_id: str, member: bool) -> None:
        """Add (``member=True``) or remove a person from a project's team (capability ``team``)."""
        self._unsupported("team")

    def search(self, text: str, project_id: str | None = None) -> Pairs:
        """Full-text search: ``[(kind, record)]`` (capability ``search``)."""
        self._unsupported("search")
