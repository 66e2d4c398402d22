"""CampaignService and ScoringService over a real gRPC server (fake unit of work)."""

import grpc
from google.protobuf import field_mask_pb2

from crm.common.v1 import money_pb2, pagination_pb2
from crm.leads.v1 import campaign_pb2, lead_pb2, scoring_pb2

SC = grpc.StatusCode


def spring(**overrides) -> campaign_pb2.Campaign:
    campaign = campaign_pb2.Campaign(
        name="Spring Fair 2026",
        channel=lead_pb2.CHANNEL_EVENT,
        starts_on=campaign_pb2.CalendarDate(year=2026, month=4, day=1),
        ends_on=campaign_pb2.CalendarDate(year=2026, month=4, day=3),
        cost=money_pb2.Money(amount="15000.50", currency="EUR"),
    )
    for name, value in overrides.items():
        setattr(campaign, name, value)
    return campaign


def test_campaign_create_read_update_list(rpc, world):
    created = rpc.call(
        rpc.campaigns.CreateCampaign,
        campaign_pb2.CreateCampaignRequest(campaign=spring()),
        world.mia,
    )
    assert (created.cost.amount, created.ends_on.day, created.version) == ("15000.50", 3, 1)
    read = rpc.call(
        rpc.campaigns.GetCampaign,
        campaign_pb2.GetCampaignRequest(campaign_id=created.id),
        world.ann,
    )
    assert read == created
    changed = campaign_pb2.Campaign(cost=money_pb2.Money(amount="16000", currency="EUR"))
    updated = rpc.call(
        rpc.campaigns.UpdateCampaign,
        campaign_pb2.UpdateCampaignRequest(
            campaign_id=created.id,
            campaign=changed,
            expected_version=1,
            update_mask=field_mask_pb2.FieldMask(paths=["cost", "ends_on"]),
        ),
        world.meg,
    )
    assert updated.cost.amount == "16000" and not updated.HasField("ends_on")
    assert updated.version == 2 and updated.name == created.name
    rpc.call(
        rpc.campaigns.CreateCampaign,
        campaign_pb2.CreateCampaignRequest(
            campaign=spring(name="Ads Q2", channel=lead_pb2.CHANNEL_PAID_ADS)
        ),
        world.mia,
    )
    listed = rpc.call(
        rpc.campaigns.ListCampaigns,
        campaign_pb2.ListCampaignsRequest(page=pagination_pb2.PageRequest(page_size=1)),
        world.ann,
    )
    assert [c.name for c in listed.campaigns] == ["Ads Q2"] and listed.page_info.next_cursor
    events = rpc.call(
        rpc.campaigns.ListCampaigns,
        campaign_pb2.ListCampaignsRequest(channel=lead_pb2.CHANNEL_EVENT),
        world.ann,
    )
    assert [c.name for c in events.campaigns] == ["Spring Fair 2026"]


def test_campaign_errors(rpc, world):
    err = rpc.error(
        rpc.campaigns.CreateCampaign,
        campaign_pb2.CreateCampaignRequest(campaign=spring()),
        world.ann,
    )
    assert err.code() == SC.PERMISSION_DENIED and "marketing or management" in err.details()
    err = rpc.error(
        rpc.campaigns.CreateCampaign,
        campaign_pb2.CreateCampaignRequest(
            campaign=campaign_pb2.Campaign(
                ends_on=campaign_pb2.CalendarDate(year=2026, month=2, day=30)
            )
        ),
        world.mia,
    )
    assert err.code() == SC.INVALID_ARGUMENT
    assert "2026-02-30 is not a calendar date" in err.details()
    err = rpc.error(
        rpc.campaigns.CreateCampaign,
        campaign_pb2.CreateCampaignRequest(campaign=campaign_pb2.Campaign()),
        world.mia,
    )
    for field in ("name", "channel", "starts_on", "cost"):
        assert f"{field}: is required" in err.details()
    rpc.call(
        rpc.campaigns.CreateCampaign,
        campaign_pb2.CreateCampaignRequest(campaign=spring()),
        world.mia,
    )
    err = rpc.error(
        rpc.campaigns.CreateCampaign,
        campaign_pb2.CreateCampaignRequest(campaign=spring(name="spring fair 2026")),
        world.mia,
    )
    assert err.code() == SC.ALREADY_EXISTS and "choose another name" in err.details()
    err = rpc.error(
        rpc.campaigns.GetCampaign, campaign_pb2.GetCampaignRequest(campaign_id="nope"), world.ann
    )
    assert err.code() == SC.NOT_FOUND
    created = rpc.call(
        rpc.campaigns.ListCampaigns, campaign_pb2.ListCampaignsRequest(), world.ann
    ).campaigns[0]
    err = rpc.error(
        rpc.campaigns.UpdateCampaign,
        campaign_pb2.UpdateCampaignRequest(
            campaign_id=created.id, update_mask=field_mask_pb2.FieldMask(paths=["cost"])
        ),
        world.mia,
    )
    assert err.code() == SC.INVALID_ARGUMENT and "write 0 with a currency" in err.details()


MODEL = scoring_pb2.ScoringModel(
    sales_line_id="line-1",
    fit_rules=[
        scoring_pb2.FitRule(
            id="de",
            attribute="country",
            operator=scoring_pb2.RULE_OPERATOR_EQUALS,
            values=["germany"],
            points=30,
        )
    ],
    engagement_rules=[
        scoring_pb2.EngagementRule(
            kind=lead_pb2.ACTIVITY_KIND_DEMO_REQUESTED, points=40, half_life_days="7", max_points=60
        )
    ],
)


def test_scoring_model_edit_and_explanation(rpc, world):
    empty = rpc.call(
        rpc.scoring.GetScoringModel,
        scoring_pb2.GetScoringModelRequest(sales_line_id="line-1"),
        world.ann,
    )
    assert empty.version == 0 and not empty.fit_rules
    saved = rpc.call(
        rpc.scoring.UpdateScoringModel,
        scoring_pb2.UpdateScoringModelRequest(model=MODEL, expected_version=0),
        world.mia,
    )
    assert saved.version == 1 and list(saved.fit_rules[0].values) == ["DE"]
    assert saved.engagement_rules[0].kind == lead_pb2.ACTIVITY_KIND_DEMO_REQUESTED
    assert "scoring_model_changed" in world.event_types()
    err = rpc.error(
        rpc.scoring.UpdateScoringModel,
        scoring_pb2.UpdateScoringModelRequest(model=MODEL, expected_version=7),
        world.mia,
    )
    assert err.code() == SC.FAILED_PRECONDITION and "reload it" in err.details()
    lead = world.lead_in(location__country="DE")
    explained = rpc.call(
        rpc.scoring.ExplainLeadScore,
        scoring_pb2.ExplainLeadScoreRequest(lead_id=lead.id),
        world.ann,
    )
    assert explained.score.score == 30 and explained.factors[0].source_id == "de"
    assert explained.score.grade == lead_pb2.GRADE_C
    err = rpc.error(
        rpc.scoring.ExplainLeadScore,
        scoring_pb2.ExplainLeadScoreRequest(lead_id=lead.id),
        world.ben,
    )
    assert err.code() == SC.NOT_FOUND


def test_scoring_model_errors(rpc, world):
    bad = scoring_pb2.ScoringModel(
        sales_line_id="line-1",
        fit_rules=[scoring_pb2.FitRule(id="x", attribute="shoe_size", points=0)],
    )
    err = rpc.error(
        rpc.scoring.UpdateScoringModel, scoring_pb2.UpdateScoringModelRequest(model=bad), world.mia
    )
    assert err.code() == SC.INVALID_ARGUMENT
    for path in ("fit_rules[0].attribute", "fit_rules[0].operator", "fit_rules[0].points"):
        assert path in err.details()
    err = rpc.error(
        rpc.scoring.UpdateScoringModel,
        scoring_pb2.UpdateScoringModelRequest(model=MODEL),
        world.ann,
    )
    assert err.code() == SC.PERMISSION_DENIED
    err = rpc.error(rpc.scoring.GetScoringModel, scoring_pb2.GetScoringModelRequest(), world.ann)
    assert err.code() == SC.INVALID_ARGUMENT and rpc.field(err) == "sales_line_id"


def test_interaction_rules_over_grpc_and_a_logged_call_scores_the_lead(rpc, world):
    from crm_leads.service_layer.interactions import log_lead_interaction

    model = scoring_pb2.ScoringModel(
        sales_line_id="line-1",
        interaction_rules=[
            scoring_pb2.InteractionRule(
                kind="call", outcome="connected", points=15, half_life_days="14", max_points=30
            )
        ],
    )
    saved = rpc.call(
        rpc.scoring.UpdateScoringModel,
        scoring_pb2.UpdateScoringModelRequest(model=model),
        world.mia,
    )
    (rule,) = saved.interaction_rules
    assert (rule.kind, rule.outcome, rule.points, rule.half_life_days) == (
        "call",
        "connected",
        15,
        "14",
    )
    lead = world.lead_in()
    log_lead_interaction(
        world.deps, world.ann, lead_id=lead.id, kind="call", subject="Intro", outcome="connected"
    )
    explained = rpc.call(
        rpc.scoring.ExplainLeadScore,
        scoring_pb2.ExplainLeadScoreRequest(lead_id=lead.id),
        world.ann,
    )
    assert explained.score.score == 15
    assert explained.factors[0].source_id == "interaction:call:connected"
    bad = scoring_pb2.ScoringModel(
        sales_line_id="line-1", interaction_rules=[scoring_pb2.InteractionRule(kind="fax")]
    )
    err = rpc.error(
        rpc.scoring.UpdateScoringModel, scoring_pb2.UpdateScoringModelRequest(model=bad), world.mia
    )
    assert err.code() == SC.INVALID_ARGUMENT and "interaction_rules[0].kind" in err.details()
