"""Sales interactions on leads: domain rules, visibility as for the lead, the event, the timeline,
and the interactions a conversion request carries to deals."""

import datetime as dt

import pytest

from crm.leads.v1 import interactions_pb2
from crm_chassis.errors import FailedPrecondition, InvalidArgument, NotFound, PermissionDenied
from crm_leads.domain.interactions import log_interaction
from crm_leads.service_layer import conversion, leads
from crm_leads.service_layer.interactions import (
    complete_lead_task,
    list_lead_interactions,
    log_lead_interaction,
)

NOW = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)


def _domain(**overrides):
    values = dict(
        id="i1",
        lead_id="l1",
        team_id="t",
        kind="call",
        subject="Intro",
        logged_by="ann",
        owner_user_id="ann",
        now=NOW,
    )
    values.update(overrides)
    return log_interaction(**values)


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"kind": "fax"}, "kind"),
        ({"kind": "note", "direction": "inbound"}, "direction"),
        ({"kind": "email", "outcome": "connected"}, "outcome"),
        ({"outcome": "maybe"}, "outcome"),
        ({"kind": "email", "duration_minutes": 5}, "duration_minutes"),
        ({"duration_minutes": 1441}, "duration_minutes"),
        ({"kind": "task"}, "due_at"),
        ({"kind": "note", "due_at": NOW}, "due_at"),
        ({"occurred_at": NOW + dt.timedelta(hours=1)}, "occurred_at"),
        ({"subject": "  "}, "subject"),
        ({"subject": "a\x00b"}, "subject"),
        ({"body": "line\nline\x07"}, "body"),
    ],
)
def test_domain_refuses_what_does_not_fit_the_kind(overrides, field):
    with pytest.raises(InvalidArgument) as error:
        _domain(**overrides)
    assert error.value.field == field


def test_only_conversations_count_as_contact():
    assert _domain(outcome="connected").is_contact
    assert _domain().is_contact  # a call without an outcome given
    assert not _domain(outcome="no_answer").is_contact
    assert _domain(kind="meeting", duration_minutes=30).is_contact
    assert not _domain(kind="note").is_contact
    assert not _domain(kind="task", due_at=NOW).is_contact


def test_a_task_is_done_once_and_only_tasks_are_done():
    task = _domain(kind="task", due_at=NOW + dt.timedelta(days=1))
    task.complete(NOW)
    assert task.done_at == NOW
    with pytest.raises(FailedPrecondition):
        task.complete(NOW)
    with pytest.raises(FailedPrecondition):
        _domain().complete(NOW)


def test_a_teammate_logs_a_call_for_the_owner_and_it_is_published(world):
    lead = world.lead_in()
    call = log_lead_interaction(
        world.deps,
        world.bob,
        lead_id=lead.id,
        kind="call",
        subject="Discovery",
        direction="outbound",
        outcome="connected",
        duration_minutes=12,
        owner_user_id="ann",
    )
    assert (call.logged_by, call.owner_user_id, call.team_id) == ("bob", "ann", "team-a")
    (event,) = world.events_of("lead_interaction_logged")
    assert event.interaction.id == call.id and event.interaction.is_contact
    assert event.interaction.kind == interactions_pb2.INTERACTION_KIND_CALL
    assert event.sales_line_id == world.line
    assert event.meta.aggregate_id == lead.id


def test_the_timeline_is_newest_first_and_visible_as_the_lead_is(world):
    lead = world.lead_in()
    for hours, subject in ((3, "first"), (1, "last"), (2, "middle")):
        log_lead_interaction(
            world.deps,
            world.ann,
            lead_id=lead.id,
            kind="note",
            subject=subject,
            occurred_at=NOW - dt.timedelta(hours=hours),
        )
    page = list_lead_interactions(world.deps, world.meg, lead.id)  # manager above the team
    assert [i.subject for i in page.items] == ["last", "middle", "first"]
    for outsider in (world.ben, world.ada):  # another team; an administrator who is no member
        with pytest.raises(NotFound) as error:
            list_lead_interactions(world.deps, outsider, lead.id)
        assert error.value.message == f"lead {lead.id} not found"  # as for an unknown id


def test_an_outsider_cannot_log_and_an_owner_must_be_a_member(world):
    lead = world.lead_in()
    with pytest.raises(NotFound):
        log_lead_interaction(world.deps, world.ben, lead_id=lead.id, kind="note", subject="x")
    with pytest.raises(InvalidArgument) as error:
        log_lead_interaction(
            world.deps, world.ann, lead_id=lead.id, kind="note", subject="x", owner_user_id="ben"
        )
    assert error.value.field == "owner_user_id"
    assert not world.store.interactions


def test_a_queued_lead_takes_no_interaction(world):
    lead = world.capture().lead  # not routed yet: in nobody's team
    with pytest.raises((NotFound, PermissionDenied)):
        log_lead_interaction(world.deps, world.tia, lead_id=lead.id, kind="note", subject="x")


def test_tasks_are_completed_by_the_team_and_hidden_from_others(world):
    lead = world.lead_in()
    task = log_lead_interaction(
        world.deps,
        world.ann,
        lead_id=lead.id,
        kind="task",
        subject="Send pricing",
        due_at=NOW + dt.timedelta(days=1),
    )
    with pytest.raises(NotFound):
        complete_lead_task(world.deps, world.ben, task.id)
    done = complete_lead_task(world.deps, world.bob, task.id)
    assert done.done_at == world.clock.now()
    assert world.store.interactions[task.id].done_at == done.done_at


def test_a_conversion_request_carries_the_interactions_oldest_first(world):
    lead = world.lead_in()
    for hours, kind, extra in (
        (1, "meeting", {"duration_minutes": 45}),
        (5, "call", {"outcome": "connected", "direction": "inbound"}),
    ):
        log_lead_interaction(
            world.deps,
            world.bob,
            lead_id=lead.id,
            kind=kind,
            subject=kind,
            occurred_at=NOW - dt.timedelta(hours=hours),
            **extra,
        )
    conversion.convert_lead(world.deps, world.ann, lead.id)
    (request,) = world.events_of("lead_conversion_requested")
    assert [(i.subject, i.logged_by) for i in request.interactions] == [
        ("call", "bob"),
        ("meeting", "bob"),
    ]
    assert request.interactions[0].occurred_at.ToDatetime(tzinfo=dt.UTC) == NOW - dt.timedelta(
        hours=5
    )
    with pytest.raises(FailedPrecondition):  # converting: read-only, the request stays complete
        log_lead_interaction(world.deps, world.ann, lead_id=lead.id, kind="note", subject="x")


def test_merging_moves_the_duplicates_interactions_to_the_survivor(world):
    survivor = world.lead_in()
    duplicate = world.lead_in(person__email="d@acme.example", company__name="Dup")
    log_lead_interaction(world.deps, world.ann, lead_id=duplicate.id, kind="note", subject="x")
    leads.merge_leads(world.deps, world.ann, survivor.id, duplicate.id)
    assert [
        i.subject for i in list_lead_interactions(world.deps, world.ann, survivor.id).items
    ] == ["x"]


INTERACTION_RULES = [
    {
        "kind": "call",
        "outcome": "connected",
        "points": 20,
        "half_life_days": "10",
        "max_points": 30,
    },
    {"kind": "call", "points": 2, "half_life_days": "10", "max_points": 4},
    {"kind": "meeting", "points": 25, "half_life_days": "30", "max_points": 50},
]


def _score_by_interactions(world):
    from crm_leads.service_layer import scoring

    scoring.update_scoring_model(
        world.deps,
        world.mia,
        world.line,
        fit_rules=[],
        engagement_rules=[],
        interaction_rules=INTERACTION_RULES,
    )


def _log(world, lead, kind="call", **kw):
    return log_lead_interaction(
        world.deps, world.ann, lead_id=lead.id, kind=kind, subject=kw.pop("subject", "x"), **kw
    )


def test_interactions_rescore_the_lead_by_rule_the_moment_they_are_logged(world):
    from crm_leads.service_layer import scoring

    _score_by_interactions(world)
    lead = world.lead_in()
    assert lead.score.value == 0
    _log(world, lead, outcome="connected")
    assert world.store.leads[lead.id].score.value == 20
    assert world.event_types()[-2:] == ["lead_interaction_logged", "lead_scored"]
    _log(world, lead, outcome="connected")  # 40 capped at 30
    _log(world, lead, outcome="no_answer")  # the calls' general rule: 2
    _log(world, lead, kind="note")  # no rule: nothing
    _log(world, lead, kind="meeting", duration_minutes=30)
    score = world.store.leads[lead.id].score
    assert score.value == 30 + 2 + 25
    explained = scoring.explain_lead_score(world.deps, world.ann, lead.id)
    factors = {f.source_id: (f.label, f.points) for f in explained.factors}
    assert factors == {
        "interaction:call:connected": ("call connected x2 (half-life 10 d, capped at 30)", 30),
        "interaction:call": ("call x1 (half-life 10 d)", 2),
        "interaction:meeting": ("meeting x1 (half-life 30 d)", 25),
    }


def test_interaction_points_decay_as_behavioural_activity_does(world):
    from crm_leads.service_layer import scoring

    _score_by_interactions(world)
    lead = world.lead_in()
    _log(world, lead, kind="meeting")
    world.clock.advance(dt.timedelta(days=30))  # one half-life of the meeting rule
    explained = scoring.explain_lead_score(world.deps, world.ann, lead.id)
    (meeting,) = [f for f in explained.factors if f.source_id == "interaction:meeting"]
    assert meeting.points == 12.5
    world.clock.advance(dt.timedelta(days=300))  # beyond ten half-lives: no longer read
    explained = scoring.explain_lead_score(world.deps, world.ann, lead.id)
    assert [f for f in explained.factors if f.source_id.startswith("interaction")] == []


@pytest.mark.parametrize(
    ("rule", "field"),
    [
        ({"kind": "task"}, "interaction_rules[0].kind"),
        ({"kind": "meeting", "outcome": "connected"}, "interaction_rules[0].outcome"),
        ({"kind": "call", "outcome": "maybe"}, "interaction_rules[0].outcome"),
        ({"kind": "call", "points": 101}, "interaction_rules[0].points"),
        ({"kind": "call", "half_life_days": "0"}, "interaction_rules[0].half_life_days"),
    ],
)
def test_interaction_rules_refuse_what_does_not_fit(world, rule, field):
    from crm_chassis.errors import ValidationErrors
    from crm_leads.service_layer import scoring

    raw = {"points": 5, "half_life_days": "7", "max_points": 10, **rule}
    with pytest.raises(ValidationErrors) as error:
        scoring.update_scoring_model(
            world.deps,
            world.mia,
            world.line,
            fit_rules=[],
            engagement_rules=[],
            interaction_rules=[raw],
        )
    assert field in [path for path, _ in error.value.problems]


def test_one_interaction_rule_per_kind_and_outcome(world):
    from crm_chassis.errors import ValidationErrors
    from crm_leads.service_layer import scoring

    twice = [INTERACTION_RULES[0], dict(INTERACTION_RULES[0], points=3)]
    with pytest.raises(ValidationErrors, match="one rule per kind and outcome"):
        scoring.update_scoring_model(
            world.deps,
            world.mia,
            world.line,
            fit_rules=[],
            engagement_rules=[],
            interaction_rules=twice,
        )


def _task(world, lead, due, caller=None, owner="", subject="task"):
    return log_lead_interaction(
        world.deps,
        caller or world.ann,
        lead_id=lead.id,
        kind="task",
        subject=subject,
        due_at=due,
        owner_user_id=owner,
    )


def _ids(page):
    return [(d.task.subject, d.bucket) for d in page.items]


def test_my_lead_tasks_by_bucket_for_the_person_and_their_supervisor(world):
    from crm_leads.service_layer.interactions import list_my_lead_tasks

    hour = dt.timedelta(hours=1)
    lead = world.lead_in()  # team-a, owned by ann; T0 is a Monday 09:00 UTC
    other = world.lead_in(person__email="o@acme.example", person__first_name="Otto")
    _task(world, lead, NOW + 48 * hour, subject="week")
    _task(world, lead, NOW + 6 * hour, subject="today")
    _task(world, other, NOW - hour, subject="overdue")
    _task(world, lead, NOW + 240 * hour, subject="later")
    _task(world, lead, NOW + 2 * hour, owner="bob", subject="bob's")
    done = _task(world, lead, NOW + 3 * hour, subject="done")
    complete_lead_task(world.deps, world.ann, done.id)

    mine = list_my_lead_tasks(world.deps, world.ann)
    assert _ids(mine) == [("overdue", "overdue"), ("today", "today"), ("week", "this_week")]
    assert mine.items[0].lead_name.startswith("Otto")
    assert _ids(list_my_lead_tasks(world.deps, world.ann, bucket="later")) == [("later", "later")]
    assert len(list_my_lead_tasks(world.deps, world.ann, bucket="all").items) == 4
    assert _ids(list_my_lead_tasks(world.deps, world.bob)) == [("bob's", "today")]
    team = list_my_lead_tasks(world.deps, world.sue, team_id="team-a", bucket="today")
    assert _ids(team) == [("bob's", "today"), ("today", "today")]
    one = list_my_lead_tasks(world.deps, world.meg, team_id="team-a", user_id="bob")
    assert _ids(one) == [("bob's", "today")]
    paged = list_my_lead_tasks(world.deps, world.ann, page_size=2)
    rest = list_my_lead_tasks(world.deps, world.ann, page_size=2, cursor=paged.next_cursor)
    assert _ids(paged) + _ids(rest) == _ids(mine)


def test_my_lead_tasks_are_exactly_as_visible_as_their_leads(world):
    from crm_leads.service_layer.interactions import list_my_lead_tasks

    lead = world.lead_in()
    _task(world, lead, NOW + dt.timedelta(hours=2))
    assert list_my_lead_tasks(world.deps, world.ben).items == []  # another team
    assert list_my_lead_tasks(world.deps, world.ada).items == []  # an administrator, no member
    with pytest.raises(NotFound):
        list_my_lead_tasks(world.deps, world.ben, team_id="team-a")
    with pytest.raises(NotFound):
        list_my_lead_tasks(world.deps, world.ada, team_id="team-a")
    with pytest.raises(PermissionDenied):
        list_my_lead_tasks(world.deps, world.bob, team_id="team-a")
    for bad in (dict(bucket="soon"), dict(time_zone="Nowhere/Town"), dict(user_id="bob")):
        with pytest.raises(InvalidArgument):
            list_my_lead_tasks(world.deps, world.ann, **bad)


def test_a_converted_leads_tasks_leave_the_list_once_deals_has_them(world):
    from crm_leads.service_layer.interactions import list_my_lead_tasks

    lead = world.lead_in()
    _task(world, lead, NOW + dt.timedelta(hours=2), subject="follow up")
    assert len(list_my_lead_tasks(world.deps, world.ann).items) == 1
    conversion.convert_lead(world.deps, world.ann, lead.id)
    (request,) = world.events_of("lead_conversion_requested")
    assert [i.subject for i in request.interactions] == ["follow up"]  # deals takes it over
    assert list_my_lead_tasks(world.deps, world.ann).items == []


def test_a_lead_task_is_reminded_once_per_due_time(world):
    from crm_leads.service_layer.interactions import send_lead_task_reminders

    lead_time = dt.timedelta(minutes=30)
    lead = world.lead_in(person__first_name="Rita")
    soon = _task(world, lead, NOW + dt.timedelta(minutes=20), subject="soon", owner="bob")
    _task(world, lead, NOW + dt.timedelta(hours=5), subject="later")
    done = _task(world, lead, NOW + dt.timedelta(minutes=10), subject="done")
    complete_lead_task(world.deps, world.ann, done.id)
    converted = world.lead_in(person__email="c@acme.example")
    _task(world, converted, NOW + dt.timedelta(minutes=5), subject="converted")
    conversion.convert_lead(world.deps, world.ann, converted.id)

    assert send_lead_task_reminders(world.deps, world.worker, lead=lead_time) == 1
    (event,) = world.events_of("lead_task_reminder_due")
    assert (event.task.id, event.task.owner_user_id, event.team_id) == (soon.id, "bob", "team-a")
    assert event.lead_name.startswith("Rita") and event.meta.aggregate_id == lead.id
    assert world.store.interactions[soon.id].reminded_for == soon.due_at
    # Once: the next run finds it marked.
    assert send_lead_task_reminders(world.deps, world.worker, lead=lead_time) == 0
    assert len(world.events_of("lead_task_reminder_due")) == 1
