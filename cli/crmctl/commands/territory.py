"""Shared parts of territory's commands (``crmctl org|teams|members|lines|territories|
route-preview``; the groups live in ``territory_*.py``), and ``crmctl route-preview``.

UNIT, TEAM, LINE and TERRITORY arguments are an id or an exact name (case-insensitive; a name
that several records share must be given as an id). USER arguments are an id or an e-mail.
"""
from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import click
from google.protobuf import json_format

from crm.common.v1 import money_pb2
from crm.territory.v1 import (
    access_pb2_grpc,
    org_pb2,
    org_pb2_grpc,
    routing_pb2,
    routing_pb2_grpc,
    sales_lines_pb2,
    sales_lines_pb2_grpc,
    teams_pb2,
    teams_pb2_grpc,
    territories_pb2,
    territories_pb2_grpc,
)
from crmctl.commands.common import all_pages, output_option, pass_session, resolve_name  # noqa: F401 - all_pages re-exported
from crmctl.commands.names import names
from crmctl.commands.users import resolve_user_id
from crmctl.config import DEFAULT_ADDRESSES
from crmctl.output import message_to_dict, print_record, print_rows
from crmctl.session import CliError, Session

DEFAULT_ADDRESSES.setdefault("territory", "127.0.0.1:50052")

ROLES = {"expert": teams_pb2.TEAM_ROLE_EXPERT, "supervisor": teams_pb2.TEAM_ROLE_SUPERVISOR,
         "manager": teams_pb2.TEAM_ROLE_MANAGER}
STRATEGIES = {"round-robin": teams_pb2.ROUTING_STRATEGY_ROUND_ROBIN,
              "load-balanced": teams_pb2.ROUTING_STRATEGY_LOAD_BALANCED}


class Stubs:
    """territory's stubs on the session's channel."""

    def __init__(self, session: Session):
        channel = session.channel("territory")
        self.org = org_pb2_grpc.OrgServiceStub(channel)
        self.teams = teams_pb2_grpc.TeamServiceStub(channel)
        self.members = teams_pb2_grpc.MembershipServiceStub(channel)
        self.lines = sales_lines_pb2_grpc.SalesLineServiceStub(channel)
        self.territories = territories_pb2_grpc.TerritoryServiceStub(channel)
        self.routing = routing_pb2_grpc.RoutingServiceStub(channel)
        self.access = access_pb2_grpc.AccessServiceStub(channel)


def enum_name(value: str, prefix: str) -> str:
    """TEAM_ROLE_EXPERT -> expert; ROUTING_STRATEGY_ROUND_ROBIN -> round-robin; an
    unspecified value (e.g. the skip reason of an eligible member) -> ""."""
    short = value.removeprefix(prefix)
    return "" if not value or short == "UNSPECIFIED" else short.lower().replace("_", "-")


def row(message, **enums: str) -> dict:
    """A message as a dict with its enum fields named shortly (field=PREFIX_)."""
    data = message_to_dict(message)
    for field, prefix in enums.items():
        if field in data:
            data[field] = enum_name(str(data[field]), prefix)
    return data


def unit_id(session: Session, value: str) -> str:
    return resolve_name(session, value, "unit", Stubs(session).org.ListOrgUnits,
                        org_pb2.ListOrgUnitsRequest(include_inactive=True),
                        listed_by="crmctl org tree")


def team_id(session: Session, value: str) -> str:
    return resolve_name(session, value, "team", Stubs(session).teams.ListTeams,
                        teams_pb2.ListTeamsRequest(include_inactive=True),
                        listed_by="crmctl teams list")


def line_id(session: Session, value: str) -> str:
    return resolve_name(session, value, "sales line", Stubs(session).lines.ListSalesLines,
                        sales_lines_pb2.ListSalesLinesRequest(include_inactive=True),
                        listed_by="crmctl lines list")


def territory_id(session: Session, value: str) -> str:
    return resolve_name(session, value, "territory", Stubs(session).territories.ListTerritories,
                        territories_pb2.ListTerritoriesRequest(include_inactive=True),
                        listed_by="crmctl territories list")


def user_id(session: Session, value: str) -> str:
    return resolve_user_id(session, value)


def timestamp_option(value: str | None, name: str):
    """An ISO 8601 time (a date means its midnight UTC) as an aware datetime, or None."""
    if not value:
        return None
    try:
        moment = dt.datetime.fromisoformat(value)
    except ValueError:
        raise CliError(f"{name}: {value!r} is not an ISO 8601 time, e.g. 2026-07-01 or "
                       "2026-07-01T09:00+02:00") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


# ---------------------------------------------------------------------------- rules files
def _text_bounds(data):
    """YAML reads 50 as a number; range bounds are decimal strings in the proto."""
    for rule in data:
        for condition in (rule or {}).get("conditions", []) if isinstance(rule, dict) else []:
            for bound in condition.get("ranges", []) if isinstance(condition, dict) else []:
                if isinstance(bound, dict):
                    for key in ("min", "max"):
                        if isinstance(bound.get(key), (int, float)):
                            bound[key] = str(bound[key])
    return data


def read_rules(path: str) -> list[territories_pb2.RoutingRule]:
    """Rules from a JSON or YAML file: a list of rules, or ``{"rules": [...]}``; each rule is
    ``{name, id?, conditions: [{attribute, values?, ranges?: [{min, max}], currency?}]}``."""
    file = Path(path)
    try:
        text = file.read_text(encoding="utf-8")
    except OSError as exc:
        raise CliError(f"cannot read {path}: {exc.strerror} (a rules file lists rules in YAML "
                       "or JSON; the repository's examples/rules.yaml is one to start from)"
                       ) from None
    if file.suffix.lower() in (".yaml", ".yml"):
        import yaml  # only rules files need it

        try:
            data = yaml.safe_load(text)
        except yaml.YAMLError as exc:
            raise CliError(f"{path} is not valid YAML: {exc}") from None
    else:
        try:
            data = json.loads(text)
        except ValueError as exc:
            raise CliError(f"{path} is not valid JSON: {exc}") from None
    if isinstance(data, dict) and "rules" in data:
        data = data["rules"]
    if not isinstance(data, list):
        raise CliError(f"{path}: expected a list of rules (or an object with 'rules')")
    request = territories_pb2.SetTerritoryRulesRequest()
    try:
        json_format.ParseDict({"rules": _text_bounds(data)}, request)
    except json_format.ParseError as exc:
        raise CliError(f"{path}: {exc}") from None
    return list(request.rules)


# ---------------------------------------------------------------------------- route-preview
def print_decision(session: Session, decision: routing_pb2.RoutingDecision) -> None:
    if session.output != "table":
        print_record(session.output, row(decision, outcome="ROUTING_OUTCOME_",
                                 unroutable_reason="UNROUTABLE_REASON_"))
        return
    why, named = decision.explanation, names(session)
    summary = {
        "outcome": enum_name(routing_pb2.RoutingOutcome.Name(decision.outcome),
                             "ROUTING_OUTCOME_"),
        "team": named.team(decision.team_id),
        "owner": named.user(decision.owner_user_id) or "(nobody)",
        "territory": f"{why.territory_name} ({why.territory_id})" if why.territory_id else "",
        "rule": (f"#{why.rule_position} {why.rule.name}: {why.rule.description}"
                 if why.territory_id else ""),
        "rules_version": "draft" if why.territory_id and not why.rules_version
        else why.rules_version or "",
        "rules_tried": why.rules_tried, "why": why.summary}
    if decision.unroutable_reason:
        summary["unroutable"] = enum_name(
            routing_pb2.UnroutableReason.Name(decision.unroutable_reason), "UNROUTABLE_REASON_")
    print_record("table", summary)
    candidates = [dict(row(n, skip_reason="SKIP_REASON_"), member=named.user(n.user_id),
                       eligible="yes" if n.eligible else "no")
                  for n in why.owner_choice.candidates]
    if candidates:
        print_rows("table", candidates, [
            ("member", "member"), ("eligible", "eligible"), ("skip_reason", "skipped because"),
            ("queue_position", "queue"), ("open_items", "open"),
            ("assigned_today", "today"), ("daily_capacity", "capacity")])


@click.command("route-preview")
@click.option("--country", default="", help="ISO 3166 alpha-2 code, e.g. DE.")
@click.option("--region", default="")
@click.option("--city", default="")
@click.option("--postal-code", default="")
@click.option("--industry", default="")
@click.option("--company-size", type=click.IntRange(min=0), default=None,
              help="Number of employees.")
@click.option("--revenue", default="", metavar="AMOUNT CURRENCY",
              help="Annual revenue, e.g. '2500000 EUR'.")
@click.option("--interest", "interests", multiple=True, help="A product of interest (repeatable).")
@click.option("--source", "lead_source", default="", help="Lead source, e.g. web_form.")
@click.option("--campaign", default="")
@click.option("--line", "line", default="", help="Only this sales line's territories.")
@click.option("--draft", "drafts", multiple=True, metavar="TERRITORY=FILE",
              help="Preview with the rules of FILE instead of TERRITORY's current ones "
                   "(repeatable).")
@output_option
@pass_session
def route_preview(session, country, region, city, postal_code, industry, company_size, revenue,
                  interests, lead_source, campaign, line, drafts):
    """Where would a lead with these facts go now, and why (routes nothing)."""
    lead = routing_pb2.LeadAttributes(
        country=country, region=region, city=city, postal_code=postal_code, industry=industry,
        product_interests=list(interests), lead_source=lead_source, campaign=campaign,
        sales_line_id=line_id(session, line) if line else "")
    if company_size is not None:
        lead.company_size = company_size
    if revenue:
        parts = revenue.split()
        if len(parts) != 2:
            raise CliError("--revenue: give an amount and a currency, e.g. '2500000 EUR'")
        lead.annual_revenue.CopyFrom(money_pb2.Money(amount=parts[0], currency=parts[1].upper()))
    request = routing_pb2.PreviewRouteRequest(lead=lead)
    for draft in drafts:
        territory, _, path = draft.partition("=")
        if not territory or not path:
            raise CliError(f"--draft {draft!r}: write TERRITORY=FILE")
        request.drafts.add(territory_id=territory_id(session, territory),
                           rules=read_rules(path))
    print_decision(session, session.call(Stubs(session).routing.PreviewRoute,
                                         request).decision)


COMMANDS = [route_preview]
