"""Proto -> use-case arguments: presence on capture, field masks on update, enum words."""

import datetime as dt

import pytest

from crm.common.v1 import money_pb2
from crm.leads.v1 import lead_pb2, lead_service_pb2
from crm_chassis.errors import InvalidArgument, ValidationErrors
from crm_leads.adapters import grpc_mapping
from crm_leads.domain.lead import LeadStatus
from crm_leads.domain.values import Channel


def test_capture_passes_only_given_values():
    lead = lead_pb2.LeadInput(
        person=lead_pb2.Person(email="a@b.example"),
        company=lead_pb2.Company(
            size=lead_pb2.COMPANY_SIZE_SMALL,
            annual_revenue=money_pb2.Money(amount="10", currency="EUR"),
        ),
        source=lead_pb2.Source(channel=lead_pb2.CHANNEL_EVENT),
        consent=lead_pb2.Consent(phone_contact=True),
        custom_attributes={"k": "v"},
    )
    assert grpc_mapping.capture_values(lead) == {
        "person.email": "a@b.example",
        "company.size": "small",
        "company.annual_revenue": ("10", "EUR"),
        "source.channel": "event",
        "consent.phone_contact": True,
        "custom_attributes": {"k": "v"},
    }


def test_update_mask_expands_groups_and_keeps_empty_values():
    moment = dt.datetime(2026, 1, 2, tzinfo=dt.UTC)
    lead = lead_pb2.LeadInput(
        consent=lead_pb2.Consent(email_marketing=True), custom_attributes={"budget": "9k"}
    )
    lead.consent.captured_at.FromDatetime(moment)
    values = grpc_mapping.update_values(
        lead,
        ["consent", "custom_attributes.budget", "custom_attributes.gone", "company.size", "nope"],
    )
    assert values == {
        "consent.email_marketing": True,
        "consent.phone_contact": False,
        "consent.data_processing": False,
        "consent.captured_at": moment,
        "custom_attributes.budget": "9k",
        "custom_attributes.gone": "",
        "company.size": "",
        "nope": "",
    }


def test_filter_enums_and_countries_are_checked_together():
    lead_filter = grpc_mapping.lead_filter(
        lead_service_pb2.LeadFilter(
            statuses=[lead_pb2.LEAD_STATUS_MERGED],
            channels=[lead_pb2.CHANNEL_REFERRAL],
            countries=["Germany", "fra"],
            min_score=10,
        )
    )
    assert lead_filter.statuses == {LeadStatus.MERGED}
    assert lead_filter.channels == {Channel.REFERRAL}
    assert lead_filter.countries == {"DE", "FR"} and lead_filter.min_score == 10
    assert lead_filter.max_score == 100
    with pytest.raises(ValidationErrors) as caught:
        grpc_mapping.lead_filter(
            lead_service_pb2.LeadFilter(grades=[0], company_sizes=[42], countries=["Mordor"])
        )
    assert {p for p, _ in caught.value.problems} == {
        "filter.grades",
        "filter.company_sizes",
        "filter.countries",
    }


def test_unknown_policy_and_sort_numbers_are_refused():
    with pytest.raises(InvalidArgument, match="REJECT or MERGE"):
        grpc_mapping.duplicate_policy(7)
    with pytest.raises(InvalidArgument, match="SCORE, CREATED_AT or UPDATED_AT"):
        grpc_mapping.sort_field(9)
    assert grpc_mapping.enum_word(lead_pb2.Channel, 99) == "99"
