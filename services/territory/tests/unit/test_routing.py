"""Routing use cases: first match, strategies through the use case, queue, redelivery, preview."""

import collections
import datetime as dt
from decimal import Decimal

import pytest

from crm.territory.v1 import routing_pb2, teams_pb2
from crm_chassis.errors import FailedPrecondition, InvalidArgument, NotFound, PermissionDenied
from crm_territory.domain.routing import Outcome, UnroutableReason
from crm_territory.domain.teams import TeamRole
from crm_territory.domain.values import Money
from crm_territory.service_layer import absences, memberships, org, owners, routing, teams

from .conftest import ADMIN, LEAD_ROUTER, OWNER_CHOOSER, WORKER, lead, rule, user


@pytest.fixture
def setup(world):
    region = world.unit("DACH", world.unit("EMEA"))
    berlin, munich = world.team("Berlin", region), world.team("Munich", region)
    inbox = world.team("Inbox", region)
    for uid in ("b1", "b2", "b3"):
        world.member(berlin, uid)
    world.member(munich, "m1")
    world.member(inbox, "triage", role=TeamRole.SUPERVISOR)
    org.set_unassigned_queue(world.deps, ADMIN, team_id=inbox.id)
    line = world.line("SMB", berlin, munich)
    world.territory(
        "Berlin",
        line,
        berlin,
        1,
        rule("Berlin SMB", postal_code=["10", "12"], company_size=[("1", "250")]),
        rule("Berlin software", postal_code=["1"], industry=["software"]),
    )
    world.territory(
        "Bavaria",
        line,
        munich,
        2,
        rule("Bavaria", region=["Bavaria"]),
        rule("Big DE", country=["DE"], annual_revenue=([("10000000", "")], "EUR")),
    )
    return world, berlin, munich, inbox, line


def route(world, *leads):
    return routing.route_leads(world.deps, WORKER, leads=list(leads))


def test_first_matching_rule_wins_and_is_explained(setup):
    world, berlin, _munich, _, line = setup
    [d] = route(world, lead("L1", postal_code="10115", company_size=20, region="Bavaria"))
    assert d.outcome is Outcome.ROUTED and d.team_id == berlin.id and d.owner_user_id == "b1"
    assert d.match.rule.name == "Berlin SMB" and d.match.position == 1 and d.rules_tried == 1
    event = world.uow.events("lead_routed")[-1]
    assert (event.lead_id, event.team_id, event.owner_user_id, event.sales_line_id) == (
        "L1",
        berlin.id,
        "b1",
        line.id,
    )
    x = event.explanation
    assert x.territory_name == "Berlin" and x.rule.name == "Berlin SMB" and x.rules_version == 1
    assert x.owner_choice.strategy == teams_pb2.ROUTING_STRATEGY_ROUND_ROBIN
    assert [c.queue_position for c in x.owner_choice.candidates] == [1, 2, 3]
    assert "round robin" in x.owner_choice.reason and len(x.owner_choice.candidates) == 3
    assert "territory 'Berlin' rule #1 'Berlin SMB'" in x.summary
    assert event.meta.aggregate_type == "lead_routing" and event.meta.aggregate_version == 1
    assert world.metrics.routed == [(berlin.id, "round_robin")]


def test_later_rules_and_territories_by_priority(setup):
    world, _berlin, munich, _, _ = setup
    d1, d2, d3 = route(
        world,
        lead("L1", postal_code="10115", company_size=900, industry="Software"),
        lead("L2", region="bavaria"),
        lead("L3", country="DE", annual_revenue=Money(Decimal("2E7"), "EUR")),
    )
    assert d1.match.rule.name == "Berlin software" and d1.rules_tried == 2
    assert d2.team_id == munich.id and d2.rules_tried == 3
    assert d3.match.rule.name == "Big DE" and d3.owner_user_id == "m1"


def test_unmatched_lead_goes_to_the_visible_queue_with_event_and_metric(setup):
    world, _, _, inbox, _ = setup
    [d] = route(world, lead("L9", country="FR"))
    assert d.outcome is Outcome.UNROUTABLE and d.in_queue and d.team_id == inbox.id
    assert d.unroutable_reason is UnroutableReason.NO_RULE_MATCHED
    event = world.uow.events("lead_unroutable")[-1]
    assert event.queue_team_id == inbox.id
    assert event.reason == routing_pb2.UNROUTABLE_REASON_NO_RULE_MATCHED
    assert "no rule matched (4 tried)" in event.explanation.summary
    assert world.metrics.unroutable == ["no_rule_matched"]
    page = routing.list_unassigned(world.deps, user("triage"))
    assert [x.lead_id for x in page.items] == ["L9"]
    # Outside the queue team the queue is empty: nobody else may place its leads.
    assert routing.list_unassigned(world.deps, user("b1")).items == []


def test_matched_team_without_eligible_member_goes_to_queue_not_next_territory(setup):
    world, _, munich, inbox, _ = setup
    [m] = [x for x in world.uow.memberships.for_team(munich.id)]
    memberships.set_paused(world.deps, ADMIN, membership_id=m.id, paused=True)
    [d] = route(world, lead("L1", region="Bavaria"))
    assert d.unroutable_reason is UnroutableReason.NO_ELIGIBLE_MEMBER and d.team_id == inbox.id
    assert d.match.territory.name == "Bavaria"
    assert d.choice.skipped[0].user_id == "m1"
    event = world.uow.events("lead_unroutable")[-1]
    assert (
        event.explanation.owner_choice.candidates[0].skip_reason == routing_pb2.SKIP_REASON_PAUSED
    )


def test_redelivery_never_routes_twice(setup):
    world, *_ = setup
    first = route(world, lead("L1", postal_code="10115", company_size=5))
    again = route(
        world,
        lead("L1", postal_code="10115", company_size=5),
        lead("L2", postal_code="10115", company_size=5),
        lead("L2", postal_code="10115", company_size=5),
    )
    assert again[0] is not None and again[0].owner_user_id == first[0].owner_user_id == "b1"
    assert again[1].owner_user_id == again[2].owner_user_id == "b2"
    assert len(world.uow.events("lead_routed")) == 2
    assert world.metrics.duplicates == 2


def test_fairness_over_10000_leads_through_the_use_case(setup):
    world, berlin, *_ = setup
    for uid in ("b4", "b5", "b6"):
        world.member(berlin, uid, capacity=10_000)
    leads = [lead(f"L{i}", postal_code="10115", company_size=10) for i in range(10_000)]
    for start in range(0, 10_000, 1000):  # bulk import, batches of 1,000
        route(world, *leads[start : start + 1000])
    counts = collections.Counter(d.owner_user_id for d in world.uow.decisions.rows.values())
    fair = 10_000 / 6
    assert len(counts) == 6 and all(abs(n - fair) <= 1 for n in counts.values()), counts
    assert len(world.uow.events("lead_routed")) == 10_000


def test_new_member_mid_stream_gets_no_burst(setup):
    world, berlin, *_ = setup
    route(world, *[lead(f"A{i}", postal_code="10", company_size=1) for i in range(30)])
    world.member(berlin, "newbie")
    after = route(world, *[lead(f"B{i}", postal_code="10", company_size=1) for i in range(8)])
    got = [d.owner_user_id for d in after]
    assert got.count("newbie") == 2 and got[:4].count("newbie") == 1


def test_leave_and_capacity_through_the_use_case(setup):
    world, berlin, *_ = setup
    now = world.clock.now()
    absences.record_absence(
        world.deps, ADMIN, user_id="b1", starts_at=now, ends_at=now + dt.timedelta(days=1)
    )
    [m2] = [m for m in world.uow.memberships.for_team(berlin.id) if m.user_id == "b2"]
    memberships.update_membership(
        world.deps, ADMIN, membership_id=m2.id, changes={"daily_capacity": 1}
    )
    got = [
        d.owner_user_id
        for d in route(world, *[lead(f"L{i}", postal_code="10", company_size=1) for i in range(4)])
    ]
    assert got == ["b2", "b3", "b3", "b3"]
    world.clock.advance(dt.timedelta(days=1, hours=1))  # leave over, new day
    got = [
        d.owner_user_id
        for d in route(world, *[lead(f"M{i}", postal_code="10", company_size=1) for i in range(3)])
    ]
    assert got == ["b1", "b2", "b3"]


def test_capacity_day_follows_the_team_time_zone(setup):
    world, berlin, *_ = setup
    teams.set_team_routing(
        world.deps, ADMIN, team_id=berlin.id, strategy=None, time_zone="America/New_York"
    )
    for m in world.uow.memberships.for_team(berlin.id):
        memberships.update_membership(
            world.deps, ADMIN, membership_id=m.id, changes={"daily_capacity": 1}
        )
    world.clock.set(dt.datetime(2026, 3, 3, 1, 0, tzinfo=dt.UTC))  # Mar 2, 20:00 NY
    route(world, *[lead(f"L{i}", postal_code="10", company_size=1) for i in range(3)])
    world.clock.advance(dt.timedelta(hours=2))  # Mar 3 in UTC, but still Mar 2 (22:00) in New York
    [d] = route(world, lead("X", postal_code="10", company_size=1))
    assert d.outcome is Outcome.UNROUTABLE
    assert {n.skip_reason.value for n in d.choice.notes} == {"at_capacity"}
    world.clock.advance(dt.timedelta(hours=3))  # Mar 3, 01:00 in New York: a new day
    [d] = route(world, lead("Y", postal_code="10", company_size=1))
    assert d.outcome is Outcome.ROUTED


def test_deactivated_member_is_skipped(setup):
    world, *_ = setup
    world.person("b1", active=False)
    [d] = route(world, lead("L1", postal_code="10", company_size=1))
    assert d.owner_user_id == "b2"
    assert {n.user_id: n.skip_reason.value for n in d.choice.skipped} == {"b1": "deactivated"}


def test_preview_changes_nothing_and_takes_drafts(setup):
    world, berlin, _munich, _, _ = setup
    berlin_territory = next(t for t in world.uow.territories.all() if t.team_id == berlin.id)
    emitted = len(world.uow.emitted)
    p1 = routing.preview_route(world.deps, ADMIN, lead=lead("", postal_code="10", company_size=1))
    p2 = routing.preview_route(world.deps, ADMIN, lead=lead("", postal_code="10", company_size=1))
    assert p1.owner_user_id == p2.owner_user_id == "b1"
    assert len(world.uow.emitted) == emitted and not world.uow.decisions.rows
    assert world.metrics.routed == []
    draft = routing.preview_route(
        world.deps,
        ADMIN,
        lead=lead("", country="FR"),
        drafts={berlin_territory.id: [rule("France", country=["FR"])]},
    )
    assert draft.team_id == berlin.id and draft.match.rules_version == 0
    assert world.uow.territories.get(berlin_territory.id).rules_version == 1
    with pytest.raises(PermissionDenied):
        routing.preview_route(world.deps, user("b1"), lead=lead("", country="FR"))
    with pytest.raises(NotFound):
        routing.preview_route(world.deps, ADMIN, lead=lead(""), drafts={"nope": []})


def test_get_decision_does_not_leak_to_outsiders(setup):
    world, *_ = setup
    route(world, lead("L1", postal_code="10", company_size=1))
    world.member(
        world.uow.teams.get(world.uow.decisions.get("L1").team_id), "lead", role=TeamRole.SUPERVISOR
    )
    assert routing.get_decision(world.deps, user("lead"), lead_id="L1").owner_user_id == "b1"
    with pytest.raises(NotFound) as outsider:
        routing.get_decision(world.deps, user("m1"), lead_id="L1")
    with pytest.raises(NotFound) as unknown:
        routing.get_decision(world.deps, user("m1"), lead_id="L404")
    assert outsider.value.message.replace("L1", "X") == unknown.value.message.replace("L404", "X")


def test_retry_routing_from_the_queue(setup):
    world, berlin, *_ = setup
    [d] = route(world, lead("L1", country="FR"))
    assert d.in_queue
    from crm_territory.service_layer import territories

    t = next(t for t in world.uow.territories.all() if t.team_id == berlin.id)
    territories.set_rules(
        world.deps, ADMIN, territory_id=t.id, rules=[rule("France", country=["FR"])]
    )
    with pytest.raises(NotFound):  # b1 is in no queue team: the queued lead is not theirs
        routing.retry_routing(world.deps, user("b1"), lead_id="L1")
    again = routing.retry_routing(world.deps, user("triage"), lead_id="L1")
    assert again.outcome is Outcome.ROUTED and again.version == 2 and not again.in_queue
    assert world.uow.events("lead_routed")[-1].meta.aggregate_version == 2
    with pytest.raises(FailedPrecondition):
        routing.retry_routing(world.deps, LEAD_ROUTER, lead_id="L1")


def test_unassigned_queue_pages_stay_stable_when_leads_leave(setup):
    world, *_ = setup
    for i in range(5):
        route(world, lead(f"Q{i}", country="FR"))
        world.clock.advance(dt.timedelta(seconds=1))
    first = routing.list_unassigned(world.deps, user("triage"), page_size=2)
    assert [d.lead_id for d in first.items] == ["Q0", "Q1"]
    routing.leave_queue(world.deps, WORKER, lead_id="Q1")  # the cursor's lead leaves the queue
    second = routing.list_unassigned(
        world.deps, user("triage"), page_size=2, cursor=first.next_cursor
    )
    assert [d.lead_id for d in second.items] == ["Q2", "Q3"]


def test_leave_queue_when_assigned_by_hand(setup):
    world, *_ = setup
    route(world, lead("L1", country="FR"))
    assert routing.leave_queue(world.deps, WORKER, lead_id="L1") is True
    assert routing.leave_queue(world.deps, WORKER, lead_id="L1") is False
    assert routing.list_unassigned(world.deps, user("triage")).items == []


def test_choose_owner_for_hand_over_is_idempotent(setup):
    world, berlin, *_ = setup
    c1 = owners.choose_owner(
        world.deps, OWNER_CHOOSER, team_id=berlin.id, subject_id="deal:7", exclude_user_ids=["b1"]
    )
    c2 = owners.choose_owner(
        world.deps, OWNER_CHOOSER, team_id=berlin.id, subject_id="deal:7", exclude_user_ids=["b1"]
    )
    assert c1.owner_user_id == c2.owner_user_id == "b2"
    c3 = owners.choose_owner(
        world.deps, OWNER_CHOOSER, team_id=berlin.id, subject_id="deal:8", exclude_user_ids=["b1"]
    )
    assert c3.owner_user_id == "b3"
    with pytest.raises(PermissionDenied):
        owners.choose_owner(world.deps, ADMIN, team_id=berlin.id, subject_id="x")


def test_no_queue_team_designated_still_records_and_publishes(world):
    team = world.team("T", world.unit("D"))
    world.member(team, "rep")
    [d] = route(world, lead("L1", country="FR"))
    assert d.in_queue and d.team_id == ""
    assert world.uow.events("lead_unroutable")[-1].queue_team_id == ""


def test_choose_owners_spreads_a_leavers_items_by_the_strategy(setup):
    world, berlin, *_ = setup
    [b1] = [m for m in world.uow.memberships.for_team(berlin.id) if m.user_id == "b1"]
    memberships.end_membership(world.deps, ADMIN, membership_id=b1.id, reason="left")
    subjects = [f"lead:{i}" for i in range(6)]
    plan = owners.choose_owners(
        world.deps, OWNER_CHOOSER, team_id=berlin.id, subject_ids=subjects, exclude_user_ids=["b1"]
    )
    assert collections.Counter(c.owner_user_id for c in plan.values()) == {"b2": 3, "b3": 3}
    again = owners.choose_owners(world.deps, OWNER_CHOOSER, team_id=berlin.id, subject_ids=subjects)
    assert {s: c.owner_user_id for s, c in again.items()} == {
        s: c.owner_user_id for s, c in plan.items()
    }
    with pytest.raises(InvalidArgument):
        owners.choose_owners(world.deps, OWNER_CHOOSER, team_id=berlin.id, subject_ids=["x", ""])
    with pytest.raises(InvalidArgument):
        owners.choose_owners(
            world.deps, OWNER_CHOOSER, team_id=berlin.id, subject_ids=[f"s{i}" for i in range(1001)]
        )


def test_choose_owners_without_eligible_member_is_not_remembered(setup):
    world, _, munich, *_ = setup
    [m1] = world.uow.memberships.for_team(munich.id)
    memberships.set_paused(world.deps, ADMIN, membership_id=m1.id, paused=True)
    first = owners.choose_owner(world.deps, OWNER_CHOOSER, team_id=munich.id, subject_id="deal:1")
    assert first.owner_user_id == "" and "paused" in first.reason
    memberships.set_paused(world.deps, ADMIN, membership_id=m1.id, paused=False)
    assert (
        owners.choose_owner(
            world.deps, OWNER_CHOOSER, team_id=munich.id, subject_id="deal:1"
        ).owner_user_id
        == "m1"
    )
