"""CampaignService and ScoringService end to end on PostgreSQL."""

import uuid

import grpc
import pytest

from crm.common.v1 import money_pb2
from crm.leads.v1 import campaign_pb2, lead_pb2, lead_service_pb2, scoring_pb2

pytestmark = pytest.mark.integration
SC = grpc.StatusCode


def test_campaign_round_trip_keeps_the_cost_exact(client, team):
    name = f"Fair {uuid.uuid4().hex[:8]}"
    created = client.call(
        client.campaigns.CreateCampaign,
        campaign_pb2.CreateCampaignRequest(
            campaign=campaign_pb2.Campaign(
                name=name,
                channel=lead_pb2.CHANNEL_EVENT,
                starts_on=campaign_pb2.CalendarDate(year=2026, month=5, day=4),
                cost=money_pb2.Money(amount="9999.99", currency="EUR"),
            )
        ),
        team.marketer,
    )
    read = client.call(
        client.campaigns.GetCampaign,
        campaign_pb2.GetCampaignRequest(campaign_id=created.id),
        team.owner,
    )
    assert read.cost.amount == "9999.99" and not read.HasField("ends_on")
    updated = client.call(
        client.campaigns.UpdateCampaign,
        campaign_pb2.UpdateCampaignRequest(
            campaign_id=created.id,
            expected_version=created.version,
            campaign=campaign_pb2.Campaign(
                ends_on=campaign_pb2.CalendarDate(year=2026, month=5, day=6)
            ),
            update_mask={"paths": ["ends_on"]},
        ),
        team.manager,
    )
    assert updated.ends_on.day == 6 and updated.version == created.version + 1
    err = client.error(
        client.campaigns.CreateCampaign,
        campaign_pb2.CreateCampaignRequest(
            campaign=campaign_pb2.Campaign(
                name=name.upper(),
                channel=lead_pb2.CHANNEL_EVENT,
                starts_on=campaign_pb2.CalendarDate(year=2026, month=5, day=4),
                cost=money_pb2.Money(amount="1", currency="EUR"),
            )
        ),
        team.marketer,
    )
    assert err.code() == SC.ALREADY_EXISTS and created.id in err.details()
    lead = client.call(
        client.leads.CreateLead,
        lead_service_pb2.CreateLeadRequest(
            idempotency_key=uuid.uuid4().hex,
            lead=lead_pb2.LeadInput(
                person=lead_pb2.Person(email=f"fair.{uuid.uuid4().hex[:8]}@visitor.example"),
                source=lead_pb2.Source(channel=lead_pb2.CHANNEL_EVENT, campaign_id=created.id),
            ),
        ),
        team.form,
    )
    assert lead.lead.id


def test_scoring_model_per_line_scores_and_explains(client, team):
    model = scoring_pb2.ScoringModel(
        sales_line_id=team.line,
        fit_rules=[
            scoring_pb2.FitRule(
                id="fr",
                attribute="country",
                operator=scoring_pb2.RULE_OPERATOR_IN,
                values=["France", "DE"],
                points=40,
            ),
            scoring_pb2.FitRule(
                id="big",
                attribute="company_size",
                operator=scoring_pb2.RULE_OPERATOR_AT_LEAST,
                values=["medium"],
                points=20,
            ),
        ],
    )
    saved = client.call(
        client.scoring.UpdateScoringModel,
        scoring_pb2.UpdateScoringModelRequest(model=model),
        team.marketer,
    )
    assert saved.version == 1 and list(saved.fit_rules[0].values) == ["FR", "DE"]
    read = client.call(
        client.scoring.GetScoringModel,
        scoring_pb2.GetScoringModelRequest(sales_line_id=team.line),
        team.owner,
    )
    assert read == saved
    created = client.call(
        client.leads.CreateLead,
        lead_service_pb2.CreateLeadRequest(
            idempotency_key=uuid.uuid4().hex,
            lead=lead_pb2.LeadInput(
                person=lead_pb2.Person(email=f"score.{uuid.uuid4().hex[:8]}@big.example"),
                company=lead_pb2.Company(size=lead_pb2.COMPANY_SIZE_LARGE),
                location=lead_pb2.Location(country="FR"),
                sales_line_id=team.line,
                source=lead_pb2.Source(channel=lead_pb2.CHANNEL_REFERRAL),
            ),
        ),
        team.form,
    )
    team.route(created.lead.id)
    explained = client.call(
        client.scoring.ExplainLeadScore,
        scoring_pb2.ExplainLeadScoreRequest(lead_id=created.lead.id),
        team.owner,
    )
    assert explained.score.score == 60 and explained.score.grade == lead_pb2.GRADE_B
    assert [f.source_id for f in explained.factors] == ["fr", "big"]
    err = client.error(
        client.scoring.ExplainLeadScore,
        scoring_pb2.ExplainLeadScoreRequest(lead_id=created.lead.id),
        team.outsider,
    )
    assert err.code() == SC.NOT_FOUND
    err = client.error(
        client.scoring.UpdateScoringModel,
        scoring_pb2.UpdateScoringModelRequest(model=model, expected_version=5),
        team.marketer,
    )
    assert err.code() == SC.FAILED_PRECONDITION
