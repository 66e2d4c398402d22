"""RecordLeadActivity, scoring models, rescoring (model change, decay), outcome learning."""

import datetime as dt

import pytest

from crm_chassis.errors import (
    AlreadyExists,
    FailedPrecondition,
    NotFound,
    PermissionDenied,
    ValidationErrors,
)
from crm_leads.service_layer import scoring
from crm_leads.service_layer.activities import list_activities, record_activity

RULES = dict(
    fit_rules=[
        {"id": "de", "attribute": "country", "operator": "equals", "values": ["DE"], "points": 30}
    ],
    engagement_rules=[
        {"kind": "demo_requested", "points": 40, "half_life_days": "7", "max_points": 60}
    ],
)


@pytest.fixture
def modelled(world):
    scoring.update_scoring_model(world.deps, world.mia, world.line, **RULES)
    return world


def record(
    world, lead, activity_id="act-1", kind="demo_requested", caller=None, lead_id=None, **kwargs
):
    return record_activity(
        world.deps,
        caller or world.ann,
        lead_id=lead_id or lead.id,
        activity_id=activity_id,
        kind=kind,
        **kwargs,
    )


def test_activity_rescores_and_publishes(modelled):
    world = modelled
    lead = world.lead_in(location__country="DE")
    assert lead.score.value == 30
    recorded = record(world, lead)
    assert recorded.score.value == 70 and recorded.score.grade.value == "B"
    assert world.event_types()[-2:] == ["lead_activity_recorded", "lead_scored"]
    scored = world.events_of("lead_scored")[-1]
    assert (scored.previous_score, scored.score.score) == (30, 70)
    assert scored.score.top_factors[0].label.startswith("demo_requested")


def test_activity_is_idempotent_by_id(modelled):
    world = modelled
    lead = world.lead_in()
    record(world, lead)
    count = len(world.events)
    again = record(world, lead)
    assert again.replayed and len(world.events) == count and len(world.store.activities) == 1
    other = world.lead_in()
    with pytest.raises(AlreadyExists, match="another lead"):
        record(world, other)


def test_activity_input_is_validated(modelled):
    world = modelled
    lead = world.lead_in()
    with pytest.raises(ValidationErrors) as caught:
        record(
            world,
            lead,
            activity_id="",
            kind="telepathy",
            occurred_at=world.t0 + dt.timedelta(days=1),
        )
    assert {p for p, _ in caught.value.problems} == {
        "activity.id",
        "activity.kind",
        "activity.occurred_at",
    }


def test_integration_tools_feed_activities_without_seeing_the_lead(modelled):
    world = modelled
    lead = world.lead_in()
    recorded = record(world, lead, caller=world.mailer)
    assert recorded.score is None and world.store.leads[lead.id].score.value == 40
    with pytest.raises(NotFound):
        record(world, lead, activity_id="x", caller=world.ben)


def test_a_service_account_needs_record_lead_activity_before_any_lookup(modelled):
    world = modelled
    lead = world.lead_in()
    for caller in (world.bare, world.form):  # no role, or only another service role
        refusals = []
        for lead_id in (lead.id, "no-such-lead"):
            with pytest.raises(PermissionDenied, match="record_lead_activity") as caught:
                record(world, lead, activity_id="x", caller=caller, lead_id=lead_id)
            refusals.append(caught.value.message)
        assert refusals[0] == refusals[1]  # the same answer: no existence oracle
    assert not world.store.activities and world.store.leads[lead.id].score.value == 0
    with pytest.raises(NotFound):
        record(world, lead, activity_id="x", caller=world.mailer, lead_id="no-such-lead")


def test_no_activity_on_a_read_only_lead(modelled):
    world = modelled
    lead = world.lead_in()
    from crm_leads.service_layer.conversion import convert_lead

    convert_lead(world.deps, world.ann, lead.id)
    with pytest.raises(FailedPrecondition, match="being converted"):
        record(world, lead)


def test_list_activities_newest_first_in_pages(modelled):
    world = modelled
    lead = world.lead_in()
    for n in range(3):
        record(world, lead, f"a{n}", occurred_at=world.t0 - dt.timedelta(hours=3 - n))
    first = list_activities(world.deps, world.bob, lead.id, page_size=2)
    rest = list_activities(world.deps, world.bob, lead.id, page_size=2, cursor=first.next_cursor)
    assert [a.id for a in first.items + rest.items] == ["a2", "a1", "a0"]
    assert rest.next_cursor == ""


def test_decay_rescoring_publishes_only_changes(modelled):
    world = modelled
    lead = world.lead_in(location__country="DE")
    record(world, lead)
    assert scoring.rescore_batch(world.deps, world.rescoring, world.line) == (0, "")
    world.clock.advance(dt.timedelta(days=7))
    assert scoring.lines_with_models(world.deps, world.worker) == [world.line]
    changed, cursor = scoring.rescore_batch(world.deps, world.rescoring, world.line)
    assert (changed, cursor) == (1, "") and world.store.leads[lead.id].score.value == 50
    assert world.events_of("lead_scored")[-1].meta.actor.id == "rescoring"


def test_model_change_rescoring_walks_the_line_in_batches(modelled):
    world = modelled
    made = [world.lead_in(location__country="FR") for _ in range(5)]
    scoring.update_scoring_model(
        world.deps,
        world.mia,
        world.line,
        fit_rules=[
            {
                "id": "fr",
                "attribute": "country",
                "operator": "in",
                "values": ["FR", "BE"],
                "points": 80,
            }
        ],
        engagement_rules=[],
        expected_version=1,
    )
    assert world.event_types()[-1] == "scoring_model_changed"
    total, cursor, batches = 0, "", 0
    while True:
        changed, cursor = scoring.rescore_batch(
            world.deps, world.rescoring, world.line, cursor, limit=2
        )
        total, batches = total + changed, batches + 1
        if not cursor:
            break
    assert total == 5 and batches == 3
    assert {world.store.leads[lead.id].score.grade.value for lead in made} == {"A"}


def test_model_editing_is_for_marketing_and_management_with_a_version_check(modelled):
    world = modelled
    with pytest.raises(PermissionDenied, match="marketing or management"):
        scoring.update_scoring_model(world.deps, world.ann, world.line, **RULES)
    with pytest.raises(FailedPrecondition, match="changed since you read it"):
        scoring.update_scoring_model(world.deps, world.mia, world.line, expected_version=7, **RULES)
    model, predictive = scoring.get_scoring_model(world.deps, world.ann, world.line)
    assert model.version == 1 and not predictive.active
    count = len(world.events)
    scoring.update_scoring_model(world.deps, world.mia, world.line, **RULES)
    assert len(world.events) == count  # same rules: no new version


def test_explain_shows_every_factor_to_those_who_see_the_lead(modelled):
    world = modelled
    lead = world.lead_in(location__country="DE")
    record(world, lead)
    score = scoring.explain_lead_score(world.deps, world.meg, lead.id)
    assert [f.source_id for f in score.factors] == ["demo_requested", "de"]
    with pytest.raises(NotFound):
        scoring.explain_lead_score(world.deps, world.ben, lead.id)


def test_outcomes_train_the_predictive_model_and_corrections_replace(modelled):
    world = modelled
    lead = world.lead_in(location__country="DE")
    assert scoring.record_outcome(world.deps, world.worker, lead.id, won=True)
    redelivered = scoring.record_outcome(world.deps, world.worker, lead.id, won=True)
    assert redelivered is False

    def model():
        return world.store.predictive[world.line]

    assert (model().won, model().lost) == (1, 0)
    assert scoring.record_outcome(world.deps, world.worker, lead.id, won=False)
    assert (model().won, model().lost) == (0, 1)
    assert scoring.forget_outcome(world.deps, world.worker, lead.id)
    assert (model().won, model().lost, model().counts) == (0, 0, {})
    assert scoring.record_outcome(world.deps, world.worker, "unknown", won=True) is False


def test_enough_outcomes_blend_the_predictive_component_into_scores(modelled):
    world = modelled
    for n in range(40):
        closed = world.lead_in(location__country="DE" if n % 2 else "FR")
        scoring.record_outcome(world.deps, world.worker, closed.id, won=bool(n % 2))
    lead = world.lead_in(location__country="DE")
    assert lead.score.predictive_weight > 0 and lead.score.predictive_probability > 0
    assert any(f.kind.value == "predictive" for f in lead.score.factors)
