"""crmctl org|teams|members|lines|territories|routing|access against a recording fake territory
on a real gRPC server: the requests crmctl sends, and what it prints."""

from __future__ import annotations

import json

import grpc
import pytest

from crm.territory.v1 import (
    access_pb2,
    org_pb2,
    routing_pb2,
    sales_lines_pb2,
    teams_pb2,
    territories_pb2,
)

ID = {
    name: (str(i) * 32)[:32]
    for i, name in enumerate(
        ["emea", "dach", "area", "berlin", "munich", "line", "territory", "member", "new"], start=1
    )
}


@pytest.fixture
def run(logged_in, territory, deals_pipelines):
    logged_in.env["CRM_TERRITORY_ADDRESS"] = territory.address
    logged_in.env["CRM_DEALS_ADDRESS"] = deals_pipelines.address
    return logged_in


def units():
    return org_pb2.ListOrgUnitsResponse(
        units=[
            org_pb2.OrgUnit(
                id=ID["emea"],
                name="EMEA",
                level=1,
                level_name="division",
                department="sales",
                active=True,
            ),
            org_pb2.OrgUnit(
                id=ID["dach"],
                name="DACH",
                level=2,
                level_name="region",
                department="sales",
                parent_id=ID["emea"],
                active=True,
                manager_user_ids=["u-dee"],
            ),
            org_pb2.OrgUnit(
                id=ID["area"],
                name="Berlin Area",
                level=3,
                level_name="area",
                department="sales",
                parent_id=ID["dach"],
                active=False,
            ),
        ]
    )


def teams():
    return teams_pb2.ListTeamsResponse(
        teams=[
            teams_pb2.Team(
                id=ID["berlin"],
                name="Berlin Reps",
                unit_id=ID["area"],
                active=True,
                strategy=teams_pb2.ROUTING_STRATEGY_ROUND_ROBIN,
            ),
            teams_pb2.Team(
                id=ID["munich"],
                name="Munich",
                unit_id=ID["dach"],
                active=True,
                strategy=teams_pb2.ROUTING_STRATEGY_LOAD_BALANCED,
            ),
        ]
    )


def test_org_tree_nests_units_and_teams(run, territory):
    territory.replies.update(ListOrgUnits=units(), ListTeams=teams())
    result = run("org", "tree", "--all")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0].startswith("EMEA (division, sales)")
    assert lines[1].startswith("  DACH (region, sales)") and "managers: u-dee" in lines[1]
    assert "- team Munich" in result.stdout
    assert any(line.startswith("    Berlin Area (area, sales) [deactivated]") for line in lines)
    assert any(line.startswith("      - team Berlin Reps") for line in lines)
    assert territory.sent("ListOrgUnits")[0].include_inactive
    tree = json.loads(run("org", "tree", "-o", "json").stdout)
    assert tree["units"][0]["children"][0]["teams"][0]["strategy"] == "load-balanced"


def test_names_are_resolved_to_ids(run, territory):
    territory.replies.update(
        ListOrgUnits=units(),
        CreateOrgUnit=lambda r: org_pb2.CreateOrgUnitResponse(
            unit=org_pb2.OrgUnit(id=ID["new"], name=r.name, parent_id=r.parent_id, level=2)
        ),
    )
    result = run("org", "create", "Nordics", "--parent", "emea", "-o", "json")
    assert result.exit_code == 0, result.output
    assert territory.sent("CreateOrgUnit")[0].parent_id == ID["emea"]
    assert json.loads(result.stdout)["parent_id"] == ID["emea"]
    missing = run("org", "rename", "Atlantis", "Lemuria")
    assert missing.exit_code == 1
    assert (
        missing.stderr.strip()
        == "error: no unit named 'Atlantis' (give its id or exact name; `crmctl org tree` shows "
        "them)"
    )


def test_ambiguous_name_asks_for_the_id(run, territory):
    territory.replies["ListTeams"] = teams_pb2.ListTeamsResponse(
        teams=[
            teams_pb2.Team(id=ID["berlin"], name="Reps"),
            teams_pb2.Team(id=ID["munich"], name="reps"),
        ]
    )
    result = run("teams", "show", "Reps")
    assert result.exit_code == 1 and "2 teams are named 'Reps': give the id" in result.stderr


def test_server_refusals_are_shown_verbatim(run, territory):
    message = (
        "unit 'DACH' cannot be deleted while it has team 'Berlin Reps' "
        "(1 active member(s); open territories 'DE')"
    )
    territory.replies["DeleteOrgUnit"] = (grpc.StatusCode.FAILED_PRECONDITION, message)
    result = run("org", "delete", ID["dach"])
    assert result.exit_code == 1
    assert result.stderr.strip() == f"error: FAILED_PRECONDITION: {message}"
    territory.replies["DeleteOrgUnit"] = None
    done = run("org", "delete", ID["dach"], "-o", "json")
    assert json.loads(done.stdout) == {"unit_id": ID["dach"], "deleted": True}


def test_members_add_move_and_update(run, territory):
    territory.replies.update(ListTeams=teams())
    territory.replies["MoveMember"] = teams_pb2.MoveMemberResponse(
        ended=teams_pb2.Membership(
            id=ID["member"],
            team_id=ID["berlin"],
            user_id="u-ann",
            role=teams_pb2.TEAM_ROLE_EXPERT,
            end_reason="moved",
        ),
        started=teams_pb2.Membership(
            id=ID["new"], team_id=ID["munich"], user_id="u-ann", role=teams_pb2.TEAM_ROLE_SUPERVISOR
        ),
    )
    result = run(
        "members",
        "move",
        "u-ann",
        "--from",
        "Berlin Reps",
        "--to",
        "munich",
        "--role",
        "supervisor",
    )
    assert result.exit_code == 0, result.output
    sent = territory.sent("MoveMember")[0]
    assert (sent.user_id, sent.from_team_id, sent.to_team_id, sent.role) == (
        "u-ann",
        ID["berlin"],
        ID["munich"],
        teams_pb2.TEAM_ROLE_SUPERVISOR,
    )
    assert "ended" in result.stdout and "started" in result.stdout
    assert "supervisor" in result.stdout
    run(
        "members",
        "add",
        "Munich",
        "u-bob",
        "--role",
        "manager",
        "--no-leads",
        "--since",
        "2026-01-05",
    )
    added = territory.sent("AddMember")[0]
    assert added.role == teams_pb2.TEAM_ROLE_MANAGER and added.HasField("takes_leads")
    assert not added.takes_leads
    assert added.starts_at.ToDatetime().isoformat() == "2026-01-05T00:00:00"
    run("members", "update", ID["member"], "--capacity", "0")
    update = territory.sent("UpdateMembership")[0]
    assert list(update.update_mask.paths) == ["daily_capacity"]
    nothing = run("members", "update", ID["member"])
    assert nothing.exit_code == 1 and "nothing to change" in nothing.stderr
    bad = run("members", "absence", "add", "u-ann", "--from", "next week", "--until", "2026-07-08")
    assert bad.exit_code == 1 and "--from: 'next week' is not an ISO 8601 time" in bad.stderr


def test_rules_from_yaml_and_json_files(run, territory, tmp_path):
    territory.replies["SetTerritoryRules"] = lambda r: territories_pb2.SetTerritoryRulesResponse(
        territory=territories_pb2.Territory(
            id=r.id,
            name="DE",
            rules_version=2,
            rules=[
                territories_pb2.RoutingRule(id="r1", name=x.name, description="country is DE")
                for x in r.rules
            ],
        )
    )
    rules = tmp_path / "rules.yaml"
    rules.write_text(
        "rules:\n"
        "  - name: DE mid-size\n"
        "    conditions:\n"
        "      - {attribute: country, values: [DE, AT]}\n"
        "      - attribute: company_size\n"
        "        ranges: [{min: 50, max: 250}]\n"
        "  - name: DE rich\n"
        "    conditions:\n"
        "      - {attribute: annual_revenue, currency: EUR, ranges: [{min: 1e6}]}\n"
    )
    result = run(
        "territories",
        "rules",
        "set",
        ID["territory"],
        str(rules),
        "--comment",
        "AT",
        "--expected-rules-version",
        "1",
    )
    assert result.exit_code == 0, result.output
    sent = territory.sent("SetTerritoryRules")[0]
    assert (sent.comment, sent.expected_rules_version) == ("AT", 1)
    assert [r.name for r in sent.rules] == ["DE mid-size", "DE rich"]
    assert list(sent.rules[0].conditions[0].values) == ["DE", "AT"]
    assert (
        sent.rules[0].conditions[1].ranges[0].min,
        sent.rules[0].conditions[1].ranges[0].max,
    ) == ("50", "250")
    assert sent.rules[1].conditions[0].currency == "EUR"
    assert "DE mid-size" in result.stdout and "country is DE" in result.stdout
    as_json = tmp_path / "rules.json"
    as_json.write_text(json.dumps([{"name": "all", "colour": "red"}]))
    bad = run("territories", "rules", "set", ID["territory"], str(as_json))
    assert bad.exit_code == 1 and "colour" in bad.stderr and str(as_json) in bad.stderr
    broken = tmp_path / "broken.json"
    broken.write_text("[{")
    assert (
        "is not valid JSON"
        in run("territories", "rules", "set", ID["territory"], str(broken)).stderr
    )


def test_routing_preview_prints_the_decision_and_why(run, territory):
    decision = routing_pb2.RoutingDecision(
        outcome=routing_pb2.ROUTING_OUTCOME_ROUTED,
        team_id=ID["berlin"],
        owner_user_id="u-ann",
        explanation=routing_pb2.RoutingExplanation(
            summary="territory 'DE' rule #1 'DE mid-size' (rules v3) matched: country is DE",
            territory_id=ID["territory"],
            territory_name="DE",
            rule_position=1,
            rules_version=3,
            rules_tried=1,
            rule=territories_pb2.RoutingRule(name="DE mid-size", description="country is DE"),
            owner_choice=routing_pb2.OwnerChoice(
                owner_user_id="u-ann",
                candidates=[
                    routing_pb2.CandidateNote(user_id="u-ann", eligible=True, queue_position=1),
                    routing_pb2.CandidateNote(
                        user_id="u-bob",
                        skip_reason=routing_pb2.SKIP_REASON_ON_LEAVE,
                        queue_position=2,
                    ),
                ],
            ),
        ),
    )
    territory.replies["PreviewRoute"] = routing_pb2.PreviewRouteResponse(decision=decision)
    result = run(
        "routing",
        "preview",
        "--country",
        "DE",
        "--company-size",
        "120",
        "--revenue",
        "2500000 eur",
        "--interest",
        "crm",
        "--interest",
        "erp",
    )
    assert result.exit_code == 0, result.output
    lead = territory.sent("PreviewRoute")[0].lead
    assert (
        lead.country,
        lead.company_size,
        lead.annual_revenue.amount,
        lead.annual_revenue.currency,
        list(lead.product_interests),
    ) == ("DE", 120, "2500000", "EUR", ["crm", "erp"])
    for text in (
        "routed",
        "u-ann",
        "DE (" + ID["territory"],
        "#1 DE mid-size: country is DE",
        "on-leave",
        "u-bob",
    ):
        assert text in result.stdout, text
    assert "unspecified" not in result.stdout  # an eligible member was not skipped
    as_json = json.loads(run("routing", "preview", "--country", "DE", "-o", "json").stdout)
    assert as_json["outcome"] == "routed"
    assert (
        as_json["explanation"]["owner_choice"]["candidates"][1]["skip_reason"]
        == "SKIP_REASON_ON_LEAVE"
    )
    bad = run("routing", "preview", "--revenue", "2500000")
    assert bad.exit_code == 1 and "--revenue: name the currency of '2500000'" in bad.stderr


def test_lines_targets_set_and_list(run, territory):
    territory.replies.update(
        ListTeams=teams(),
        ListSalesLines=sales_lines_pb2.ListSalesLinesResponse(
            sales_lines=[sales_lines_pb2.SalesLine(id=ID["line"], name="SMB")]
        ),
    )
    territory.replies["SetTargets"] = lambda r: sales_lines_pb2.SetTargetsResponse(
        targets=[
            sales_lines_pb2.Target(
                sales_line_id=r.sales_line_id,
                team_id=t.team_id,
                period=r.period,
                amount=t.amount,
                deal_count=t.deal_count,
            )
            for t in r.targets
        ]
    )
    result = run(
        "lines",
        "targets",
        "set",
        "SMB",
        "2026-Q1",
        "--target",
        "Berlin Reps:150000.50:eur:12",
        "--target",
        "Munich:9000:EUR",
    )
    assert result.exit_code == 0, result.output
    sent = territory.sent("SetTargets")[0]
    assert sent.sales_line_id == ID["line"] and sent.period == "2026-Q1"
    assert [
        (t.team_id, t.amount.amount, t.amount.currency, t.deal_count) for t in sent.targets
    ] == [(ID["berlin"], "150000.50", "EUR", 12), (ID["munich"], "9000", "EUR", 0)]
    assert "150000.50 EUR" in result.stdout
    bad = run("lines", "targets", "set", "SMB", "2026", "--target", "Munich=5")
    assert bad.exit_code == 1 and "TEAM:AMOUNT:CURRENCY[:DEALS]" in bad.stderr
    in_units = run(
        "lines",
        "targets",
        "set",
        "SMB",
        "2026",
        "--target",
        "Munich:0:EUR",
        "--units",
        "Munich:group=Beverages:2500",
        "--units",
        "Munich:product=p-1:12.5:case",
    )
    assert in_units.exit_code == 0, in_units.output
    (sent,) = territory.sent("SetTargets")[-1].targets
    assert [(u.product_id, u.product_group, u.quantity, u.unit) for u in sent.units] == [
        ("", "Beverages", "2500", ""),
        ("p-1", "", "12.5", "case"),
    ]
    orphan = run(
        "lines",
        "targets",
        "set",
        "SMB",
        "2026",
        "--target",
        "Munich:0:EUR",
        "--units",
        "Berlin Reps:group=Beverages:1",
    )
    assert orphan.exit_code == 1 and "give the team's --target too" in orphan.stderr
    run("lines", "update", "SMB", "--description", "small firms", "--no-teams")
    update = territory.sent("UpdateSalesLine")[0]
    assert list(update.update_mask.paths) == ["description", "team_ids"]
    assert list(update.sales_line.team_ids) == []


def test_teams_and_territories_lists(run, territory):
    territory.replies.update(
        ListTeams=teams(),
        ListTerritories=territories_pb2.ListTerritoriesResponse(
            territories=[
                territories_pb2.Territory(
                    id=ID["territory"],
                    name="DE",
                    priority=1,
                    rules_version=2,
                    team_id=ID["berlin"],
                    active=True,
                    rules=[territories_pb2.RoutingRule(name="a")],
                )
            ]
        ),
    )
    listed = run("teams", "list")
    assert "Berlin Reps" in listed.stdout and "load-balanced" in listed.stdout
    rows = json.loads(run("territories", "list", "--team", "Berlin Reps", "-o", "json").stdout)
    assert rows[0]["name"] == "DE" and rows[0]["rules_version"] == 2
    assert territory.sent("ListTerritories")[0].team_id == ID["berlin"]
    nothing = run("teams", "routing", "Munich")
    assert nothing.exit_code == 1 and "give --strategy or --time-zone" in nothing.stderr


def test_rules_get_writes_what_rules_set_reads(run, territory, tmp_path):
    rules = [
        territories_pb2.RoutingRule(
            id="r1",
            name="DE mid-size",
            description="words",
            conditions=[
                territories_pb2.RuleCondition(attribute="country", values=["DE"]),
                territories_pb2.RuleCondition(
                    attribute="company_size",
                    ranges=[territories_pb2.ValueRange(min="50", max="250")],
                ),
            ],
        )
    ]
    territory.replies["GetTerritory"] = territories_pb2.GetTerritoryResponse(
        territory=territories_pb2.Territory(id=ID["territory"], name="DE", rules=rules)
    )
    for flag, name in (("--yaml", "rules.yaml"), (None, "rules.json")):
        printed = run("territories", "rules", "get", ID["territory"], *([flag] if flag else []))
        assert printed.exit_code == 0, printed.output
        assert "words" not in printed.stdout
        (tmp_path / name).write_text(printed.stdout)
        run("territories", "rules", "set", ID["territory"], str(tmp_path / name))
        sent = territory.sent("SetTerritoryRules")[-1]
        expected = territories_pb2.RoutingRule()
        expected.CopyFrom(rules[0])
        expected.description = ""
        assert list(sent.rules) == [expected]


def test_routing_queue_and_access_commands(run, territory):
    territory.replies["ListUnassignedLeads"] = routing_pb2.ListUnassignedLeadsResponse(
        decisions=[
            routing_pb2.RoutingDecision(
                lead_id="L7",
                in_queue=True,
                version=1,
                unroutable_reason=routing_pb2.UNROUTABLE_REASON_NO_RULE_MATCHED,
            )
        ]
    )
    queued = run("routing", "queue")
    assert queued.exit_code == 0, queued.output
    assert "L7" in queued.stdout and "no-rule-matched" in queued.stdout
    # Territory lists only the queues of the caller's teams: the empty answer says so.
    territory.replies["ListUnassignedLeads"] = routing_pb2.ListUnassignedLeadsResponse()
    none = run("routing", "queue")
    assert "no lead waits in the unassigned queue of a team you belong to" in none.stdout
    territory.replies["RetryRouting"] = (
        grpc.StatusCode.FAILED_PRECONDITION,
        "lead L8 is not in the unassigned queue",
    )
    retry = run("routing", "retry", "L8")
    assert (
        retry.stderr.strip() == "error: FAILED_PRECONDITION: lead L8 is not in the unassigned queue"
    )
    territory.replies.update(
        ListTeams=teams(),
        CheckAccess=access_pb2.CheckAccessResponse(
            allowed=False,
            reason="user has no access to this team's records",
            deny_reason=access_pb2.DENY_REASON_NOT_IN_SCOPE,
        ),
    )
    checked = run("access", "check", "u-ann", "view-reports", "Munich")
    assert checked.exit_code == 0, checked.output
    sent = territory.sent("CheckAccess")[0]
    assert (sent.user_id, sent.action, sent.team_id) == (
        "u-ann",
        access_pb2.ACCESS_ACTION_VIEW_REPORTS,
        ID["munich"],
    )
    assert "not-in-scope" in checked.stdout and "False" in checked.stdout
    territory.replies["ListScopes"] = access_pb2.ListScopesResponse(
        user_scopes=access_pb2.UserScopes(user_id="u-adm", access_version=3, active=True)
    )
    empty = run("access", "scopes", "u-adm")
    assert "no access to any team's records (active, access version 3)" in empty.stdout


def test_people_are_named_by_email_through_identity(run, territory, identity):
    target = identity.users[2]
    territory.replies.update(
        ListOrgUnits=units(),
        ListTeams=teams(),
        AssignUnitManager=lambda r: org_pb2.AssignUnitManagerResponse(
            unit=org_pb2.OrgUnit(id=r.unit_id, name="DACH", manager_user_ids=[r.user_id])
        ),
    )
    result = run("org", "managers", "add", "DACH", target.email.upper(), "-o", "json")
    assert result.exit_code == 0, result.output
    sent = territory.sent("AssignUnitManager")[0]
    assert (sent.unit_id, sent.user_id) == (ID["dach"], target.id)
    assert json.loads(result.stdout)["manager_user_ids"] == [target.id]
    unknown = run("members", "add", "Munich", "ghost@crm.local")
    assert unknown.exit_code == 1 and "no user with e-mail ghost@crm.local" in unknown.stderr


def test_a_territorys_pipeline_is_set_kept_and_cleared(run, territory):
    reply = territories_pb2.UpdateTerritoryResponse(
        territory=territories_pb2.Territory(id=ID["territory"], name="DE", pipeline_id="p-north")
    )
    territory.replies.update(UpdateTerritory=reply)
    shown = run("territories", "update", ID["territory"], "--pipeline", "p-north")
    assert shown.exit_code == 0, shown.output
    assert "p-north" in shown.stdout
    run("territories", "update", ID["territory"], "--name", "Germany")
    run("territories", "update", ID["territory"], "--pipeline", "")
    named, kept, cleared = territory.sent("UpdateTerritory")
    assert (named.HasField("pipeline_id"), named.pipeline_id) == (True, "p-north")
    assert not kept.HasField("pipeline_id")  # not given: kept
    assert (cleared.HasField("pipeline_id"), cleared.pipeline_id) == (True, "")
