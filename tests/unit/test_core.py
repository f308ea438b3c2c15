"""Unit tests of gadget's core: ids, errors, configuration, the tracker registry,
entities and collections without I/O, and what ``import gadget`` costs.

No tracker beyond ``memory://`` is needed.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import gadget
from gadget import (
    AlreadyExists,
    AuthenticationError,
    ConfigError,
    GadgetError,
    Items,
    MultipleFound,
    NotFound,
    PartialWrite,
    PermissionDenied,
    Project,
    Shot,
    TrackerConfig,
    TrackerUnavailable,
    Unsupported,
    ValidationError,
    get_id,
    load_config,
)
from gadget import (
    Sequence as SequenceEntity,
)
from gadget.collections import matches
from gadget.entities import ENTITY_CLASSES
from gadget.errors import closest_names
from gadget.ids import looks_like_id
from gadget.kinds import COMMON_FIELDS, KINDS
from gadget.trackers import registry
from gadget.trackers.base import CommentDraft, Pairs, Record, Records, Tracker
from gadget.trackers.local import LocalTracker

PASSWORD = "Hunter2-s3cret!"
TOKEN = "eyJ-very-secret-token"
UUID = "7b1c1f9e-0a57-4a54-9a11-2f3c5d2b8c10"


# -- get_id --------------------------------------------------------------------
class TestGetId:
    def test_forms(self) -> None:
        shot = Shot(id=UUID, name="sh0010")
        assert get_id(UUID) == UUID
        assert get_id({"id": UUID}) == UUID
        assert get_id({"id": UUID, "name": "ignored"}) == UUID
        assert get_id(shot) == UUID
        assert get_id({"id": shot}) == UUID
        assert get_id(42) == "42"
        assert get_id({"id": 42}) == "42"

    @pytest.mark.parametrize("bad", ["", {}, {"name": "sh0010"}, None, True, 1.5, object(), []])
    def test_refuses(self, bad: Any) -> None:
        with pytest.raises(ValidationError):
            get_id(bad)

    def test_missing_key_is_named(self) -> None:
        with pytest.raises(ValidationError, match="'id'") as info:
            get_id({"name": "x", "code": "y"})
        assert "['code', 'name']" in str(info.value)

    @settings(max_examples=50)
    @given(st.text(min_size=1))
    def test_all_forms_agree(self, ident: str) -> None:
        assert get_id(ident) == get_id({"id": ident}) == get_id(Shot(id=ident)) == ident

    @settings(max_examples=50)
    @given(st.uuids())
    def test_uuids_look_like_ids(self, value: Any) -> None:
        assert looks_like_id(str(value))
        assert looks_like_id(str(value).replace("-", ""))
        assert looks_like_id(str(value).upper())

    @pytest.mark.parametrize(
        ("value", "expected"),
        [
            ("12345", True),
            ("sh0010", False),
            ("wip", False),
            ("jane@studio.com", False),
            ("", False),
        ],
    )
    def test_looks_like_id(self, value: str, expected: bool) -> None:
        assert looks_like_id(value) is expected


# -- errors --------------------------------------------------------------------
class TestErrors:
    def test_tree(self) -> None:
        for cls in (
            ConfigError,
            AuthenticationError,
            PermissionDenied,
            NotFound,
            MultipleFound,
            ValidationError,
            AlreadyExists,
            TrackerUnavailable,
            PartialWrite,
            Unsupported,
        ):
            assert issubclass(cls, GadgetError)
        assert issubclass(NotFound, LookupError)
        assert issubclass(ValidationError, ValueError)
        assert issubclass(AlreadyExists, ValidationError)
        assert issubclass(Unsupported, NotImplementedError)
        assert not issubclass(MultipleFound, LookupError)

    def test_not_found_message(self) -> None:
        err = NotFound("shot", {"name": "sh0011"}, "shots of sq010", ["sh0010", "sh0012"])
        assert str(err) == (
            "no shot with name='sh0011' in shots of sq010; closest: 'sh0010', 'sh0012'"
        )
        assert err.what == "shot"
        assert err.criteria == {"name": "sh0011"}
        assert err.where == "shots of sq010"
        assert err.closest == ["sh0010", "sh0012"]

    def test_not_found_minimal_message(self) -> None:
        assert str(NotFound("project")) == "no project"
        assert str(NotFound("task", "Anim")) == "no task with 'Anim'"
        assert NotFound("task").closest == []

    def test_not_found_hint(self) -> None:
        err = NotFound("project", {"name": "Demo"}, "the projects", [], "it may be hidden")
        assert str(err) == "no project with name='Demo' in the projects; it may be hidden"
        assert err.hint == "it may be hidden"
        assert NotFound("project").hint is None

    def test_closest_names(self) -> None:
        names = ["sh0010", "sh0020", "Anim3D", "Lighting"]
        assert closest_names("sh0011", names)[0] == "sh0010"
        assert closest_names("anim3d", names) == ["Anim3D"]  # case-insensitive, original case kept
        assert closest_names("zzzzzz", names) == []
        assert len(closest_names("sh00", [f"sh00{i}" for i in range(10)], n=3)) == 3
        assert closest_names("x", ["", "x"]) == ["x"]

    def test_already_exists_keeps_the_entity(self) -> None:
        shot = Shot(id=UUID, name="sh0010")
        err = AlreadyExists("shot sh0010 exists", existing=shot)
        assert err.existing is shot
        assert str(err) == "shot sh0010 exists"
        assert AlreadyExists("x").existing is None


# -- configuration ---------------------------------------------------------------
def _write_env_file(folder: Path, text: str, name: str = "adm_env.yml") -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


class TestConfig:
    def test_environment_wins_over_the_file(self, tmp_path: Path) -> None:
        _write_env_file(
            tmp_path,
            "TRACKER_URL: https://file.mystudio.com/api\nTRACKER_LOGIN: file@mystudio.com\n"
            "TRACKER_PROJECT: FromFile\n",
        )
        env = {"TRACKER_URL": "sqlite:///env.db", "TRACKER_PROJECT": "FromEnv"}
        config = load_config(environ=env, cwd=tmp_path)
        assert config.url == "sqlite:///env.db"
        assert config.project == "FromEnv"
        assert config.login == "file@mystudio.com"  # only in the file
        assert "environment" in config.source and str(tmp_path) in config.source

    def test_file_alone(self, tmp_path: Path) -> None:
        path = _write_env_file(tmp_path, "TRACKER_URL: memory://\nTRACKER_PROJECT: Demo\n")
        config = load_config(environ={}, cwd=tmp_path)
        assert (config.url, config.project) == ("memory://", "Demo")
        assert config.source == str(path)

    def test_an_empty_environment_value_falls_back_to_the_file(self, tmp_path: Path) -> None:
        _write_env_file(tmp_path, "TRACKER_URL: memory://\n")
        assert load_config(environ={"TRACKER_URL": ""}, cwd=tmp_path).url == "memory://"

    def test_overrides_win(self, tmp_path: Path) -> None:
        env = {"TRACKER_URL": "memory://", "TRACKER_LOGIN": "env"}
        config = load_config(environ=env, cwd=tmp_path, login="arg", url="sqlite:///x.db")
        assert (config.url, config.login) == ("sqlite:///x.db", "arg")
        assert "arguments" in config.source

    def test_variables_are_expanded(self, tmp_path: Path) -> None:
        _write_env_file(
            tmp_path,
            "TRACKER_URL: https://${KITSU_HOST}/api\nTRACKER_PASSWORD: ${KITSU_PASSWORD}\n"
            "TRACKER_LOGIN: ${USER_NAME}@${DOMAIN}\n",
        )
        env = {
            "KITSU_HOST": "kitsu.mystudio.com",
            "KITSU_PASSWORD": PASSWORD,
            "USER_NAME": "pipeline",
            "DOMAIN": "mystudio.com",
        }
        config = load_config(environ=env, cwd=tmp_path)
        assert config.url == "https://kitsu.mystudio.com/api"
        assert config.password == PASSWORD
        assert config.login == "pipeline@mystudio.com"

    def test_an_unset_variable_is_named(self, tmp_path: Path) -> None:
        _write_env_file(tmp_path, "TRACKER_URL: memory://\nTRACKER_PASSWORD: ${KITSU_PASSWORD}\n")
        with pytest.raises(ConfigError, match="KITSU_PASSWORD") as info:
            load_config(environ={}, cwd=tmp_path)
        assert "TRACKER_PASSWORD" in str(info.value)

    @settings(max_examples=50)
    @given(
        name=st.from_regex(r"[A-Za-z_][A-Za-z0-9_]{0,15}", fullmatch=True),
        value=st.text(st.characters(blacklist_categories=("Cs", "Cc")), max_size=30),
        # what a YAML double-quoted scalar holds as is (no $, no escapes)
        prefix=st.text(
            st.characters(whitelist_categories=("L", "N", "Zs"), whitelist_characters="-_.@/:"),
            max_size=10,
        ),
    )
    def test_expansion_property(
        self, tmp_path_factory: pytest.TempPathFactory, name: str, value: str, prefix: str
    ) -> None:
        folder = tmp_path_factory.mktemp("expand")
        _write_env_file(
            folder,
            "TRACKER_URL: memory://\nTRACKER_LOGIN: "
            + json.dumps(prefix + "${" + name + "}", ensure_ascii=False)
            + "\n",
        )
        config = load_config(environ={name: value}, cwd=folder)
        # expanded once: a value that itself looks like ${X} is kept as is
        expected = prefix + value
        assert config.login == (expected or None)

    def test_expansion_is_not_recursive(self, tmp_path: Path) -> None:
        _write_env_file(tmp_path, "TRACKER_URL: memory://\nTRACKER_LOGIN: ${A}\n")
        config = load_config(environ={"A": "${B}", "B": "nope"}, cwd=tmp_path)
        assert config.login == "${B}"

    def test_missing_url_names_the_variable_and_the_path(self, tmp_path: Path) -> None:
        with pytest.raises(ConfigError) as info:
            load_config(environ={"TRACKER_PASSWORD": PASSWORD}, cwd=tmp_path)
        message = str(info.value)
        assert "TRACKER_URL" in message
        assert str(tmp_path / "adm_env.yml") in message
        assert PASSWORD not in message

    def test_missing_url_with_a_file_without_it(self, tmp_path: Path) -> None:
        path = _write_env_file(tmp_path, f"TRACKER_LOGIN: a@b.com\nTRACKER_PASSWORD: {PASSWORD}\n")
        with pytest.raises(ConfigError) as info:
            load_config(environ={}, cwd=tmp_path)
        assert "TRACKER_URL" in str(info.value) and str(path) in str(info.value)
        assert PASSWORD not in str(info.value)

    def test_no_silent_fallback_in_connect(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        for var in ("TRACKER_URL", "GADGET_ENV_FILE", "TRACKER_PROJECT"):
            monkeypatch.delenv(var, raising=False)
        monkeypatch.chdir(tmp_path)
        with pytest.raises(ConfigError, match="TRACKER_URL"):
            gadget.connect()

    def test_a_url_needs_a_scheme(self, tmp_path: Path) -> None:
        with pytest.raises(ConfigError, match="scheme"):
            load_config(environ={"TRACKER_URL": "kitsu.mystudio.com/api"}, cwd=tmp_path)

    @pytest.mark.parametrize(
        ("text", "fragment"),
        [
            ("TRACKER_URL: [unclosed\n", "not valid YAML"),
            ("- just\n- a list\n", "flat mapping"),
            ("TRACKER_URL:\n  nested: value\n", "plain value"),
            ("1: memory://\n", "not a variable name"),
        ],
    )
    def test_malformed_file(self, tmp_path: Path, text: str, fragment: str) -> None:
        path = _write_env_file(tmp_path, text)
        with pytest.raises(ConfigError, match=fragment) as info:
            load_config(environ={}, cwd=tmp_path)
        assert str(path) in str(info.value)

    def test_an_empty_file_is_no_settings(self, tmp_path: Path) -> None:
        _write_env_file(tmp_path, "")
        with pytest.raises(ConfigError, match="TRACKER_URL"):
            load_config(environ={}, cwd=tmp_path)
        assert load_config(environ={"TRACKER_URL": "memory://"}, cwd=tmp_path).url == "memory://"

    def test_gadget_env_file(self, tmp_path: Path) -> None:
        elsewhere = tmp_path / "etc"
        elsewhere.mkdir()
        path = _write_env_file(elsewhere, "TRACKER_URL: memory://\n", "pipeline.yml")
        _write_env_file(tmp_path, "TRACKER_URL: sqlite:///ignored.db\n")
        config = load_config(environ={"GADGET_ENV_FILE": str(path)}, cwd=tmp_path)
        assert config.url == "memory://"
        assert config.source == str(path)

    def test_gadget_env_file_that_does_not_exist(self, tmp_path: Path) -> None:
        missing = tmp_path / "nope.yml"
        with pytest.raises(ConfigError, match="GADGET_ENV_FILE") as info:
            load_config(environ={"GADGET_ENV_FILE": str(missing)}, cwd=tmp_path)
        assert str(missing) in str(info.value)

    def test_secrets_are_masked_in_repr(self) -> None:
        config = TrackerConfig(
            url="https://kitsu.mystudio.com/api", login="me", password=PASSWORD, token=TOKEN
        )
        for text in (repr(config), str(config), f"{config}", f"{config!r}"):
            assert PASSWORD not in text and TOKEN not in text
            assert "***" in text
        assert "password=None" in repr(TrackerConfig(url="memory://"))
        assert config.password == PASSWORD  # still usable

    def test_scheme(self) -> None:
        assert TrackerConfig(url="KITSU+HTTPS://host/api").scheme == "kitsu+https"
        assert TrackerConfig(url="memory://").scheme == "memory"
        assert TrackerConfig(url="nothing").scheme == ""

    @settings(max_examples=50)
    @given(
        secret=st.text(
            st.characters(
                min_codepoint=33, max_codepoint=126, blacklist_characters="\"'\\:#{}[]&*!|>%@`,"
            ),
            min_size=8,
            max_size=24,
        )
    )
    def test_a_password_never_appears_in_a_config_error(
        self, tmp_path_factory: pytest.TempPathFactory, secret: str
    ) -> None:
        secret = "S3kr1t" + secret  # never a piece of a message by chance
        folder = tmp_path_factory.mktemp("secret")
        cases: list[tuple[dict[str, str], str | None]] = [
            ({"TRACKER_PASSWORD": secret}, None),  # no URL
            ({"TRACKER_PASSWORD": secret, "TRACKER_URL": "no-scheme"}, None),
            ({}, f"TRACKER_PASSWORD: {secret}\nTRACKER_TOKEN: ${{UNSET_VAR}}\n"),
            ({}, f"TRACKER_PASSWORD: {secret}\nTRACKER_URL:\n  - a\n"),
            (
                {"TRACKER_URL": "memory://"},
                f"TRACKER_PASSWORD: {secret}\nTRACKER_LOGIN: ${{NOPE}}\n",
            ),
        ]
        for env, text in cases:
            path = folder / "adm_env.yml"
            if text is None:
                path.unlink(missing_ok=True)
            else:
                path.write_text(text, encoding="utf-8")
            with pytest.raises(ConfigError) as info:
                load_config(environ=env, cwd=folder)
            assert secret not in str(info.value)
            assert secret not in repr(info.value)

    def test_a_password_never_appears_in_a_yaml_error(self, tmp_path: Path) -> None:
        _write_env_file(tmp_path, f'TRACKER_URL: memory://\nTRACKER_PASSWORD: "{PASSWORD}\n')
        with pytest.raises(ConfigError, match="YAML") as info:
            load_config(environ={}, cwd=tmp_path)
        assert PASSWORD not in str(info.value)

    def test_project_from_env_needs_a_project(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.chdir(tmp_path)
        monkeypatch.delenv("GADGET_ENV_FILE", raising=False)
        monkeypatch.delenv("TRACKER_PROJECT", raising=False)
        monkeypatch.setenv("TRACKER_URL", "memory://")
        with pytest.raises(ConfigError, match="TRACKER_PROJECT"):
            Project.from_env()
        monkeypatch.setenv("TRACKER_PROJECT", "Nowhere")
        with pytest.raises(NotFound, match="Nowhere"):
            Project.from_env()


# -- a tracker of our own --------------------------------------------------------
class NullTracker(Tracker):
    """A tracker that holds nothing (for registry and session tests): the required
    core and the one optional method of its one capability."""

    name = "null"
    capabilities = frozenset({"search"})

    def __init__(self, config: TrackerConfig) -> None:
        super().__init__(config)
        self.opened = False

    def open(self) -> None:
        self.opened = True

    def close(self) -> None:
        self.opened = False

    def whoami(self) -> Record:
        return {
            "id": "1",
            "first_name": "Null",
            "last_name": "User",
            "email": "null@gadget-studio.com",
        }

    def get(self, kind: str, id: str) -> Record:
        raise NotFound(kind, {"id": id})

    def list(self, kind: str, filters: Mapping[str, Any]) -> Records:
        return []

    def list_children(
        self, kind: str, parent_field: str, parent_ids: Sequence[str], *, parent_kind: str
    ) -> dict[str, Records]:
        return {p: [] for p in parent_ids}

    def create(self, kind: str, fields: Mapping[str, Any]) -> Record:
        raise Unsupported("read-only")

    def update(self, kind: str, id: str, fields: Mapping[str, Any]) -> Record:
        raise Unsupported("read-only")

    def create_comment(self, task_id: str, draft: CommentDraft) -> Record:
        raise Unsupported("read-only")

    # the one capability it declares; the others keep the base class's defaults
    def search(self, text: str, project_id: str | None = None) -> Pairs:
        return []


@pytest.fixture
def clean_registry(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Run-time registrations made by a test do not outlive it."""
    monkeypatch.setattr(registry._registry, "runtime", {})
    yield


class TestRegistry:
    @pytest.mark.parametrize(
        ("url", "scheme"),
        [
            ("sqlite:///studio.db", "sqlite"),
            ("sqlite:////abs/studio.db", "sqlite"),
            ("memory://", "memory"),
            ("MEMORY://", "memory"),
            ("kitsu+https://kitsu.mystudio.com/api", "kitsu+https"),
            ("kitsu+http://localhost:8080/api", "kitsu+http"),
            ("https://kitsu.mystudio.com/api", "kitsu+https"),
            ("https://kitsu.mystudio.com/api/", "kitsu+https"),
            ("http://127.0.0.1:5000/zou/api", "kitsu+http"),
        ],
    )
    def test_scheme_of(self, url: str, scheme: str) -> None:
        assert registry.scheme_of(url) == scheme

    @pytest.mark.parametrize("url", ["https://kitsu.mystudio.com/", "https://host/apis", "kitsu"])
    def test_scheme_of_refuses(self, url: str) -> None:
        with pytest.raises(ConfigError):
            registry.scheme_of(url)

    def test_builtins(self) -> None:
        from gadget.trackers.local import LocalTracker

        assert registry.resolve("memory://") is LocalTracker
        assert registry.resolve("sqlite:///studio.db") is LocalTracker
        assert {"sqlite", "memory", "kitsu+https", "kitsu+http"} <= set(
            registry.available_schemes()
        )

    def test_plain_https_api_is_kitsu(self) -> None:
        cls = registry.resolve("https://kitsu.mystudio.com/api")
        assert cls.__name__ == "KitsuTracker"
        assert registry.resolve("kitsu+https://kitsu.mystudio.com/api") is cls

    def test_unknown_scheme_lists_the_known_ones(self) -> None:
        with pytest.raises(ConfigError) as info:
            registry.resolve("shotgrid://studio.shotgunstudio.com")
        message = str(info.value)
        assert "shotgrid" in message
        for scheme in ("sqlite", "memory", "kitsu+https"):
            assert scheme in message

    def test_register_a_class(self, clean_registry: None) -> None:
        registry.register("null", NullTracker)
        assert registry.resolve("null://anywhere") is NullTracker
        assert registry.resolve("NULL://anywhere") is NullTracker
        assert "null" in registry.available_schemes()
        with gadget.connect("null://anywhere") as session:
            tracker = session.tracker
            assert isinstance(tracker, NullTracker)
            assert tracker.opened  # connect() opens at once
            assert session.capabilities == frozenset({"search"})
            assert list(session.projects) == []
            assert session.me.name == "Null User"
        assert not tracker.opened

    def test_register_a_dotted_path(self, clean_registry: None) -> None:
        registry.register("nullpath", f"{__name__}:NullTracker")
        assert registry.resolve("nullpath://x") is NullTracker

    def test_register_overrides_a_builtin(self, clean_registry: None) -> None:
        registry.register("memory", NullTracker)
        assert registry.resolve("memory://") is NullTracker

    def test_a_broken_dotted_path(self, clean_registry: None) -> None:
        registry.register("broken", "no_such_module_xyz:Tracker")
        with pytest.raises(ConfigError, match="broken"):
            registry.resolve("broken://x")
        registry.register("broken2", f"{__name__}:NoSuchClass")
        with pytest.raises(ConfigError, match="NoSuchClass"):
            registry.resolve("broken2://x")

    def test_entry_points(self, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setattr(
            registry, "_entry_points", lambda: {"viaplugin": f"{__name__}:NullTracker"}
        )
        assert registry.resolve("viaplugin://x") is NullTracker
        assert "viaplugin" in registry.available_schemes()

    def test_an_incomplete_tracker_cannot_be_built(self) -> None:
        class HalfTracker(Tracker):
            def open(self) -> None: ...

        with pytest.raises(TypeError, match="abstract"):
            HalfTracker(TrackerConfig(url="half://"))  # type: ignore[abstract]

    def test_require(self) -> None:
        tracker = NullTracker(TrackerConfig(url="null://"))
        tracker.require("search")
        with pytest.raises(Unsupported, match="casting"):
            tracker.require("casting")


# -- entities and collections without I/O ---------------------------------------
class TestEntities:
    def test_every_kind_has_its_entity_class_and_fields(self) -> None:
        assert set(KINDS) == set(ENTITY_CLASSES)
        for kind, spec in KINDS.items():
            cls = ENTITY_CLASSES[kind]
            assert cls.kind == kind
            aliases = {f.alias for f in attrs.fields(cls)}
            missing = (set(spec.fields) | set(COMMON_FIELDS)) - aliases
            assert not missing, (kind, missing)
            assert set(spec.refs) <= set(spec.fields)
            assert set(spec.scope) <= set(spec.fields)
            assert spec.key in {*spec.fields, "id"}

    def test_equality_and_hash(self) -> None:
        a, twin, b = Shot(id="1", name="a"), Shot(id="1", name="renamed"), Shot(id="2", name="a")
        assert a == twin and hash(a) == hash(twin)
        assert a != b
        assert a != SequenceEntity(id="1")
        assert a != "1"
        assert len({a, twin, b}) == 2

    def test_repr_needs_no_session(self) -> None:
        shot = Shot(id="1", name="sh0010")
        assert repr(shot) == "Shot('sh0010', id='1')"
        with pytest.raises(GadgetError, match="not bound"):
            _ = shot.session

    def test_raw_is_read_only(self) -> None:
        shot = Shot(id="1", raw={"data": {"x": 1}})
        assert shot.raw["data"] == {"x": 1}
        with pytest.raises(TypeError):
            shot.raw["data"] = {}  # type: ignore[index]

    def test_items(self) -> None:
        a, b, c = Shot(id="1", name="a"), Shot(id="2", name="b"), Shot(id="3", name="b")
        items = Items([a, b, c], "shots")
        assert len(items) == 3 and items[0] is a and items.first() is a
        assert items.get(name="a") is a
        with pytest.raises(MultipleFound):
            items.get(name="b")
        with pytest.raises(NotFound) as info:
            items.get(name="aa")
        assert "a" in info.value.closest
        assert items.filter(name="b").all() == [b, c]
        assert Items([], "none").first() is None
        assert repr(items) == "<shots: 3>"

    def test_matches(self) -> None:
        shot = Shot(id="1", name="a", frame_in=1)
        assert matches(shot, {"name": "a", "frame_in": 1})
        assert not matches(shot, {"name": "A"})
        assert matches(shot, {"name": ["x", "a"]})
        assert not matches(shot, {"name": []})
        person = gadget.Person(id="p", department_ids=["d1", "d2"])
        assert matches(person, {"department_ids": "d2"})
        assert not matches(person, {"department_ids": "d3"})


class TestMemorySession:
    @pytest.mark.parametrize("password", [PASSWORD, "p@ss@word"])  # an "@" in it too
    def test_repr_masks_credentials(self, password: str) -> None:
        config = TrackerConfig(url=f"null://pipeline:{password}@host/api")
        session = gadget.Session(NullTracker(config))
        for text in (repr(session), repr(config)):
            assert password not in text and password.rsplit("@", 1)[-1] + "@" not in text
            assert "***@host/api" in text

    def test_two_memory_sessions_are_independent(self) -> None:
        with gadget.connect("memory://") as one, gadget.connect("memory://") as two:
            one.projects.new(name="Mine", production_type="short")
            assert [p.name for p in one.projects] == ["Mine"]
            assert list(two.projects) == []
            assert one.tracker is not two.tracker

    @pytest.mark.parametrize("by_team", [True, False])
    def test_a_missing_project_may_be_off_the_team(self, by_team: bool) -> None:
        """On a tracker that shows non-admins only their teams' projects, a project
        lookup that finds nothing says the project may exist, to such a person only."""

        class Scoped(LocalTracker):
            projects_by_team = by_team

        tracker = Scoped(TrackerConfig(url="memory://"))
        tracker.open()
        with gadget.Session(tracker) as session:
            session.projects.new(name="Demo", production_type="short")
            hints = {}
            for role in ("user", "manager", "admin"):
                session.me.update(role=role)
                with pytest.raises(NotFound) as info:
                    session.projects.fetch("Demo2")
                assert info.value.closest == ["Demo"]
                hints[role] = (session.sees_all_projects, info.value.hint)
            assert session.projects.fetch("Demo").name == "Demo"
        assert hints["admin"] == (True, None)
        if not by_team:
            assert hints == {role: (True, None) for role in ("user", "manager", "admin")}
            return
        for role in ("user", "manager"):
            seen, hint = hints[role]
            assert seen is False and hint is not None
            assert f"(role {role}) is not on its team" in hint and session.me.email in hint

    def test_the_default_statuses(self) -> None:
        with gadget.connect("memory://") as session:
            assert {"todo", "wip", "wfa", "retake", "done"} <= {
                s.short_name for s in session.task_statuses
            }


# -- what importing costs ------------------------------------------------------------
def test_import_gadget_stays_light() -> None:
    code = (
        "import json, sys\n"
        "import gadget\n"
        "before = sorted(m for m in sys.modules if m.split('.')[0] in HEAVY)\n"
        "with gadget.connect('memory://') as s:\n"
        "    list(s.projects)\n"
        "after = sorted(m for m in sys.modules if m.split('.')[0] in HEAVY)\n"
        "print(json.dumps([before, after, 'pytest' in sys.modules]))\n"
    ).replace("HEAVY", repr({"gazu", "requests", "socketio", "engineio", "urllib3"}))
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TRACKER_", "GADGET_"))}
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env
    )
    before, after, pytest_loaded = json.loads(out.stdout.strip().splitlines()[-1])
    assert before == [], f"import gadget imported {before}"
    assert after == [], f"a memory:// session imported {after}"
    assert pytest_loaded is False


def test_the_call_spy_and_the_demo_import_no_pytest() -> None:
    """``gadget.testing.spy`` (and ``gadget demo``, which counts its walk with it)
    runs where pytest is not installed; the suite's helpers still bring pytest."""
    code = (
        "import json, sys\n"
        "import gadget.testing.spy\n"
        "from gadget.testing import TrackerSpy\n"
        "import gadget.cli._demo\n"
        "spy = 'pytest' in sys.modules\n"
        "from gadget.testing import write_png\n"
        "print(json.dumps([spy, TrackerSpy is gadget.testing.spy.TrackerSpy,"
        " 'pytest' in sys.modules]))\n"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TRACKER_", "GADGET_"))}
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env
    )
    spy_loaded_pytest, same_class, helpers_loaded_pytest = json.loads(
        out.stdout.strip().splitlines()[-1]
    )
    assert spy_loaded_pytest is False
    assert same_class is True
    assert helpers_loaded_pytest is True


def test_the_suite_asserts_are_rewritten_by_pytest() -> None:
    """The suite marks its modules for pytest's assert rewriting itself, so a
    failing contract test shows the compared values in any caller's run."""
    import gadget.testing.suite
    from gadget.testing.suite import behaviour, tasks

    assert gadget.testing.suite.TestTasks is tasks.TestTasks
    for module in (behaviour, tasks):
        assert "@py_builtins" in vars(module), module.__name__  # what rewriting adds


def test_a_url_made_from_the_id_and_custom_data_made_when_first_read() -> None:
    from gadget.entities import Task
    from gadget.kinds import IdUrl

    shared = IdUrl("https://kitsu.example/productions/p/shots/tasks/")
    one, two = Task(id="t1", url=shared), Task(id="t2", url=shared, custom_data=None)
    assert one.url == "https://kitsu.example/productions/p/shots/tasks/t1/"
    assert two.url == "https://kitsu.example/productions/p/shots/tasks/t2/"
    assert Task(id="t3", url="https://x/t3").url == "https://x/t3"
    data = two.custom_data
    assert data == {} and two.custom_data is data  # made once, then kept
    data["lens"] = 35
    assert two.custom_data == {"lens": 35} and one.custom_data == {}
