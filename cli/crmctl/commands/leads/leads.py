"""``crmctl leads ...``: capture, import, show, search, work, assign, convert leads.

LEAD arguments are lead ids (as `crmctl leads search` prints them). Enum options take the
words the service uses (``--channel web_form``, ``--reason no_budget``).
"""

from __future__ import annotations

import click

from crm.leads.v1 import exports_pb2, lead_pb2, lead_service_pb2
from crmctl.commands.identity.lookup import user_id
from crmctl.commands.leads import activity, capture, importing, interactions, lifecycle, snapshots
from crmctl.commands.leads.arguments import pairs
from crmctl.commands.leads.rows import LIST_COLUMNS, lead_row, show_lead
from crmctl.commands.leads.stubs import Stubs
from crmctl.commands.territory.lookup import line_id, team_id
from crmctl.exports import FORMATS, export_options, write_export
from crmctl.names import names
from crmctl.options import limit_option, output_option, pass_session
from crmctl.output import print_rows
from crmctl.paging import pages
from crmctl.wire import enum_choice, enum_value, time_text


@click.group()
def leads() -> None:
    """Capture, import, search and work leads (you see the leads of your teams)."""


@leads.command("show")
@click.argument("lead")
@output_option
@pass_session
def show(session, lead):
    """Show one lead with its score explanation."""
    show_lead(
        session,
        session.call(Stubs(session).leads.GetLead, lead_service_pb2.GetLeadRequest(lead_id=lead)),
    )


SORTS = {
    "score": lead_service_pb2.LEAD_SORT_FIELD_SCORE,
    "created": lead_service_pb2.LEAD_SORT_FIELD_CREATED_AT,
    "updated": lead_service_pb2.LEAD_SORT_FIELD_UPDATED_AT,
}


@leads.command("search")
@click.option("--text", "-q", default="", help="Words of name, company or e-mail (prefixes).")
@click.option("--status", "statuses", multiple=True, type=enum_choice(lead_pb2.LeadStatus))
@click.option("--grade", "grades", multiple=True, type=enum_choice(lead_pb2.Grade))
@click.option("--min-score", type=click.IntRange(0, 100))
@click.option("--max-score", type=click.IntRange(0, 100))
@click.option("--channel", "channels", multiple=True, type=enum_choice(lead_pb2.Channel))
@click.option("--campaign", "campaigns", multiple=True)
@click.option("--owner", "owners", multiple=True, help="Owner: user id or e-mail (repeatable).")
@click.option("--team", "teams", multiple=True, help="Team: id or name (repeatable).")
@click.option("--sales-line", "lines", multiple=True, help="Sales line: id or name (repeatable).")
@click.option("--country", "countries", multiple=True)
@click.option("--industry", "industries", multiple=True)
@click.option("--attr", "attributes", multiple=True, help="Custom attribute KEY=VALUE.")
@click.option("--unassigned", is_flag=True, help="Only the unassigned queue.")
@click.option("--sort", type=click.Choice(sorted(SORTS)), default="score", show_default=True)
@click.option(
    "--asc/--desc", "ascending", default=None, help="Default: score descending, times ascending."
)
@limit_option(50, "leads")
@output_option
@pass_session
def search(
    session,
    text,
    statuses,
    grades,
    min_score,
    max_score,
    channels,
    campaigns,
    owners,
    teams,
    lines,
    countries,
    industries,
    attributes,
    unassigned,
    sort,
    ascending,
    limit,
):
    """Search the leads of your teams."""
    lead_filter = lead_service_pb2.LeadFilter(
        text=text,
        statuses=[enum_value(lead_pb2.LeadStatus, s) for s in statuses],
        grades=[enum_value(lead_pb2.Grade, g) for g in grades],
        channels=[enum_value(lead_pb2.Channel, c) for c in channels],
        campaign_ids=campaigns,
        owner_user_ids=[user_id(session, o) for o in owners],
        team_ids=[team_id(session, t) for t in teams],
        sales_line_ids=[line_id(session, x) for x in lines],
        countries=countries,
        industries=industries,
        unassigned_only=unassigned,
        custom_attributes=pairs(attributes, "--attr"),
    )
    if min_score is not None:
        lead_filter.min_score = min_score
    if max_score is not None:
        lead_filter.max_score = max_score
    request = lead_service_pb2.SearchLeadsRequest(filter=lead_filter, sort=SORTS[sort])
    if ascending is not None:
        request.ascending = ascending
    found = list(pages(session, Stubs(session).leads.SearchLeads, request, limit=limit))
    named = names(session) if session.output == "table" else None
    print_rows(
        session.output,
        [lead_row(lead, named) for lead in found],
        LIST_COLUMNS,
        empty="no lead matches (you see the leads of your teams only)",
    )


@leads.command("history")
@click.argument("lead")
@output_option
@pass_session
def history(session, lead):
    """The append-only history of a lead (merged leads' included), oldest first."""
    entries = pages(
        session,
        Stubs(session).leads.GetLeadHistory,
        lead_service_pb2.GetLeadHistoryRequest(lead_id=lead),
    )
    rows = [
        {
            "when": time_text(e.occurred_at),
            "version": e.version,
            "lead_id": e.lead_id,
            "who": e.actor.display_name or e.actor.id,
            "action": e.action,
            "changes": [f"{c.field}: {c.old_value!r} -> {c.new_value!r}" for c in e.changes],
            "note": e.note,
        }
        for e in entries
    ]
    print_rows(
        session.output,
        rows,
        [
            ("when", "when"),
            ("version", "v"),
            ("who", "who"),
            ("action", "action"),
            ("changes", "changes"),
            ("note", "note"),
        ],
        empty="no history",
    )


for _command in (
    capture.create,
    capture.update,
    capture.merge,
    importing.import_leads,
    activity.activity,
    interactions.interactions,
    *lifecycle.COMMANDS,
    snapshots.snapshots,
):
    leads.add_command(_command)


@leads.command("export")
@click.option("--text", "-q", default="", help="Words of name, company or e-mail (prefixes).")
@click.option("--status", "statuses", multiple=True, type=enum_choice(lead_pb2.LeadStatus))
@click.option("--owner", "owners", multiple=True, help="Owner: user id or e-mail (repeatable).")
@click.option("--team", "teams", multiple=True, help="Team: id or name (repeatable).")
@click.option("--sales-line", "lines", multiple=True, help="Sales line: id or name (repeatable).")
@click.option("--unassigned", is_flag=True, help="Only the unassigned queue.")
@export_options
@pass_session
def export_leads(session, text, statuses, owners, teams, lines, unassigned, format_word, path):
    """Export every lead of your teams matching the filter to CSV or JSON Lines."""
    lead_filter = lead_service_pb2.LeadFilter(
        text=text,
        statuses=[enum_value(lead_pb2.LeadStatus, s) for s in statuses],
        owner_user_ids=[user_id(session, o) for o in owners],
        team_ids=[team_id(session, t) for t in teams],
        sales_line_ids=[line_id(session, x) for x in lines],
        unassigned_only=unassigned,
    )
    request = exports_pb2.ExportLeadsRequest(
        format=FORMATS[format_word], search=lead_service_pb2.SearchLeadsRequest(filter=lead_filter)
    )
    write_export(session, Stubs(session).exports.ExportLeads, request, path)
