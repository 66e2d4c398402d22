"""``crmctl leads ...``: capture, import a CSV file, show, search, work, assign, convert leads.

LEAD arguments are lead ids (as `crmctl leads search` prints them). Enum options take the
words the service uses (``--channel web_form``, ``--reason no_budget``).
"""
from __future__ import annotations

import csv
import hashlib
import json
from pathlib import Path

import click
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from crm.common.v1 import pagination_pb2
from crm.leads.v1 import lead_pb2
from crm.leads.v1 import lead_service_pb2 as pb
from crmctl.commands._leads_api import (
    LIST_COLUMNS,
    choice,
    enum_number,
    enum_word,
    lead_row,
    lead_stub,
    money,
    pairs,
    show_lead,
    time_text,
    timestamp,
)
from crmctl.commands._leads_wait import wait_converted, wait_routed
from crmctl.commands.common import output_option, pass_session
from crmctl.commands.names import names
from crmctl.commands.territory import line_id, team_id, user_id
from crmctl.output import message_to_dict, print_message, print_rows
from crmctl.session import CliError

IMPORT_TIMEOUT_SECONDS = 3600  # a stream of a large file; each batch is committed on its own


@click.group()
def leads() -> None:
    """Capture, import, search and work leads (you see the leads of your teams)."""


# ------------------------------------------------------------------ create
CONSENTS = ["email_marketing", "phone_contact", "data_processing"]


@leads.command("create")
@click.option("--email", "-e", default="")
@click.option("--phone", default="", help="E.164 or national with --country.")
@click.option("--first-name", default="")
@click.option("--last-name", default="")
@click.option("--title", default="", help="Job title, e.g. 'VP Sales'.")
@click.option("--company", default="")
@click.option("--industry", default="")
@click.option("--company-size", type=choice(lead_pb2.CompanySize, "COMPANY_SIZE"))
@click.option("--revenue", help="Annual revenue with currency, e.g. '1250000 EUR'.")
@click.option("--website", default="")
@click.option("--country", default="", help="Alpha-2, alpha-3 or English name.")
@click.option("--region", default="")
@click.option("--city", default="")
@click.option("--postal-code", default="")
@click.option("--channel", "-c", type=choice(lead_pb2.Channel, "CHANNEL"), required=True)
@click.option("--campaign", default="", help="Campaign id (see `crmctl campaigns list`).")
@click.option("--sales-line", default="", help="Sales line id; empty lets routing decide.")
@click.option("--product", "products", multiple=True, help="Product interest (repeatable).")
@click.option("--consent", "consents", multiple=True, type=click.Choice(CONSENTS),
              help="Consent given (repeatable).")
@click.option("--attr", "attributes", multiple=True, help="Custom attribute KEY=VALUE.")
@click.option("--merge", is_flag=True, help="Merge into an existing duplicate instead of "
                                            "refusing.")
@click.option("--idempotency-key", default="", help="Default: a hash of this lead's data, so "
                                                    "running the same command again makes no "
                                                    "second lead.")
@output_option
@pass_session
def create(session, email, phone, first_name, last_name, title, company, industry,
           company_size, revenue, website, country, region, city, postal_code, channel,
           campaign, sales_line, products, consents, attributes, merge, idempotency_key):
    """Capture one lead."""
    lead = lead_pb2.LeadInput(
        person=lead_pb2.Person(first_name=first_name, last_name=last_name, title=title,
                               email=email, phone=phone),
        company=lead_pb2.Company(name=company, industry=industry, website=website,
                                 size=enum_number(lead_pb2.CompanySize, "COMPANY_SIZE",
                                                  company_size),
                                 annual_revenue=money(revenue)),
        location=lead_pb2.Location(country=country, region=region, city=city,
                                   postal_code=postal_code),
        source=lead_pb2.Source(channel=enum_number(lead_pb2.Channel, "CHANNEL", channel),
                               campaign_id=campaign),
        sales_line_id=sales_line, product_interest=list(products),
        consent=lead_pb2.Consent(**{name: True for name in consents}),
        custom_attributes=pairs(attributes, "--attr"))
    key = idempotency_key or "crmctl:" + hashlib.sha256(
        lead.SerializeToString(deterministic=True)).hexdigest()
    response = session.call(lead_stub(session).CreateLead, pb.CreateLeadRequest(
        idempotency_key=key, lead=lead,
        on_duplicate=pb.DUPLICATE_POLICY_MERGE if merge else pb.DUPLICATE_POLICY_REJECT))
    visible = response.lead.HasField("data")  # no team of yours owns it yet: only its id
    if session.output == "json":
        click.echo(json.dumps({"lead_id": response.lead.id, "merged": response.merged,
                               "replayed": response.replayed,
                               "lead": message_to_dict(response.lead) if visible else None},
                              indent=2))
        return
    if visible:
        show_lead(session, response.lead)
    what = ("merged into the existing lead" if response.merged else
            "was captured before (same data)" if response.replayed else "created")
    click.echo(f"lead {response.lead.id} {what}")


# ------------------------------------------------------------------ import
def file_hash(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def read_csv(path: Path, delimiter: str) -> tuple[list[str], list[dict[str, str]]]:
    with path.open(newline="", encoding="utf-8-sig") as handle:
        reader = csv.DictReader(handle, delimiter=delimiter)
        rows = [{k: (v or "") for k, v in row.items() if k is not None} for row in reader]
        columns = list(reader.fieldnames or [])
    if not columns:
        raise CliError(f"{path} has no header line naming its columns")
    return columns, rows


def import_requests(header: pb.ImportHeader, rows: list[dict[str, str]]):
    yield pb.ImportLeadsRequest(header=header)
    for number, values in enumerate(rows, start=1):
        yield pb.ImportLeadsRequest(row=pb.ImportRow(row_number=number, values=values))


@leads.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--map", "mapping", multiple=True, metavar="COLUMN=FIELD",
              help="Map a column to a lead field, e.g. 'E-Mail=person.email' or "
                   "'Budget=custom_attributes.budget' (repeatable). Without any, columns named "
                   "like fields or common aliases (E-Mail, Last name, Company, Zip) map "
                   "themselves.")
@click.option("--channel", "-c", type=choice(lead_pb2.Channel, "CHANNEL"),
              help="Channel of rows without a source.channel column.")
@click.option("--campaign", default="", help="Campaign of rows without a campaign column.")
@click.option("--sales-line", default="", help="Sales line (id or name) of rows without one.")
@click.option("--import-id", default="", help="Default: the SHA-256 of the file, so running "
                                              "the same file again accepts no row twice.")
@click.option("--delimiter", default=",", show_default=True)
@click.option("--wait", is_flag=True,
              help="Then wait until the accepted leads are routed to your teams and show where "
                   "each went (team and owner).")
@output_option
@pass_session
def import_leads(session, file, mapping, channel, campaign, sales_line, import_id, delimiter,
                 wait):
    """Import the leads of a CSV file (header line first) with a per-row report.

    Valid rows are accepted, invalid ones rejected whole; each batch is committed on its own,
    so after a crash just run the command again. Exits 1 when no row was accepted (or, with
    --wait, when not every accepted lead reached your teams in time).
    """
    columns, rows = read_csv(file, delimiter)
    header = pb.ImportHeader(
        import_id=import_id or f"sha256:{file_hash(file)}", columns=columns,
        column_mapping=pairs(mapping, "--map"),
        default_channel=enum_number(lead_pb2.Channel, "CHANNEL", channel),
        default_campaign_id=campaign,
        default_sales_line_id=line_id(session, sales_line) if sales_line else "")
    accepted, problems, final = [], [], None
    progress = Progress(TextColumn("importing {task.fields[file]}"), BarColumn(),
                        MofNCompleteColumn(), TextColumn("{task.fields[rejected]} rejected"),
                        TimeRemainingColumn(), console=Console(stderr=True), transient=True)
    with progress:
        task = progress.add_task("import", total=len(rows), file=file.name, rejected=0)
        responses = lead_stub(session).ImportLeads(
            import_requests(header, rows), metadata=session.metadata(),
            timeout=IMPORT_TIMEOUT_SECONDS)
        for response in responses:
            accepted.extend(response.accepted)
            problems.extend(response.problems)
            progress.update(task, completed=response.rows_read, rejected=response.rows_rejected)
            final = response
    report_import(session, header.import_id, accepted, problems, final)
    if not final.rows_accepted:
        raise CliError(nothing_accepted(problems, channel_given=bool(channel)))
    if wait:
        wait_routed(session, [(a.row_number, a.lead_id) for a in accepted])


def nothing_accepted(problems, *, channel_given: bool) -> str:
    """Why an import accepted no row, and what to do (the command then exits 1)."""
    if not problems:
        return "no row was accepted: the file has no data rows"
    rows_without_channel = {p.row_number for p in problems if p.field == "source.channel"}
    if not channel_given and rows_without_channel == {p.row_number for p in problems}:
        return ("no row was accepted: every row lacks a channel; run again with --channel "
                "<channel> (e.g. --channel purchased_list) or add a channel column to the file")
    return "no row was accepted: fix the rows listed above and run the command again"


def report_import(session, import_id, accepted, problems, final) -> None:
    again = sum(1 for row in accepted if row.already_imported)
    summary = {"import_id": import_id, "rows_read": final.rows_read,
               "rows_accepted": final.rows_accepted, "rows_rejected": final.rows_rejected,
               "already_imported": again,
               "accepted": [{"row": a.row_number, "lead_id": a.lead_id,
                             "already_imported": a.already_imported} for a in accepted],
               "problems": [{"row": p.row_number, "field": p.field, "reason": p.reason}
                            for p in problems]}
    if session.output == "json":
        click.echo(json.dumps(summary, indent=2))
        return
    if session.output == "id":
        for row in summary["accepted"]:
            click.echo(row["lead_id"])
        return
    if problems:
        print_rows("table", summary["problems"],
                   [("row", "row"), ("field", "field"), ("reason", "reason")])
    click.echo(f"{final.rows_read} rows read: {final.rows_accepted} accepted "
               f"({final.rows_accepted - again} new, {again} imported before), "
               f"{final.rows_rejected} rejected")


# ------------------------------------------------------------------ read
@leads.command("show")
@click.argument("lead")
@output_option
@pass_session
def show(session, lead):
    """Show one lead with its score explanation."""
    show_lead(session, session.call(lead_stub(session).GetLead, pb.GetLeadRequest(lead_id=lead)))


SORTS = {"score": pb.LEAD_SORT_FIELD_SCORE, "created": pb.LEAD_SORT_FIELD_CREATED_AT,
         "updated": pb.LEAD_SORT_FIELD_UPDATED_AT}


@leads.command("search")
@click.option("--text", "-q", default="", help="Words of name, company or e-mail (prefixes).")
@click.option("--status", "statuses", multiple=True,
              type=choice(lead_pb2.LeadStatus, "LEAD_STATUS"))
@click.option("--grade", "grades", multiple=True, type=choice(lead_pb2.Grade, "GRADE"))
@click.option("--min-score", type=click.IntRange(0, 100))
@click.option("--max-score", type=click.IntRange(0, 100))
@click.option("--channel", "channels", multiple=True, type=choice(lead_pb2.Channel, "CHANNEL"))
@click.option("--campaign", "campaigns", multiple=True)
@click.option("--owner", "owners", multiple=True, help="Owner: user id or e-mail (repeatable).")
@click.option("--team", "teams", multiple=True, help="Team: id or name (repeatable).")
@click.option("--sales-line", "lines", multiple=True, help="Sales line: id or name (repeatable).")
@click.option("--country", "countries", multiple=True)
@click.option("--industry", "industries", multiple=True)
@click.option("--attr", "attributes", multiple=True, help="Custom attribute KEY=VALUE.")
@click.option("--unassigned", is_flag=True, help="Only the unassigned queue.")
@click.option("--sort", type=click.Choice(sorted(SORTS)), default="score", show_default=True)
@click.option("--asc/--desc", "ascending", default=None,
              help="Default: score descending, times ascending.")
@click.option("--limit", type=click.IntRange(min=0), default=50, show_default=True,
              help="At most this many leads (0 = all).")
@output_option
@pass_session
def search(session, text, statuses, grades, min_score, max_score, channels, campaigns, owners,
           teams, lines, countries, industries, attributes, unassigned, sort, ascending, limit):
    """Search the leads of your teams."""
    lead_filter = pb.LeadFilter(
        text=text, statuses=[enum_number(lead_pb2.LeadStatus, "LEAD_STATUS", s) for s in statuses],
        grades=[enum_number(lead_pb2.Grade, "GRADE", g) for g in grades],
        channels=[enum_number(lead_pb2.Channel, "CHANNEL", c) for c in channels],
        campaign_ids=campaigns, owner_user_ids=[user_id(session, o) for o in owners],
        team_ids=[team_id(session, t) for t in teams],
        sales_line_ids=[line_id(session, x) for x in lines],
        countries=countries, industries=industries, unassigned_only=unassigned,
        custom_attributes=pairs(attributes, "--attr"))
    if min_score is not None:
        lead_filter.min_score = min_score
    if max_score is not None:
        lead_filter.max_score = max_score
    request = pb.SearchLeadsRequest(filter=lead_filter, sort=SORTS[sort], page=pagination_pb2.
                                    PageRequest(page_size=min(limit, 500) if limit else 500))
    if ascending is not None:
        request.ascending = ascending
    found = []
    while True:
        response = session.call(lead_stub(session).SearchLeads, request)
        found.extend(response.leads)
        if not response.page_info.next_cursor or (limit and len(found) >= limit):
            break
        request.page.cursor = response.page_info.next_cursor
    found = found[:limit] if limit else found
    named = names(session) if session.output == "table" else None
    print_rows(session.output, [lead_row(lead, named) for lead in found], LIST_COLUMNS,
               empty="no lead matches (you see the leads of your teams only)")


@leads.command("history")
@click.argument("lead")
@output_option
@pass_session
def history(session, lead):
    """The append-only history of a lead (merged leads' included), oldest first."""
    request = pb.GetLeadHistoryRequest(lead_id=lead, page=pagination_pb2.PageRequest(
        page_size=500))
    rows = []
    while True:
        response = session.call(lead_stub(session).GetLeadHistory, request)
        rows += [{"when": time_text(e.occurred_at), "version": e.version, "lead_id": e.lead_id,
                  "who": e.actor.display_name or e.actor.id, "action": e.action,
                  "changes": [f"{c.field}: {c.old_value!r} -> {c.new_value!r}"
                              for c in e.changes], "note": e.note} for e in response.entries]
        if not response.page_info.next_cursor:
            break
        request.page.cursor = response.page_info.next_cursor
    print_rows(session.output, rows, [("when", "when"), ("version", "v"), ("who", "who"),
                                      ("action", "action"), ("changes", "changes"),
                                      ("note", "note")], empty="no history")


# ------------------------------------------------------------------ activities
@leads.group("activity")
def activity() -> None:
    """Behavioural activities of a lead (they feed its engagement score)."""


@activity.command("record")
@click.argument("lead")
@click.option("--kind", "-k", required=True, type=choice(lead_pb2.ActivityKind,
                                                         "ACTIVITY_KIND"))
@click.option("--id", "activity_id", required=True,
              help="Your id of the activity (a retry with it is not counted twice).")
@click.option("--at", "occurred_at", help="When (ISO 8601); default now.")
@click.option("--detail", "details", multiple=True, help="Detail KEY=VALUE, e.g. url=...")
@output_option
@pass_session
def record_activity(session, lead, kind, activity_id, occurred_at, details):
    """Record an activity and show the lead's new score."""
    message = lead_pb2.LeadActivity(
        id=activity_id, lead_id=lead, kind=enum_number(lead_pb2.ActivityKind, "ACTIVITY_KIND",
                                                       kind),
        occurred_at=timestamp(occurred_at), details=pairs(details, "--detail"))
    response = session.call(lead_stub(session).RecordLeadActivity,
                            pb.RecordLeadActivityRequest(activity=message))
    score = response.score if response.HasField("score") else None
    text = f"activity {response.activity.id} " + (
        "was recorded before" if response.replayed else "recorded")
    if score is not None:
        text += f"; score {score.score} ({enum_word(lead_pb2.Grade, 'GRADE', score.grade)})"
    print_message(session.output, text, activity_id=response.activity.id,
                  replayed=response.replayed, score=None if score is None else score.score)


@activity.command("list")
@click.argument("lead")
@output_option
@pass_session
def list_activities(session, lead):
    """Activities of a lead, newest first."""
    response = session.call(lead_stub(session).ListLeadActivities, pb.ListLeadActivitiesRequest(
        lead_id=lead, page=pagination_pb2.PageRequest(page_size=500)))
    rows = [{"id": a.id, "kind": enum_word(lead_pb2.ActivityKind, "ACTIVITY_KIND", a.kind),
             "when": time_text(a.occurred_at),
             "details": [f"{k}={v}" for k, v in sorted(a.details.items())]}
            for a in response.activities]
    print_rows(session.output, rows, [("when", "when"), ("kind", "kind"), ("id", "id"),
                                      ("details", "details")], empty="no activities")


# ------------------------------------------------------------------ lifecycle and assignment
def _status_command(name: str, rpc: str, request_type, doc: str):
    @leads.command(name, help=doc)
    @click.argument("lead")
    @click.option("--note", default="", help="Kept in the lead's history.")
    @output_option
    @pass_session
    def command(session, lead, note):
        stub = lead_stub(session)
        show_lead(session, session.call(getattr(stub, rpc), request_type(lead_id=lead,
                                                                          note=note)))
    return command


_status_command("work", "StartWorkingLead", pb.StartWorkingLeadRequest,
                "Start working a NEW lead.")
_status_command("qualify", "QualifyLead", pb.QualifyLeadRequest,
                "Mark a NEW or WORKING lead qualified.")
_status_command("reactivate", "ReactivateLead", pb.ReactivateLeadRequest,
                "Bring a disqualified lead back to working.")


@leads.command("disqualify")
@click.argument("lead")
@click.option("--reason", "-r", required=True,
              type=choice(lead_pb2.DisqualificationReason, "DISQUALIFICATION_REASON"))
@click.option("--note", default="", help="Required with --reason other.")
@output_option
@pass_session
def disqualify(session, lead, reason, note):
    """Mark a lead disqualified with a reason."""
    show_lead(session, session.call(lead_stub(session).DisqualifyLead, pb.DisqualifyLeadRequest(
        lead_id=lead, note=note, reason=enum_number(lead_pb2.DisqualificationReason,
                                                    "DISQUALIFICATION_REASON", reason))))


@leads.command("assign")
@click.argument("lead")
@click.option("--owner", default="", help="New owner (a member of the team); empty: unowned.")
@click.option("--team", default="", help="Another team (needs the manager role).")
@click.option("--note", default="")
@output_option
@pass_session
def assign(session, lead, owner, team, note):
    """Reassign a lead within its team, claim it, or hand it to another team."""
    show_lead(session, session.call(lead_stub(session).AssignLead, pb.AssignLeadRequest(
        lead_id=lead, owner_user_id=owner, team_id=team, note=note)))


# LeadInput paths `leads update --set` takes, with how the text becomes the proto value.
_TEXT_PATHS = {"person": ("first_name", "last_name", "title", "email", "phone"),
               "company": ("name", "industry", "website"),
               "location": ("country", "region", "city", "postal_code"),
               "source": ("campaign_id",)}


def set_path(lead: lead_pb2.LeadInput, path: str, text: str) -> None:
    """Put the text of ``--set PATH=VALUE`` into the LeadInput field PATH names."""
    group, _, name = path.partition(".")
    if name in _TEXT_PATHS.get(group, ()):
        setattr(getattr(lead, group), name, text)
    elif path == "sales_line_id":
        lead.sales_line_id = text
    elif path == "product_interest":
        lead.product_interest[:] = [item.strip() for item in text.split(",") if item.strip()]
    elif path.startswith("custom_attributes."):
        lead.custom_attributes[path.removeprefix("custom_attributes.")] = text
    elif path == "company.size":
        lead.company.size = enum_number(lead_pb2.CompanySize, "COMPANY_SIZE", text)
    elif path == "company.annual_revenue":
        if text:
            lead.company.annual_revenue.CopyFrom(money(text))
    elif path == "source.channel":
        lead.source.channel = enum_number(lead_pb2.Channel, "CHANNEL", text)
    elif group == "consent" and name in ("email_marketing", "phone_contact", "data_processing"):
        if text.lower() not in ("true", "false", "yes", "no", ""):
            raise CliError(f"takes true or false, got '{text}'")
        setattr(lead.consent, name, text.lower() in ("true", "yes"))
    else:
        raise CliError(f"'{path}' is not a lead field (e.g. person.email, company.size, "
                       "location.country, source.channel, custom_attributes.<key>)")


@leads.command("update")
@click.argument("lead")
@click.option("--set", "assignments", multiple=True, metavar="FIELD=VALUE",
              help="New value of a field, e.g. person.title=CEO, company.size=large, "
                   "custom_attributes.budget=80k (repeatable).")
@click.option("--clear", "cleared", multiple=True, metavar="FIELD",
              help="Empty a field (repeatable).")
@click.option("--expected-version", type=int, default=0,
              help="Refuse the change unless the lead is at this version.")
@output_option
@pass_session
def update(session, lead, assignments, cleared, expected_version):
    """Change fields of a lead (experts: their own leads; supervisors and managers: any of
    the team)."""
    values = pairs(assignments, "--set")
    if not values and not cleared:
        raise CliError("nothing to change: give --set FIELD=VALUE or --clear FIELD")
    changes = lead_pb2.LeadInput()
    for path, text in values.items():
        try:
            set_path(changes, path, text)
        except CliError as exc:
            raise CliError(f"--set {path}: {exc}") from None
    show_lead(session, session.call(lead_stub(session).UpdateLead, pb.UpdateLeadRequest(
        lead_id=lead, lead=changes, expected_version=expected_version,
        update_mask={"paths": [*values, *cleared]})))


@leads.command("merge")
@click.argument("survivor")
@click.argument("duplicate")
@output_option
@pass_session
def merge(session, survivor, duplicate):
    """Merge DUPLICATE into SURVIVOR (both histories are kept)."""
    show_lead(session, session.call(lead_stub(session).MergeLeads, pb.MergeLeadsRequest(
        survivor_lead_id=survivor, duplicate_lead_id=duplicate)))


@leads.command("convert")
@click.argument("lead")
@click.option("--account", default="", help="An existing account of deals to link.")
@click.option("--opportunity-name", default="")
@click.option("--amount", help="Expected amount, e.g. '12000 EUR'.")
@click.option("--close", "expected_close", help="Expected close (ISO 8601 date or time).")
@click.option("--wait", is_flag=True,
              help="Wait until deals has created the deal (exit 1 if it has not in time).")
@output_option
@pass_session
def convert(session, lead, account, opportunity_name, amount, expected_close, wait):
    """Convert a lead: deals creates the account, contact and opportunity (the lead is
    converting until deals confirms)."""
    converting = session.call(lead_stub(session).ConvertLead, pb.ConvertLeadRequest(
        lead_id=lead, link_account_id=account, opportunity_name=opportunity_name,
        expected_amount=money(amount), expected_close=timestamp(expected_close)))
    show_lead(session, wait_converted(session, converting) if wait else converting)


@leads.command("retry-conversion")
@click.argument("lead")
@output_option
@pass_session
def retry_conversion(session, lead):
    """Send a failed (retrying) conversion to deals now instead of waiting."""
    show_lead(session, session.call(lead_stub(session).RetryLeadConversion,
                                    pb.RetryLeadConversionRequest(lead_id=lead)))


COMMANDS = [leads]
