"""Every event leads publishes survives the wire format (chassis encode/decode) intact."""

import datetime as dt

from crm.leads.v1 import events_pb2
from crm_chassis import events as wire
from crm_leads.domain.assignment import RoutingDecision
from crm_leads.service_layer import (
    assignment,
    campaigns,
    conversion,
    leads,
    lifecycle,
    privacy,
    scoring,
    snapshots,
)
from crm_leads.service_layer.activities import record_activity
from crm_leads.service_layer.importing import import_rows, plan_import
from crm_leads.service_layer.interactions import log_lead_interaction, send_lead_task_reminders
from crm_leads.service_layer.publishing import PUBLISHED

MESSAGES = {
    "lead_created": events_pb2.LeadCreated,
    "lead_updated": events_pb2.LeadUpdated,
    "lead_activity_recorded": events_pb2.LeadActivityRecorded,
    "lead_scored": events_pb2.LeadScored,
    "lead_assigned": events_pb2.LeadAssigned,
    "lead_status_changed": events_pb2.LeadStatusChanged,
    "lead_qualified": events_pb2.LeadQualified,
    "lead_disqualified": events_pb2.LeadDisqualified,
    "lead_conversion_requested": events_pb2.LeadConversionRequested,
    "lead_conversion_failed": events_pb2.LeadConversionFailed,
    "lead_converted": events_pb2.LeadConverted,
    "lead_merged": events_pb2.LeadMerged,
    "campaign_created": events_pb2.CampaignCreated,
    "campaign_updated": events_pb2.CampaignUpdated,
    "scoring_model_changed": events_pb2.ScoringModelChanged,
    "lead_interaction_logged": events_pb2.LeadInteractionLogged,
    "lead_task_reminder_due": events_pb2.LeadTaskReminderDue,
    "lead_snapshot": events_pb2.LeadSnapshot,
    "campaign_snapshot": events_pb2.CampaignSnapshot,
    "personal_data_erased": events_pb2.PersonalDataErased,
    "leads_captured": events_pb2.LeadsCaptured,
    "leads_assigned": events_pb2.LeadsAssigned,
}


def produce_every_event(world):
    campaign = campaigns.create_campaign(
        world.deps,
        world.mia,
        {"name": "Fair", "channel": "event", "starts_on": "2026-01-01", "cost": "10 EUR"},
    )
    campaigns.update_campaign(world.deps, world.mia, campaign.id, {"cost": "11 EUR"})
    scoring.update_scoring_model(
        world.deps,
        world.mia,
        world.line,
        fit_rules=[],
        engagement_rules=[
            {"kind": "email_opened", "points": 10, "half_life_days": "3", "max_points": 20}
        ],
    )
    lead = world.lead_in(
        source__campaign_id=campaign.id,
        company__annual_revenue="100.50 USD",
        consent__email_marketing="yes",
    )
    leads.update_lead(world.deps, world.ann, lead.id, {"person.title": "CTO"})
    record_activity(world.deps, world.ann, lead_id=lead.id, activity_id="a1", kind="email_opened")
    log_lead_interaction(
        world.deps, world.ann, lead_id=lead.id, kind="call", subject="Intro", outcome="connected"
    )
    log_lead_interaction(
        world.deps,
        world.ann,
        lead_id=lead.id,
        kind="task",
        subject="Call back",
        due_at=world.clock.now() + dt.timedelta(minutes=10),
    )
    send_lead_task_reminders(world.deps, world.worker, lead=dt.timedelta(minutes=30))
    other = world.lead_in(person__email="o@acme.example", company__name="Other")
    lifecycle.disqualify(world.deps, world.ann, other.id, "timing")
    lifecycle.reactivate(world.deps, world.ann, other.id)
    leads.merge_leads(world.deps, world.ann, lead.id, other.id)
    conversion_id = conversion.convert_lead(
        world.deps, world.ann, lead.id, expected_amount=("5.00", "EUR")
    ).conversion.conversion_id
    conversion.conversion_failed(
        world.deps, world.conversion_saga, conversion_id, error="busy", permanent=False
    )
    conversion.conversion_completed(
        world.deps,
        world.conversion_saga,
        conversion_id,
        account_id="a",
        contact_id="c",
        opportunity_id="o",
    )
    plan = plan_import(
        world.mia,
        import_id="every-event",
        column_mapping={"E-Mail": "person.email", "Name": "person.last_name"},
        default_channel="purchased_list",
        default_sales_line_id=world.line,
    )
    row = {"E-Mail": "imported@acme.example", "Name": "Imported"}
    reports = list(import_rows(world.deps, world.mia, plan, [(1, row)]))  # one leads_captured
    routed = RoutingDecision(
        "batch", reports[0].accepted[0].lead_id, world.clock.now(), world.line, "team-a", "ann"
    )
    assignment.apply_routings(world.deps, world.routing, [routed])  # one leads_assigned
    for kind in snapshots.KINDS:  # the backfill of a new consumer
        snapshots.publish_snapshots(world.deps, world.meg, kind=kind)
    privacy.erase_person(world.deps, world.worker, request_id="r1", email="o@acme.example")


def test_every_published_event_type_is_produced_and_round_trips(world):
    produce_every_event(world)
    assert set(world.event_types()) == set(PUBLISHED) == set(MESSAGES)
    for event_type, message in world.events:
        assert message.meta.event_type == event_type and message.meta.event_id
        decoded = wire.decode(wire.encode(message), MESSAGES[event_type])
        assert decoded == message


def test_lead_aggregate_versions_never_go_back(world):
    produce_every_event(world)
    last: dict[str, int] = {}
    for _, message in world.events:
        meta = message.meta
        if meta.aggregate_type == "lead":
            assert meta.aggregate_version >= last.get(meta.aggregate_id, 0)
            last[meta.aggregate_id] = meta.aggregate_version


def test_snapshots_carry_exact_money_and_consent(world):
    produce_every_event(world)
    created = world.events_of("lead_created")[0]
    assert created.lead.data.company.annual_revenue.amount == "100.50"
    assert created.lead.data.consent.email_marketing
    assert created.lead.data.consent.captured_at.ToDatetime().year == 2026


def test_a_caller_who_may_not_see_a_lead_gets_only_its_reference(world):
    from crm_leads.adapters import grpc_mapping

    result = world.capture(caller=world.form)
    reference = grpc_mapping.lead_reference(result.lead)
    assert (reference.id, reference.version, reference.status) == (
        result.lead.id,
        result.lead.version,
        1,
    )
    assert not reference.HasField("data") and not reference.HasField("score")
