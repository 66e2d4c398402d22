"""``crmctl leads work|qualify|reactivate|disqualify|assign|convert|retry-conversion``: a lead's
way through its statuses and teams."""

from __future__ import annotations

import click

from crm.leads.v1 import lead_pb2, lead_service_pb2
from crmctl.commands.leads.rows import show_lead
from crmctl.commands.leads.stubs import Stubs
from crmctl.commands.leads.wait import wait_converted
from crmctl.options import output_option, pass_session
from crmctl.wire import enum_choice, enum_value, optional_money, timestamp


def _status_command(name: str, rpc: str, request_type, doc: str):
    @click.command(name, help=doc)
    @click.argument("lead")
    @click.option("--note", default="", help="Kept in the lead's history.")
    @output_option
    @pass_session
    def command(session, lead, note):
        stub = Stubs(session).leads
        show_lead(session, session.call(getattr(stub, rpc), request_type(lead_id=lead, note=note)))

    return command


work = _status_command(
    "work",
    "StartWorkingLead",
    lead_service_pb2.StartWorkingLeadRequest,
    "Start working a NEW lead.",
)
qualify = _status_command(
    "qualify",
    "QualifyLead",
    lead_service_pb2.QualifyLeadRequest,
    "Mark a NEW or WORKING lead qualified.",
)
reactivate = _status_command(
    "reactivate",
    "ReactivateLead",
    lead_service_pb2.ReactivateLeadRequest,
    "Bring a disqualified lead back to working.",
)


@click.command("disqualify")
@click.argument("lead")
@click.option("--reason", "-r", required=True, type=enum_choice(lead_pb2.DisqualificationReason))
@click.option("--note", default="", help="Required with --reason other.")
@output_option
@pass_session
def disqualify(session, lead, reason, note):
    """Mark a lead disqualified with a reason."""
    show_lead(
        session,
        session.call(
            Stubs(session).leads.DisqualifyLead,
            lead_service_pb2.DisqualifyLeadRequest(
                lead_id=lead, note=note, reason=enum_value(lead_pb2.DisqualificationReason, reason)
            ),
        ),
    )


@click.command("assign")
@click.argument("lead")
@click.option("--owner", default="", help="New owner (a member of the team); empty: unowned.")
@click.option("--team", default="", help="Another team (needs the manager role).")
@click.option("--note", default="")
@output_option
@pass_session
def assign(session, lead, owner, team, note):
    """Reassign a lead within its team, claim it, or hand it to another team."""
    show_lead(
        session,
        session.call(
            Stubs(session).leads.AssignLead,
            lead_service_pb2.AssignLeadRequest(
                lead_id=lead, owner_user_id=owner, team_id=team, note=note
            ),
        ),
    )


@click.command("convert")
@click.argument("lead")
@click.option("--account", default="", help="An existing account of deals to link.")
@click.option("--opportunity-name", default="")
@click.option("--amount", help="Expected amount, e.g. '12000 EUR'.")
@click.option("--close", "expected_close", help="Expected close (ISO 8601 date or time).")
@click.option(
    "--wait",
    is_flag=True,
    help="Wait until deals has created the deal (exit 1 if it has not in time).",
)
@output_option
@pass_session
def convert(session, lead, account, opportunity_name, amount, expected_close, wait):
    """Convert a lead: deals creates the account, contact and opportunity (the lead is
    converting until deals confirms)."""
    converting = session.call(
        Stubs(session).leads.ConvertLead,
        lead_service_pb2.ConvertLeadRequest(
            lead_id=lead,
            link_account_id=account,
            opportunity_name=opportunity_name,
            expected_amount=optional_money(amount),
            expected_close=timestamp(expected_close, "--close"),
        ),
    )
    show_lead(session, wait_converted(session, converting) if wait else converting)


@click.command("retry-conversion")
@click.argument("lead")
@output_option
@pass_session
def retry_conversion(session, lead):
    """Send a failed (retrying) conversion to deals now instead of waiting."""
    show_lead(
        session,
        session.call(
            Stubs(session).leads.RetryLeadConversion,
            lead_service_pb2.RetryLeadConversionRequest(lead_id=lead),
        ),
    )


COMMANDS = [work, qualify, reactivate, disqualify, assign, convert, retry_conversion]
