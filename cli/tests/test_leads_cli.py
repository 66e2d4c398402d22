"""crmctl leads / campaigns / scoring against fake leads services on a real gRPC server.

The fakes check the bearer token of the fake identity's login and keep every request, so the
tests see exactly what crmctl sends; the import fake accepts rows with an e-mail and remembers
(import id, row) like the service does.
"""
import hashlib
import json
import uuid
from concurrent import futures

import grpc
import pytest

from crm.leads.v1 import (
    campaign_pb2,
    campaign_pb2_grpc,
    lead_pb2,
    lead_service_pb2,
    lead_service_pb2_grpc,
    scoring_pb2,
    scoring_pb2_grpc,
)

pb = lead_service_pb2


class FakeLeads(lead_service_pb2_grpc.LeadServiceServicer,
                campaign_pb2_grpc.CampaignServiceServicer,
                scoring_pb2_grpc.ScoringServiceServicer):
    def __init__(self, identity):
        self.identity = identity
        self.requests = []
        self.imported = {}  # (import id, row) -> lead id
        self.require_channel = False  # like the service: a row needs a channel
        self.route_imports = False    # imported leads appear routed to team-a, owned by owner
        self.owner = "ann"
        self.leads = [lead_pb2.Lead(id=f"lead-{n}", status=lead_pb2.LEAD_STATUS_NEW,
                                    data=lead_pb2.LeadInput(person=lead_pb2.Person(
                                        first_name="Jo", last_name=f"Doe{n}",
                                        email=f"jo{n}@acme.example")),
                                    score=lead_pb2.LeadScore(score=80 - n, grade=lead_pb2.GRADE_A),
                                    assignment=lead_pb2.Assignment(team_id="team-a",
                                                                   owner_user_id="ann"))
                      for n in range(3)]

    def _check(self, context, request):
        header = dict(context.invocation_metadata()).get("authorization", "")
        if header.removeprefix("Bearer ") not in self.identity.valid_access:
            context.abort(grpc.StatusCode.UNAUTHENTICATED, "invalid or expired access token")
        self.requests.append(request)

    def CreateLead(self, request, context):
        self._check(context, request)
        replayed = sum(isinstance(r, pb.CreateLeadRequest) and
                       r.idempotency_key == request.idempotency_key for r in self.requests) > 1
        return pb.CreateLeadResponse(lead=lead_pb2.Lead(id="lead-new", version=1),
                                     replayed=replayed)

    def _lead(self, lead_id, context):
        for lead in self.leads:
            if lead.id == lead_id:
                return lead
        context.abort(grpc.StatusCode.NOT_FOUND, f"lead {lead_id} not found")

    def GetLead(self, request, context):
        self._check(context, request)
        lead = self._lead(request.lead_id, context)
        answer = lead_pb2.Lead()
        answer.CopyFrom(lead)
        self._answer_conversion(lead)   # seen as it was, changed for the next read
        return answer

    def SearchLeads(self, request, context):
        self._check(context, request)
        start = int(request.page.cursor or 0)
        size = request.page.page_size
        page = self.leads[start:start + size]
        more = start + size < len(self.leads)
        return pb.SearchLeadsResponse(leads=page, page_info={
            "next_cursor": str(start + size) if more else ""})

    def ConvertLead(self, request, context):
        """CONVERTING at once; deals "answers" by the next read: CONVERTED, or FAILED for a
        lead whose conversion is to fail."""
        self._check(context, request)
        lead = self._lead(request.lead_id, context)
        lead.conversion.state = lead_pb2.CONVERSION_STATE_CONVERTING
        return lead

    def _answer_conversion(self, lead):
        if lead.conversion.state == lead_pb2.CONVERSION_STATE_CONVERTING:
            if lead.data.person.last_name == "Doe2":
                lead.conversion.state = lead_pb2.CONVERSION_STATE_FAILED
                lead.conversion.last_error = "account 'a-1' to link does not exist"
            else:
                lead.conversion.state = lead_pb2.CONVERSION_STATE_CONVERTED
                lead.conversion.opportunity_id = "deal-1"

    def DisqualifyLead(self, request, context):
        self._check(context, request)
        lead = self._lead(request.lead_id, context)
        lead.status = lead_pb2.LEAD_STATUS_DISQUALIFIED
        lead.disqualification_reason = request.reason
        return lead

    def UpdateLead(self, request, context):
        self._check(context, request)
        return self._lead(request.lead_id, context)

    def ImportLeads(self, request_iterator, context):
        requests = iter(request_iterator)
        header = next(requests).header
        self._check(context, header)
        totals = [0, 0, 0]
        batch = pb.ImportLeadsResponse()
        for request in requests:
            row = request.row
            totals[0] += 1
            email = next((v for k, v in row.values.items()
                          if header.column_mapping.get(k) == "person.email"), "")
            has_channel = header.default_channel or "source.channel" in \
                header.column_mapping.values()
            if self.require_channel and not has_channel:
                totals[2] += 1
                batch.problems.add(row_number=row.row_number, field="source.channel",
                                   reason="is required: add a channel column or give the "
                                          "import a default channel")
            elif "@" not in email:
                totals[2] += 1
                batch.problems.add(row_number=row.row_number, field="person.email",
                                   reason=f"'{email}' has no '@'; write it as name@example.com")
            else:
                totals[1] += 1
                key = (header.import_id, row.row_number)
                again = key in self.imported
                self.imported.setdefault(key, uuid.uuid4().hex)
                batch.accepted.add(row_number=row.row_number, lead_id=self.imported[key],
                                   already_imported=again)
                if self.route_imports and not again:   # territory routes it to team-a
                    self.leads.append(lead_pb2.Lead(
                        id=self.imported[key], data=lead_pb2.LeadInput(
                            person=lead_pb2.Person(last_name=row.values.get("Last name", ""))),
                        assignment=lead_pb2.Assignment(team_id="team-a",
                                                       owner_user_id=self.owner)))
            if totals[0] % 2 == 0:
                batch.rows_read, batch.rows_accepted, batch.rows_rejected = totals
                yield batch
                batch = pb.ImportLeadsResponse()
        batch.rows_read, batch.rows_accepted, batch.rows_rejected = totals
        yield batch
        yield pb.ImportLeadsResponse(rows_read=totals[0], rows_accepted=totals[1],
                                     rows_rejected=totals[2], done=True)

    def CreateCampaign(self, request, context):
        self._check(context, request)
        return campaign_pb2.Campaign(id="camp-1", version=1, **{
            f.name: getattr(request.campaign, f.name) for f in request.campaign.DESCRIPTOR.fields
            if f.name in ("name", "channel", "starts_on", "ends_on", "cost")
            and (f.name not in ("starts_on", "ends_on", "cost")
                 or request.campaign.HasField(f.name))})

    def UpdateScoringModel(self, request, context):
        self._check(context, request)
        model = scoring_pb2.ScoringModel()
        model.CopyFrom(request.model)
        model.version = 2
        return model


@pytest.fixture
def fake_leads(identity, territory, monkeypatch):
    # territory names the teams and lines of the leads shown (crmctl.commands.names).
    monkeypatch.setenv("CRM_TERRITORY_ADDRESS", territory.address)
    fake = FakeLeads(identity)
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=4))
    lead_service_pb2_grpc.add_LeadServiceServicer_to_server(fake, server)
    campaign_pb2_grpc.add_CampaignServiceServicer_to_server(fake, server)
    scoring_pb2_grpc.add_ScoringServiceServicer_to_server(fake, server)
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    monkeypatch.setenv("CRM_LEADS_ADDRESS", f"127.0.0.1:{port}")
    yield fake
    server.stop(grace=None)


CSV = ("E-Mail,Last name,Company,Budget\n"
       "ann@acme.example,Lee,Acme,10k\n"
       "bob@acme.example,Mate,Acme,\n"
       "not-an-address,Broken,Acme,5k\n"
       "cat@acme.example,Cat,Acme,1k\n")


def write_csv(tmp_path, text=CSV):
    path = tmp_path / "leads.csv"
    path.write_text(text, encoding="utf-8")
    return path


def test_import_streams_rows_and_prints_the_per_row_report(logged_in, fake_leads, tmp_path):
    path = write_csv(tmp_path)
    result = logged_in("leads", "import", str(path), "--map", "E-Mail=person.email",
                       "--map", "Budget=custom_attributes.budget", "--channel", "event")

    assert result.exit_code == 0, result.output
    header = fake_leads.requests[-1]
    assert header.import_id == "sha256:" + hashlib.sha256(path.read_bytes()).hexdigest()
    assert dict(header.column_mapping) == {"E-Mail": "person.email",
                                           "Budget": "custom_attributes.budget"}
    assert list(header.columns) == ["E-Mail", "Last name", "Company", "Budget"]
    assert header.default_channel == lead_pb2.CHANNEL_EVENT
    assert "3" in result.stdout and "person.email" in result.stdout and "no '@'" in result.stdout
    assert "4 rows read: 3 accepted (3 new, 0 imported before), 1 rejected" in result.stdout


def test_import_rerun_of_the_same_file_accepts_no_row_twice(logged_in, fake_leads, tmp_path):
    path = write_csv(tmp_path)
    logged_in("leads", "import", str(path), "--map", "E-Mail=person.email")
    result = logged_in("leads", "import", str(path), "--map", "E-Mail=person.email", "-o", "json")

    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["already_imported"] == 3 and report["rows_rejected"] == 1
    assert report["problems"] == [{"row": 3, "field": "person.email",
                                   "reason": "'not-an-address' has no '@'; write it as "
                                             "name@example.com"}]
    assert [a["row"] for a in report["accepted"]] == [1, 2, 4]


def test_import_without_any_accepted_row_exits_1_saying_what_to_do(logged_in, fake_leads,
                                                                    tmp_path):
    broken = write_csv(tmp_path, "E-Mail,Last name\nnope,Lee\nalso-nope,Mate\n")
    result = logged_in("leads", "import", str(broken), "--map", "E-Mail=person.email")
    assert result.exit_code == 1
    assert "2 rows read: 0 accepted" in result.stdout and "no '@'" in result.stdout
    assert "no row was accepted: fix the rows listed above" in result.stderr

    fake_leads.require_channel = True
    path = write_csv(tmp_path)
    result = logged_in("leads", "import", str(path), "--map", "E-Mail=person.email",
                       "-o", "json")
    assert result.exit_code == 1 and json.loads(result.stdout)["rows_accepted"] == 0
    assert "every row lacks a channel; run again with --channel" in result.stderr
    result = logged_in("leads", "import", str(path), "--map", "E-Mail=person.email",
                       "--channel", "purchased_list")
    assert result.exit_code == 0, result.output


def test_import_refuses_a_bad_mapping_and_a_file_without_header(logged_in, fake_leads, tmp_path):
    result = logged_in("leads", "import", str(write_csv(tmp_path)), "--map", "E-Mail")
    assert result.exit_code == 1 and "--map takes KEY=VALUE" in result.stderr
    result = logged_in("leads", "import", str(write_csv(tmp_path, "")))
    assert result.exit_code == 1 and "no header line" in result.stderr


def test_create_sends_the_lead_and_a_stable_idempotency_key(logged_in, fake_leads):
    args = ("leads", "create", "--email", "jo@acme.example", "--last-name", "Doe",
            "--company", "Acme", "--channel", "web_form", "--revenue", "1250000 eur",
            "--consent", "email_marketing", "--attr", "budget=50k", "--product", "crm")
    first = logged_in(*args)
    again = logged_in(*args)

    assert first.exit_code == 0, first.output
    assert "lead lead-new created" in first.stdout
    assert "was captured before" in again.stdout
    sent = [r for r in fake_leads.requests if isinstance(r, pb.CreateLeadRequest)]
    assert sent[0].idempotency_key == sent[1].idempotency_key
    lead = sent[0].lead
    assert (lead.company.annual_revenue.amount, lead.company.annual_revenue.currency) == \
        ("1250000", "EUR")
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
    result = logged_in("campaigns", "create", "--name", "Spring Fair", "--channel", "event",
                       "--starts-on", "2026-04-01", "--cost", "15000.50 EUR")

    assert result.exit_code == 0, result.output
    sent = fake_leads.requests[-1].campaign
    assert (sent.cost.amount, sent.starts_on.month, sent.HasField("ends_on")) == \
        ("15000.50", 4, False)
    assert "(open)" in result.stdout and "15000.50 EUR" in result.stdout
    bad = logged_in("campaigns", "create", "--name", "X", "--channel", "event",
                    "--starts-on", "1.4.2026", "--cost", "1 EUR")
    assert bad.exit_code == 1 and "YYYY-MM-DD" in bad.stderr


def test_scoring_set_reads_the_model_file(logged_in, fake_leads, tmp_path):
    path = tmp_path / "model.json"
    path.write_text(json.dumps({"version": 1, "fit_rules": [
        {"id": "de", "attribute": "country", "operator": "equals", "values": ["DE"],
         "points": 30}], "engagement_rules": [
        {"kind": "demo_requested", "points": 40, "half_life_days": "7", "max_points": 60}]}))
    result = logged_in("scoring", "set", "line-1", str(path), "-o", "json")

    assert result.exit_code == 0, result.output
    request = fake_leads.requests[-1]
    assert request.expected_version == 1 and request.model.sales_line_id == "line-1"
    assert request.model.fit_rules[0].operator == scoring_pb2.RULE_OPERATOR_EQUALS
    assert request.model.engagement_rules[0].kind == lead_pb2.ACTIVITY_KIND_DEMO_REQUESTED
    shown = json.loads(result.stdout)
    assert shown["version"] == 2 and shown["fit_rules"][0]["operator"] == "equals"
    path.write_text(json.dumps({"fit_rules": [{"id": "x", "operator": "roughly"}]}))
    bad = logged_in("scoring", "set", "line-1", str(path))
    assert bad.exit_code == 1 and "fit_rules[0].operator: 'roughly'" in bad.stderr


def test_update_sends_the_mask_and_the_values(logged_in, fake_leads):
    result = logged_in("leads", "update", "lead-1", "--set", "person.title=CEO",
                       "--set", "company.size=large", "--set", "custom_attributes.budget=80k",
                       "--set", "consent.email_marketing=yes", "--clear", "location.city",
                       "--expected-version", "3")

    assert result.exit_code == 0, result.output
    request = fake_leads.requests[-1]
    assert list(request.update_mask.paths) == ["person.title", "company.size",
                                               "custom_attributes.budget",
                                               "consent.email_marketing", "location.city"]
    assert (request.lead.person.title, request.lead.company.size) == \
        ("CEO", lead_pb2.COMPANY_SIZE_LARGE)
    assert request.lead.custom_attributes["budget"] == "80k" and request.lead.consent.email_marketing
    assert request.expected_version == 3
    for bad, words in ((("--set", "person.shoe=42"), "not a lead field"),
                       (("--set", "company.size=huge"),
                        "--set company.size: 'huge' is not one of micro"),
                       ((), "nothing to change")):
        refused = logged_in("leads", "update", "lead-1", *bad)
        assert refused.exit_code == 1 and words in refused.stderr
