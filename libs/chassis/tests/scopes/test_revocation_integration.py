"""Across a real RabbitMQ: a grant and then its revocation, committed to territory's outbox, reach
a consumer's replica through the relay and the chassis handler, and the api-side read sees them
(how fast is the benchmark's business: bench/revocation_bench.py)."""

import pytest

from crm_chassis.scopes import Grant
from crm_testkit import temporary_postgres_database
from crm_testkit.scopes import RevocationBed

pytestmark = pytest.mark.integration


@pytest.fixture
def bed(tmp_path):
    with (
        temporary_postgres_database("revoke_territory") as territory_db,
        temporary_postgres_database("revoke_probe") as probe_db,
    ):
        bed = RevocationBed(tmp_path, territory_db, probe_db)
        try:
            bed.start()
            yield bed
        finally:
            bed.close()


def test_grant_then_revocation_reach_the_replica(bed):
    member = Grant("team-north", "expert", "membership")
    bed.publish("ann", [member])
    bed.wait_for(
        lambda: bed.replica.roles_by_team("ann") == {"team-north": "expert"},
        60,
        "the grant did not reach the replica",
    )
    bed.publish("ann", [Grant("team-south", "expert", "membership")])  # moved
    bed.wait_for(
        lambda: bed.replica.roles_by_team("ann") == {"team-south": "expert"},
        30,
        "the move did not reach the replica",
    )
    assert [user for user, _ in bed.replica.members("team-north")] == []
    bed.publish("ann", [], active=False)  # deactivated
    bed.wait_for(
        lambda: bed.replica.scopes_of("ann").is_empty,
        30,
        "the deactivation did not reach the replica",
    )
