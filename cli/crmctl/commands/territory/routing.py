"""``crmctl routing ...``: where a lead would go (``preview``, routes nothing), where a lead went
and why (``decision``), and the unassigned queue (``queue``, ``retry``)."""

from __future__ import annotations

import click

from crm.territory.v1 import routing_pb2
from crmctl.commands.territory.arguments import read_rules
from crmctl.commands.territory.lookup import line_id, territory_id
from crmctl.commands.territory.rows import row, word
from crmctl.commands.territory.stubs import Stubs
from crmctl.names import names
from crmctl.options import output_option, pass_session
from crmctl.output import print_record, print_rows
from crmctl.paging import pages
from crmctl.session import CliError, Session
from crmctl.wire import money

QUEUE_COLUMNS = [
    ("lead_id", "lead"),
    ("decided_at", "since"),
    ("unroutable_reason", "why"),
    ("sales_line_id", "line hint"),
    ("version", "version"),
]


def print_decision(session: Session, decision: routing_pb2.RoutingDecision) -> None:
    if session.output != "table":
        print_record(
            session.output,
            row(
                decision,
                outcome=routing_pb2.RoutingOutcome,
                unroutable_reason=routing_pb2.UnroutableReason,
            ),
        )
        return
    why, named = decision.explanation, names(session)
    summary = {
        "outcome": word(routing_pb2.RoutingOutcome, decision.outcome),
        "team": named.team(decision.team_id),
        "owner": named.user(decision.owner_user_id) or "(nobody)",
        "territory": f"{why.territory_name} ({why.territory_id})" if why.territory_id else "",
        "rule": (
            f"#{why.rule_position} {why.rule.name}: {why.rule.description}"
            if why.territory_id
            else ""
        ),
        "rules_version": "draft"
        if why.territory_id and not why.rules_version
        else why.rules_version or "",
        "rules_tried": why.rules_tried,
        "why": why.summary,
    }
    if decision.unroutable_reason:
        summary["unroutable"] = word(routing_pb2.UnroutableReason, decision.unroutable_reason)
    print_record("table", summary)
    candidates = [
        dict(
            row(n, skip_reason=routing_pb2.SkipReason),
            member=named.user(n.user_id),
            eligible="yes" if n.eligible else "no",
        )
        for n in why.owner_choice.candidates
    ]
    if candidates:
        print_rows(
            "table",
            candidates,
            [
                ("member", "member"),
                ("eligible", "eligible"),
                ("skip_reason", "skipped because"),
                ("queue_position", "queue"),
                ("open_items", "open"),
                ("assigned_today", "today"),
                ("daily_capacity", "capacity"),
            ],
        )


@click.group()
def routing() -> None:
    """Where leads go and why. A preview is open to anyone who may route; decisions and the
    unassigned queue only to those who may assign the lead (supervisors and managers of the
    routed team, members of the queue team)."""


@routing.command("preview")
@click.option("--country", default="", help="ISO 3166 alpha-2 code, e.g. DE.")
@click.option("--region", default="")
@click.option("--city", default="")
@click.option("--postal-code", default="")
@click.option("--industry", default="")
@click.option(
    "--company-size", type=click.IntRange(min=0), default=None, help="Number of employees."
)
@click.option(
    "--revenue", default="", metavar="AMOUNT CURRENCY", help="Annual revenue, e.g. '2500000 EUR'."
)
@click.option("--interest", "interests", multiple=True, help="A product of interest (repeatable).")
@click.option("--source", "lead_source", default="", help="Lead source, e.g. web_form.")
@click.option("--campaign", default="")
@click.option("--line", "line", default="", help="Only this sales line's territories.")
@click.option(
    "--draft",
    "drafts",
    multiple=True,
    metavar="TERRITORY=FILE",
    help="Preview with the rules of FILE instead of TERRITORY's current ones (repeatable).",
)
@output_option
@pass_session
def preview(
    session,
    country,
    region,
    city,
    postal_code,
    industry,
    company_size,
    revenue,
    interests,
    lead_source,
    campaign,
    line,
    drafts,
):
    """Where would a lead with these facts go now, and why (routes nothing)."""
    lead = routing_pb2.LeadAttributes(
        country=country,
        region=region,
        city=city,
        postal_code=postal_code,
        industry=industry,
        product_interests=list(interests),
        lead_source=lead_source,
        campaign=campaign,
        sales_line_id=line_id(session, line) if line else "",
    )
    if company_size is not None:
        lead.company_size = company_size
    if revenue:
        try:
            lead.annual_revenue.CopyFrom(money(revenue))
        except CliError as exc:
            raise CliError(f"--revenue: {exc}") from None
    request = routing_pb2.PreviewRouteRequest(lead=lead)
    for draft in drafts:
        territory, _, path = draft.partition("=")
        if not territory or not path:
            raise CliError(f"--draft {draft!r}: write TERRITORY=FILE")
        request.drafts.add(territory_id=territory_id(session, territory), rules=read_rules(path))
    print_decision(session, session.call(Stubs(session).routing.PreviewRoute, request).decision)


@routing.command("decision")
@click.argument("lead_id")
@output_option
@pass_session
def decision(session, lead_id):
    """Where lead LEAD_ID went and why (not found unless you may assign the lead)."""
    found = session.call(
        Stubs(session).routing.GetRoutingDecision,
        routing_pb2.GetRoutingDecisionRequest(lead_id=lead_id),
    )
    print_decision(session, found.decision)


@routing.command("queue")
@output_option
@pass_session
def queue(session):
    """The leads waiting in the unassigned queue of your teams, oldest first."""
    rows = [
        row(d, unroutable_reason=routing_pb2.UnroutableReason)
        for d in pages(
            session,
            Stubs(session).routing.ListUnassignedLeads,
            routing_pb2.ListUnassignedLeadsRequest(),
        )
    ]
    print_rows(
        session.output,
        rows,
        QUEUE_COLUMNS,
        empty="no lead waits in the unassigned queue of a team you belong to",
    )


@routing.command("retry")
@click.argument("lead_id")
@output_option
@pass_session
def retry(session, lead_id):
    """Route a queued lead again with the current rules and members."""
    again = session.call(
        Stubs(session).routing.RetryRouting, routing_pb2.RetryRoutingRequest(lead_id=lead_id)
    )
    print_decision(session, again.decision)
