"""The contract suite: every test class a tracker must pass.

In a test module of your own::

    from gadget.testing.suite import *  # noqa: F403

and a ``gadget_session`` fixture in your conftest (see :mod:`gadget.testing`).
The tracker-level tests (:mod:`gadget.testing.suite.tracker`) call
``gadget_session.tracker`` directly, or the tracker of a ``gadget_tracker``
fixture that your test module defines after the star import.
The star import brings the test classes (pytest collects them in your
module) and the fixtures they use.
"""

from __future__ import annotations

import pkgutil

import pytest

# the suite's asserts get pytest's introspection even though it lives outside
# the caller's test directory: its modules are marked before they are imported
pytest.register_assert_rewrite(*(f"{__name__}.{m.name}" for m in pkgutil.iter_modules(__path__)))

from gadget.testing.fixtures import (  # noqa: E402
    gadget_capability_check,
    gadget_names,
    gadget_spy,
    gadget_studio,
    gadget_tracker,
)
from gadget.testing.suite.api import (  # noqa: E402
    TestLoadedLists,
    TestTeamCollection,
    TestWritesReturnTheEntity,
)
from gadget.testing.suite.behaviour import (  # noqa: E402
    TestCaching,
    TestCapabilities,
    TestErrors,
    TestIdentity,
    TestLaziness,
    TestPrefetch,
    TestSessions,
)
from gadget.testing.suite.production import (  # noqa: E402
    TestAssets,
    TestAssetTypes,
    TestEpisodes,
    TestProjects,
    TestSequences,
    TestShots,
)
from gadget.testing.suite.publish import (  # noqa: E402
    TestAttachments,
    TestCasting,
    TestComments,
    TestIdempotencyKeys,
    TestPlaylists,
    TestPreviews,
    TestPublishMany,
    TestSearch,
)
from gadget.testing.suite.reference import (  # noqa: E402
    TestDepartments,
    TestPersons,
    TestTaskStatuses,
    TestTaskTypes,
    TestTeam,
)
from gadget.testing.suite.tasks import (  # noqa: E402
    TestSeveralTasksOfOneType,
    TestTaskAssignees,
    TestTaskDates,
    TestTasks,
    TestTaskStatusChanges,
    TestTimeSpent,
)
from gadget.testing.suite.tracker import (  # noqa: E402
    TestTrackerBulkCreation,
    TestTrackerCopies,
    TestTrackerListChildren,
    TestTrackerRecords,
    gadget_tracker_world,
)

__all__ = [
    "TestAssetTypes",
    "TestAssets",
    "TestAttachments",
    "TestCaching",
    "TestCapabilities",
    "TestCasting",
    "TestComments",
    "TestDepartments",
    "TestEpisodes",
    "TestErrors",
    "TestIdempotencyKeys",
    "TestIdentity",
    "TestLaziness",
    "TestLoadedLists",
    "TestPersons",
    "TestPlaylists",
    "TestPrefetch",
    "TestPreviews",
    "TestProjects",
    "TestPublishMany",
    "TestSearch",
    "TestSequences",
    "TestSessions",
    "TestSeveralTasksOfOneType",
    "TestShots",
    "TestTaskAssignees",
    "TestTaskDates",
    "TestTaskStatusChanges",
    "TestTaskStatuses",
    "TestTaskTypes",
    "TestTasks",
    "TestTeam",
    "TestTeamCollection",
    "TestTimeSpent",
    "TestTrackerBulkCreation",
    "TestTrackerCopies",
    "TestTrackerListChildren",
    "TestTrackerRecords",
    "TestWritesReturnTheEntity",
    "gadget_capability_check",
    "gadget_names",
    "gadget_spy",
    "gadget_studio",
    "gadget_tracker",
    "gadget_tracker_world",
]
