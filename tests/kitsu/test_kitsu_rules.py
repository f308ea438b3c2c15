"""What the Kitsu tracker declares (production types, the uniqueness of tasks)
against what Zou does, checked on the real server with plain REST calls."""

from __future__ import annotations

import pytest

import gadget
from gadget.testing import Names

from .conftest import RawKitsu


@pytest.fixture
def names() -> Names:
    return Names()


def test_the_production_types_kitsu_offers(
    kitsu: gadget.Session, raw: RawKitsu, names: Names
) -> None:
    """Zou stores any short string; gadget takes the types Kitsu's web app offers."""
    for production_type in ("assets", "shots"):
        project = kitsu.projects.new(name=names(production_type), production_type=production_type)
        assert project.production_type == production_type
        assert raw.get(f"data/projects/{project.id}")["production_type"] == production_type
    with pytest.raises(gadget.ValidationError) as refused:
        kitsu.projects.new(name=names("nft"), production_type="nft")
    message = str(refused.value)
    assert "'nft'" in message and "kitsu" in message
    assert all(t in message for t in ("short", "featurefilm", "tvshow", "assets", "shots"))
    assert raw.get("data/projects", name=names("nft")) == []  # nothing was sent
    # the server itself would have stored it: the check is gadget's
    stored = raw.post("data/projects", {"name": names("rawnft"), "production_type": "nft"})
    assert stored["production_type"] == "nft"
