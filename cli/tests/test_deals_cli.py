"""crmctl accounts|contacts|deals|activities|quotes|orders|invoices against the real deals
servicers on a chassis gRPC server over deals' in-memory world (services/deals/tests/unit), with
the fake identity's tokens mapped to the world's people."""
from __future__ import annotations

import json
import pathlib
import sys

import grpc
import pytest

from crm.catalog.v1 import products_pb2
from crm.territory.v1 import sales_lines_pb2, teams_pb2
from crm_chassis.auth import Principal
from crm_chassis.errors import Unauthenticated
from crm_chassis.grpc import start_server
from crm_chassis.settings import ServiceSettings
from crm_deals.adapters.grpc_mapping import ApiDependencies
from crm_deals.adapters.grpc_services import SERVICE_NAMES, register

sys.path.insert(0, str(pathlib.Path(__file__).parents[2] / "services" / "deals" / "tests" / "unit"))

from deals_testkit import World


class ActingAs:
    """Verifies the fake identity's access tokens as the person the test currently acts as."""

    def __init__(self, identity):
        self.identity = identity
        self.user_id = "alice"

    def verify(self, token: str) -> Principal:
        if token not in self.identity.valid_access:
            raise Unauthenticated("invalid or expired access token")
        # As in deals_testkit.World: root is an administrator, boss is in management.
        return Principal(subject_id=self.user_id, display_name=self.user_id.title(),
                         roles=frozenset({"admin"} if self.user_id == "root" else ()),
                         departments=frozenset({"management"} if self.user_id == "boss"
                                               else {"sales"}))


LINES = {"line-1": "Enterprise", "line-2": "SMB", "line-3": "Public sector"}


def catalog_skus(serve_fake) -> str:
    """catalog's ProductService.GetProduct knowing one SKU (GADGET = product p-gadget)."""
    def get_product(request, context):
        if request.sku == "GADGET":
            return products_pb2.GetProductResponse(product=products_pb2.Product(
                id="p-gadget", sku="GADGET"))
        context.abort(grpc.StatusCode.NOT_FOUND, "no such product")

    return serve_fake([grpc.method_handlers_generic_handler(
        "crm.catalog.v1.ProductService", {"GetProduct": grpc.unary_unary_rpc_method_handler(
            get_product, request_deserializer=products_pb2.GetProductRequest.FromString,
            response_serializer=products_pb2.GetProductResponse.SerializeToString)})])


@pytest.fixture
def deals_world(identity, territory, serve_fake, monkeypatch):
    monkeypatch.setenv("CRM_CATALOG_ADDRESS", catalog_skus(serve_fake))
    # territory lists the world's sales lines: crmctl takes a line's id or name.
    territory.replies["ListSalesLines"] = sales_lines_pb2.ListSalesLinesResponse(sales_lines=[
        sales_lines_pb2.SalesLine(id=i, name=n, active=True) for i, n in LINES.items()])
    territory.replies["GetSalesLine"] = lambda request: sales_lines_pb2.GetSalesLineResponse(
        sales_line=sales_lines_pb2.SalesLine(id=request.id, name=LINES.get(request.id, "")))
    territory.replies["ListTeams"] = teams_pb2.ListTeamsResponse(teams=[
        teams_pb2.Team(id=i, name=i.replace("team-", "Team ").upper(), active=True)
        for i in ("team-a", "team-b")])
    monkeypatch.setenv("CRM_TERRITORY_ADDRESS", territory.address)
    world = World()
    acting = ActingAs(identity)
    settings = ServiceSettings.load("deals", env={}, grpc_port=0, grpc_max_workers=2)
    running = start_server(settings, register(ApiDependencies(lambda: world.uow, world.ports)),
                           service_names=SERVICE_NAMES, verifier=acting, access_log=False)
    monkeypatch.setenv("CRM_DEALS_ADDRESS", running.address)
    world.acting = acting
    yield world
    running.stop(0)


@pytest.fixture
def cli(logged_in, deals_world):
    def run(*args, user="alice"):
        deals_world.acting.user_id = user
        return logged_in(*args)
    return run


def ok_json(result) -> dict:
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def new_deal(cli, amount="1200.00", name="Acme rollout") -> dict:
    account = ok_json(cli("accounts", "create", "--team", "team-a", "--name", "Acme GmbH",
                          "-o", "json"))
    return ok_json(cli("deals", "create", "--name", name, "--account", account["id"],
                       "--line", "line-1", "--currency", "EUR", "--amount", amount,
                       "-o", "json"))


def test_accounts_and_contacts(cli):
    account = ok_json(cli("accounts", "create", "--team", "team-a", "--name", "Acme GmbH",
                          "--industry", "Chemicals", "-o", "json"))
    assert (account["relationship"], account["owner_user_id"]) == ("prospect", "alice")
    listed = cli("accounts", "list")
    assert listed.exit_code == 0 and "Acme GmbH" in listed.stdout and account["id"] in listed.stdout
    assert "no accounts match" in cli("accounts", "list", user="tom").stdout
    contact = ok_json(cli("contacts", "create", "--account", account["id"], "--last-name", "Doe",
                          "--email", "jane@acme.example", "-o", "json"))
    updated = ok_json(cli("contacts", "update", contact["id"], "--title", "CTO", "-o", "json"))
    assert updated["job_title"] == "CTO"
    renamed = ok_json(cli("accounts", "update", account["id"], "--name", "Acme AG", "-o", "json"))
    assert (renamed["name"], renamed["version"]) == ("Acme AG", 2)
    refused = cli("accounts", "update", account["id"], "--name", "x", user="bob")
    assert refused.exit_code == 1
    assert refused.stderr.startswith("error: PERMISSION_DENIED: only the owner or a supervisor")


def test_deal_lifecycle_from_the_command_line(cli):
    deal = new_deal(cli)
    assert (deal["stage_key"], deal["estimated_revenue"], deal["status"]) == \
        ("qualify", "1200.00 EUR", "open")
    moved = ok_json(cli("deals", "move", deal["id"], "propose", "-o", "json"))
    assert (moved["stage_name"], moved["probability"]) == ("Propose", 40)
    fixed = ok_json(cli("deals", "probability", deal["id"], "65", "-o", "json"))
    assert (fixed["probability"], fixed["probability_overridden"]) == (65, True)
    won = ok_json(cli("deals", "win", deal["id"], "--revenue", "1100.00", "--date", "2026-03-02",
                      "-o", "json"))
    assert (won["status"], won["actual_revenue"]) == ("won", "1100.00 EUR")
    closed = cli("deals", "update", deal["id"], "--name", "late change")
    assert closed.exit_code == 1 and "is won and read-only" in closed.stderr
    assert cli("deals", "reopen", deal["id"], "--reason", "x", user="bob").exit_code == 1
    reopened = ok_json(cli("deals", "reopen", deal["id"], "--reason", "customer came back",
                           "-o", "json", user="mia"))
    assert reopened["status"] == "open"
    history = cli("deals", "history", deal["id"])
    assert history.exit_code == 0
    for word in ("created", "stage_changed", "won", "reopened", "customer came back", "Mia"):
        assert word in history.stdout
    lost = cli("deals", "lose", deal["id"], "--reason", "competitor")
    assert lost.exit_code == 1 and "name the competitor" in lost.stderr
    table = cli("deals", "show", deal["id"])
    assert "Propose" in table.stdout and "1200.00 EUR" in table.stdout


def test_board_prints_one_column_per_stage_with_deals_owners_and_sums(cli):
    first = new_deal(cli, "1000.00", "Acme rollout")
    new_deal(cli, "0.10", "Acme add-on")
    third = new_deal(cli, "500.00", "Globex pilot")
    cli("deals", "move", third["id"], "negotiate")
    reassigned = ok_json(cli("deals", "reassign", first["id"], "bob", "--reason", "holiday",
                             "-o", "json", user="sam"))
    assert reassigned["owner_user_id"] == "bob"
    board = cli("deals", "board", "--line", "line-1")
    assert board.exit_code == 0, board.output
    text = board.stdout
    assert "Enterprise" in text
    for heading in ("Qualify", "Propose", "Negotiate", "2 deal(s) · 1000.10 EUR",
                    "1 deal(s) · 500.00 EUR", "0 deal(s) · -"):
        assert heading in text, heading
    for card in ("Acme rollout", "bob · 1000.00 EUR", "alice · 0.10 EUR", "Globex pilot",
                 "alice · 500.00 EUR"):
        assert card in text, card
    as_json = ok_json(cli("deals", "board", "--line", "line-1", "-o", "json"))
    assert [c["stage"]["key"] for c in as_json["columns"]] == ["qualify", "propose",
                                                                "negotiate"]
    assert cli("deals", "board", "--line", "line-1", user="root").stdout.count("·") == 3
    missing = cli("deals", "board", "--line", "Public sector")
    assert missing.exit_code == 1 and "has no pipeline yet" in missing.stderr
    assert "crmctl pipelines create --line" in missing.stderr


def test_activities_logged_by_a_teammate(cli):
    deal = new_deal(cli)
    note = ok_json(cli("activities", "log", f"deal:{deal['id']}", "--kind", "call",
                       "--subject", "covering", "--owner", "alice", "--direction", "outbound",
                       "--at", "2026-03-01T10:00", "-o", "json", user="bob"))
    assert (note["logged_by"], note["owner_user_id"], note["kind"]) == ("bob", "alice", "call")
    task = ok_json(cli("activities", "log", f"deal:{deal['id']}", "-k", "task", "-s", "send",
                       "--due", "2026-03-05", "-o", "json"))
    assert ok_json(cli("activities", "done", task["id"], "-o", "json", user="sam"))["done_at"]
    timeline = cli("activities", "timeline", f"account:{deal['account_id']}")
    assert "covering" in timeline.stdout and "send" in timeline.stdout
    bad = cli("activities", "log", "lead:1", "-k", "note", "-s", "x")
    assert bad.exit_code == 1 and "a record is TYPE:ID" in bad.stderr


def test_quotes_orders_and_invoices(cli):
    deal = new_deal(cli)
    quote = ok_json(cli("quotes", "create", "--deal", deal["id"], "-o", "json"))
    priced = ok_json(cli("quotes", "price", quote["id"], "--line", "GADGET:3:piece",
                         "--line", "p-widget:1.5", "-o", "json"))
    assert priced["total"] == "742.49 EUR"
    assert priced["lines"] == ["3 x Gadget = 712.50 EUR", "1.5 x Widget = 29.99 EUR"]
    cli("quotes", "activate", quote["id"])
    revision = ok_json(cli("quotes", "revise", quote["id"], "-o", "json"))
    assert revision["display_number"].endswith("-R2")
    cli("quotes", "activate", revision["id"])
    listed = cli("quotes", "list", "--deal", deal["id"])
    assert "closed" in listed.stdout and "active" in listed.stdout
    assert ok_json(cli("quotes", "accept", revision["id"], "-o", "json"))["status"] == "won"
    order = ok_json(cli("orders", "create", "--quote", revision["id"], "-o", "json"))
    assert cli("invoices", "create", "--order", order["id"]).exit_code == 1  # experts may not
    invoice = ok_json(cli("invoices", "create", "--order", order["id"], "-o", "json", user="sam"))
    issued = ok_json(cli("invoices", "issue", invoice["id"], "-o", "json", user="sam"))
    assert issued["number"] == "INV-2026-000001"
    wrong = cli("invoices", "pay", invoice["id"], "--amount", "1.00", user="sam")
    assert wrong.exit_code == 1 and wrong.stderr.startswith("error: INVALID_ARGUMENT")
    paid = ok_json(cli("invoices", "pay", invoice["id"], "--amount", "742.49", "--reference",
                       "TX-1", "-o", "json", user="sam"))
    assert paid["status"] == "paid"
    assert "INV-2026-000001" in cli("invoices", "show", invoice["id"], user="sam").stdout
    cancel = cli("orders", "cancel", order["id"], "--reason", "late", user="sam")
    assert cancel.exit_code == 1 and cancel.stderr.startswith("error: FAILED_PRECONDITION")
    assert ok_json(cli("orders", "show", order["id"], "-o", "json"))["status"] == "invoiced"
    bad = cli("quotes", "price", quote["id"], "--line", "p-gadget")
    assert bad.exit_code == 1 and "a line is PRODUCT:QUANTITY" in bad.stderr


def test_pipelines_are_created_and_revised_by_admins_and_read_by_everyone(cli):
    stages = ["--stage", "discover:Discover:20:pipeline:14", "--stage", "commit:Commit:80:commit"]
    denied = cli("pipelines", "create", "--line", "line-2", "--name", "SMB", *stages)
    assert denied.exit_code == 1 and "only administrators" in denied.stderr
    created = ok_json(cli("pipelines", "create", "--line", "SMB", "--name", "SMB", *stages,
                          "-o", "json", user="root"))
    assert [s["key"] for s in created["stages"]] == ["discover", "commit"]
    assert created["sales_line_id"] == "line-2"   # the line's name resolved to its id
    revised = cli("pipelines", "revise", "line-2", "--stage", "discover:Discover:25:pipeline",
                  user="root")
    assert revised.exit_code == 0, revised.output
    assert "version 2" in revised.stdout and "Commit" not in revised.stdout
    old = cli("pipelines", "show", "line-2", "--version", "1", user="tom")
    assert "Commit" in old.stdout and "commit" in old.stdout
    assert "sales line SMB (line-2)" in old.stdout
    listed = cli("pipelines", "list", user="tom")
    assert "Enterprise" in listed.stdout and "SMB" in listed.stdout
    bad = cli("pipelines", "create", "--line", "SMB", "--name", "x", "--stage", "a:b",
              user="root")
    assert bad.exit_code == 1 and "a stage is KEY:NAME:PROBABILITY:FORECAST" in bad.stderr
    unknown = cli("pipelines", "create", "--line", "Mid Market", "--name", "x", *stages,
                  user="root")
    assert unknown.exit_code == 1
    assert "no sales line named 'Mid Market'" in unknown.stderr
    assert "`crmctl lines list` shows them" in unknown.stderr


def test_automation_rules_from_a_file_and_their_deliveries(cli, tmp_path):
    pipeline = ok_json(cli("pipelines", "show", "line-1", "-o", "json"))
    rule_file = tmp_path / "rule.json"
    rule_file.write_text(json.dumps({
        "name": "Tell the owner", "trigger": "AUTOMATION_TRIGGER_STAGE_ENTERED",
        "stage_key": "propose", "actions": [{
            "kind": "AUTOMATION_ACTION_KIND_EMAIL", "recipients": ["owner"],
            "subject": "{{ deal.name }} is at Propose", "body": "Time to send the quote."}]}))
    refused = cli("automations", "create", pipeline["id"], str(rule_file), "--team", "team-a",
                  user="root")
    assert refused.exit_code == 1 and "needs the manager role over each" in refused.stderr
    created = ok_json(cli("automations", "create", pipeline["id"], str(rule_file), "--team",
                          "team-a", "-o", "json", user="mia"))
    assert created["name"] == "Tell the owner" and created["enabled"] is True
    assert created["team_ids"] == ["team-a"]
    listed = cli("automations", "rules", pipeline["id"], user="mia")
    assert listed.exit_code == 0 and "Tell the owner" in listed.stdout
    assert "stage_entered" in listed.stdout and "team-a" in listed.stdout
    assert "Tell the owner" not in cli("automations", "rules", pipeline["id"], user="root").stdout
    off = ok_json(cli("automations", "enable", created["id"], "--off", "-o", "json", user="mia"))
    assert off["enabled"] is False
    bad = tmp_path / "bad.json"
    bad.write_text('{"trigger": "SOMETIME"}')
    refused = cli("automations", "create", pipeline["id"], str(bad), user="mia")
    assert refused.exit_code == 1 and "not an automation rule" in refused.stderr
    assert cli("automations", "deliveries", "--rule", created["id"], "--failed",
               user="mia").exit_code == 0


def test_a_transfer_out_of_sight_says_it_was_done_without_the_deal(cli):
    deal = new_deal(cli)
    refused = cli("deals", "transfer", deal["id"], "--team", "team-b", "--reason", "reorg",
                  user="boss")
    assert refused.exit_code == 1 and f"deal '{deal['id']}' not found" in refused.stderr
    done = cli("deals", "transfer", deal["id"], "--team", "team-b", "--reason", "region",
               "--owner", "tom", user="mia")
    assert done.exit_code == 0, done.output
    assert f"deal {deal['id']} transferred to team team-b" in done.stdout
    assert "Acme rollout" not in done.stdout
    back = ok_json(cli("deals", "transfer", deal["id"], "--team", "team-a", "--reason", "back",
                       "--owner", "alice", "-o", "json", user="max"))
    assert back == {"id": deal["id"], "team_id": "team-a", "withheld": True}


def test_teams_and_owners_are_typed_as_people_name_them(cli, identity):
    account = ok_json(cli("accounts", "create", "--team", "team a", "--name", "Named GmbH",
                          "-o", "json"))
    assert account["team_id"] == "team-a"
    listed = cli("deals", "list", "--team", "TEAM B", "--owner", identity.users[0].email)
    assert listed.exit_code == 0, listed.output
    unknown = cli("deals", "list", "--team", "Paris")
    assert unknown.exit_code == 1 and "no team named 'Paris'" in unknown.stderr
