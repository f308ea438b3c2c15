"""ShotGrid's exceptions become gadget errors at the client boundary, the
secrets kept out (failures a real site shows and mockgun cannot)."""

from __future__ import annotations

import pytest
import shotgun_api3

from gadget.errors import (
    AuthenticationError,
    PermissionDenied,
    TrackerUnavailable,
    ValidationError,
)
from gadget.trackers.shotgrid.client import converted


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
    ],
    ids=["auth", "2fa", "fault", "permission", "protocol", "connection"],
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
