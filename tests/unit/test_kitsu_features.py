"""Zou's version, parsed, and the features gadget uses on each (no server: pure functions)."""

from __future__ import annotations

from typing import Any

import pytest

from gadget.errors import ConfigError
from gadget.trackers.kitsu.features import (
    MINIMUM,
    ServerFeatures,
    features_of,
    forced,
    parse_version,
)


@pytest.mark.parametrize(
    ("text", "version"),
    [
        ("1.0.97", (1, 0, 97)),
        ("v1.0.97", (1, 0, 97)),
        (" 1.0.97\n", (1, 0, 97)),
        ("1.0.97rc1", (1, 0, 97)),
        ("1.0.97.dev3", (1, 0, 97)),
        ("1.0.97+local.2", (1, 0, 97)),
        ("1.0.97-3-gabc123", (1, 0, 97)),
        ("0.19.64", (0, 19, 64)),
        ("1.1", (1, 1, 0)),
        ("10.20.300", (10, 20, 300)),
    ],
)
def test_a_version_string_gives_its_three_numbers(text: str, version: tuple[int, ...]) -> None:
    assert parse_version(text) == version


@pytest.mark.parametrize("text", [None, "", "main", "1", "v", "one.two", "1.0.9.7", 1.0, 97])
def test_what_is_no_version_gives_none(text: Any) -> None:
    assert parse_version(text) is None


def test_versions_compare_as_numbers_not_as_text() -> None:
    assert parse_version("1.0.100") > parse_version("1.0.97") > parse_version("1.0.9")  # type: ignore[operator]


@pytest.mark.parametrize(
    ("version", "offered"),
    [
        ("1.0.97", {"compact", "stream", "etag", "bulk_casting", "project_comments"}),
        ("1.0.69", {"compact", "stream", "etag", "bulk_casting", "project_comments"}),
        ("1.0.68", {"compact", "stream", "bulk_casting", "project_comments"}),
        ("1.0.54", {"compact", "stream", "bulk_casting", "project_comments"}),
        ("1.0.53", {"compact", "stream", "project_comments"}),
        ("1.0.52", {"project_comments"}),
        ("1.0.15", {"project_comments"}),
    ],
)
def test_each_version_offers_what_came_before_it(version: str, offered: set[str]) -> None:
    features = features_of({"api": "Zou", "version": version}, "Kitsu at here")
    assert {name for name, yes in features.as_dict().items() if yes} == offered
    assert features.version == parse_version(version)


def test_a_server_that_does_not_say_its_version_is_taken_as_the_current_one() -> None:
    for answer in ({"api": "Zou"}, {"version": "main"}, [], None):
        features = features_of(answer, "Kitsu at here")
        assert features.version is None
        assert all(features.as_dict().values())


def test_the_project_route_is_for_admins_only_before_0_19_64() -> None:
    assert not ServerFeatures.of((0, 19, 63)).project_comments
    assert ServerFeatures.of((0, 19, 64)).project_comments


def test_a_zou_older_than_the_minimum_is_refused_naming_both_versions() -> None:
    below = (MINIMUM[0], MINIMUM[1], MINIMUM[2] - 1)
    text = ".".join(map(str, below))
    with pytest.raises(ConfigError) as caught:
        features_of({"version": text}, "Kitsu at http://127.0.0.1:1/api")
    message = str(caught.value)
    assert f"runs Zou {text}" in message
    assert "needs Zou 1.0.15 or later" in message
    assert "Kitsu at http://127.0.0.1:1/api" in message
    assert features_of({"version": "1.0.15"}, "x").version == MINIMUM


def test_the_zou_version_option_takes_a_supported_version_only() -> None:
    assert forced("1.0.52") == ServerFeatures.of((1, 0, 52))
    with pytest.raises(ConfigError, match=r"zou_version is a Zou version such as"):
        forced("latest")
    with pytest.raises(
        ConfigError, match=r"zou_version 0\.20\.9 is older than gadget supports: Zou 1\.0\.15"
    ):
        forced("0.20.9")
