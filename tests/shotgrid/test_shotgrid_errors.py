"""ShotGrid's exceptions become gadget errors at the client boundary, the
secrets kept out (failures a real site shows and mockgun cannot)."""

from __future__ import annotations

import pytest
import shotgun_api3

from gadget.errors import (
    AuthenticationError,
    GadgetError,
    OutcomeUnknown,
    PermissionDenied,
    TrackerUnavailable,
    ValidationError,
)
from gadget.trackers.shotgrid.client import ShotGridConnection, converted


@pytest.mark.parametrize(
    ("raised", "expected"),
    [
        (
            shotgun_api3.AuthenticationFault("Can't authenticate script 'hook' key s3cr3t"),
            AuthenticationError,
        ),
        (shotgun_api3.MissingTwoFactorAuthenticationFault("2FA"), AuthenticationError),
        (shotgun_api3.Fault("API read() Shot.sg_nope doesn't exist"), ValidationError),
        (shotgun_api3.Fault("Permission denied: update Shot"), PermissionDenied),
        (shotgun_api3.ProtocolError("host", 503, "Service Unavailable", {}), TrackerUnavailable),
        (ConnectionRefusedError("refused"), TrackerUnavailable),
        (shotgun_api3.ShotgunFileDownloadError("no such file"), GadgetError),
        (shotgun_api3.ShotgunThumbnailNotReady("not ready"), GadgetError),
    ],
    ids=["auth", "2fa", "fault", "permission", "protocol", "connection", "download", "thumb"],
)
def test_shotgrid_sdk_errors_become_gadget_errors(
    raised: Exception, expected: type[Exception]
) -> None:
    with pytest.raises(expected) as caught, converted("update Shot 4"):
        raise raised
    assert caught.value.__cause__ is raised
    assert "s3cr3t" not in str(caught.value)


def test_shotgrid_other_errors_pass_through() -> None:
    with pytest.raises(ZeroDivisionError), converted("a read"):
        1 / 0  # noqa: B018


def test_shotgrid_unreachable_host_is_tracker_unavailable() -> None:
    from shotgun_api3.lib import httplib2 as sdk_httplib2  # shipped inside the SDK

    with pytest.raises(TrackerUnavailable), converted("the login"):
        raise sdk_httplib2.ServerNotFoundError("Unable to find the server at nowhere")


def test_shotgrid_a_failed_call_names_no_payload() -> None:
    """A refused batch says which call failed, never the data it carried."""

    class Refusing:
        def batch(self, requests: object) -> None:
            raise shotgun_api3.Fault("batch refused")

    connection = ShotGridConnection("https://site.test", {}, lambda site, kw: Refusing())
    payload = [{"request_type": "create", "entity_type": "Shot", "data": {"code": "s3cr3t"}}]
    with pytest.raises(ValidationError) as caught:
        connection.call("batch", payload)
    assert "batch" in str(caught.value)
    assert "s3cr3t" not in str(caught.value)


@pytest.mark.parametrize(
    ("raised", "expected"),
    [
        (shotgun_api3.ProtocolError("host", 502, "Bad Gateway", {}), OutcomeUnknown),
        (shotgun_api3.ProtocolError("host", 504, "Gateway Timeout", {}), OutcomeUnknown),
        (TimeoutError("timed out"), OutcomeUnknown),
        (ConnectionResetError("reset by peer"), OutcomeUnknown),
        (shotgun_api3.ProtocolError("host", 503, "Service Unavailable", {}), TrackerUnavailable),
        (ConnectionRefusedError("refused"), TrackerUnavailable),
    ],
    ids=["502", "504", "timeout", "reset", "503", "refused"],
)
def test_a_write_that_may_have_landed_is_outcome_unknown(
    raised: Exception, expected: type[Exception]
) -> None:
    """A write whose connection failed after it was sent may have landed: never
    TrackerUnavailable (which says a retry is safe); a read stays TrackerUnavailable."""

    class Failing:
        def create(self, entity_type: str, data: object) -> None:
            raise raised

        def find(self, *args: object, **kwargs: object) -> None:
            raise raised

    connection = ShotGridConnection("https://site.test", {}, lambda site, kw: Failing())
    with pytest.raises(expected) as caught:
        connection.call("create", "Note", {"content": "x"})
    assert not isinstance(caught.value, TrackerUnavailable) or expected is TrackerUnavailable
    if isinstance(caught.value, OutcomeUnknown):
        assert caught.value.operation == "create Note"
        assert caught.value.key is None
    with pytest.raises(TrackerUnavailable):
        connection.find("Note", [], ["id"])
