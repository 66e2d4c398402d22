"""leads' Lead (from lead_created) -> the facts routing looks at."""

from crm.common.v1 import money_pb2
from crm.leads.v1 import lead_pb2
from crm_territory.adapters.lead_events import lead_facts
from crm_territory.domain.values import Money


def make_lead(**custom):
    return lead_pb2.Lead(
        id="lead-7",
        data=lead_pb2.LeadInput(
            company=lead_pb2.Company(
                name="Acme",
                industry="Retail",
                size=lead_pb2.COMPANY_SIZE_SMALL,
                annual_revenue=money_pb2.Money(amount="1200000.00", currency="EUR"),
            ),
            location=lead_pb2.Location(
                country="DE", region="Berlin", city="Berlin", postal_code="10115"
            ),
            source=lead_pb2.Source(channel=lead_pb2.CHANNEL_WEB_FORM, campaign_id="spring-26"),
            sales_line_id="line-1",
            product_interest=["crm", "erp"],
            custom_attributes=custom,
        ),
    )


def test_every_routing_attribute_is_taken_from_the_lead():
    facts = lead_facts(make_lead())
    assert (facts.lead_id, facts.country, facts.region, facts.city, facts.postal_code) == (
        "lead-7",
        "DE",
        "Berlin",
        "Berlin",
        "10115",
    )
    assert (facts.industry, facts.lead_source, facts.campaign, facts.sales_line_id) == (
        "Retail",
        "web_form",
        "spring-26",
        "line-1",
    )
    assert facts.product_interests == ("crm", "erp")
    assert facts.annual_revenue == Money.parse("1200000.00", "EUR")
    assert facts.company_size == 11  # the SMALL band (11-50) starts at 11


def test_an_employee_count_beats_the_band_and_an_unreadable_revenue_matches_no_revenue_rule():
    lead = make_lead(employees="42")
    lead.data.company.annual_revenue.amount = "12,5"
    facts = lead_facts(lead)
    assert facts.company_size == 42
    assert facts.annual_revenue is None


def test_unknown_size_and_channel_stay_empty():
    facts = lead_facts(lead_pb2.Lead(id="lead-8"))
    assert facts.company_size is None and facts.lead_source == "" and facts.annual_revenue is None
