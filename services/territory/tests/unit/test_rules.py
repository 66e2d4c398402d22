from decimal import Decimal

import pytest

from crm_chassis.errors import InvalidArgument, ValidationErrors
from crm_territory.domain.leads import LeadFacts
from crm_territory.domain.rule_checks import build_condition, check_ruleset
from crm_territory.domain.rules import Rule
from crm_territory.domain.values import Money


def cond(attribute, values=(), ranges=(), currency=""):
    return build_condition(attribute, list(values), list(ranges), currency, "c")


def rule(name, *conditions):
    return Rule(name.lower(), name, tuple(conditions))


def test_one_of_attributes_are_case_and_space_insensitive():
    c = cond("city", ["  New   York "])
    assert c.matches(LeadFacts("l", city="new york"))
    assert not c.matches(LeadFacts("l", city="York"))
    assert not c.matches(LeadFacts("l"))  # unknown value never matches


def test_country_codes_are_validated_and_upper_cased():
    assert cond("country", ["de"]).matches(LeadFacts("l", country="DE"))
    with pytest.raises(InvalidArgument) as err:
        cond("country", ["Germany"])
    assert "alpha-2" in err.value.message


def test_postal_code_prefix():
    c = cond("postal_code", ["10", "12 3"])
    assert c.matches(LeadFacts("l", postal_code="10115"))
    assert c.matches(LeadFacts("l", postal_code="123 45"))
    assert not c.matches(LeadFacts("l", postal_code="20095"))


def test_company_size_range_is_half_open():
    c = cond("company_size", ranges=[("10", "50")])
    assert c.matches(LeadFacts("l", company_size=10))
    assert c.matches(LeadFacts("l", company_size=49))
    assert not c.matches(LeadFacts("l", company_size=50))
    assert not c.matches(LeadFacts("l", company_size=None))


def test_open_ended_range():
    c = cond("company_size", ranges=[("1000", "")])
    assert c.matches(LeadFacts("l", company_size=50_000))


def test_annual_revenue_compares_only_the_same_currency():
    c = cond("annual_revenue", ranges=[("1000000", "5000000")], currency="eur")
    assert c.matches(LeadFacts("l", annual_revenue=Money(Decimal("2000000"), "EUR")))
    assert not c.matches(LeadFacts("l", annual_revenue=Money(Decimal("2000000"), "USD")))


def test_product_interest_matches_any_of_the_leads_interests():
    c = cond("product_interest", ["ERP", "crm"])
    assert c.matches(LeadFacts("l", product_interests=("payroll", "CRM")))
    assert not c.matches(LeadFacts("l", product_interests=("payroll",)))


def test_rule_ands_its_conditions_and_empty_rule_matches_all():
    r = rule("DE SMB", cond("country", ["DE"]), cond("company_size", ranges=[("1", "50")]))
    assert r.matches(LeadFacts("l", country="DE", company_size=5))
    assert not r.matches(LeadFacts("l", country="DE", company_size=500))
    assert rule("all").matches(LeadFacts("l"))
    assert "catch-all" in rule("all").describe()


def test_unknown_attribute_names_the_known_ones():
    with pytest.raises(InvalidArgument) as err:
        cond("shoe_size", ["42"])
    assert "unknown attribute 'shoe_size'" in err.value.message
    assert "postal_code" in err.value.message
    assert err.value.field == "c.attribute"


@pytest.mark.parametrize(
    "attribute,values,ranges,currency,needle",
    [
        ("industry", [], [], "", "at least one"),
        ("industry", [], [("1", "2")], "", "takes values"),
        ("company_size", ["5"], [], "", "takes ranges"),
        ("company_size", [], [], "", "at least one range"),
        ("company_size", [], [("50", "10")], "", "must be below"),
        ("company_size", [], [("10", "10")], "", "must be below"),
        ("company_size", [], [("", "")], "", "a minimum, a maximum or both"),
        ("company_size", [], [("1.5", "10")], "", "whole numbers"),
        ("company_size", [], [("-1", "10")], "", "non-negative"),
        ("company_size", [], [("1", "10")], "EUR", "only annual_revenue"),
        ("annual_revenue", [], [("1", "10")], "", "need an ISO 4217"),
        ("annual_revenue", [], [("1", "10")], "XYZ", "'XYZ' is not a supported ISO 4217 currency"),
    ],
)
def test_malformed_conditions(attribute, values, ranges, currency, needle):
    with pytest.raises(InvalidArgument) as err:
        cond(attribute, values, ranges, currency)
    assert needle in err.value.message


def test_overlapping_ranges_in_one_condition_are_refused():
    with pytest.raises(InvalidArgument) as err:
        cond("company_size", ranges=[("1", "50"), ("40", "100")])
    assert "overlaps ranges[0]" in err.value.message
    # adjacent half-open ranges do not overlap
    assert len(cond("company_size", ranges=[("1", "50"), ("50", "100")]).ranges) == 2


def test_partly_overlapping_ranges_across_rules_are_refused():
    a = rule("Small", cond("country", ["DE"]), cond("company_size", ranges=[("1", "50")]))
    b = rule("Mid", cond("country", ["DE"]), cond("company_size", ranges=[("40", "200")]))
    with pytest.raises(ValidationErrors) as err:
        check_ruleset([a, b])
    assert "rules 'Small' and 'Mid' overlap on company_size" in err.value.message


def test_specific_before_general_is_allowed_but_general_before_specific_is_shadowed():
    narrow = rule("Narrow", cond("company_size", ranges=[("10", "50")]))
    wide = rule("Wide", cond("company_size", ranges=[("1", "1000")]))
    check_ruleset([narrow, wide])
    with pytest.raises(ValidationErrors) as err:
        check_ruleset([wide, narrow])
    assert "rule 'Narrow' can never match" in err.value.message
    assert "taken first by rule 'Wide'" in err.value.message


def test_catch_all_must_come_last():
    with pytest.raises(ValidationErrors) as err:
        check_ruleset([rule("All"), rule("DE", cond("country", ["DE"]))])
    assert "can never match" in err.value.message
    check_ruleset([rule("DE", cond("country", ["DE"])), rule("All")])


def test_shadowing_by_value_sets_and_prefixes():
    broad = rule("DACH", cond("country", ["DE", "AT", "CH"]))
    narrow = rule("AT", cond("country", ["AT"]), cond("industry", ["retail"]))
    with pytest.raises(ValidationErrors):
        check_ruleset([broad, narrow])
    berlin = rule("Berlin", cond("postal_code", ["1"]))
    mitte = rule("Mitte", cond("postal_code", ["101"]))
    with pytest.raises(ValidationErrors):
        check_ruleset([berlin, mitte])
    check_ruleset([mitte, berlin])


def test_duplicate_attribute_and_duplicate_names_are_refused():
    twice = rule("Twice", cond("country", ["DE"]), cond("country", ["AT"]))
    with pytest.raises(ValidationErrors) as err:
        check_ruleset([twice, rule("twice", cond("city", ["Wien"]))])
    problems = dict(err.value.problems)
    assert "country twice" in problems["rules[0].conditions"]
    assert "used twice" in problems["rules[1].name"]
