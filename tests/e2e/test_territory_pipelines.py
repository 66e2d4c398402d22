"""End to end over the real processes of identity, territory, leads and deals: pipelines per
territory. A territory that names its own pipeline (an additional pipeline of its line in deals)
gets its converted leads' opportunities in it; a territory without one gets the line's; a
territory naming a pipeline deals does not have is refused with a message saying which territory
names what, on CreateDeal (FAILED_PRECONDITION) and on the lead's conversion (retried, its
last_error shows the message)."""

from __future__ import annotations

import grpc
import pytest
from e2e_platform import (
    STAGES,
    As,
    Stubs,
    converted_lead,
    create_pipeline,
    small_company,
    unique,
    visible_lead,
    web_form_lead,
)

from crm.deals.v1 import accounts_pb2, deals_pb2, pipelines_pb2, pipelines_pb2_grpc, resources_pb2
from crm.leads.v1 import lead_pb2
from crm.leads.v1 import lead_service_pb2 as ls
from crm.territory.v1 import sales_lines_pb2, territories_pb2
from crm_devrun.bed import PlatformBed

pytestmark = pytest.mark.integration


def _territory(stubs, admin, line, team, name, country, priority, pipeline_id=""):
    return admin(
        stubs.territories.CreateTerritory,
        territories_pb2.CreateTerritoryRequest(
            name=unique(name),
            sales_line_id=line.id,
            team_id=team.id,
            priority=priority,
            rules=[
                territories_pb2.RoutingRule(
                    name=country,
                    conditions=[
                        territories_pb2.RuleCondition(attribute="country", values=[country])
                    ],
                )
            ],
            pipeline_id=pipeline_id,
        ),
    ).territory


@pytest.fixture(scope="module")
def platform(tmp_path_factory):
    with PlatformBed(
        ["identity", "territory", "leads", "deals"], tmp_path_factory.mktemp("bed")
    ) as bed:
        stubs = Stubs(bed)
        admin = As(bed.admin_token())
        company = small_company(bed, stubs, admin)
        line = admin(
            stubs.lines.CreateSalesLine,
            sales_lines_pb2.CreateSalesLineRequest(
                name=unique("SMB"),
                workflow_kind=sales_lines_pb2.WORKFLOW_KIND_QUOTE,
                team_ids=[company["berlin"].id, company["munich"].id],
            ),
        ).sales_line
        line_pipeline = create_pipeline(bed, admin, line.id)
        berlin_pipeline = admin(
            pipelines_pb2_grpc.PipelineServiceStub(bed.channel("deals")).CreatePipeline,
            pipelines_pb2.CreatePipelineRequest(
                sales_line_id=line.id,
                name="Berlin pipeline",
                additional=True,
                stages=[
                    resources_pb2.Stage(
                        key=f"berlin_{key}",
                        name=name,
                        default_probability=probability,
                        forecast_category=getattr(resources_pb2, category),
                    )
                    for key, name, probability, category in STAGES
                ],
            ),
        )
        germany = _territory(
            stubs, admin, line, company["berlin"], "Germany", "DE", 1, berlin_pipeline.id
        )
        austria = _territory(stubs, admin, line, company["munich"], "Austria", "AT", 2)
        yield dict(
            bed=bed,
            stubs=stubs,
            admin=admin,
            line=line,
            line_pipeline=line_pipeline,
            berlin_pipeline=berlin_pipeline,
            germany=germany,
            austria=austria,
            **company,
        )


def _austrian_lead(line_id: str) -> ls.CreateLeadRequest:
    request = web_form_lead(line_id)
    request.lead.location.country = "AT"
    request.lead.location.city = "Wien"
    return request


def _converted_deal(platform, person: As, request: ls.CreateLeadRequest):
    stubs, bed = platform["stubs"], platform["bed"]
    lead_id = platform["admin"](stubs.leads.CreateLead, request).lead.id
    bed.wait_for(lambda: visible_lead(stubs, person, lead_id), 60, "lead not routed")
    lead = converted_lead(bed, stubs, person, lead_id)
    return person(stubs.deals.GetDeal, deals_pb2.GetDealRequest(id=lead.conversion.opportunity_id))


def test_a_territory_with_its_own_pipeline_gets_its_opportunities_in_it(platform):
    sue = platform["people"]["sue"]
    deal = _converted_deal(platform, sue, web_form_lead(platform["line"].id))
    assert (deal.team_id, deal.pipeline_id, deal.stage_key) == (
        platform["berlin"].id,
        platform["berlin_pipeline"].id,
        "berlin_new",
    )


def test_a_territory_without_one_gets_the_lines_pipeline(platform):
    cid = platform["people"]["cid"]
    deal = _converted_deal(platform, cid, _austrian_lead(platform["line"].id))
    assert (deal.team_id, deal.pipeline_id, deal.stage_key) == (
        platform["munich"].id,
        platform["line_pipeline"].id,
        "new",
    )


def test_an_unknown_pipeline_is_refused_with_a_clear_message(platform):
    stubs, bed, admin = platform["stubs"], platform["bed"], platform["admin"]
    cid = platform["people"]["cid"]
    austria = admin(
        stubs.territories.UpdateTerritory,
        territories_pb2.UpdateTerritoryRequest(
            id=platform["austria"].id, pipeline_id="pipe-unknown"
        ),
    ).territory
    assert austria.pipeline_id == "pipe-unknown"
    account = cid(
        stubs.accounts.CreateAccount,
        accounts_pb2.CreateAccountRequest(team_id=platform["munich"].id, name=unique("Wien AG")),
    )
    # Asked with a stage no pipeline has, so that a deal is never created while deals' worker
    # does not have territory's event yet: INVALID_ARGUMENT (no such stage) until it has it,
    # then FAILED_PRECONDITION (the pipeline is checked first).
    probe = deals_pb2.CreateDealRequest(
        name="Wien rollout",
        account_id=account.id,
        sales_line_id=platform["line"].id,
        currency="EUR",
        stage_key="no_such_stage",
    )

    def answer(request):
        try:
            return cid(stubs.deals.CreateDeal, request)
        except grpc.RpcError as error:
            return error

    def refused():
        error = answer(probe)
        return error if error.code() == grpc.StatusCode.FAILED_PRECONDITION else None

    error = bed.wait_for(refused, 60, "deals never refused the territory's unknown pipeline")
    assert f"territory '{austria.name}'" in error.details()
    assert "'pipe-unknown'" in error.details() and "crmctl pipelines create" in error.details()
    # A lead of the territory cannot convert either: retried, and its last error says why.
    lead_id = admin(stubs.leads.CreateLead, _austrian_lead(platform["line"].id)).lead.id
    bed.wait_for(lambda: visible_lead(stubs, cid, lead_id), 60, "lead not routed")
    cid(stubs.leads.ConvertLead, ls.ConvertLeadRequest(lead_id=lead_id, opportunity_name="Wien"))

    def failing():
        lead = cid(stubs.leads.GetLead, ls.GetLeadRequest(lead_id=lead_id))
        failed = lead.conversion.state == lead_pb2.CONVERSION_STATE_FAILED_RETRYING
        return lead if failed and "pipe-unknown" in lead.conversion.last_error else None

    lead = bed.wait_for(failing, 60, "the conversion never showed the refusal")
    assert f"territory '{austria.name}'" in lead.conversion.last_error
    # Back to the line's pipeline: deals follows at once.
    admin(
        stubs.territories.UpdateTerritory,
        territories_pb2.UpdateTerritoryRequest(id=austria.id, pipeline_id=""),
    )
    bed.wait_for(
        lambda: answer(probe).code() == grpc.StatusCode.INVALID_ARGUMENT,
        60,
        "the territory's change never reached deals",
    )
    probe.stage_key = ""
    deal = cid(stubs.deals.CreateDeal, probe)
    assert deal.pipeline_id == platform["line_pipeline"].id
