"""Normalisation and validation of captured lead data (domain, no I/O)."""

import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from crm_chassis.errors import ValidationErrors
from crm_leads.domain import capture
from crm_leads.domain import normalise as norm
from crm_leads.domain.normalise import Invalid
from crm_leads.domain.values import Channel, CompanySize, Money

NOW = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)
BASE = {"person.last_name": "Doe", "company.name": "Acme", "source.channel": "web_form"}


def build(**values):
    return capture.build({**BASE, **{k.replace("__", "."): v for k, v in values.items()}}, now=NOW)


def problems(**values):
    with pytest.raises(ValidationErrors) as caught:
        build(**values)
    return dict(caught.value.problems)


def test_email_is_trimmed_and_lower_cased():
    assert build(person__email="  Ann.Lee@ACME.Example ").person.email == "ann.lee@acme.example"


@pytest.mark.parametrize(
    "raw, country, expected",
    [
        ("+49 30 1234567", "", "+49301234567"),
        ("030 1234567", "DE", "+49301234567"),
        ("0049 30 1234567", "", "+49301234567"),
        ("(415) 555-2671", "US", "+14155552671"),
    ],
)
def test_phone_becomes_e164(raw, country, expected):
    assert build(person__phone=raw, location__country=country or None).person.phone == expected


def test_national_phone_without_country_says_how_to_fix():
    reason = problems(person__phone="030 1234567")["person.phone"]
    assert "country code" in reason and "country" in reason


def test_invalid_phone_names_the_country():
    assert (
        "not a valid phone number for DE"
        in problems(person__phone="+49 123", location__country="DE")["person.phone"]
    )
    assert (
        "not a valid phone number for US"
        in problems(person__phone="+1 555 000 0000", location__country="DE")["person.phone"]
    )


@pytest.mark.parametrize("raw", ["de", "DEU", "Germany", " germany "])
def test_country_accepts_codes_and_names_and_stores_alpha2(raw):
    assert build(location__country=raw).location.country == "DE"


def test_unknown_country_suggests_codes():
    assert "ISO 3166-1" in problems(location__country="Atlantis")["location.country"]


def test_every_problem_is_reported_at_once():
    found = problems(
        person__email="nope",
        location__country="Atlantis",
        company__size="huge",
        source__channel="carrier pigeon",
        unknown__field="x",
    )
    assert set(found) == {
        "person.email",
        "location.country",
        "company.size",
        "source.channel",
        "unknown.field",
    }
    assert "name@example.com" in found["person.email"]
    assert "web_form" in found["source.channel"]
    assert "known fields are" in found["unknown.field"]


def test_a_lead_needs_a_way_to_be_told_apart():
    with pytest.raises(ValidationErrors) as caught:
        capture.build({"person.first_name": "Jo", "source.channel": "event"}, now=NOW)
    assert "e-mail, a phone, or a last name with a company name" in str(caught.value)


def test_channel_is_required_on_capture():
    with pytest.raises(ValidationErrors) as caught:
        capture.build({"person.email": "a@b.example"}, now=NOW)
    assert dict(caught.value.problems)["source.channel"].startswith("is required")


def test_company_values_are_normalised_exactly():
    data = build(
        company__industry="Financial Services",
        company__size="120",
        company__annual_revenue="1250000.50 eur",
        company__website="WWW.Acme.Example/About/",
    )
    assert data.company.industry == "financial-services"
    assert data.company.size is CompanySize.MEDIUM
    assert data.company.annual_revenue == Money(Decimal("1250000.50"), "EUR")
    assert data.company.website == "https://www.acme.example/About"


@pytest.mark.parametrize(
    "raw, reason",
    [
        ("1,000 EUR", "no thousands separators"),
        ("100.123 EUR", "more than 2 decimals"),
        ("100 XYZ", "ISO 4217"),
        ("100", "amount with a currency"),
        ("-5 EUR", "negative"),
        ("10.5 JPY", "more than 0 decimals"),
    ],
)
def test_revenue_must_be_an_exact_amount(raw, reason):
    assert reason in problems(company__annual_revenue=raw)["company.annual_revenue"]


def test_revenue_from_the_api_as_amount_and_currency():
    assert build(company__annual_revenue=("99.125", "KWD")).company.annual_revenue == Money(
        Decimal("99.125"), "KWD"
    )


def test_consent_time_defaults_to_capture_time_when_given():
    data = build(consent__email_marketing="yes")
    assert data.consent.email_marketing and data.consent.captured_at == NOW
    assert build().consent.captured_at is None


def test_consent_flags_must_be_yes_or_no():
    assert "true or false" in problems(consent__phone_contact="maybe")["consent.phone_contact"]


def test_custom_attributes_keys_are_checked():
    data = build(custom_attributes__budget="50k")
    assert data.custom_attributes == {"budget": "50k"}
    assert (
        "lower_snake_case"
        in problems(**{"custom_attributes.Bad Key": "x"})["custom_attributes.Bad Key"]
    )


def test_product_interest_is_deduplicated_slugs():
    assert build(product_interest="CRM Enterprise, crm-enterprise, Add-ons").product_interest == (
        "crm-enterprise",
        "add-ons",
    )


def test_too_long_text_is_refused_not_truncated():
    assert "at most 100" in problems(person__first_name="x" * 101)["person.first_name"]


def test_update_applies_on_a_base_and_keeps_other_fields():
    base = build(person__email="a@acme.example", location__country="DE")
    data = capture.build({"person.phone": "030 1234567"}, base=base, now=NOW)
    assert data.person.email == "a@acme.example" and data.person.phone == "+49301234567"


def test_channel_enum_and_flags():
    assert capture.parse_channel("Paid Ads") is Channel.PAID_ADS
    assert norm.flag("Ja") is True and norm.flag("") is False
    with pytest.raises(Invalid):
        norm.website("not a site")


def test_api_values_may_arrive_typed():
    data = build(
        source__channel=Channel.REFERRAL,
        company__size=CompanySize.LARGE,
        company__annual_revenue=Money(Decimal("5"), "EUR"),
        consent__data_processing=True,
        consent__captured_at=NOW,
    )
    assert (data.source.channel, data.company.size, data.consent.captured_at) == (
        Channel.REFERRAL,
        CompanySize.LARGE,
        NOW,
    )


def test_consent_time_must_be_aware_and_not_in_the_future():
    assert (
        "time zone" in problems(consent__captured_at="2026-01-01T10:00:00")["consent.captured_at"]
    )
    assert "ISO 8601" in problems(consent__captured_at="yesterday")["consent.captured_at"]
    assert build(consent__captured_at="2026-01-01T10:00:00Z").consent.captured_at.year == 2026
    assert (
        "in the future"
        in problems(consent__captured_at="2027-01-01T10:00:00Z")["consent.captured_at"]
    )
    assert (
        "time zone" in problems(consent__captured_at=dt.datetime(2026, 1, 1))["consent.captured_at"]
    )


def test_custom_attributes_as_a_whole_replace_the_old_ones():
    base = build(custom_attributes__budget="50k", custom_attributes__owner="x")
    data = capture.build({"custom_attributes": {"budget": "60k", "empty": " "}}, base=base, now=NOW)
    assert data.custom_attributes == {"budget": "60k"}
    too_many = {f"k{n}": "v" for n in range(51)}
    assert "at most 50" in problems(custom_attributes=too_many)["custom_attributes"]


def test_empty_values_clear_optional_fields():
    base = build(company__size="12", company__annual_revenue="5 EUR")
    data = capture.build(
        {"company.size": "", "company.annual_revenue": ("", "")}, base=base, now=NOW
    )
    assert data.company.size is None and data.company.annual_revenue is None


def test_known_paths():
    assert capture.is_known_path("person.email") and capture.is_known_path("custom_attributes.a_b")
    assert not capture.is_known_path("custom_attributes.A") and not capture.is_known_path("x.y")


@given(st.text())
def test_fold_is_the_accent_and_case_free_form_of_any_text(text):
    # fold takes a shortcut for ASCII; it must agree with the full decomposition everywhere.
    import unicodedata

    decomposed = unicodedata.normalize("NFKD", text)
    assert (
        norm.fold(text) == "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()
    )
    assert norm.fold("Müller") == norm.fold("MULLER") == "muller"
