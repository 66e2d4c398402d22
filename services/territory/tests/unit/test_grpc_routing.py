"""SalesLineService, TerritoryService and RoutingService over a real gRPC server: rules with bad
input refused clearly, PreviewRoute's explanation, decisions, the queue and hand-overs."""

import grpc
import pytest
from google.protobuf import field_mask_pb2

from crm.common.v1 import money_pb2
from crm.territory.v1 import routing_pb2, sales_lines_pb2, teams_pb2, territories_pb2
from crm_chassis.service_roles import CHOOSE_OWNERS, ROUTE_LEADS
from crm_territory.domain.teams import TeamRole
from crm_territory.service_layer import org, routing

from .conftest import ADMIN, WORKER, World, lead
from .grpc_client import Client, field_of, start

SC = grpc.StatusCode


def condition(attribute, *values, ranges=(), currency=""):
    return territories_pb2.RuleCondition(
        attribute=attribute,
        values=list(values),
        currency=currency,
        ranges=[territories_pb2.ValueRange(min=lo, max=hi) for lo, hi in ranges],
    )


@pytest.fixture
def api():
    w = World()
    unit = w.unit("DACH")
    berlin, munich, queue = w.team("Berlin", unit), w.team("Munich", unit), w.team("Queue", unit)
    w.member(berlin, "ann")
    w.member(berlin, "bob")
    w.member(berlin, "sue", role=TeamRole.SUPERVISOR, takes_leads=False)
    w.member(queue, "quinn")
    org.set_unassigned_queue(w.deps, ADMIN, team_id=queue.id)
    running, channel, tokens = start(w)
    client = Client(channel)
    admin = client.as_(tokens.user("admin-1", "admin", departments=("management",)))
    line = admin(
        admin.lines.CreateSalesLine,
        sales_lines_pb2.CreateSalesLineRequest(
            name="SMB",
            workflow_kind=sales_lines_pb2.WORKFLOW_KIND_QUOTE,
            pipeline_id="pipe-smb",
            team_ids=[berlin.id, munich.id],
        ),
    ).sales_line
    yield w, admin, client, tokens, line, berlin, munich
    channel.close()
    running.stop(0)


def territory(line, team, rules, name="DE", priority=1, **fields):
    return territories_pb2.CreateTerritoryRequest(
        name=name, sales_line_id=line.id, team_id=team.id, priority=priority, rules=rules, **fields
    )


def create(admin, line, team, rules, name="DE", priority=1):
    return admin(admin.territories.CreateTerritory, territory(line, team, rules, name, priority))


def targets(line, period, *team_amounts, **fields):
    """SetTargets of ``line`` for ``period``: a target a (team id, amount, currency)."""
    return sales_lines_pb2.SetTargetsRequest(
        sales_line_id=line.id,
        period=period,
        targets=[
            sales_lines_pb2.TargetInput(
                team_id=team_id, amount=money_pb2.Money(amount=amount, currency=currency), **fields
            )
            for team_id, amount, currency in team_amounts
        ],
    )


def test_bad_rules_are_refused_with_every_problem_named(api):
    _, admin, _, _, line, berlin, munich = api
    overlapping = territories_pb2.RoutingRule(
        name="sizes", conditions=[condition("company_size", ranges=[("1", "50"), ("10", "20")])]
    )
    err = admin.error(
        admin.territories.CreateTerritory,
        territory(
            line,
            berlin,
            [
                overlapping,
                territories_pb2.RoutingRule(name="x", conditions=[condition("shoe_size", "42")]),
            ],
        ),
    )
    assert err.code() == SC.INVALID_ARGUMENT
    assert "rules[0].conditions[0].ranges[1]: [10, 20) overlaps ranges[0] [1, 50)" in err.details()
    assert "shoe_size" in err.details() and "country" in err.details()  # lists the known ones
    assert field_of(err) == "rules[0].conditions[0].ranges[1]"
    shadowing = [
        territories_pb2.RoutingRule(name="all"),
        territories_pb2.RoutingRule(name="de", conditions=[condition("country", "DE")]),
    ]
    err = admin.error(
        admin.territories.CreateTerritory,
        territory(line, berlin, shadowing),
    )
    assert err.code() == SC.INVALID_ARGUMENT and "never match" in err.details()
    err = admin.error(
        admin.territories.CreateTerritory,
        territory(line, munich, [territories_pb2.RoutingRule(name="all")], "M", 2),
    )
    assert err.code() == SC.FAILED_PRECONDITION and "no active member" in err.details()
    err = admin.error(
        admin.territories.CreateTerritory,
        territories_pb2.CreateTerritoryRequest(
            name="M", sales_line_id=line.id, team_id=berlin.id, priority=2
        ),
    )
    assert err.code() == SC.INVALID_ARGUMENT and "at least one rule" in err.details()
    err = admin.error(
        admin.territories.CreateTerritory,
        territories_pb2.CreateTerritoryRequest(
            name="M",
            sales_line_id="nope",
            team_id=berlin.id,
            priority=2,
            rules=[territories_pb2.RoutingRule(name="all")],
        ),
    )
    assert err.code() == SC.NOT_FOUND


def test_rules_versions_and_stale_edits(api):
    _, admin, _, _, line, berlin, _ = api
    territory = create(
        admin,
        line,
        berlin,
        [territories_pb2.RoutingRule(name="de", conditions=[condition("country", "DE")])],
    ).territory
    assert territory.rules_version == 1 and territory.rules[0].description
    rule = territory.rules[0]
    changed = admin(
        admin.territories.SetTerritoryRules,
        territories_pb2.SetTerritoryRulesRequest(
            id=territory.id,
            expected_rules_version=1,
            comment="add Austria",
            rules=[
                territories_pb2.RoutingRule(
                    id=rule.id, name="de", conditions=[condition("country", "DE", "AT")]
                )
            ],
        ),
    ).territory
    assert changed.rules_version == 2 and changed.rules[0].id == rule.id
    err = admin.error(
        admin.territories.SetTerritoryRules,
        territories_pb2.SetTerritoryRulesRequest(
            id=territory.id,
            expected_rules_version=1,
            rules=[territories_pb2.RoutingRule(name="all")],
        ),
    )
    assert err.code() == SC.FAILED_PRECONDITION and "reload" in err.details()
    versions = admin(
        admin.territories.ListRuleVersions, territories_pb2.ListRuleVersionsRequest(id=territory.id)
    ).versions
    assert [(v.rules_version, v.comment) for v in versions] == [(2, "add Austria"), (1, "created")]
    assert versions[0].changed_by == "admin-1"
    attributes = admin(
        admin.territories.ListRuleAttributes, territories_pb2.ListRuleAttributesRequest()
    ).attributes
    assert {"country": "one_of", "postal_code": "prefix", "company_size": "range"}.items() <= {
        a.name: a.kind for a in attributes
    }.items()


def test_preview_explains_without_routing(api):
    w, admin, client, tokens, line, berlin, _ = api
    create(
        admin,
        line,
        berlin,
        [
            territories_pb2.RoutingRule(
                name="DE mid-size",
                conditions=[
                    condition("country", "DE"),
                    condition("company_size", ranges=[("50", "250")]),
                ],
            ),
            territories_pb2.RoutingRule(name="DE", conditions=[condition("country", "DE")]),
        ],
    )
    request = routing_pb2.PreviewRouteRequest(
        lead=routing_pb2.LeadAttributes(country="de", company_size=120)
    )
    decision = admin(admin.routing.PreviewRoute, request).decision
    why = decision.explanation
    assert decision.outcome == routing_pb2.ROUTING_OUTCOME_ROUTED and decision.team_id == berlin.id
    assert decision.owner_user_id in ("ann", "bob")
    assert (
        why.territory_name,
        why.rule.name,
        why.rule_position,
        why.rules_version,
        why.rules_tried,
    ) == ("DE", "DE mid-size", 1, 1, 1)
    assert "territory 'DE' rule #1 'DE mid-size'" in why.summary
    assert why.owner_choice.strategy == teams_pb2.ROUTING_STRATEGY_ROUND_ROBIN
    notes = {n.user_id: n for n in why.owner_choice.candidates}
    assert set(notes) == {"ann", "bob", "sue"}
    assert (
        notes["sue"].skip_reason == routing_pb2.SKIP_REASON_NOT_TAKING_LEADS
        and not notes["sue"].eligible
    )
    # Nothing was stored, published or moved: the same preview answers the same.
    assert (
        admin(admin.routing.PreviewRoute, request).decision.owner_user_id == decision.owner_user_id
    )
    assert "lead_routed" not in w.uow.emitted_types()
    # Draft rules replace the current ones (version 0) without publishing them.
    draft = routing_pb2.PreviewRouteRequest(
        lead=routing_pb2.LeadAttributes(country="FR"),
        drafts=[
            routing_pb2.DraftRules(
                territory_id=why.territory_id,
                rules=[
                    territories_pb2.RoutingRule(name="FR", conditions=[condition("country", "FR")])
                ],
            )
        ],
    )
    drafted = admin(admin.routing.PreviewRoute, draft).decision.explanation
    assert (drafted.rule.name, drafted.rules_version) == ("FR", 0)
    nothing = admin(
        admin.routing.PreviewRoute,
        routing_pb2.PreviewRouteRequest(lead=routing_pb2.LeadAttributes(country="FR")),
    ).decision
    assert nothing.outcome == routing_pb2.ROUTING_OUTCOME_UNROUTABLE
    assert nothing.unroutable_reason == routing_pb2.UNROUTABLE_REASON_NO_RULE_MATCHED
    assert "no rule matched (2 tried)" in nothing.explanation.summary
    # Supervisors may preview; experts may not.
    sue = client.as_(tokens.user("sue"))
    assert sue(sue.routing.PreviewRoute, request).decision.team_id == berlin.id
    ann = client.as_(tokens.user("ann"))
    assert ann.error(ann.routing.PreviewRoute, request).code() == SC.PERMISSION_DENIED
    bad = routing_pb2.PreviewRouteRequest(
        lead=routing_pb2.LeadAttributes(
            annual_revenue=money_pb2.Money(amount="lots", currency="EUR")
        )
    )
    err = admin.error(admin.routing.PreviewRoute, bad)
    assert err.code() == SC.INVALID_ARGUMENT and field_of(err) == "lead.annual_revenue.amount"
    twice = routing_pb2.PreviewRouteRequest(
        lead=routing_pb2.LeadAttributes(),
        drafts=[
            routing_pb2.DraftRules(
                territory_id=why.territory_id, rules=[territories_pb2.RoutingRule(name="a")]
            ),
            routing_pb2.DraftRules(
                territory_id=why.territory_id, rules=[territories_pb2.RoutingRule(name="b")]
            ),
        ],
    )
    err = admin.error(admin.routing.PreviewRoute, twice)
    assert err.code() == SC.INVALID_ARGUMENT and field_of(err) == "drafts[1].territory_id"


def test_decisions_are_visible_to_who_may_assign_and_the_queue_to_its_team(api):
    w, admin, client, tokens, line, berlin, _ = api
    create(
        admin,
        line,
        berlin,
        [territories_pb2.RoutingRule(name="DE", conditions=[condition("country", "DE")])],
    )
    routing.route_leads(
        w.deps,
        WORKER,
        leads=[
            lead(
                "L1",
                country="DE",
                region="Berlin",
                city="Berlin",
                postal_code="10115",
                industry="software",
                company_size=40,
                lead_source="web_form",
                campaign="spring",
                product_interests=("crm",),
            ),
            lead("L2", country="FR", city="Paris"),
        ],
    )
    sue, ann = client.as_(tokens.user("sue")), client.as_(tokens.user("ann"))
    quinn = client.as_(tokens.user("quinn"))
    mine = sue(sue.routing.GetRoutingDecision, routing_pb2.GetRoutingDecisionRequest(lead_id="L1"))
    assert mine.decision.team_id == berlin.id and mine.decision.explanation.territory_name == "DE"
    # Only what assigning needs of the lead: its id, line and coarse place.
    assert mine.decision.lead == routing_pb2.LeadAttributes(
        lead_id="L1", country="DE", region="Berlin"
    )
    # An expert does not reassign, another team's member neither: both answer like an unknown id.
    hidden = quinn.error(
        quinn.routing.GetRoutingDecision, routing_pb2.GetRoutingDecisionRequest(lead_id="L1")
    )
    expert = ann.error(
        ann.routing.GetRoutingDecision, routing_pb2.GetRoutingDecisionRequest(lead_id="L1")
    )
    unknown = quinn.error(
        quinn.routing.GetRoutingDecision, routing_pb2.GetRoutingDecisionRequest(lead_id="L9")
    )
    assert hidden.code() == expert.code() == unknown.code() == SC.NOT_FOUND
    assert hidden.details().replace("L1", "L9") == unknown.details()
    queued = quinn(
        quinn.routing.ListUnassignedLeads, routing_pb2.ListUnassignedLeadsRequest()
    ).decisions
    assert [(d.lead_id, d.in_queue, d.lead.country, d.lead.city) for d in queued] == [
        ("L2", True, "FR", "")
    ]
    assert (
        ann(ann.routing.ListUnassignedLeads, routing_pb2.ListUnassignedLeadsRequest()).decisions
        == []
    )
    err = sue.error(sue.routing.RetryRouting, routing_pb2.RetryRoutingRequest(lead_id="L1"))
    assert err.code() == SC.FAILED_PRECONDITION and "not in the unassigned queue" in err.details()
    err = quinn.error(quinn.routing.RetryRouting, routing_pb2.RetryRoutingRequest(lead_id="L2"))
    assert err.code() == SC.PERMISSION_DENIED and "supervisor or manager" in err.details()
    router = client.as_(tokens.service("leads", ROUTE_LEADS))
    again = router(
        router.routing.RetryRouting, routing_pb2.RetryRoutingRequest(lead_id="L2")
    ).decision
    assert again.version == 2 and again.in_queue and again.lead.city == ""


def test_choose_owners_for_services_only(api):
    _, admin, client, tokens, _, berlin, _ = api
    service = client.as_(tokens.service("deals", CHOOSE_OWNERS))
    request = routing_pb2.ChooseOwnersRequest(
        team_id=berlin.id, exclude_user_ids=["bob"], subject_ids=["deal:1", "deal:2", "deal:1"]
    )
    answer = service(service.routing.ChooseOwners, request).owners
    assert [(o.subject_id, o.choice.owner_user_id) for o in answer] == [
        ("deal:1", "ann"),
        ("deal:2", "ann"),
    ]
    bob = {n.user_id: n for n in answer[0].choice.candidates}["bob"]
    assert bob.skip_reason == routing_pb2.SKIP_REASON_EXCLUDED
    one = service(
        service.routing.ChooseOwner,
        routing_pb2.ChooseOwnerRequest(team_id=berlin.id, subject_id="deal:1"),
    ).choice
    assert one.owner_user_id == "ann"  # idempotent per subject
    err = admin.error(admin.routing.ChooseOwners, request)
    assert err.code() == SC.PERMISSION_DENIED and "service accounts" in err.details()
    err = service.error(
        service.routing.ChooseOwners, routing_pb2.ChooseOwnersRequest(team_id=berlin.id)
    )
    assert err.code() == SC.INVALID_ARGUMENT and field_of(err) == "subject_ids"
    err = service.error(
        service.routing.ChooseOwner,
        routing_pb2.ChooseOwnerRequest(team_id="nope", subject_id="deal:3"),
    )
    assert err.code() == SC.NOT_FOUND


def test_sales_lines_masks_and_targets(api):
    _, admin, client, tokens, line, berlin, munich = api
    updated = admin(
        admin.lines.UpdateSalesLine,
        sales_lines_pb2.UpdateSalesLineRequest(
            id=line.id,
            sales_line=sales_lines_pb2.SalesLine(description="small business", name="ignored"),
            update_mask=field_mask_pb2.FieldMask(paths=["description"]),
            expected_version=line.version,
        ),
    ).sales_line
    assert (updated.name, updated.description) == ("SMB", "small business")
    err = admin.error(
        admin.lines.UpdateSalesLine,
        sales_lines_pb2.UpdateSalesLineRequest(
            id=line.id, update_mask=field_mask_pb2.FieldMask(paths=["colour"])
        ),
    )
    assert err.code() == SC.INVALID_ARGUMENT and "unknown: colour" in err.details()
    err = admin.error(
        admin.lines.CreateSalesLine,
        sales_lines_pb2.CreateSalesLineRequest(name="X", pipeline_id="p"),
    )
    assert err.code() == SC.INVALID_ARGUMENT and field_of(err) == "workflow_kind"
    err = admin.error(
        admin.lines.CreateSalesLine,
        sales_lines_pb2.CreateSalesLineRequest(
            name="SMB", workflow_kind=sales_lines_pb2.WORKFLOW_KIND_CONTRACT, pipeline_id="p"
        ),
    )
    assert err.code() == SC.ALREADY_EXISTS
    set_ = admin(
        admin.lines.SetTargets,
        targets(line, "2026-Q1", (berlin.id, "150000.50", "EUR"), deal_count=12),
    ).targets
    assert [(t.team_id, t.amount.amount, t.deal_count) for t in set_] == [
        (berlin.id, "150000.50", 12)
    ]
    err = admin.error(
        admin.lines.SetTargets,
        targets(line, "2026-Q1", ("stranger", "1", "EUR"), (munich.id, "-5", "EUR")),
    )
    assert err.code() == SC.INVALID_ARGUMENT
    assert "targets[0].team_id" in err.details() and "targets[1].amount" in err.details()
    listed = admin(
        admin.lines.ListTargets, sales_lines_pb2.ListTargetsRequest(sales_line_id=line.id)
    ).targets
    assert [t.period for t in listed] == ["2026-Q1"]
    ann = client.as_(tokens.user("ann"))
    err = ann.error(ann.lines.SetTargets, targets(line, "2026", (berlin.id, "1", "EUR")))
    assert err.code() == SC.PERMISSION_DENIED
    lines = ann(
        ann.lines.ListSalesLines, sales_lines_pb2.ListSalesLinesRequest(team_id=munich.id)
    ).sales_lines
    assert [x.name for x in lines] == ["SMB"]


def test_an_unknown_currency_is_refused_clearly(api):
    # Amounts, lead revenues and revenue rules in a currency outside the platform's table
    # (crm_chassis.currencies) are INVALID_ARGUMENT naming the field, never read with 2 digits.
    _, admin, _, _, line, berlin, _ = api
    err = admin.error(admin.lines.SetTargets, targets(line, "2026", (berlin.id, "100.00", "XYZ")))
    assert err.code() == SC.INVALID_ARGUMENT
    assert "targets[0].amount.currency" in err.details()
    assert "'XYZ' is not a supported ISO 4217 currency" in err.details()
    err = admin.error(
        admin.routing.PreviewRoute,
        routing_pb2.PreviewRouteRequest(
            lead=routing_pb2.LeadAttributes(
                annual_revenue=money_pb2.Money(amount="1000.00", currency="XYZ")
            )
        ),
    )
    assert err.code() == SC.INVALID_ARGUMENT and field_of(err) == "lead.annual_revenue.currency"
    err = admin.error(
        admin.territories.CreateTerritory,
        territory(
            line,
            berlin,
            [
                territories_pb2.RoutingRule(
                    name="big",
                    conditions=[condition("annual_revenue", ranges=[("1000", "")], currency="XYZ")],
                )
            ],
        ),
    )
    assert err.code() == SC.INVALID_ARGUMENT
    assert "rules[0].conditions[0].currency" in err.details() and "'XYZ'" in err.details()


def test_a_territorys_pipeline_over_grpc_set_kept_cleared_and_refused(api):
    _, admin, _, _, line, berlin, _ = api
    catch_all = [territories_pb2.RoutingRule(name="all")]
    made = admin(
        admin.territories.CreateTerritory,
        territory(line, berlin, catch_all, pipeline_id="pipe-north"),
    ).territory
    assert made.pipeline_id == "pipe-north"
    renamed = admin(
        admin.territories.UpdateTerritory,
        territories_pb2.UpdateTerritoryRequest(id=made.id, name="Germany"),
    ).territory
    assert (renamed.name, renamed.pipeline_id) == ("Germany", "pipe-north")  # unset: kept
    err = admin.error(
        admin.territories.CreateTerritory,
        territory(line, berlin, catch_all, "AT", 2, pipeline_id="pipe-south"),
    )
    assert err.code() == SC.FAILED_PRECONDITION and field_of(err) == "pipeline_id"
    assert "territory 'Germany'" in err.details() and "'pipe-north'" in err.details()
    err = admin.error(
        admin.territories.UpdateTerritory,
        territories_pb2.UpdateTerritoryRequest(id=made.id, pipeline_id="no spaces!"),
    )
    assert err.code() == SC.INVALID_ARGUMENT and field_of(err) == "pipeline_id"
    cleared = admin(
        admin.territories.UpdateTerritory,
        territories_pb2.UpdateTerritoryRequest(id=made.id, pipeline_id=""),
    ).territory
    assert cleared.pipeline_id == ""
