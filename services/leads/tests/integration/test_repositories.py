"""The SQL repositories through the use cases, on PostgreSQL: what is written reads back equal,
history is append-only and merged, the identity map writes changes on commit only, campaigns,
scoring models (optimistic), predictive counts (incremental) and the conversion saga queries."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from crm_chassis.caller import Caller
from crm_chassis.errors import AlreadyExists, FailedPrecondition
from crm_leads.adapters import orm
from crm_leads.domain.assignment import RoutingDecision
from crm_leads.domain.conversion import ConversionState
from crm_leads.domain.lead import LeadStatus
from crm_leads.entrypoints.worker import CONVERSION_SAGA, HANDOVER, RESCORING, ROUTING, WORKER
from crm_leads.service_layer import (
    activities,
    assignment,
    campaigns,
    conversion,
    history,
    lifecycle,
    scoring,
)
from crm_leads.service_layer import leads as lead_cases

pytestmark = pytest.mark.integration


@pytest.fixture
def team(grant_scopes, h):
    """A fresh team with an expert (returned as a Caller) and a second member."""
    team_id = h.unique("team")
    expert, mate = h.unique("ann"), h.unique("bob")
    grant_scopes(expert, {team_id: "expert"})
    grant_scopes(mate, {team_id: "expert"})
    return team_id, Caller(expert, departments=frozenset({"sales"})), mate


def routed(h, deps, team_id, owner, line="line-int", **values):
    lead = h.capture(deps, **values).lead if values else h.capture(deps).lead
    assert assignment.apply_routing(
        deps,
        ROUTING,
        RoutingDecision(
            h.unique("decision"),
            lead.id,
            dt.datetime.now(dt.UTC),
            line,
            team_id,
            owner,
            "matched rule 'DACH'",
        ),
    )
    return lead


def test_a_lead_with_every_field_reads_back_equal(h, deps, team):
    team_id, ann, _ = team
    values = h.person_values(
        **{
            "person.title": "VP Sales",
            "person.phone": "+49 30 1234567",
            "company.industry": "Software",
            "company.size": "250",
            "company.annual_revenue": "1250000.50 EUR",
            "company.website": "acme.example/de",
            "location.country": "Germany",
            "location.region": "Berlin",
            "location.city": "Berlin",
            "location.postal_code": "10115",
            "product_interest": "crm, analytics",
            "consent.email_marketing": "yes",
            "custom_attributes.tier": "gold",
        }
    )
    lead = routed(h, deps, team_id, ann.subject_id, **values)
    read = lead_cases.get_lead(deps, ann, lead.id)
    assert read.data == lead_cases.get_lead(deps, ann, lead.id).data
    assert read.data.company.annual_revenue.amount == Decimal("1250000.50")
    assert str(read.data.company.annual_revenue.amount) == "1250000.50"
    assert read.data.location.country == "DE" and read.data.person.phone == "+49301234567"
    assert read.data.custom_attributes == {"tier": "gold"}
    assert read.assignment.team_id == team_id and read.assignment.owner_user_id == ann.subject_id
    assert read.assignment.explanation == "matched rule 'DACH'"
    assert read.score is not None and read.score.grade is not None
    assert read.version == lead.version + 1  # routing is one more change


def test_history_is_append_only_and_a_merge_keeps_both_histories(h, deps, team, engine):
    team_id, ann, _ = team
    survivor = routed(h, deps, team_id, ann.subject_id)
    duplicate = routed(
        h, deps, team_id, ann.subject_id, **h.person_values(**{"person.title": "CTO"})
    )
    lifecycle.start_working(deps, ann, survivor.id, "called")
    merged = lead_cases.merge_leads(deps, ann, survivor.id, duplicate.id)
    assert merged.data.person.title == "CTO"
    assert lead_cases.get_lead(deps, ann, duplicate.id).status is LeadStatus.MERGED
    page = history.lead_history(deps, ann, survivor.id, page_size=100)
    actions = [(entry.lead_id, entry.action) for entry in page.items]
    assert (duplicate.id, "created") in actions and (survivor.id, "created") in actions
    assert (survivor.id, "status_changed") in actions and (duplicate.id, "merged_into") in actions
    times = [entry.occurred_at for entry in page.items]
    assert times == sorted(times)
    with engine.connect() as connection:
        versions = (
            connection.execute(
                select(orm.lead_history.c.version)
                .where(orm.lead_history.c.lead_id == survivor.id)
                .order_by("version")
            )
            .scalars()
            .all()
        )
    # Increasing, never rewritten; score changes take versions without history entries.
    assert versions == sorted(set(versions)) and versions[0] == 1


def test_changes_reach_the_database_only_on_commit(h, deps, team):
    team_id, ann, _ = team
    lead = routed(h, deps, team_id, ann.subject_id)
    with deps.uow() as uow:
        loaded = uow.leads.get(lead.id)
        assert uow.leads.get(lead.id) is loaded  # one object per lead in a unit of work
        loaded.start_working(ann.actor, dt.datetime.now(dt.UTC))
        # not committed: rolled back on leaving the block
    assert lead_cases.get_lead(deps, ann, lead.id).status is LeadStatus.NEW


def test_duplicate_keys_are_unique_among_open_leads_only(h, deps, engine):
    values = h.person_values()
    first = h.capture(deps, **values).lead
    with pytest.raises(AlreadyExists):
        h.capture(deps, **{**values, "person.last_name": "Other"})
    with engine.begin() as connection:  # a converted lead no longer takes part
        connection.execute(
            orm.leads.update().where(orm.leads.c.id == first.id).values(status="converted")
        )
    second = h.capture(deps, **values).lead
    assert second.id != first.id


def test_activities_are_idempotent_and_move_with_a_merge(h, deps, team):
    team_id, ann, _ = team
    lead = routed(h, deps, team_id, ann.subject_id)
    other = routed(h, deps, team_id, ann.subject_id)
    activity_id = h.unique("act")
    for _ in range(2):
        activities.record_activity(
            deps,
            ann,
            lead_id=other.id,
            activity_id=activity_id,
            kind="demo_requested",
            details={"page": "/demo"},
        )
    lead_cases.merge_leads(deps, ann, lead.id, other.id)
    page = activities.list_activities(deps, ann, lead.id)
    assert [(a.id, a.lead_id, a.details) for a in page.items] == [
        (activity_id, lead.id, {"page": "/demo"})
    ]


def test_campaigns_are_unique_by_name_and_listed_by_name(h, deps):
    name = h.unique("Spring Fair")
    created = campaigns.create_campaign(
        deps,
        h.MARKETING,
        {"name": name, "channel": "event", "starts_on": "2026-04-01", "cost": "15000.50 EUR"},
    )
    assert campaigns.get_campaign(deps, h.MARKETING, created.id) == created
    with pytest.raises(AlreadyExists):
        campaigns.create_campaign(
            deps,
            h.MARKETING,
            {"name": name.upper(), "channel": "event", "starts_on": "2026-04-01", "cost": "1 EUR"},
        )
    with deps.uow() as uow:
        assert uow.campaigns.get_by_name(name.upper()) == created
        names = [c.name for c in uow.campaigns.list("", 500)]
    assert name in names and names == sorted(names, key=str.lower)


RULES = dict(
    fit_rules=[
        {"id": "de", "attribute": "country", "operator": "equals", "values": ["DE"], "points": 30}
    ],
    engagement_rules=[
        {"kind": "demo_requested", "points": 40, "half_life_days": "7", "max_points": 60}
    ],
)


def test_scoring_models_round_trip_and_refuse_a_lost_update(h, deps):
    line = h.unique("line")
    model, _ = scoring.update_scoring_model(deps, h.MARKETING, line, **RULES)
    assert scoring.get_scoring_model(deps, h.MARKETING, line)[0] == model
    assert line in scoring.lines_with_models(deps, WORKER)
    with deps.uow() as uow:  # a save that did not start from the stored version
        stale = uow.scoring_models.get(line)
        with pytest.raises(FailedPrecondition, match="changed meanwhile"):
            uow.scoring_models.save(stale)


def test_predictive_counts_add_up_across_concurrent_units_of_work(h, deps):
    line = h.unique("line")
    first, second = deps.uow(), deps.uow()
    with first, second:
        a, b = first.predictive.get(line), second.predictive.get(line)
        a.learn({"country": "DE"}, True)
        b.learn({"country": "DE"}, False)
        first.predictive.save(a)
        first.commit()
        second.predictive.save(b)
        second.commit()
    with deps.uow() as uow:
        model = uow.predictive.get(line)
    assert (model.won, model.lost, model.counts) == (1, 1, {"country=DE": [1, 1]})


def test_conversion_saga_rows_found_by_id_and_when_due(h, deps, team, engine):
    team_id, ann, _ = team
    lead = routed(h, deps, team_id, ann.subject_id)
    converting = conversion.convert_lead(deps, ann, lead.id)
    conversion_id = converting.conversion.conversion_id
    with deps.uow() as uow:
        assert uow.leads.by_conversion(conversion_id).id == lead.id
        later = dt.datetime.now(dt.UTC) + dt.timedelta(minutes=3)
        assert lead.id in [due.id for due in uow.leads.due_conversions(later, 1000)]
        assert lead.id not in [
            due.id for due in uow.leads.due_conversions(dt.datetime.now(dt.UTC), 1000)
        ]
    assert conversion.conversion_completed(
        deps,
        CONVERSION_SAGA,
        conversion_id,
        account_id="acc",
        contact_id="con",
        opportunity_id="opp",
    )
    read = lead_cases.get_lead(deps, ann, lead.id)
    assert read.status is LeadStatus.CONVERTED
    assert read.conversion.state is ConversionState.CONVERTED
    assert read.conversion.opportunity_id == "opp"
    with engine.connect() as connection:
        state = connection.execute(
            select(orm.leads.c.conversion_state).where(orm.leads.c.id == lead.id)
        ).scalar_one()
    assert state == "converted"


def test_rescoring_walks_a_line_in_id_order(h, deps, team, engine):
    team_id, ann, _ = team
    line = h.unique("line")
    ids = sorted(
        routed(h, deps, team_id, ann.subject_id, line, **h.person_values(sales_line_id=line)).id
        for _ in range(5)
    )
    with deps.uow() as uow:
        assert uow.leads.ids_after(line, "", 3) == ids[:3]
        assert uow.leads.ids_after(line, ids[2], 3) == ids[3:]
    scoring.update_scoring_model(deps, h.MARKETING, line, **RULES)
    cursor, batches = "", 0
    while True:
        _, cursor = scoring.rescore_batch(deps, RESCORING, line, cursor, limit=2)
        batches += 1
        if not cursor:
            break
    assert batches == 3
    with engine.connect() as connection:
        assert (
            connection.execute(
                select(func.count()).select_from(orm.leads).where(orm.leads.c.sales_line_id == line)
            ).scalar_one()
            == 5
        )


def test_handover_gives_open_leads_to_remaining_members(h, deps, team, handover):
    team_id, ann, bob = team
    mine = [routed(h, deps, team_id, ann.subject_id).id for _ in range(3)]
    result = assignment.hand_over_leads(deps, HANDOVER, team_id, ann.subject_id)
    assert set(result) == set(mine) and set(result.values()) == {bob}
    assert assignment.hand_over_leads(deps, HANDOVER, team_id, ann.subject_id) == {}


def test_lead_tasks_by_due_time_for_the_person_and_the_supervisor_on_postgres(
    h, deps, team, grant_scopes
):
    """ListMyLeadTasks' query: open tasks on open leads of the scope's teams, by due time; a
    done task and a converted lead's tasks drop out; a supervisor sees the team's."""
    from crm_leads.service_layer import interactions

    team_id, ann, mate = team
    sue = Caller(h.unique("sue"), departments=frozenset({"sales"}))
    grant_scopes(sue.subject_id, {team_id: "supervisor"})
    now = dt.datetime.now(dt.UTC)
    lead = routed(h, deps, team_id, ann.subject_id)
    gone = routed(h, deps, team_id, ann.subject_id)

    def task(on, hours, subject, owner=""):
        return interactions.log_lead_interaction(
            deps,
            ann,
            lead_id=on.id,
            kind="task",
            subject=subject,
            due_at=now + dt.timedelta(hours=hours),
            owner_user_id=owner,
        )

    task(lead, 30, "later on")
    task(lead, -2, "overdue")
    task(lead, 1, "mate's", owner=mate)
    done = task(lead, 2, "done")
    interactions.complete_lead_task(deps, ann, done.id)
    task(gone, 3, "converted")
    conversion.convert_lead(deps, ann, gone.id)

    mine = interactions.list_my_lead_tasks(deps, ann, bucket="all")
    assert [d.task.subject for d in mine.items] == ["overdue", "later on"]
    assert mine.items[0].bucket == "overdue" and mine.items[0].lead_name
    team_view = interactions.list_my_lead_tasks(deps, sue, team_id=team_id, bucket="all")
    assert [d.task.subject for d in team_view.items] == ["overdue", "mate's", "later on"]


def test_a_lead_task_is_reminded_once_on_postgres(h, deps, team):
    """The reminder query and mark on PostgreSQL: a task due within the lead time is reminded
    once (a second run finds it marked); a task due later is not."""
    from crm_leads.service_layer import interactions

    team_id, ann, _ = team
    lead = routed(h, deps, team_id, ann.subject_id)
    now = dt.datetime.now(dt.UTC)
    for minutes, subject in ((10, "soon"), (600, "later")):
        interactions.log_lead_interaction(
            deps,
            ann,
            lead_id=lead.id,
            kind="task",
            subject=subject,
            due_at=now + dt.timedelta(minutes=minutes),
        )
    lead_time = dt.timedelta(minutes=30)
    assert interactions.send_lead_task_reminders(deps, WORKER, lead=lead_time) >= 1
    assert interactions.send_lead_task_reminders(deps, WORKER, lead=lead_time) == 0
    with deps.uow() as uow:
        tasks = {t.subject: t for t in uow.interactions.for_lead(lead.id)}
    assert tasks["soon"].reminded_for == tasks["soon"].due_at
    assert tasks["later"].reminded_for is None
