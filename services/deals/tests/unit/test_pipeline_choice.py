"""Pipelines per territory: a line's additional pipelines, territories' choice kept from
territory's events, and the pipeline a new deal goes into (territory's, else the line's),
checked: unknown pipelines and pipelines of another line are refused saying what to fix."""

from __future__ import annotations

import datetime as dt

import pytest
from deals_testkit import STAGES, WORKER, eur

from crm_chassis.errors import AlreadyExists, FailedPrecondition, InvalidArgument, NotFound
from crm_deals.domain.sales_lines import SalesLine, TerritoryPipeline
from crm_deals.service_layer import contracts, deals, pipelines, transfers
from crm_deals.service_layer.conversions import LeadConversion, convert_lead
from crm_deals.service_layer.pipeline_choice import record_territory_pipeline
from crm_deals.service_layer.sales_lines import record_sales_line

NORDIC_STAGES = [
    {**STAGES[0], "key": "discover", "name": "Discover"},
    {**STAGES[2], "key": "sign", "name": "Sign"},
]


def _extra(world, line="line-1", name="Nordic"):
    return pipelines.create_pipeline(
        world.deps,
        world.admin,
        sales_line_id=line,
        name=name,
        stages=NORDIC_STAGES,
        additional=True,
    )


def _territory(world, pipeline_id, *, tid="terr-north", team="team-a", line="line-1", **kw):
    values = dict(
        territory_id=tid,
        name=kw.pop("name", "North"),
        sales_line_id=line,
        team_id=team,
        pipeline_id=pipeline_id,
        active=kw.pop("active", True),
        version=kw.pop("version", 1),
    )
    return record_territory_pipeline(world.deps, WORKER, TerritoryPipeline(**values))


def _convert(world, conversion_id="conv-1", team="team-a", owner="bob"):
    return convert_lead(
        world.deps,
        WORKER,
        LeadConversion(
            conversion_id=conversion_id,
            lead_id=f"lead-{conversion_id}",
            team_id=team,
            owner_user_id=owner,
            sales_line_id="line-1",
            company_name="Initech",
            first_name="Peter",
            last_name="Gibbons",
        ),
    )


def test_a_line_gets_additional_pipelines_only_when_asked(world):
    with pytest.raises(AlreadyExists) as err:
        pipelines.create_pipeline(
            world.deps, world.admin, sales_line_id="line-1", name="Again", stages=STAGES
        )
    assert "--additional" in err.value.message
    nordic = _extra(world)
    assert (nordic.line_default, world.pipeline.line_default) == (False, True)
    # The line's pipeline stays its default one.
    got = pipelines.get_pipeline(world.deps, world.alice, sales_line_id="line-1")
    assert got.id == world.pipeline.id
    # A line's first pipeline is its default one, with or without the flag.
    first = _extra(world, line="line-2", name="Second line")
    assert first.line_default


def test_a_territory_pipeline_takes_its_teams_deals_others_keep_the_lines(world):
    nordic = _extra(world)
    assert _territory(world, nordic.id) == ""
    deal = world.deal()  # alice, team A
    assert (deal.pipeline_id, deal.stage_key) == (nordic.id, "discover")
    converted = world.get("opportunities", _convert(world).opportunity_id)
    assert converted.pipeline_id == nordic.id
    # team B has no territory naming a pipeline: the line's.
    other = world.deal(world.tom, world.account(world.tom, team_id="team-b"))
    assert other.pipeline_id == world.pipeline.id
    # A territory of the team without a pipeline does not change that choice.
    _territory(world, "", tid="terr-plain", name="Plain")
    assert world.deal().pipeline_id == nordic.id


def test_a_deactivated_territory_and_an_older_snapshot_change_nothing(world):
    nordic = _extra(world)
    _territory(world, nordic.id, version=3)
    _territory(world, "", version=2)  # late: ignored
    assert world.deal().pipeline_id == nordic.id
    _territory(world, nordic.id, active=False, version=4)
    assert world.deal().pipeline_id == world.pipeline.id


def test_an_unknown_territory_pipeline_is_recorded_and_refused_at_deal_creation(world):
    problem = _territory(world, "pipe-missing")
    assert "no such pipeline" in problem
    with pytest.raises(FailedPrecondition) as err:
        world.deal()
    message = err.value.message
    assert "territory 'North'" in message and "'pipe-missing'" in message
    assert "crmctl pipelines create --line" in message and "--additional" in message
    assert err.value.field == "pipeline_id"
    # A converted lead is refused the same way, retryable (an administrator can fix it).
    accounts_before = len(world.uow.state.table("accounts"))
    assert _convert(world) is None
    rejected = world.uow.events("lead_conversion_rejected")[-1]
    assert rejected.retryable and "'pipe-missing'" in rejected.reason
    assert len(world.uow.state.table("accounts")) == accounts_before  # nothing left behind
    # Once the territory names a pipeline of the line, the lead converts.
    fixed = _extra(world)
    _territory(world, fixed.id, version=2)
    assert _convert(world, "conv-2") is not None


def test_a_pipeline_of_another_line_is_refused_naming_both_lines(world):
    record_sales_line(world.deps, WORKER, SalesLine("line-2", "Retail", "quote", True, 1))
    record_sales_line(world.deps, WORKER, SalesLine("line-1", "Enterprise", "quote", True, 2))
    retail = _extra(world, line="line-2", name="Retail flow")
    assert "belongs to sales line 'Retail'" in _territory(world, retail.id)
    with pytest.raises(FailedPrecondition) as err:
        world.deal()
    assert "'Retail flow'" in err.value.message
    assert "sales line 'Retail', not to 'Enterprise'" in err.value.message


def test_the_line_may_name_one_of_its_pipelines(world):
    nordic = _extra(world)
    record_sales_line(
        world.deps, WORKER, SalesLine("line-1", "Enterprise", "quote", True, 2, nordic.id)
    )
    assert world.deal().pipeline_id == nordic.id
    # A reference deals does not have (lines carried free references before): the default.
    record_sales_line(
        world.deps, WORKER, SalesLine("line-1", "Enterprise", "quote", True, 3, "pipe-smb")
    )
    assert world.deal().pipeline_id == world.pipeline.id
    # Another line's pipeline is refused.
    other = _extra(world, line="line-2", name="Retail flow")
    record_sales_line(
        world.deps, WORKER, SalesLine("line-1", "Enterprise", "quote", True, 4, other.id)
    )
    with pytest.raises(FailedPrecondition) as err:
        world.deal()
    assert "sales line 'Enterprise' names pipeline 'Retail flow'" in err.value.message
    # A territory's choice comes before the line's.
    _territory(world, nordic.id)
    assert world.deal().pipeline_id == nordic.id


def test_create_deal_may_name_its_territory(world):
    nordic = _extra(world)
    _territory(world, nordic.id)
    _territory(world, "", tid="terr-south", name="South", version=1)
    # Naming a territory without a pipeline: the line's (the team's other territory aside).
    assert world.deal(territory_id="terr-south").pipeline_id == world.pipeline.id
    assert world.deal(territory_id="terr-north").pipeline_id == nordic.id
    with pytest.raises(NotFound) as err:
        world.deal(territory_id="terr-nowhere")
    assert err.value.field == "territory_id"
    _territory(world, "", tid="terr-b", name="B land", team="team-b")
    with pytest.raises(InvalidArgument) as err:
        world.deal(territory_id="terr-b")
    assert "not by the account's team" in err.value.message
    _territory(world, "", tid="terr-l2", name="L2", line="line-2")
    with pytest.raises(InvalidArgument) as err:
        world.deal(territory_id="terr-l2")
    assert "give a territory of the deal's line" in err.value.message


def test_two_territories_naming_different_pipelines_are_refused(world):
    # territory refuses this; the replica may still see it while events are on their way.
    nordic, baltic = _extra(world), _extra(world, name="Baltic")
    _territory(world, nordic.id)
    _territory(world, baltic.id, tid="terr-baltic", name="Baltic")
    with pytest.raises(FailedPrecondition) as err:
        world.deal()
    assert "name different pipelines" in err.value.message


def test_a_transfer_keeps_the_deal_in_its_pipeline(world):
    nordic = _extra(world)
    _territory(world, nordic.id, team="team-b")
    deal = world.deal()  # team A: the line's pipeline
    world.call(
        transfers.transfer_deal,
        world.mia,
        deal.id,
        to_team_id="team-b",
        reason="moves to B",
        new_owner_user_id="tom",
    )
    moved = world.get("opportunities", deal.id)
    assert (moved.team_id, moved.pipeline_id, moved.stage_key) == (
        "team-b",
        world.pipeline.id,
        "qualify",
    )
    # New deals of team B go into its territory's pipeline.
    assert world.deal(world.tom, world.account(world.tom, team_id="team-b")).pipeline_id == (
        nordic.id
    )


def test_a_teams_board_shows_its_pipeline_and_deals(world):
    nordic = _extra(world)
    before = world.deal(name="in the line's pipeline")
    _territory(world, nordic.id)
    after = world.deal(name="in the territory's pipeline")
    board = world.call(deals.board, world.alice, "line-1", team_id="team-a")
    assert board.pipeline.id == nordic.id
    assert [[d.id for d in c.deals] for c in board.columns] == [[after.id], []]
    line_board = world.call(deals.board, world.alice, "line-1")
    assert line_board.pipeline.id == world.pipeline.id
    assert [d.id for d in line_board.columns[0].deals] == [before.id]


def _signed_contract_deal(world):
    record_sales_line(world.deps, WORKER, SalesLine("line-1", "Enterprise", "contract", True, 2))
    deal = world.deal()
    contract = world.call(
        contracts.create_contract,
        world.alice,
        deal_id=deal.id,
        parties=["Acme GmbH", "Our Company Ltd"],
        terms="12 months",
        value=eur("12000.00"),
        start_date=dt.date(2026, 4, 1),
        end_date=dt.date(2027, 3, 31),
        notice_days=60,
    )
    world.call(contracts.sign_contract, world.alice, contract.id, signed_by="Dr. Vogel")
    world.clock.set(dt.datetime(2027, 1, 30, 6, 0, tzinfo=dt.UTC))
    return deal, contract


def test_a_renewal_goes_into_the_territorys_pipeline(world):
    nordic = _extra(world)
    deal, contract = _signed_contract_deal(world)
    assert deal.pipeline_id == world.pipeline.id  # the territory named its pipeline later
    _territory(world, nordic.id)
    assert contracts.open_due_renewals(world.deps, WORKER) == (1, {})
    renewal_id = world.get("contracts", contract.id).renewal_opportunity_id
    assert world.get("opportunities", renewal_id).pipeline_id == nordic.id


def test_a_renewal_whose_choice_is_refused_opens_beside_the_renewed_deal(world):
    deal, contract = _signed_contract_deal(world)
    _territory(world, "pipe-missing")
    assert contracts.open_due_renewals(world.deps, WORKER) == (1, {})
    renewal_id = world.get("contracts", contract.id).renewal_opportunity_id
    assert world.get("opportunities", renewal_id).pipeline_id == deal.pipeline_id
