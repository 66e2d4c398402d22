"""End to end over the real processes of identity, territory, leads and deals: qualifying and
converting a routed lead is a saga over events — the lead shows `converting` until deals has
created the account, contact and opportunity in the lead's sales line, team and owner (carrying
its source for attribution), then `converted` with links to them, and is read-only after."""

from __future__ import annotations

import grpc
import pytest
from e2e_platform import (
    As,
    Stubs,
    create_pipeline,
    german_line,
    small_company,
    visible_lead,
    web_form_lead,
)

from crm.common.v1 import money_pb2
from crm.deals.v1 import deals_pb2
from crm.leads.v1 import lead_pb2
from crm.leads.v1 import lead_service_pb2 as ls
from crm_devrun.bed import PlatformBed

pytestmark = pytest.mark.integration


# Short saga timings, so that "deals is down" shows as a visible retry within the test.
SAGA_TIMINGS = {
    "CRM_LEADS_CONVERSION_REPLY_TIMEOUT_SECONDS": "3",
    "CRM_LEADS_CONVERSION_FIRST_BACKOFF_SECONDS": "1",
    "CRM_LEADS_CONVERSION_MAX_BACKOFF_SECONDS": "2",
    "CRM_LEADS_CONVERSION_DISPATCH_SECONDS": "0.5",
    # Tasks on leads are looked at every second for reminders (deals delivers them).
    "CRM_LEADS_REMINDER_SCAN_SECONDS": "1",
    "CRM_DEALS_DELIVERY_POLL_SECONDS": "0.5",
}


@pytest.fixture(scope="module")
def platform(tmp_path_factory):
    services = ["identity", "territory", "leads", "deals"]
    with PlatformBed(services, tmp_path_factory.mktemp("bed"), env=SAGA_TIMINGS) as bed:
        stubs = Stubs(bed)
        admin = As(bed.admin_token())
        company = small_company(bed, stubs, admin)
        line = german_line(stubs, admin, company)
        create_pipeline(bed, admin, line.id)
        yield dict(bed=bed, stubs=stubs, admin=admin, line=line, **company)


def conversion_state(platform, person: As, lead_id: str):
    lead = person(platform["stubs"].leads.GetLead, ls.GetLeadRequest(lead_id=lead_id))
    return lead if lead.conversion.state == lead_pb2.CONVERSION_STATE_CONVERTED else None


def test_a_converted_lead_becomes_account_contact_and_opportunity_in_its_team(platform):
    stubs, people, bed, admin = (
        platform["stubs"],
        platform["people"],
        platform["bed"],
        platform["admin"],
    )
    lead_id = admin(stubs.leads.CreateLead, web_form_lead(platform["line"].id)).lead.id
    sue = people["sue"]
    lead = bed.wait_for(lambda: visible_lead(stubs, sue, lead_id), 60, "lead not routed")
    owner_id = lead.assignment.owner_user_id
    asked = sue(
        stubs.leads.ConvertLead,
        ls.ConvertLeadRequest(
            lead_id=lead_id,
            opportunity_name="Vogel rollout",
            expected_amount=money_pb2.Money(amount="12500.00", currency="EUR"),
        ),
    )
    assert asked.conversion.state in (
        lead_pb2.CONVERSION_STATE_REQUESTED,
        lead_pb2.CONVERSION_STATE_CONVERTING,
        lead_pb2.CONVERSION_STATE_CONVERTED,
    )
    converted = bed.wait_for(
        lambda: conversion_state(platform, sue, lead_id), 60, "deals never confirmed the conversion"
    )
    links = converted.conversion
    assert links.account_id and links.contact_id and links.opportunity_id
    assert converted.status == lead_pb2.LEAD_STATUS_CONVERTED
    deal = sue(stubs.deals.GetDeal, deals_pb2.GetDealRequest(id=links.opportunity_id))
    assert (deal.team_id, deal.owner_user_id, deal.sales_line_id, deal.originating_lead_id) == (
        platform["berlin"].id,
        owner_id,
        platform["line"].id,
        lead_id,
    )
    assert (deal.name, deal.estimated_revenue.amount, deal.stage_key) == (
        "Vogel rollout",
        "12500.00",
        "new",
    )
    assert deal.account_id == links.account_id and deal.primary_contact_id == links.contact_id
    # The deal is quarantined like the lead: not the admin, not another team.
    for outsider in (admin, people["cid"]):
        assert (
            outsider.code(stubs.deals.GetDeal, deals_pb2.GetDealRequest(id=links.opportunity_id))
            == grpc.StatusCode.NOT_FOUND
        )
    # Converted leads are read-only; converting again answers as the first time.
    error = sue.error(
        stubs.leads.DisqualifyLead,
        ls.DisqualifyLeadRequest(
            lead_id=lead_id, reason=lead_pb2.DISQUALIFICATION_REASON_NO_BUDGET
        ),
    )
    assert error.code() == grpc.StatusCode.FAILED_PRECONDITION
    again = sue(
        stubs.leads.ConvertLead,
        ls.ConvertLeadRequest(
            lead_id=lead_id,
            opportunity_name="Vogel rollout",
            expected_amount=money_pb2.Money(amount="12500.00", currency="EUR"),
        ),
    )
    assert again.conversion.opportunity_id == links.opportunity_id


def test_conversion_while_deals_is_down_is_retried_visibly_and_completes_once(platform):
    stubs, people, bed, admin = (
        platform["stubs"],
        platform["people"],
        platform["bed"],
        platform["admin"],
    )
    lead_id = admin(stubs.leads.CreateLead, web_form_lead(platform["line"].id)).lead.id
    sue = people["sue"]
    bed.wait_for(lambda: visible_lead(stubs, sue, lead_id), 60, "lead not routed")
    bed.stop("deals.worker")
    try:
        sue(
            stubs.leads.ConvertLead,
            ls.ConvertLeadRequest(lead_id=lead_id, opportunity_name="Down but not lost"),
        )

        def retrying():
            lead = sue(stubs.leads.GetLead, ls.GetLeadRequest(lead_id=lead_id))
            return (
                lead
                if (
                    lead.conversion.state == lead_pb2.CONVERSION_STATE_FAILED_RETRYING
                    and lead.conversion.attempts >= 1
                )
                else None
            )

        waiting = bed.wait_for(retrying, 60, "the unanswered conversion was not shown retrying")
        assert waiting.conversion.last_error and waiting.conversion.HasField("next_attempt_at")
        assert waiting.status == lead_pb2.LEAD_STATUS_CONVERTING
    finally:
        bed.start_again("deals.worker")
    converted = bed.wait_for(
        lambda: conversion_state(platform, sue, lead_id),
        90,
        "the conversion did not complete once deals was back",
    )
    # Every attempt carried the same conversion id: deals created one deal, not one per attempt.
    account_deals = sue(
        stubs.deals.ListDeals,
        deals_pb2.ListDealsRequest(account_id=converted.conversion.account_id),
    ).deals
    assert [d.id for d in account_deals] == [converted.conversion.opportunity_id]


def test_a_leads_call_and_meeting_move_to_the_contact_and_the_opportunity(platform):
    """Interactions logged on a lead by its team reach deals with the conversion: on the
    contact's and the opportunity's timelines, with their authors and times."""
    from google.protobuf.timestamp_pb2 import Timestamp

    from crm.deals.v1 import activities_pb2, activities_pb2_grpc, resources_pb2
    from crm.leads.v1 import interactions_pb2 as ia
    from crm.leads.v1 import interactions_pb2_grpc

    stubs, people, bed, admin = (
        platform["stubs"],
        platform["people"],
        platform["bed"],
        platform["admin"],
    )
    interactions = interactions_pb2_grpc.LeadInteractionServiceStub(bed.channel("leads"))
    timeline = activities_pb2_grpc.ActivityServiceStub(bed.channel("deals"))
    lead_id = admin(stubs.leads.CreateLead, web_form_lead(platform["line"].id)).lead.id
    ann, bob, sue = people["ann"], people["bob"], people["sue"]
    bed.wait_for(lambda: visible_lead(stubs, sue, lead_id), 60, "lead not routed")
    called_at, met_at = Timestamp(seconds=1_770_000_000), Timestamp(seconds=1_770_090_000)
    call = ann(
        interactions.LogLeadInteraction,
        ia.LogLeadInteractionRequest(
            lead_id=lead_id,
            kind=ia.INTERACTION_KIND_CALL,
            subject="Discovery call",
            direction="outbound",
            outcome="connected",
            duration_minutes=20,
            occurred_at=called_at,
        ),
    )
    bob(
        interactions.LogLeadInteraction,
        ia.LogLeadInteractionRequest(
            lead_id=lead_id,
            kind=ia.INTERACTION_KIND_MEETING,
            subject="Demo on site",
            duration_minutes=60,
            occurred_at=met_at,
        ),
    )
    listed = sue(interactions.ListLeadInteractions, ia.ListLeadInteractionsRequest(lead_id=lead_id))
    assert [i.subject for i in listed.interactions] == ["Demo on site", "Discovery call"]
    assert call.is_contact and call.logged_by == ann.user_id
    assert (
        people["cid"].code(
            interactions.ListLeadInteractions, ia.ListLeadInteractionsRequest(lead_id=lead_id)
        )
        == grpc.StatusCode.NOT_FOUND
    )

    sue(stubs.leads.ConvertLead, ls.ConvertLeadRequest(lead_id=lead_id))
    links = bed.wait_for(
        lambda: conversion_state(platform, sue, lead_id), 60, "deals never confirmed the conversion"
    ).conversion
    expected = [
        ("meeting", "Demo on site", bob.user_id, met_at.seconds, "", 60),
        ("call", "Discovery call", ann.user_id, called_at.seconds, "connected", 20),
    ]
    for record_type, record_id in (
        ("contact", links.contact_id),
        ("opportunity", links.opportunity_id),
    ):
        page = sue(
            timeline.ListTimeline,
            activities_pb2.ListTimelineRequest(
                target=resources_pb2.RecordRef(type=record_type, id=record_id)
            ),
        )
        assert [
            (
                resources_pb2.ActivityKind.Name(a.kind).removeprefix("ACTIVITY_KIND_").lower(),
                a.subject,
                a.logged_by,
                a.occurred_at.seconds,
                a.outcome,
                a.duration_minutes,
            )
            for a in page.activities
        ] == expected, record_type


def test_a_leads_tasks_are_listed_for_owner_and_supervisor_then_move_to_deals_once(platform):
    """An open task on an unconverted lead is in its owner's and the supervisor's task list
    (leads' ListMyLeadTasks) and nobody else's; on conversion it moves to the opportunity and
    shows in deals' ListMyTasks instead: exactly once, a done task not at all."""
    import time

    from google.protobuf.timestamp_pb2 import Timestamp

    from crm.deals.v1 import tasks_pb2, tasks_pb2_grpc
    from crm.leads.v1 import interactions_pb2 as ia
    from crm.leads.v1 import interactions_pb2_grpc

    stubs, people, bed, admin = (
        platform["stubs"],
        platform["people"],
        platform["bed"],
        platform["admin"],
    )
    interactions = interactions_pb2_grpc.LeadInteractionServiceStub(bed.channel("leads"))
    deal_tasks = tasks_pb2_grpc.TaskServiceStub(bed.channel("deals"))
    lead_id = admin(stubs.leads.CreateLead, web_form_lead(platform["line"].id)).lead.id
    ann, bob, sue, cid = people["ann"], people["bob"], people["sue"], people["cid"]
    bed.wait_for(lambda: visible_lead(stubs, sue, lead_id), 60, "lead not routed")
    due = Timestamp(seconds=int(time.time()) + 3600)
    for subject in ("Send the offer", "Book a demo"):
        task = bob(
            interactions.LogLeadInteraction,
            ia.LogLeadInteractionRequest(
                lead_id=lead_id,
                kind=ia.INTERACTION_KIND_TASK,
                subject=subject,
                due_at=due,
                owner_user_id=ann.user_id,
            ),
        )
    ann(interactions.CompleteLeadTask, ia.CompleteLeadTaskRequest(id=task.id))  # Book a demo

    def on_lead(person, **request):
        page = person(interactions.ListMyLeadTasks, ia.ListMyLeadTasksRequest(**request))
        return [(d.task.subject, d.bucket) for d in page.tasks if d.task.lead_id == lead_id]

    assert [s for s, _ in on_lead(ann, bucket="all")] == ["Send the offer"]
    team = platform["berlin"].id
    assert [s for s, _ in on_lead(sue, team_id=team, bucket="all")] == ["Send the offer"]
    assert on_lead(bob, bucket="all") == []  # not bob's task
    assert (
        cid.code(interactions.ListMyLeadTasks, ia.ListMyLeadTasksRequest(team_id=team))
        == grpc.StatusCode.NOT_FOUND
    )

    sue(stubs.leads.ConvertLead, ls.ConvertLeadRequest(lead_id=lead_id))
    links = bed.wait_for(
        lambda: conversion_state(platform, sue, lead_id), 60, "deals never confirmed the conversion"
    ).conversion
    assert on_lead(ann, bucket="all") == []
    mine = ann(deal_tasks.ListMyTasks, tasks_pb2.ListMyTasksRequest(bucket="all"))
    moved = [d.task for d in mine.tasks if d.task.target.id == links.opportunity_id]
    assert [(t.subject, t.owner_user_id) for t in moved] == [("Send the offer", ann.user_id)]


def test_a_lead_tasks_reminder_reaches_its_owner_once(platform):
    """leads' timer finds a task on a lead due within the lead time; deals tells the owner in
    the app. A second task reminded later shows the timer has run again: the first one is
    still there once."""
    import time

    from google.protobuf.timestamp_pb2 import Timestamp

    from crm.deals.v1 import notifications_pb2, notifications_pb2_grpc
    from crm.leads.v1 import interactions_pb2 as ia
    from crm.leads.v1 import interactions_pb2_grpc

    stubs, people, bed, admin = (
        platform["stubs"],
        platform["people"],
        platform["bed"],
        platform["admin"],
    )
    interactions = interactions_pb2_grpc.LeadInteractionServiceStub(bed.channel("leads"))
    inbox = notifications_pb2_grpc.NotificationServiceStub(bed.channel("deals"))
    lead_id = admin(stubs.leads.CreateLead, web_form_lead(platform["line"].id)).lead.id
    ann, bob = people["ann"], people["bob"]
    bed.wait_for(lambda: visible_lead(stubs, bob, lead_id), 60, "lead not routed")

    def reminded(subject):
        page = ann(inbox.ListNotifications, notifications_pb2.ListNotificationsRequest())
        return [
            n
            for n in page.notifications
            if n.record_id == lead_id and n.title.endswith(subject) and n.kind == "reminder"
        ]

    for subject in ("Prepare the call", "Send the brochure"):
        bob(
            interactions.LogLeadInteraction,
            ia.LogLeadInteractionRequest(
                lead_id=lead_id,
                kind=ia.INTERACTION_KIND_TASK,
                subject=subject,
                due_at=Timestamp(seconds=int(time.time()) + 600),
                owner_user_id=ann.user_id,
            ),
        )
        (notification,) = bed.wait_for(
            lambda subject=subject: reminded(subject), 60, f"no reminder of {subject!r}"
        )
        assert notification.record_type == "lead"
    assert len(reminded("Prepare the call")) == 1
