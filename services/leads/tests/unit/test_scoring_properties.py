"""Properties of the scoring maths over generated inputs (hypothesis)."""

import datetime as dt

from hypothesis import given, settings
from hypothesis import strategies as st

from crm_leads.domain import capture
from crm_leads.domain.activity import Activity, ActivityKind
from crm_leads.domain.scoring import engine
from crm_leads.domain.scoring.engine import grade_for
from crm_leads.domain.scoring.predictive import PredictiveModel
from crm_leads.domain.scoring.rules import build_model

NOW = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)
DATA = capture.build(
    {
        "person.email": "a@acme.example",
        "source.channel": "event",
        "location.country": "DE",
        "company.industry": "software",
    },
    now=NOW,
)

points = st.integers(-100, 100).filter(lambda p: p != 0)
kinds = st.sampled_from(list(ActivityKind))


@st.composite
def models(draw):
    fits = [
        {
            "id": f"r{i}",
            "attribute": attribute,
            "operator": "equals",
            "values": [value],
            "points": draw(points),
        }
        for i, (attribute, value) in enumerate(
            draw(
                st.lists(
                    st.sampled_from(
                        [
                            ("country", "DE"),
                            ("country", "FR"),
                            ("industry", "software"),
                            ("channel", "event"),
                        ]
                    ),
                    max_size=4,
                    unique=True,
                )
            )
        )
    ]
    engagements = [
        {
            "kind": kind.value,
            "points": draw(st.integers(0, 100)),
            "half_life_days": str(draw(st.sampled_from(["0.5", "3", "30"]))),
            "max_points": draw(st.integers(1, 100)),
        }
        for kind in draw(st.lists(kinds, max_size=3, unique=True))
    ]
    return build_model("line-1", fits, engagements)


activities = st.lists(st.tuples(kinds, st.floats(0, 400)), max_size=15).map(
    lambda items: [
        Activity(f"a{i}", "l", kind, NOW - dt.timedelta(days=age))
        for i, (kind, age) in enumerate(items)
    ]
)


@settings(max_examples=150, deadline=None)
@given(models(), activities)
def test_score_is_always_0_to_100_with_the_matching_grade(model, acts):
    score = engine.compute(model, DATA, acts, NOW)
    assert 0 <= score.value <= 100 and score.grade is grade_for(score.value)
    assert 0 <= score.rules_score <= 100
    assert len(score.top_factors) <= 5
    assert all(
        abs(a.points) >= abs(b.points)
        for a, b in zip(score.factors, score.factors[1:], strict=False)
    )


@settings(max_examples=100, deadline=None)
@given(models(), activities, st.floats(0.1, 60))
def test_engagement_never_grows_with_time(model, acts, days):
    now_score = engine.compute(model, DATA, acts, NOW)
    later = engine.compute(model, DATA, acts, NOW + dt.timedelta(days=days))
    engagement_now = sum(f.points for f in now_score.factors if f.kind.value == "engagement")
    engagement_later = sum(f.points for f in later.factors if f.kind.value == "engagement")
    assert engagement_later <= engagement_now


@settings(max_examples=100, deadline=None)
@given(
    st.lists(
        st.tuples(st.sampled_from(["DE", "FR", "IT"]), st.booleans()), min_size=40, max_size=120
    )
)
def test_blended_score_stays_bounded_and_probability_is_a_probability(outcomes):
    model = PredictiveModel("line-1")
    for country, won in outcomes:
        model.learn({"country": country, "channel": "event"}, won)
    score = engine.compute(build_model("line-1", [], []), DATA, [], NOW, model)
    assert 0 <= score.value <= 100
    if model.active:
        assert 0 <= score.predictive_probability <= 1
        predictive_points = sum(f.points for f in score.factors)
        assert abs(float(predictive_points) - score.value) <= 1.0
