"""Scoring maths: fit rules, decay, caps, bounds, grades, explanations, predictive blend."""

import datetime as dt
import itertools
from decimal import Decimal

import pytest

from crm_chassis.errors import ValidationErrors
from crm_leads.domain import capture
from crm_leads.domain.activity import Activity, ActivityKind
from crm_leads.domain.scoring import engine, predictive
from crm_leads.domain.scoring.attributes import email_domain_kind, title_seniority
from crm_leads.domain.scoring.engine import FactorKind, Grade, grade_for
from crm_leads.domain.scoring.predictive import PredictiveModel
from crm_leads.domain.scoring.rules import build_model

NOW = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)


def lead_data(**values):
    raw = {
        "person.last_name": "Doe",
        "company.name": "Acme",
        "source.channel": "web_form",
        "person.email": "jo@acme.example",
    }
    raw.update({k.replace("__", "."): v for k, v in values.items()})
    return capture.build(raw, now=NOW)


def fit(rule_id, attribute, operator, values, points, label=""):
    return {
        "id": rule_id,
        "attribute": attribute,
        "operator": operator,
        "values": values,
        "points": points,
        "label": label,
    }


def engagement(kind, points, half_life, cap=100):
    return {"kind": kind, "points": points, "half_life_days": half_life, "max_points": cap}


_ACTIVITY_NUMBERS = itertools.count(1)


def activity(kind, days_ago):
    return Activity(
        f"a{next(_ACTIVITY_NUMBERS)}", "lead", ActivityKind(kind), NOW - dt.timedelta(days=days_ago)
    )


MODEL = build_model(
    "line-1",
    [
        fit("de", "country", "equals", ["de"], 20),
        fit("big", "company_size", "at_least", ["large"], 15),
        fit("exec", "title_seniority", "at_least", ["director"], 25, "decision maker"),
        fit("rich", "annual_revenue", "at_least", ["1000000 EUR"], 10),
        fit("free", "email_domain_kind", "equals", ["free"], -30),
    ],
    [engagement("demo_requested", 40, "7", 60), engagement("email_opened", 5, "3", 10)],
    version=3,
)


@pytest.mark.parametrize(
    "score, grade",
    [
        (100, Grade.A),
        (75, Grade.A),
        (74, Grade.B),
        (50, Grade.B),
        (49, Grade.C),
        (25, Grade.C),
        (24, Grade.D),
        (0, Grade.D),
    ],
)
def test_grade_bands(score, grade):
    assert grade_for(score) is grade


def test_grade_refuses_scores_outside_the_bounds():
    with pytest.raises(ValueError):
        grade_for(101)


def test_fit_rules_add_their_points_and_explain_themselves():
    data = lead_data(
        location__country="Germany",
        company__size="5000",
        person__title="VP Sales",
        company__annual_revenue="2000000 EUR",
    )
    score = engine.compute(MODEL, data, [], NOW)
    assert score.value == 70 and score.rules_score == 70 and score.grade is Grade.B
    assert [(f.source_id, f.points) for f in score.factors] == [
        ("exec", Decimal("25.0")),
        ("de", Decimal("20.0")),
        ("big", Decimal("15.0")),
        ("rich", Decimal("10.0")),
    ]
    assert score.factors[0].label == "decision maker" and score.model_version == 3


def test_revenue_in_another_currency_does_not_match():
    score = engine.compute(MODEL, lead_data(company__annual_revenue="9000000 USD"), [], NOW)
    assert score.value == 0


def test_engagement_halves_every_half_life():
    fresh = engine.compute(MODEL, lead_data(), [activity("demo_requested", 0)], NOW)
    week = engine.compute(MODEL, lead_data(), [activity("demo_requested", 7)], NOW)
    two_weeks = engine.compute(MODEL, lead_data(), [activity("demo_requested", 14)], NOW)
    assert (fresh.value, week.value, two_weeks.value) == (40, 20, 10)
    assert week.factors[0].kind is FactorKind.ENGAGEMENT
    assert week.factors[0].label == "demo_requested x1 (half-life 7 d)"


def test_engagement_of_a_kind_is_capped():
    opens = [activity("email_opened", 0) for _ in range(5)]
    score = engine.compute(MODEL, lead_data(), opens, NOW)
    assert score.value == 10 and "capped at 10" in score.factors[0].label


def test_activity_from_the_future_counts_as_fresh_and_ancient_ones_not_at_all():
    future = Activity("f", "lead", ActivityKind.DEMO_REQUESTED, NOW + dt.timedelta(hours=1))
    assert engine.compute(MODEL, lead_data(), [future], NOW).value == 40
    assert engine.compute(MODEL, lead_data(), [activity("demo_requested", 365)], NOW).value == 0


def test_kinds_without_a_rule_add_nothing():
    assert engine.compute(MODEL, lead_data(), [activity("page_visited", 0)], NOW).value == 0


def test_score_is_bounded_to_0_and_100():
    negative = engine.compute(MODEL, lead_data(person__email="jo@gmail.com"), [], NOW)
    assert negative.value == 0 and negative.factors[0].points == Decimal("-30.0")
    many = [activity("demo_requested", 0) for _ in range(3)]
    high = lead_data(
        location__country="DE",
        company__size="enterprise",
        person__title="CEO",
        company__annual_revenue="5000000 EUR",
    )
    assert engine.compute(MODEL, high, many, NOW).value == 100


def test_top_factors_are_the_five_largest_by_absolute_points():
    data = lead_data(
        location__country="DE",
        company__size="enterprise",
        person__title="CEO",
        company__annual_revenue="5000000 EUR",
        person__email="jo@gmail.com",
    )
    score = engine.compute(MODEL, data, [activity("email_opened", 0)], NOW)
    assert len(score.factors) == 6 and len(score.top_factors) == 5
    assert [f.source_id for f in score.top_factors] == ["free", "exec", "de", "big", "rich"]


@pytest.mark.parametrize(
    "title, band",
    [
        ("Vice President Marketing", "vp"),
        ("CEO", "c_level"),
        ("Managing Director", "c_level"),
        ("Head of IT", "director"),
        ("Product Owner", "individual"),
        ("Sales Manager", "manager"),
        ("Geschäftsführer", "c_level"),
        ("Engineer", "individual"),
        ("", ""),
    ],
)
def test_title_seniority(title, band):
    assert title_seniority(title) == band


def test_email_domain_kind():
    assert (
        email_domain_kind("a@gmail.com"),
        email_domain_kind("a@acme.example"),
        email_domain_kind(""),
    ) == ("free", "business", "")


def test_rule_problems_are_all_reported_with_their_path():
    with pytest.raises(ValidationErrors) as caught:
        build_model(
            "line-1",
            [
                fit("Bad Id", "shoe_size", "equals", ["42"], 10),
                fit("ok", "country", "at_least", ["DE"], 10),
                fit("zero", "industry", "equals", ["software"], 0),
                fit("rev", "annual_revenue", "at_least", ["lots"], 5),
                fit("two", "country", "equals", ["DE", "FR"], 5),
            ],
            [engagement("smoke_signal", 5, "3"), engagement("email_opened", 5, "0")],
        )
    found = dict(caught.value.problems)
    assert "a-z" in found["fit_rules[0].id"]
    assert "not scorable" in found["fit_rules[0].attribute"]
    assert "has no order" in found["fit_rules[1].values"]
    assert "is 0" in found["fit_rules[2].points"]
    assert "amount with a currency" in found["fit_rules[3].values"]
    assert "takes one value" in found["fit_rules[4].values"]
    assert "email_opened" in found["engagement_rules[0].kind"]
    assert "0.25 to 3650" in found["engagement_rules[1].half_life_days"]


def test_duplicate_rule_ids_and_kinds_are_refused():
    with pytest.raises(ValidationErrors) as caught:
        build_model(
            "line-1",
            [fit("a", "country", "equals", ["DE"], 5)] * 2,
            [engagement("email_opened", 5, "3")] * 2,
        )
    assert {p for p, _ in caught.value.problems} == {"fit_rules[1].id", "engagement_rules[1].kind"}


def trained(won_de, lost_de, won_fr, lost_fr):
    model = PredictiveModel("line-1")
    for country, won, times in (
        ("DE", True, won_de),
        ("DE", False, lost_de),
        ("FR", True, won_fr),
        ("FR", False, lost_fr),
    ):
        for _ in range(times):
            model.learn({"country": country}, won)
    return model


def test_predictive_model_is_inactive_below_the_threshold():
    model = trained(5, 5, 5, 5)
    assert not model.active and model.weight == Decimal("0.00")
    score = engine.compute(MODEL, lead_data(location__country="DE"), [], NOW, model)
    assert score.value == 20 and score.predictive_probability is None


def test_predictive_weight_grows_with_outcomes_up_to_half():
    assert trained(10, 10, 10, 10).weight == Decimal("0.10")
    assert trained(50, 50, 50, 50).weight == Decimal("0.50")
    assert trained(100, 100, 100, 100).weight == Decimal("0.50")
    assert not trained(39, 1, 0, 0).active  # too few lost outcomes


def test_predictive_blend_and_its_factors_add_up():
    model = trained(30, 5, 5, 30)  # DE mostly won, FR mostly lost; 70 outcomes, weight 0.18
    de = engine.compute(MODEL, lead_data(location__country="DE"), [], NOW, model)
    fr = engine.compute(MODEL, lead_data(location__country="FR"), [], NOW, model)
    assert model.weight == Decimal("0.18")
    assert de.predictive_probability > Decimal("0.8") and fr.predictive_probability < Decimal("0.2")
    expected = (1 - 0.18) * 20 + 0.18 * 100 * float(de.predictive_probability)
    assert de.value == round(expected)
    assert abs(float(sum(f.points for f in de.factors)) - expected) < 0.5
    evidence = [f for f in de.factors if f.source_id == "predictive:country"]
    assert evidence and evidence[0].points > 0 and "raises" in evidence[0].label
    assert next(f for f in fr.factors if f.source_id == "predictive:country").points < 0


def test_forgetting_an_outcome_undoes_learning_it():
    model = trained(10, 10, 10, 10)
    before = (model.won, model.lost, dict(model.counts))
    model.learn({"country": "IT", "industry": "software"}, True)
    model.forget({"country": "IT", "industry": "software"}, True)
    assert (model.won, model.lost, model.counts) == before


def test_feature_values_leave_unknowns_out():
    data = lead_data(location__country="DE")
    from crm_leads.domain.scoring.attributes import of

    assert predictive.feature_values(of(data)) == {
        "country": "DE",
        "channel": "web_form",
        "email_domain_kind": "business",
    }


def test_engagement_horizon_is_ten_of_the_longest_half_lives():
    assert engine.engagement_horizon(MODEL) == dt.timedelta(days=70)
    assert engine.engagement_horizon(build_model("line-1", [], [])) is None


@pytest.mark.parametrize(
    "rule, values, matches",
    [
        (
            fit("p", "product_interest", "in", ["CRM Suite", "erp"], 5),
            {"product_interest": "crm-suite"},
            True,
        ),
        (
            fit("p", "product_interest", "contains", ["suite"], 5),
            {"product_interest": "crm-suite"},
            True,
        ),
        (fit("t", "person_title_missing", "is_set", [], 5), {}, None),
        (fit("w", "region", "is_set", [], 5), {"location__region": "Bavaria"}, True),
        (fit("w", "region", "is_set", [], 5), {}, False),
        (fit("s", "company_size", "below", ["medium"], 5), {"company__size": "8"}, True),
        (fit("s", "company_size", "below", ["medium"], 5), {"company__size": "large"}, False),
        (
            fit("n", "custom.employees_it", "at_least", ["50"], 5),
            {"custom_attributes__employees_it": "75"},
            True,
        ),
        (
            fit("n", "custom.employees_it", "at_least", ["50"], 5),
            {"custom_attributes__employees_it": "many"},
            False,
        ),
        (
            fit("c", "industry", "contains", ["Soft"], 5),
            {"company__industry": "Software Services"},
            True,
        ),
    ],
)
def test_fit_rule_operators(rule, values, matches):
    if matches is None:
        with pytest.raises(ValidationErrors, match="not scorable"):
            build_model("line-1", [rule], [])
        return
    model = build_model("line-1", [rule], [])
    assert (
        model.fit_rules[0].matches(
            __import__("crm_leads.domain.scoring.attributes", fromlist=["of"]).of(
                lead_data(**values)
            )
        )
        is matches
    )


def test_rule_labels_default_to_a_description():
    model = build_model(
        "line-1",
        [fit("a", "country", "in", ["de", "Austria"], 5), fit("b", "region", "is_set", [], 5)],
        [],
    )
    assert [r.describe() for r in model.fit_rules] == ["country in DE, AT", "region is set"]


def test_more_rule_problems_are_explained():
    with pytest.raises(ValidationErrors) as caught:
        build_model(
            " ",
            [
                fit("a", "company_size", "equals", ["gigantic"], 5),
                fit("b", "channel", "equals", ["carrier"], 5),
                fit("c", "email_domain_kind", "equals", ["corporate"], 5),
                fit("d", "annual_revenue", "equals", ["5 EUR"], 5),
                fit("e", "country", "equals", ["DE"], "lots"),
                fit("f", "country", "equals", ["DE"], 500, "x" * 201),
                {
                    "id": "g",
                    "attribute": "country",
                    "operator": "near",
                    "values": ["DE"],
                    "points": 5,
                },
            ],
            [{"kind": "email_opened", "points": "x", "half_life_days": "3", "max_points": 5}],
        )
    found = dict(caught.value.problems)
    assert found["sales_line_id"] == "is required"
    assert "micro, small" in found["fit_rules[0].values"]
    assert "web_form" in found["fit_rules[1].values"]
    assert "free or business" in found["fit_rules[2].values"]
    assert "at_least or below only" in found["fit_rules[3].values"]
    assert "whole number" in found["fit_rules[4].points"]
    assert "must be from -100 to 100" in found["fit_rules[5].points"]
    assert "200 characters" in found["fit_rules[5].label"]
    assert "equals, in" in found["fit_rules[6].operator"]
    assert "whole number" in found["engagement_rules[0].points"]
