"""What a newcomer meets in the README's story: names where a person types them and beside the
ids crmctl prints, only ids for a shell variable (-o id), passwords from CRMCTL_PASSWORD, and
--wait for what leads does after answering (routing, conversion)."""

from __future__ import annotations

import json

from crm.territory.v1 import routing_pb2, sales_lines_pb2, teams_pb2
from crmctl.commands.leads import wait

EMAIL, PASSWORD = "admin@crm.local", "correct horse battery"  # the fake identity's login
LINE_ID = "5" * 32


def named_world(identity, territory, monkeypatch):
    """territory names team-a "Berlin" and line SMB; identity names the first user."""
    monkeypatch.setenv("CRM_TERRITORY_ADDRESS", territory.address)
    territory.replies["GetTeam"] = lambda request: teams_pb2.GetTeamResponse(
        team=teams_pb2.Team(id=request.id, name="Berlin" if request.id == "team-a" else "")
    )
    territory.replies["ListTeams"] = teams_pb2.ListTeamsResponse(
        teams=[teams_pb2.Team(id="team-a", name="Berlin", active=True)]
    )
    territory.replies["ListSalesLines"] = sales_lines_pb2.ListSalesLinesResponse(
        sales_lines=[sales_lines_pb2.SalesLine(id=LINE_ID, name="SMB", active=True)]
    )
    return identity.users[0]


def test_a_password_comes_from_crmctl_password_when_nobody_can_type(crmctl):
    crmctl.env["CRMCTL_PASSWORD"] = PASSWORD
    result = crmctl("login", "--email", EMAIL)
    assert result.exit_code == 0, result.output
    assert f"logged in as {EMAIL}" in result.stdout
    crmctl.env["CRMCTL_PASSWORD"] = "not the password"
    assert crmctl("login", "--email", EMAIL).exit_code == 1


def test_lead_search_names_team_and_owner_and_prints_only_ids_with_o_id(
    logged_in, fake_leads, identity, territory, monkeypatch
):
    ann = named_world(identity, territory, monkeypatch)
    fake_leads.leads[0].assignment.owner_user_id = ann.id
    table = logged_in("leads", "search")
    assert table.exit_code == 0, table.output
    assert "Berlin (team-a)" in table.stdout and f"{ann.display_name} ({ann.id})" in table.stdout
    ids = logged_in("leads", "search", "-o", "id")
    assert ids.stdout.split() == ["lead-0", "lead-1", "lead-2"]
    owned = logged_in("leads", "search", "--owner", ann.email, "--team", "berlin")
    assert owned.exit_code == 0, owned.output
    sent = fake_leads.requests[-1].filter
    assert (list(sent.owner_user_ids), list(sent.team_ids)) == ([ann.id], ["team-a"])


def test_import_takes_the_line_by_name_and_waits_until_each_lead_is_routed(
    logged_in, fake_leads, identity, territory, monkeypatch, write_csv
):
    ann = named_world(identity, territory, monkeypatch)
    fake_leads.route_imports, fake_leads.owner = True, ann.id
    path = write_csv("E-Mail,Last name\nlena@vogel.example,Vogel\n")
    result = logged_in(
        "leads",
        "import",
        str(path),
        "--map",
        "E-Mail=person.email",
        "--sales-line",
        "SMB",
        "--wait",
    )
    assert result.exit_code == 0, result.output
    header = next(r for r in fake_leads.requests if hasattr(r, "default_sales_line_id"))
    assert header.default_sales_line_id == LINE_ID
    assert "Berlin (team-a)" in result.stdout and ann.display_name in result.stdout


def test_import_wait_says_which_rows_did_not_reach_your_teams(
    logged_in, fake_leads, identity, territory, monkeypatch, write_csv
):
    named_world(identity, territory, monkeypatch)
    monkeypatch.setattr(wait, "WAIT_SECONDS", 0)
    path = write_csv("E-Mail,Last name\nlena@vogel.example,Vogel\n")
    result = logged_in("leads", "import", str(path), "--map", "E-Mail=person.email", "--wait")
    assert result.exit_code == 1
    assert "1 accepted lead(s) did not reach a team of yours" in result.stderr
    assert "(rows 1)" in result.stderr and "crmctl routing preview" in result.stderr


def test_convert_wait_returns_once_deals_has_the_deal_or_says_why_not(
    logged_in, fake_leads, identity, territory, monkeypatch
):
    named_world(identity, territory, monkeypatch)
    done = logged_in(
        "leads", "convert", "lead-0", "--opportunity-name", "Doe rollout", "--wait", "-o", "json"
    )
    assert done.exit_code == 0, done.output
    converted = json.loads(done.stdout)["conversion"]
    assert (converted["state"], converted["opportunity_id"]) == (
        "CONVERSION_STATE_CONVERTED",
        "deal-1",
    )
    failed = logged_in("leads", "convert", "lead-2", "--wait")
    assert failed.exit_code == 1
    assert (
        "is not converted (conversion failed: account 'a-1' to link does not exist)"
        in failed.stderr
    )
    assert "crmctl leads retry-conversion" in failed.stderr


def test_routing_preview_names_the_team_the_owner_and_the_candidates(
    logged_in, identity, territory, monkeypatch
):
    ann = named_world(identity, territory, monkeypatch)
    territory.replies["PreviewRoute"] = routing_pb2.PreviewRouteResponse(
        decision=routing_pb2.RoutingDecision(
            outcome=routing_pb2.ROUTING_OUTCOME_ROUTED,
            team_id="team-a",
            owner_user_id=ann.id,
            explanation=routing_pb2.RoutingExplanation(
                owner_choice=routing_pb2.OwnerChoice(
                    candidates=[routing_pb2.CandidateNote(user_id=ann.id, eligible=True)]
                )
            ),
        )
    )
    result = logged_in("routing", "preview", "--country", "DE", "--line", "SMB")
    assert result.exit_code == 0, result.output
    assert territory.sent("PreviewRoute")[0].lead.sales_line_id == LINE_ID
    assert "Berlin (team-a)" in result.stdout
    assert result.stdout.count(f"{ann.display_name} ({ann.id})") == 2  # owner and candidate


def test_a_missing_rules_file_points_at_the_example(
    logged_in, identity, territory, monkeypatch, tmp_path
):
    named_world(identity, territory, monkeypatch)
    result = logged_in(
        "territories",
        "create",
        "Germany",
        "--line",
        "SMB",
        "--team",
        "Berlin",
        "--priority",
        "1",
        "--rules",
        str(tmp_path / "rules.yaml"),
    )
    assert result.exit_code == 1
    assert "No such file or directory" in result.stderr
    assert "examples/rules.yaml is one to start from" in result.stderr
    assert not territory.sent("CreateTerritory")


def test_a_lines_pipeline_is_the_one_deals_holds_for_it(
    logged_in, identity, territory, deals_pipelines, monkeypatch
):
    from crm.deals.v1 import resources_pb2

    named_world(identity, territory, monkeypatch)
    logged_in.env["CRM_DEALS_ADDRESS"] = deals_pipelines.address
    territory.replies["ListSalesLines"].sales_lines.add(id="6" * 32, name="Enterprise", active=True)
    deals_pipelines.pipelines = [
        resources_pb2.Pipeline(id="p-1", name="SMB pipeline", sales_line_id=LINE_ID)
    ]
    result = logged_in("lines", "list")
    assert result.exit_code == 0, result.output
    smb = next(line for line in result.stdout.splitlines() if "SMB pipeline" in line)
    assert LINE_ID in smb
    enterprise = next(line for line in result.stdout.splitlines() if "Enterprise" in line)
    assert "(none: `crmctl pipelines create`)" in enterprise
