"""crmctl leads / campaigns / scoring against the fake leads services of conftest.py (on a real
gRPC server): the fakes check the bearer token of the fake identity's login and keep every
request, so the tests see exactly what crmctl sends."""

import hashlib
import json

from crm.leads.v1 import interactions_pb2 as ia
from crm.leads.v1 import lead_pb2, lead_service_pb2, scoring_pb2

pb = lead_service_pb2


def test_import_streams_rows_and_prints_the_per_row_report(logged_in, fake_leads, write_csv):
    path = write_csv()
    result = logged_in(
        "leads",
        "import",
        str(path),
        "--map",
        "E-Mail=person.email",
        "--map",
        "Budget=custom_attributes.budget",
        "--channel",
        "event",
    )

    assert result.exit_code == 0, result.output
    header = fake_leads.requests[-1]
    assert header.import_id == "sha256:" + hashlib.sha256(path.read_bytes()).hexdigest()
    assert dict(header.column_mapping) == {
        "E-Mail": "person.email",
        "Budget": "custom_attributes.budget",
    }
    assert list(header.columns) == ["E-Mail", "Last name", "Company", "Budget"]
    assert header.default_channel == lead_pb2.CHANNEL_EVENT
    assert "3" in result.stdout and "person.email" in result.stdout and "no '@'" in result.stdout
    assert "4 rows read: 3 accepted (3 new, 0 imported before), 1 rejected" in result.stdout


def test_import_rerun_of_the_same_file_accepts_no_row_twice(logged_in, fake_leads, write_csv):
    path = write_csv()
    logged_in("leads", "import", str(path), "--map", "E-Mail=person.email")
    result = logged_in("leads", "import", str(path), "--map", "E-Mail=person.email", "-o", "json")

    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["already_imported"] == 3 and report["rows_rejected"] == 1
    assert report["problems"] == [
        {
            "row": 3,
            "field": "person.email",
            "reason": "'not-an-address' has no '@'; write it as name@example.com",
        }
    ]
    assert [a["row"] for a in report["accepted"]] == [1, 2, 4]


def test_import_without_any_accepted_row_exits_1_saying_what_to_do(
    logged_in, fake_leads, write_csv
):
    broken = write_csv("E-Mail,Last name\nnope,Lee\nalso-nope,Mate\n")
    result = logged_in("leads", "import", str(broken), "--map", "E-Mail=person.email")
    assert result.exit_code == 1
    assert "2 rows read: 0 accepted" in result.stdout and "no '@'" in result.stdout
    assert "no row was accepted: fix the rows listed above" in result.stderr

    fake_leads.require_channel = True
    path = write_csv()
    result = logged_in("leads", "import", str(path), "--map", "E-Mail=person.email", "-o", "json")
    assert result.exit_code == 1 and json.loads(result.stdout)["rows_accepted"] == 0
    assert "every row lacks a channel; run again with --channel" in result.stderr
    result = logged_in(
        "leads", "import", str(path), "--map", "E-Mail=person.email", "--channel", "purchased_list"
    )
    assert result.exit_code == 0, result.output


def test_import_refuses_a_bad_mapping_and_a_file_without_header(logged_in, fake_leads, write_csv):
    result = logged_in("leads", "import", str(write_csv()), "--map", "E-Mail")
    assert result.exit_code == 1 and "--map takes KEY=VALUE" in result.stderr
    result = logged_in("leads", "import", str(write_csv("")))
    assert result.exit_code == 1 and "no header line" in result.stderr


def test_create_sends_the_lead_and_a_stable_idempotency_key(logged_in, fake_leads):
    args = (
        "leads",
        "create",
        "--email",
        "jo@acme.example",
        "--last-name",
        "Doe",
        "--company",
        "Acme",
        "--channel",
        "web_form",
        "--revenue",
        "1250000 eur",
        "--consent",
        "email_marketing",
        "--attr",
        "budget=50k",
        "--product",
        "crm",
    )
    first = logged_in(*args)
    again = logged_in(*args)

    assert first.exit_code == 0, first.output
    assert "lead lead-new created" in first.stdout
    assert "was captured before" in again.stdout
    sent = [r for r in fake_leads.requests if isinstance(r, pb.CreateLeadRequest)]
    assert sent[0].idempotency_key == sent[1].idempotency_key
    lead = sent[0].lead
    assert (lead.company.annual_revenue.amount, lead.company.annual_revenue.currency) == (
        "1250000",
        "EUR",
    )
    assert lead.consent.email_marketing and dict(lead.custom_attributes) == {"budget": "50k"}
    assert lead.source.channel == lead_pb2.CHANNEL_WEB_FORM
    assert sent[0].on_duplicate == pb.DUPLICATE_POLICY_REJECT


def test_search_follows_pages_and_show_reports_not_found(logged_in, fake_leads):
    result = logged_in("leads", "search", "--limit", "0", "--status", "new", "-o", "json")

    assert result.exit_code == 0, result.output
    assert [row["id"] for row in json.loads(result.stdout)] == ["lead-0", "lead-1", "lead-2"]
    searches = [r for r in fake_leads.requests if isinstance(r, pb.SearchLeadsRequest)]
    assert list(searches[0].filter.statuses) == [lead_pb2.LEAD_STATUS_NEW]
    table = logged_in("leads", "search")
    assert "lead-1" in table.stdout and "jo1@acme.example" in table.stdout
    missing = logged_in("leads", "show", "lead-9")
    assert missing.exit_code == 1
    assert missing.stderr.strip() == "error: NOT_FOUND: lead lead-9 not found"


def test_disqualify_sends_the_reason(logged_in, fake_leads):
    result = logged_in("leads", "disqualify", "lead-1", "--reason", "no_budget", "--note", "2027")

    assert result.exit_code == 0, result.output
    assert "disqualified (no_budget)" in result.stdout
    unknown = logged_in("leads", "disqualify", "lead-1", "--reason", "bored")
    assert unknown.exit_code == 2  # click refuses an unknown reason before any call


def test_campaign_create_sends_exact_cost_and_dates(logged_in, fake_leads):
    result = logged_in(
        "campaigns",
        "create",
        "--name",
        "Spring Fair",
        "--channel",
        "event",
        "--starts-on",
        "2026-04-01",
        "--cost",
        "15000.50 EUR",
    )

    assert result.exit_code == 0, result.output
    sent = fake_leads.requests[-1].campaign
    assert (sent.cost.amount, sent.starts_on.month, sent.HasField("ends_on")) == (
        "15000.50",
        4,
        False,
    )
    assert "(open)" in result.stdout and "15000.50 EUR" in result.stdout
    bad = logged_in(
        "campaigns",
        "create",
        "--name",
        "X",
        "--channel",
        "event",
        "--starts-on",
        "1.4.2026",
        "--cost",
        "1 EUR",
    )
    assert bad.exit_code == 1 and "YYYY-MM-DD" in bad.stderr


def test_scoring_set_reads_the_model_file(logged_in, fake_leads, tmp_path):
    path = tmp_path / "model.json"
    path.write_text(
        json.dumps(
            {
                "version": 1,
                "fit_rules": [
                    {
                        "id": "de",
                        "attribute": "country",
                        "operator": "equals",
                        "values": ["DE"],
                        "points": 30,
                    }
                ],
                "engagement_rules": [
                    {
                        "kind": "demo_requested",
                        "points": 40,
                        "half_life_days": "7",
                        "max_points": 60,
                    }
                ],
                "interaction_rules": [
                    {
                        "kind": "call",
                        "outcome": "connected",
                        "points": 15,
                        "half_life_days": "14",
                        "max_points": 30,
                    }
                ],
            }
        )
    )
    result = logged_in("scoring", "set", "line-1", str(path), "-o", "json")

    assert result.exit_code == 0, result.output
    request = fake_leads.requests[-1]
    assert request.expected_version == 1 and request.model.sales_line_id == "line-1"
    assert request.model.fit_rules[0].operator == scoring_pb2.RULE_OPERATOR_EQUALS
    assert request.model.engagement_rules[0].kind == lead_pb2.ACTIVITY_KIND_DEMO_REQUESTED
    (counted,) = request.model.interaction_rules
    assert (counted.kind, counted.outcome, counted.max_points) == ("call", "connected", 30)
    shown = json.loads(result.stdout)
    assert shown["version"] == 2 and shown["fit_rules"][0]["operator"] == "equals"
    path.write_text(json.dumps({"fit_rules": [{"id": "x", "operator": "roughly"}]}))
    bad = logged_in("scoring", "set", "line-1", str(path))
    assert bad.exit_code == 1 and "fit_rules[0].operator: 'roughly'" in bad.stderr


def test_update_sends_the_mask_and_the_values(logged_in, fake_leads):
    result = logged_in(
        "leads",
        "update",
        "lead-1",
        "--set",
        "person.title=CEO",
        "--set",
        "company.size=large",
        "--set",
        "custom_attributes.budget=80k",
        "--set",
        "consent.email_marketing=yes",
        "--clear",
        "location.city",
        "--expected-version",
        "3",
    )

    assert result.exit_code == 0, result.output
    request = fake_leads.requests[-1]
    assert list(request.update_mask.paths) == [
        "person.title",
        "company.size",
        "custom_attributes.budget",
        "consent.email_marketing",
        "location.city",
    ]
    assert (request.lead.person.title, request.lead.company.size) == (
        "CEO",
        lead_pb2.COMPANY_SIZE_LARGE,
    )
    assert (
        request.lead.custom_attributes["budget"] == "80k" and request.lead.consent.email_marketing
    )
    assert request.expected_version == 3
    for bad, words in (
        (("--set", "person.shoe=42"), "not a lead field"),
        (("--set", "company.size=huge"), "--set company.size: 'huge' is not one of micro"),
        ((), "nothing to change"),
    ):
        refused = logged_in("leads", "update", "lead-1", *bad)
        assert refused.exit_code == 1 and words in refused.stderr


def test_an_amount_that_is_not_one_is_refused_before_anything_is_sent(logged_in, fake_leads):
    result = logged_in(
        "leads", "create", "--email", "a@b.example", "--channel", "event", "--revenue", "lots EUR"
    )
    assert result.exit_code == 1
    assert "'lots EUR' is not an amount with a currency" in result.stderr
    assert fake_leads.requests == []


def test_interactions_are_logged_listed_and_done(logged_in, fake_leads):
    recorded = fake_leads.interactions
    recorded.replies["LogLeadInteraction"] = lambda request: ia.LeadInteraction(
        id="i-1",
        lead_id=request.lead_id,
        kind=request.kind,
        subject=request.subject,
        outcome=request.outcome,
        logged_by="ann",
        is_contact=True,
    )
    result = logged_in(
        "leads",
        "interactions",
        "log",
        "lead-1",
        "-k",
        "call",
        "-s",
        "Intro",
        "--outcome",
        "connected",
        "--minutes",
        "12",
        "--at",
        "2026-03-01T10:00",
        "-o",
        "json",
    )
    assert result.exit_code == 0, result.output
    shown = json.loads(result.stdout)
    assert (shown["kind"], shown["outcome"], shown["is_contact"]) == ("call", "connected", True)
    (sent,) = recorded.sent("LogLeadInteraction")
    assert (sent.lead_id, sent.kind, sent.duration_minutes) == (
        "lead-1",
        ia.INTERACTION_KIND_CALL,
        12,
    )
    assert sent.occurred_at.ToDatetime().isoformat() == "2026-03-01T10:00:00"
    recorded.replies["ListLeadInteractions"] = ia.ListLeadInteractionsResponse(
        interactions=[ia.LeadInteraction(id="i-1", kind=ia.INTERACTION_KIND_CALL, subject="Intro")]
    )
    listed = logged_in("leads", "interactions", "list", "lead-1")
    assert listed.exit_code == 0 and "Intro" in listed.stdout
    assert logged_in("leads", "interactions", "done", "i-9").exit_code == 0
    assert recorded.sent("CompleteLeadTask")[0].id == "i-9"
