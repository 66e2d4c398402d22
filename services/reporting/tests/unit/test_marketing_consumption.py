"""leads', campaigns' and accounts' events (and their backfill snapshots) become the marketing
read models through the event store: redelivery and reordering change nothing, a rebuild gives
the live facts, and a deal's won revenue follows it through reopening."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from reporting_events import Deal, _stamp, at, received
from reporting_fakes import World

from crm.common.v1 import money_pb2
from crm.deals.v1 import events_pb2 as deals_events
from crm.deals.v1 import resources_pb2 as deals_res
from crm.leads.v1 import campaign_pb2, lead_pb2
from crm.leads.v1 import events_pb2 as leads_events
from crm_chassis.caller import Caller
from crm_reporting.service_layer.consumption import rebuild, record_event

WORKER = Caller.system("reporting-worker")


def feed(world, events):
    for event in events:
        record_event(world.deps, WORKER, event=event)


def marketing(world):
    m = world.state.marketing
    return (dict(m.leads), dict(m.won), dict(m.campaigns), dict(m.accounts))


def lead_message(status=lead_pb2.LEAD_STATUS_NEW, team="", assigned=None, opportunity=""):
    lead = lead_pb2.Lead(id="l1", status=status, version=1)
    lead.data.sales_line_id = "line-1"
    lead.data.source.channel = lead_pb2.CHANNEL_EVENT
    lead.data.source.campaign_id = "fair"
    lead.created_at.FromDatetime(at("2026-03-02", 9))
    lead.assignment.team_id = team
    if assigned:
        lead.assignment.assigned_at.FromDatetime(assigned)
    lead.conversion.opportunity_id = opportunity
    return lead


def lead_events():
    created = leads_events.LeadCreated(lead=lead_message())
    assigned = leads_events.LeadAssigned(lead_id="l1", sales_line_id="line-1")
    assigned.assignment.team_id = "t1"
    assigned.assignment.assigned_at.FromDatetime(at("2026-03-02", 11))
    working = leads_events.LeadStatusChanged(
        lead_id="l1", team_id="t1", status=lead_pb2.LEAD_STATUS_WORKING
    )
    converted = leads_events.LeadConverted(
        lead=lead_message(lead_pb2.LEAD_STATUS_CONVERTED, "t1", at("2026-03-02", 11), "d1")
    )
    stamped = [
        (created, "lead_created", 1, at("2026-03-02", 9)),
        (assigned, "lead_assigned", 2, at("2026-03-02", 11)),
        (working, "lead_status_changed", 3, at("2026-03-02", 15)),
        (converted, "lead_converted", 4, at("2026-03-05")),
    ]
    return [
        received("leads", _stamp(m, "leads", t, "lead", "l1", v, when)) for m, t, v, when in stamped
    ]


def campaign_event(cost="1000.00", version=1, event_type="campaign_created"):
    campaign = campaign_pb2.Campaign(
        id="fair",
        name="Fair",
        channel=lead_pb2.CHANNEL_EVENT,
        starts_on=campaign_pb2.CalendarDate(year=2026, month=3, day=1),
    )
    campaign.cost.CopyFrom(money_pb2.Money(amount=cost, currency="EUR"))
    cls = {"campaign_created": leads_events.CampaignCreated}.get(
        event_type, leads_events.CampaignSnapshot
    )
    message = cls(campaign=campaign)
    return received(
        "leads", _stamp(message, "leads", event_type, "campaign", "fair", version, at("2026-03-01"))
    )


def account_event(version, relationship, churned=None):
    account = deals_res.Account(id="a1", team_id="t1", relationship=relationship)
    account.customer_since.FromDatetime(at("2026-01-10"))
    if churned:
        account.churned_at.FromDatetime(churned)
    message = deals_events.AccountRelationshipChanged(account=account)
    return received(
        "deals",
        _stamp(
            message,
            "deals",
            "account_relationship_changed",
            "account",
            "a1",
            version,
            at("2026-03-20"),
        ),
    )


def test_lead_facts_from_its_events_in_any_order_and_twice():
    ordered, shuffled = World(), World()
    events = lead_events()
    feed(ordered, events)
    feed(shuffled, [*reversed(events), *events])
    assert marketing(ordered) == marketing(shuffled)
    lead = ordered.state.marketing.leads["l1"]
    assert (lead.team_id, lead.channel, lead.campaign_id, lead.opportunity_id) == (
        "t1",
        "event",
        "fair",
        "d1",
    )
    assert lead.routed_at == at("2026-03-02", 11)
    assert lead.first_contact_at == at("2026-03-02", 15)  # the move to working's business time


def test_a_backfilled_lead_has_no_time_to_first_contact():
    world = World()
    snapshot = leads_events.LeadSnapshot(
        lead=lead_message(lead_pb2.LEAD_STATUS_WORKING, "t1", at("2026-03-02", 11))
    )
    feed(
        world,
        [
            received(
                "leads",
                _stamp(snapshot, "leads", "lead_snapshot", "lead", "l1", 3, at("2026-04-10")),
            )
        ],
    )
    lead = world.state.marketing.leads["l1"]
    assert (lead.routed_at, lead.first_contact_at) == (at("2026-03-02", 11), None)


def test_campaigns_and_accounts_keep_their_newest_version():
    world = World()
    feed(world, [campaign_event("1500.00", 2, "campaign_snapshot"), campaign_event("1000.00", 1)])
    assert world.state.marketing.campaigns["fair"].cost == Decimal("1500.00")
    feed(
        world,
        [
            account_event(3, deals_res.RELATIONSHIP_CHURNED, at("2026-03-20")),
            account_event(2, deals_res.RELATIONSHIP_CUSTOMER),
        ],
    )
    account = world.state.marketing.accounts["a1"]
    assert (account.customer_since, account.churned_at) == (at("2026-01-10"), at("2026-03-20"))


def test_won_deals_follow_reopening_with_their_lines_and_rebuild_gives_the_same():
    world = World()
    deal = Deal("d1")
    line = deal.message.lines.add(product_id="p-1")
    line.line_total.CopyFrom(money_pb2.Money(amount="900.00", currency="EUR"))
    deal.message.account_id, deal.message.campaign_id = "a1", "fair"
    feed(world, [deal.created(at("2026-03-01")), deal.won(at("2026-03-05"), actual="900.00")])
    won = world.state.marketing.won["d1"]
    assert (won.revenue, won.account_id, won.campaign_id) == (Decimal("900.00"), "a1", "fair")
    assert [(x.product_id, x.amount) for x in won.lines] == [("p-1", Decimal("900.00"))]
    feed(world, [deal.reopened(at("2026-03-06"))])
    assert "d1" not in world.state.marketing.won
    feed(world, [deal.won(at("2026-03-09"), actual="950.00"), *lead_events(), campaign_event()])
    live = marketing(world)
    assert live[1]["d1"].won_at == at("2026-03-09")
    rebuild(world.deps, WORKER)
    assert marketing(world) == live
    assert isinstance(live[0]["l1"].created_at, dt.datetime)


def test_an_imported_batch_counts_each_lead_as_a_lead_created_once():
    """leads' bulk lane (leads_captured): each lead of the batch is recorded as the lead_created
    it stands for, with an event id of its own that a redelivered batch repeats."""
    from crm_reporting.adapters.marketing_translation import created_of_batch

    second = lead_message()
    second.id = "l2"
    batch = leads_events.LeadsCaptured(leads=[lead_message(), second], import_id="file-1")
    _stamp(batch, "leads", "leads_captured", "lead_import_batch", "b1", 1, at("2026-03-02", 9))
    created = created_of_batch(batch)
    assert [(c.meta.event_type, c.meta.aggregate_id, c.lead.id) for c in created] == [
        ("lead_created", "l1", "l1"),
        ("lead_created", "l2", "l2"),
    ]
    assert created_of_batch(batch)[0].meta.event_id == created[0].meta.event_id
    assert len({c.meta.event_id for c in created} | {batch.meta.event_id}) == 3
    alone, imported = World(), World()
    feed(alone, lead_events())
    feed(imported, [received("leads", c) for c in created] + lead_events()[1:] * 2)
    assert imported.state.marketing.leads["l1"] == alone.state.marketing.leads["l1"]
    assert set(imported.state.marketing.leads) == {"l1", "l2"}


def test_an_applied_routing_batch_counts_each_assignment_as_its_lead_assigned_once():
    """leads' bulk lane (leads_assigned): each item is recorded as the lead_assigned it stands
    for, at the lead's own version, with an event id of its own that a redelivery repeats."""
    from crm_reporting.adapters.marketing_translation import assigned_of_batch

    alone_events = lead_events()
    item = leads_events.LeadAssigned(lead_id="l1", sales_line_id="line-1")
    item.assignment.team_id = "t1"
    item.assignment.assigned_at.FromDatetime(at("2026-03-02", 11))
    item.meta.aggregate_type, item.meta.aggregate_id, item.meta.aggregate_version = "lead", "l1", 2
    batch = leads_events.LeadsAssigned(assigned=[item])
    _stamp(batch, "leads", "leads_assigned", "lead_assignment_batch", "b1", 1, at("2026-03-02", 11))
    [assigned] = assigned_of_batch(batch)
    assert (assigned.meta.event_type, assigned.meta.aggregate_id) == ("lead_assigned", "l1")
    assert assigned.meta.aggregate_version == 2 and assigned.meta.producer == "leads"
    assert assigned_of_batch(batch)[0].meta.event_id == assigned.meta.event_id
    assert assigned.meta.event_id != batch.meta.event_id
    alone, batched = World(), World()
    feed(alone, alone_events)
    from_batch = received("leads", assigned)
    feed(batched, [alone_events[0], from_batch, from_batch, *alone_events[2:]])
    assert batched.state.marketing.leads["l1"] == alone.state.marketing.leads["l1"]
