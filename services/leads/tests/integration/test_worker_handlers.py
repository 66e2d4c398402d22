"""The worker's handlers, called in-process as nameko would call them (each through the chassis
inbox wrapper), on PostgreSQL: routing applied once, the unassigned queue, handover on ENDED,
the conversion saga's answers and timeout, predictive outcomes, and the durable rescoring job.
The same worker in its own process, over RabbitMQ, is test_worker_process.py."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest
from sqlalchemy import select

from crm.deals.v1 import events_pb2 as deals_events
from crm.leads.v1 import events_pb2 as leads_events
from crm.territory.v1 import events_pb2 as territory_events
from crm_chassis.caller import Caller
from crm_chassis.db import make_session_factory
from crm_chassis.events import stamp
from crm_leads.adapters import orm, rescore_jobs
from crm_leads.domain.conversion import ConversionState
from crm_leads.domain.lead import LeadStatus
from crm_leads.domain.search import LeadFilter
from crm_leads.entrypoints import worker as worker_module
from crm_leads.service_layer import conversion, scoring, searching
from crm_leads.service_layer import leads as lead_cases

pytestmark = pytest.mark.integration
NOW = dt.datetime.now(dt.UTC)


def event(
    message, producer: str, event_type: str, aggregate_id: str, occurred_at: dt.datetime = NOW
):
    stamp(
        message,
        producer=producer,
        event_type=event_type,
        aggregate_type="x",
        aggregate_id=aggregate_id,
        aggregate_version=1,
        occurred_at=occurred_at,
    )
    return message


@pytest.fixture
def worker(deps):
    """The nameko service class with its dependencies injected, as the container would."""
    instance = object.__new__(worker_module.LeadsWorker)
    instance.deps = deps  # the handlers open their units of work from deps.uow
    return instance


@pytest.fixture
def team(grant_scopes, h):
    team_id, ann, bob = h.unique("team"), h.unique("ann"), h.unique("bob")
    grant_scopes(ann, {team_id: "expert"})
    grant_scopes(bob, {team_id: "expert"})
    return team_id, Caller(ann, departments=frozenset({"sales"})), bob


def lead_routed(lead_id, team_id, owner, occurred_at=NOW, line="line-int"):
    return event(
        territory_events.LeadRouted(
            lead_id=lead_id,
            sales_line_id=line,
            team_id=team_id,
            owner_user_id=owner,
            explanation={"summary": f"rule matched: {team_id}"},
        ),
        "territory",
        "lead_routed",
        lead_id,
        occurred_at,
    )


def history_actions(engine, lead_id):
    with engine.connect() as connection:
        return (
            connection.execute(
                select(orm.lead_history.c.action)
                .where(orm.lead_history.c.lead_id == lead_id)
                .order_by(orm.lead_history.c.version)
            )
            .scalars()
            .all()
        )


def actors_of(engine, lead_id, action):
    """The actor ids of the lead's history entries of ``action``."""
    with engine.connect() as connection:
        return set(
            connection.execute(
                select(orm.lead_history.c.actor_id).where(
                    orm.lead_history.c.lead_id == lead_id, orm.lead_history.c.action == action
                )
            ).scalars()
        )


def routed_lead(h, deps, worker, team):
    team_id, ann, _ = team
    lead = h.capture(deps).lead
    assert worker.on_lead_routed([lead_routed(lead.id, team_id, ann.subject_id)]) == [None]
    return lead


def test_lead_routed_is_applied_once_and_an_older_decision_is_ignored(
    h, deps, worker, team, engine
):
    team_id, ann, bob = team
    lead = h.capture(deps).lead
    decision = lead_routed(lead.id, team_id, ann.subject_id)
    assert worker.on_lead_routed([decision]) == [None]
    assert worker.on_lead_routed([decision]) == [None]  # redelivery: skipped by the inbox
    older = lead_routed(lead.id, team_id, bob, occurred_at=NOW - dt.timedelta(minutes=5))
    worker.on_lead_routed([older])  # handled, but changes nothing
    read = lead_cases.get_lead(deps, ann, lead.id)
    assert (read.assignment.team_id, read.assignment.owner_user_id) == (team_id, ann.subject_id)
    assert read.assignment.explanation == f"rule matched: {team_id}"
    assert history_actions(engine, lead.id).count("assigned") == 1
    assert actors_of(engine, lead.id, "assigned") == {"territory-routing"}


def test_an_unroutable_lead_waits_in_the_queue_teams_unassigned_queue(
    h, deps, worker, grant_scopes
):
    queue_team, triager = h.unique("queue"), h.unique("tia")
    grant_scopes(triager, {queue_team: "expert"})
    lead = h.capture(deps).lead
    worker.on_lead_unroutable(
        event(
            territory_events.LeadUnroutable(
                lead_id=lead.id,
                queue_team_id=queue_team,
                explanation={"summary": "no rule matched"},
            ),
            "territory",
            "lead_unroutable",
            lead.id,
        )
    )
    tia = Caller(triager, departments=frozenset({"sales"}))
    page = searching.search_leads(deps, tia, LeadFilter(unassigned_only=True))
    assert [found.id for found in page.items] == [lead.id]
    assert page.items[0].assignment.queue_team_id == queue_team


def test_membership_ended_hands_the_leavers_open_leads_over(
    h, deps, worker, team, handover, engine
):
    team_id, ann, bob = team
    lead = routed_lead(h, deps, worker, team)
    membership = {"team_id": team_id, "user_id": ann.subject_id}
    started = event(
        territory_events.MembershipChanged(
            membership=membership, change=territory_events.CHANGE_KIND_STARTED
        ),
        "territory",
        "membership_changed",
        team_id,
    )
    worker.on_membership_changed(started)
    assert lead_cases.get_lead(deps, ann, lead.id).assignment.owner_user_id == ann.subject_id
    ended = event(
        territory_events.MembershipChanged(
            membership=membership, change=territory_events.CHANGE_KIND_ENDED
        ),
        "territory",
        "membership_changed",
        team_id,
    )
    worker.on_membership_changed(ended)
    read = lead_cases.get_lead(deps, Caller(bob, departments=frozenset({"sales"})), lead.id)
    assert read.assignment.owner_user_id == bob
    assert read.assignment.method.value == "handover"
    assert actors_of(engine, lead.id, "assigned") == {"territory-routing", "team-handover"}


def test_conversion_answers_from_deals_move_the_saga(h, deps, worker, team, engine):
    _, ann, _ = team
    answers = []
    for _ in range(3):
        lead = routed_lead(h, deps, worker, team)
        answers.append(conversion.convert_lead(deps, ann, lead.id).conversion.conversion_id)
    done, retrying, refused = answers
    worker.on_lead_conversion_completed(
        event(
            deals_events.LeadConversionCompleted(
                conversion_id=done, account_id="acc-1", contact_id="con-1", opportunity_id="opp-1"
            ),
            "deals",
            "lead_conversion_completed",
            done,
        )
    )
    worker.on_lead_conversion_rejected(
        event(
            deals_events.LeadConversionRejected(
                conversion_id=retrying, reason="the line has no pipeline yet", retryable=True
            ),
            "deals",
            "lead_conversion_rejected",
            retrying,
        )
    )
    worker.on_lead_conversion_rejected(
        event(
            deals_events.LeadConversionRejected(
                conversion_id=refused, reason="account is blocked", retryable=False
            ),
            "deals",
            "lead_conversion_rejected",
            refused,
        )
    )
    with deps.uow() as uow:
        leads = {cid: uow.leads.by_conversion(cid) for cid in answers}
    assert leads[done].status is LeadStatus.CONVERTED
    assert leads[done].conversion.opportunity_id == "opp-1"
    assert leads[retrying].conversion.state is ConversionState.FAILED_RETRYING
    assert leads[retrying].conversion.last_error == "the line has no pipeline yet"
    assert leads[retrying].conversion.next_attempt_at is not None
    assert leads[refused].conversion.state is ConversionState.FAILED
    assert leads[refused].status is LeadStatus.QUALIFIED
    assert actors_of(engine, leads[done].id, "conversion_completed") == {"conversion-saga"}
    assert actors_of(engine, leads[refused].id, "conversion_failed") == {"conversion-saga"}


class LaterClock:
    def __init__(self, offset: dt.timedelta):
        self.offset = offset

    def now(self):
        return dt.datetime.now(dt.UTC) + self.offset


def test_an_unanswered_conversion_times_out_visibly_and_a_late_answer_completes_it(
    h, deps, worker, team
):
    _, ann, _ = team
    lead = routed_lead(h, deps, worker, team)
    conversion_id = conversion.convert_lead(deps, ann, lead.id).conversion.conversion_id
    later = dataclasses.replace(deps, clock=LaterClock(dt.timedelta(minutes=3)))
    assert worker_module.send_due_conversions(later, 1000) >= 1
    with deps.uow() as uow:
        waiting = uow.leads.by_conversion(conversion_id)
    assert waiting.conversion.state is ConversionState.FAILED_RETRYING
    assert "did not answer" in waiting.conversion.last_error
    assert waiting.status is LeadStatus.CONVERTING and waiting.conversion.attempts == 1
    worker.on_lead_conversion_completed(
        event(
            deals_events.LeadConversionCompleted(
                conversion_id=conversion_id, account_id="a", contact_id="c", opportunity_id="o"
            ),
            "deals",
            "lead_conversion_completed",
            conversion_id,
        )
    )
    assert lead_cases.get_lead(deps, ann, lead.id).status is LeadStatus.CONVERTED


def test_deal_outcomes_teach_and_unteach_the_predictive_model(h, deps, worker, team, engine):
    team_id, ann, _ = team
    line = h.unique("line")
    lead = h.capture(deps, **h.person_values(sales_line_id=line)).lead
    worker.on_lead_routed([lead_routed(lead.id, team_id, ann.subject_id, line=line)])
    deal = {"id": h.unique("deal"), "originating_lead_id": lead.id}
    worker.on_deal_won(event(deals_events.DealWon(deal=deal), "deals", "deal_won", deal["id"]))
    with deps.uow() as uow:
        assert (uow.predictive.get(line).won, uow.predictive.get(line).lost) == (1, 0)
    worker.on_deal_reopened(
        event(deals_events.DealReopened(deal=deal), "deals", "deal_reopened", deal["id"])
    )
    worker.on_deal_lost(event(deals_events.DealLost(deal=deal), "deals", "deal_lost", deal["id"]))
    with deps.uow() as uow:
        model = uow.predictive.get(line)
    assert (model.won, model.lost) == (0, 1)
    worker.on_deal_won(
        event(deals_events.DealWon(deal={"id": "no-lead"}), "deals", "deal_won", "no-lead")
    )  # a deal not from a lead teaches nothing


def test_a_model_change_becomes_a_resumable_rescoring_job(h, deps, worker, team, engine):
    team_id, ann, _ = team
    line = h.unique("line")
    for _ in range(5):
        lead = h.capture(deps, **h.person_values(sales_line_id=line)).lead
        worker.on_lead_routed([lead_routed(lead.id, team_id, ann.subject_id, line=line)])
    model, _ = scoring.update_scoring_model(
        deps,
        h.MARKETING,
        line,
        fit_rules=[
            {"id": "all", "attribute": "industry", "operator": "is_set", "values": [], "points": 40}
        ],
        engagement_rules=[],
    )
    changed = event(
        leads_events.ScoringModelChanged(model={"sales_line_id": line}),
        "leads",
        "scoring_model_changed",
        line,
    )
    worker.on_scoring_model_changed(changed)
    job_store = rescore_jobs.RescoreJobs(make_session_factory(engine))
    assert line in [job.sales_line_id for job in job_store.pending()]
    worker_module.run_rescore_jobs(deps, job_store, batch=2)
    assert line not in [job.sales_line_id for job in job_store.pending()]
    with engine.connect() as connection:
        documents = (
            connection.execute(
                select(orm.leads.c.score_document).where(orm.leads.c.sales_line_id == line)
            )
            .scalars()
            .all()
        )
    assert len(documents) == 5
    assert all(doc["model_version"] == model.version for doc in documents)


def test_a_batch_of_decisions_is_applied_in_one_transaction_each_once(
    h, deps, worker, team, engine
):
    team_id, ann, bob = team
    leads = [h.capture(deps).lead for _ in range(3)]
    batch = [
        lead_routed(lead.id, team_id, owner)
        for lead, owner in zip(leads, (ann.subject_id, bob, ann.subject_id), strict=True)
    ]
    assert worker.on_lead_routed(batch + batch[:1]) == [None] * 4  # one twice: applied once
    owners = [lead_cases.get_lead(deps, ann, lead.id).assignment.owner_user_id for lead in leads]
    assert owners == [ann.subject_id, bob, ann.subject_id]
    assert [history_actions(engine, lead.id).count("assigned") for lead in leads] == [1, 1, 1]


def test_a_failing_decision_in_a_batch_is_not_marked_handled(h, deps, worker, team, engine):
    # A use case inside a batch must not commit the batch's inbox rows with its own change: the
    # failing event would then count as handled and never be retried.
    team_id, ann, _ = team
    lead = h.capture(deps).lead
    good = lead_routed(lead.id, team_id, ann.subject_id)
    bad = lead_routed("", team_id, ann.subject_id)  # refused: no lead id
    outcomes = worker.on_lead_routed([good, bad])
    assert outcomes[0] is None and outcomes[1] is not None
    assert lead_cases.get_lead(deps, ann, lead.id).assignment.owner_user_id == ann.subject_id
    inbox = crm_inbox_ids(engine)
    assert good.meta.event_id in inbox and bad.meta.event_id not in inbox


def crm_inbox_ids(engine) -> set[str]:
    from sqlalchemy import MetaData

    from crm_chassis.outbox.tables import inbox_table

    inbox = inbox_table(MetaData())
    with engine.connect() as connection:
        return set(connection.execute(select(inbox.c.event_id)).scalars())
