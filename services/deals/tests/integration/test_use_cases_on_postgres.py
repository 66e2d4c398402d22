"""The use-case unit tests again, on the SQL unit of work and PostgreSQL instead of the fakes.

Every repository method, the optimistic version checks, the JSON documents (exact decimals,
dates) and the transactional behaviour are exercised by the same scenarios the fakes pass; the
unit-test modules are imported here so pytest collects their tests a second time with this
module's ``world`` fixture. Tests that look inside the fake's state are left out (listed).
"""

from __future__ import annotations

import pathlib
import sys

import pytest

sys.path.insert(0, str(pathlib.Path(__file__).parent.parent / "unit"))

from test_account_hierarchy import *  # noqa: F403
from test_accounts_contacts import *  # noqa: F403
from test_activities import *  # noqa: F403
from test_automation_scopes import *  # noqa: F403
from test_automations import *  # noqa: F403
from test_conversions import *  # noqa: F403
from test_deal_lifecycle import *  # noqa: F403
from test_duplicates import (  # noqa: F401 - what merged-away records refuse, and imports
    test_an_imported_activity_on_a_merged_record_reaches_its_survivor,
    test_nothing_new_attaches_to_a_merged_account_or_contact,
    test_the_churn_rule_leaves_a_merged_away_customer_alone,
)
from test_line_workflows import *  # noqa: F403
from test_pipelines import *  # noqa: F403
from test_quotes_billing import *  # noqa: F403
from test_snapshots import (  # noqa: F401 - the use-case tests (the gRPC one needs the fake)
    test_a_service_account_needs_the_role,
    test_accounts_are_published_as_account_snapshots,
    test_every_deal_open_or_closed_is_published_at_its_current_version,
    test_repeating_the_backfill_publishes_the_same_versions_again,
)
from test_transfers import *  # noqa: F403
from test_visibility import *  # noqa: F403

pytestmark = pytest.mark.integration

# They read the fake's in-memory state, which the SQL unit of work does not have.
FAKE_STATE_TESTS = {
    "test_conversion_rejections_leave_nothing_behind",
    "test_numbers_are_gap_free_per_year_cancelled_drafts_take_none",
}


@pytest.fixture
def world(request, sql_world):
    if request.node.originalname in FAKE_STATE_TESTS:
        pytest.skip("reads the fake unit of work's in-memory state")
    return sql_world
