"""``crmctl deals ...``: create, list, show, edit, move, close, reopen, transfer, history, and
``crmctl deals board --line X`` (``board.py``)."""

from __future__ import annotations

import datetime as dt

import click
from google.protobuf import field_mask_pb2

from crm.deals.v1 import deals_pb2, exports_pb2, resources_pb2
from crmctl.commands.deals.arguments import lines_options, priced_lines, record_ref
from crmctl.commands.deals.board import board
from crmctl.commands.deals.rows import deal_row
from crmctl.commands.deals.snapshots import snapshots
from crmctl.commands.deals.stubs import Stubs
from crmctl.commands.identity.lookup import user_id
from crmctl.commands.territory.lookup import line_id, team_id, territory_id
from crmctl.exports import FORMATS, export_options, write_export
from crmctl.names import names
from crmctl.options import expected_version_option, limit_option, output_option, pass_session
from crmctl.output import message_to_dict, print_message, print_record, print_rows
from crmctl.paging import pages
from crmctl.session import CliError
from crmctl.wire import enum_choice, enum_value, money

LIST_COLUMNS = [
    ("id", "id"),
    ("name", "name"),
    ("stage_name", "stage"),
    ("status", "status"),
    ("probability", "%"),
    ("estimated_revenue", "amount"),
    ("owner_user_id", "owner"),
    ("team_id", "team"),
]
SHOW_FIELDS = [
    ("id", "id"),
    ("name", "name"),
    ("account_id", "account"),
    ("primary_contact_id", "contact"),
    ("sales_line_id", "sales line"),
    ("stage_key", "stage key"),
    ("stage_name", "stage"),
    ("status", "status"),
    ("probability", "probability %"),
    ("probability_overridden", "set by hand"),
    ("forecast_category", "forecast"),
    ("estimated_revenue", "amount"),
    ("revenue_source", "amount from"),
    ("lines", "lines"),
    ("estimated_close_date", "close date"),
    ("owner_user_id", "owner"),
    ("team_id", "team"),
    ("actual_revenue", "actual revenue"),
    ("actual_close_date", "closed on"),
    ("lost_reason", "lost reason"),
    ("lost_competitor", "competitor"),
    ("lost_note", "note"),
    ("version", "version"),
    ("updated_at", "updated"),
]


def show_deal(session, deal) -> None:
    row = deal_row(deal)
    if session.output == "table":  # names beside the ids of owner, team and line
        named = names(session)
        row.update(
            owner_user_id=named.user(deal.owner_user_id),
            team_id=named.team(deal.team_id),
            sales_line_id=named.line(deal.sales_line_id),
        )
    print_record(session.output, row, fields=SHOW_FIELDS)


def currency_of(session, deal_id: str) -> str:
    return session.call(Stubs(session).deals.GetDeal, deals_pb2.GetDealRequest(id=deal_id)).currency


@click.group()
def deals() -> None:
    """Work on opportunities (deals) of your teams."""


@deals.command("create")
@click.option("--name", "-n", required=True, help="Name of the deal.")
@click.option("--account", "account_id", required=True, help="Account id (its team owns it).")
@click.option("--line", "sales_line", required=True, help="Sales line (id or name; its pipeline).")
@click.option("--currency", required=True, help="ISO 4217 currency, e.g. EUR.")
@click.option("--stage", "stage_key", default="", help="Starting stage key (default: first).")
@click.option("--contact", "primary_contact_id", default="", help="Primary contact id.")
@click.option("--owner", "owner_user_id", default="", help="Owner, id or e-mail (default: you).")
@click.option("--amount", default=None, help="Estimated revenue, e.g. 1200.00.")
@click.option("--close-date", default="", help="Estimated close date YYYY-MM-DD.")
@click.option(
    "--probability",
    type=click.IntRange(0, 100),
    default=None,
    help="Probability set by hand (default: the stage's).",
)
@click.option("--campaign", "campaign_id", default="", help="Campaign id.")
@click.option(
    "--territory",
    default="",
    help="Territory (id or name) of the line and the account's team: its pipeline is used "
    "(default: the team's territories' pipeline on the line, else the line's).",
)
@output_option
@pass_session
def create(
    session,
    name,
    account_id,
    sales_line,
    currency,
    stage_key,
    primary_contact_id,
    owner_user_id,
    amount,
    close_date,
    probability,
    campaign_id,
    territory,
):
    """Create a deal for an account."""
    request = deals_pb2.CreateDealRequest(
        name=name,
        account_id=account_id,
        sales_line_id=line_id(session, sales_line),
        currency=currency,
        stage_key=stage_key,
        primary_contact_id=primary_contact_id,
        owner_user_id=user_id(session, owner_user_id) if owner_user_id else "",
        estimated_close_date=close_date,
        campaign_id=campaign_id,
        probability=probability,
        territory_id=territory_id(session, territory) if territory else "",
    )
    if amount is not None:
        request.estimated_revenue.CopyFrom(money(amount, currency))
    show_deal(session, session.call(Stubs(session).deals.CreateDeal, request))


@deals.command("list")
@click.option(
    "--status", type=enum_choice(resources_pb2.DealStatus), help="Only deals in this status."
)
@click.option("--line", "sales_line", default="", help="Only this sales line (id or name).")
@click.option("--stage", "stage_key", default="", help="Only this stage key.")
@click.option("--owner", "owner", default="", help="Only this owner (id or e-mail).")
@click.option("--account", "account_id", default="", help="Only this account.")
@click.option("--team", "team", default="", help="Only this team (id or name).")
@limit_option(200)
@output_option
@pass_session
def list_deals(session, status, sales_line, stage_key, owner, account_id, team, limit):
    """List the deals you may see, oldest first."""
    request = deals_pb2.ListDealsRequest(
        status=enum_value(resources_pb2.DealStatus, status),
        sales_line_id=line_id(session, sales_line) if sales_line else "",
        stage_key=stage_key,
        owner_user_id=user_id(session, owner) if owner else "",
        account_id=account_id,
        team_id=team_id(session, team) if team else "",
    )
    rows = [
        deal_row(d) for d in pages(session, Stubs(session).deals.ListDeals, request, limit=limit)
    ]
    print_rows(session.output, rows, LIST_COLUMNS, empty="no deals match")


@deals.command("show")
@click.argument("deal_id")
@output_option
@pass_session
def show(session, deal_id):
    """Show one deal."""
    show_deal(
        session, session.call(Stubs(session).deals.GetDeal, deals_pb2.GetDealRequest(id=deal_id))
    )


@deals.command("update")
@click.argument("deal_id")
@click.option("--name", "-n", default=None, help="New name.")
@click.option("--contact", "primary_contact_id", default=None, help="New primary contact id.")
@click.option(
    "--close-date",
    "estimated_close_date",
    default=None,
    help="New estimated close date YYYY-MM-DD ('' clears it).",
)
@click.option("--campaign", "campaign_id", default=None, help="New campaign id.")
@expected_version_option("Refuse if the deal is no longer at this version.")
@output_option
@pass_session
def update(session, deal_id, expected_version, **fields):
    """Change fields of an open deal (only those given)."""
    given = {name: value for name, value in fields.items() if value is not None}
    if not given:
        raise CliError("nothing to change: give --name, --contact, --close-date or --campaign")
    request = deals_pb2.UpdateDealRequest(
        id=deal_id,
        deal=resources_pb2.Opportunity(**given),
        expected_version=expected_version,
        update_mask=field_mask_pb2.FieldMask(paths=sorted(given)),
    )
    show_deal(session, session.call(Stubs(session).deals.UpdateDeal, request))


@deals.command("move")
@click.argument("deal_id")
@click.argument("stage_key")
@click.option("--note", default="", help="Why (kept in the history).")
@expected_version_option("Refuse if the deal is no longer at this version.")
@output_option
@pass_session
def move(session, deal_id, stage_key, note, expected_version):
    """Move an open deal to another stage (fires that stage's automation rules)."""
    show_deal(
        session,
        session.call(
            Stubs(session).deals.MoveDealToStage,
            deals_pb2.MoveDealToStageRequest(
                id=deal_id, stage_key=stage_key, note=note, expected_version=expected_version
            ),
        ),
    )


@deals.command("probability")
@click.argument("deal_id")
@click.argument("percent", type=click.IntRange(0, 100), required=False)
@click.option("--clear", is_flag=True, help="Back to the stage's default probability.")
@output_option
@pass_session
def probability(session, deal_id, percent, clear):
    """Set the probability by hand (kept through stage moves), or --clear it."""
    if (percent is None) == (not clear):
        raise CliError("give a PERCENT 0..100 or --clear")
    request = deals_pb2.SetDealProbabilityRequest(id=deal_id, probability=percent)
    show_deal(session, session.call(Stubs(session).deals.SetDealProbability, request))


@deals.command("revenue")
@click.argument("deal_id")
@click.argument("amount", required=False)
@click.option("--clear", is_flag=True, help="The revenue becomes unknown.")
@output_option
@pass_session
def revenue(session, deal_id, amount, clear):
    """Type the estimated revenue (e.g. 1200.00, in the deal's currency), or --clear it."""
    if (amount is None) == (not clear):
        raise CliError("give an AMOUNT or --clear")
    request = deals_pb2.SetDealRevenueRequest(id=deal_id)
    if amount is not None:
        request.estimated_revenue.CopyFrom(money(amount, currency_of(session, deal_id)))
    show_deal(session, session.call(Stubs(session).deals.SetDealRevenue, request))


@deals.command("lines")
@click.argument("deal_id")
@lines_options("PRODUCT:QUANTITY[:UNIT] (repeatable); none clears the lines.")
@output_option
@pass_session
def lines(session, deal_id, lines, price_list):
    """Replace the product lines (priced by catalog; the revenue becomes their sum)."""
    show_deal(
        session,
        session.call(
            Stubs(session).deals.SetDealLines,
            deals_pb2.SetDealLinesRequest(id=deal_id, **priced_lines(session, lines, price_list)),
        ),
    )


@deals.command("reassign")
@click.argument("deal_id")
@click.argument("owner_user_id")
@click.option("--reason", default="", help="Why (kept in the history).")
@output_option
@pass_session
def reassign(session, deal_id, owner_user_id, reason):
    """Give an open deal to another member of its team (supervisor or above)."""
    show_deal(
        session,
        session.call(
            Stubs(session).deals.ReassignDeal,
            deals_pb2.ReassignDealRequest(id=deal_id, owner_user_id=owner_user_id, reason=reason),
        ),
    )


@deals.command("win")
@click.argument("deal_id")
@click.option(
    "--revenue",
    "actual_revenue",
    required=True,
    help="Actual revenue, e.g. 950.00 (the deal's currency).",
)
@click.option(
    "--date", "actual_close_date", default="", help="Close date YYYY-MM-DD (default: today, UTC)."
)
@output_option
@pass_session
def win(session, deal_id, actual_revenue, actual_close_date):
    """Close a deal as won."""
    request = deals_pb2.CloseDealWonRequest(
        id=deal_id,
        actual_revenue=money(actual_revenue, currency_of(session, deal_id)),
        actual_close_date=actual_close_date or dt.datetime.now(dt.UTC).date().isoformat(),
    )
    show_deal(session, session.call(Stubs(session).deals.CloseDealWon, request))


@deals.command("lose")
@click.argument("deal_id")
@click.option("--reason", required=True, help="A key of `crmctl deals lost-reasons`.")
@click.option("--competitor", default="", help="Who won (required for reason competitor).")
@click.option("--note", default="", help="Note (required for reason other).")
@click.option("--date", "close_date", default="", help="Close date YYYY-MM-DD (default today).")
@output_option
@pass_session
def lose(session, deal_id, reason, competitor, note, close_date):
    """Close a deal as lost."""
    show_deal(
        session,
        session.call(
            Stubs(session).deals.CloseDealLost,
            deals_pb2.CloseDealLostRequest(
                id=deal_id, reason=reason, competitor=competitor, note=note, close_date=close_date
            ),
        ),
    )


@deals.command("reopen")
@click.argument("deal_id")
@click.option("--reason", required=True, help="Why (kept in the history).")
@output_option
@pass_session
def reopen(session, deal_id, reason):
    """Reopen a closed deal (its owner or a manager above its team)."""
    show_deal(
        session,
        session.call(
            Stubs(session).deals.ReopenDeal, deals_pb2.ReopenDealRequest(id=deal_id, reason=reason)
        ),
    )


@deals.command("transfer")
@click.argument("deal_id")
@click.option("--team", "to_team_id", required=True, help="Team that takes the deal.")
@click.option("--reason", required=True, help="Why.")
@click.option(
    "--owner",
    "new_owner_user_id",
    default="",
    help="New owner in that team (default: the team's strategy chooses).",
)
@click.option(
    "--move-account/--keep-account",
    default=None,
    help="Move the account and its contacts too (default: only when no other deal "
    "of the team uses it).",
)
@output_option
@pass_session
def transfer(session, deal_id, to_team_id, reason, new_owner_user_id, move_account):
    """Transfer a deal to another team with what belongs to it (managers, management)."""
    moved = session.call(
        Stubs(session).deals.TransferDeal,
        deals_pb2.TransferDealRequest(
            id=deal_id,
            to_team_id=to_team_id,
            reason=reason,
            new_owner_user_id=new_owner_user_id,
            move_account=move_account,
        ),
    )
    if moved.withheld:
        print_message(
            session.output,
            f"deal {moved.id} transferred to team {moved.team_id}; you "
            "may not see that team's records, so the deal is not shown",
            id=moved.id,
            team_id=moved.team_id,
            withheld=True,
        )
        return
    show_deal(session, moved)


@deals.command("lost-reasons")
@output_option
@pass_session
def lost_reasons(session):
    """The reasons a deal may be lost for."""
    response = session.call(
        Stubs(session).deals.ListLostReasons, deals_pb2.ListLostReasonsRequest()
    )
    print_rows(
        session.output,
        [message_to_dict(r) for r in response.reasons],
        [("key", "key"), ("description", "description")],
    )


@deals.command("history")
@click.argument("record")
@click.option("--limit", type=click.IntRange(min=0), default=0, help="At most this many.")
@output_option
@pass_session
def history(session, record, limit):
    """The history of a record: a deal id, or TYPE:ID (account:..., quote:..., ...)."""
    ref = record_ref(record if ":" in record else f"deal:{record}")
    request = deals_pb2.GetHistoryRequest(record=ref)
    rows = []
    for entry in pages(session, Stubs(session).deals.GetHistory, request, limit=limit):
        data = message_to_dict(entry)
        data["actor"] = entry.actor.display_name or entry.actor.id
        data["changes"] = [f"{c.field}: {c.old_value} -> {c.new_value}" for c in entry.changes]
        rows.append(data)
    print_rows(
        session.output,
        rows,
        [
            ("version", "v"),
            ("at", "at"),
            ("actor", "who"),
            ("action", "action"),
            ("changes", "changes"),
            ("note", "note"),
        ],
        empty="no history",
    )


deals.add_command(board)
deals.add_command(snapshots)


@deals.command("export")
@click.option(
    "--status", type=enum_choice(resources_pb2.DealStatus), help="Only deals in this status."
)
@click.option("--line", "sales_line", default="", help="Only this sales line (id or name).")
@click.option("--stage", "stage_key", default="", help="Only this stage key.")
@click.option("--owner", "owner", default="", help="Only this owner (id or e-mail).")
@click.option("--account", "account_id", default="", help="Only this account.")
@click.option("--team", "team", default="", help="Only this team (id or name).")
@export_options
@pass_session
def export_deals(
    session, status, sales_line, stage_key, owner, account_id, team, format_word, path
):
    """Export every deal you may see to CSV or JSON Lines."""
    request = exports_pb2.ExportDealsRequest(
        format=FORMATS[format_word],
        filter=deals_pb2.ListDealsRequest(
            status=enum_value(resources_pb2.DealStatus, status),
            sales_line_id=line_id(session, sales_line) if sales_line else "",
            stage_key=stage_key,
            owner_user_id=user_id(session, owner) if owner else "",
            account_id=account_id,
            team_id=team_id(session, team) if team else "",
        ),
    )
    write_export(session, Stubs(session).exports.ExportDeals, request, path)
