"""``crmctl deals board --line X``: the open deals of a sales line as one column per stage,
with each stage's exact sums."""

from __future__ import annotations

import click
from rich.table import Table

from crm.deals.v1 import deals_pb2, resources_pb2
from crmctl.commands.deals.stubs import Stubs
from crmctl.commands.territory.lookup import line_id, team_id
from crmctl.names import names
from crmctl.options import output_option, pass_session
from crmctl.output import console, message_to_dict, print_record
from crmctl.wire import money_text


@click.command("board")
@click.option(
    "--line", "sales_line", required=True, help="Sales line (id or name) whose pipeline is shown."
)
@click.option("--team", "team", default="", help="Only this team's deals (id or name).")
@output_option
@pass_session
def board(session, sales_line, team):
    """The open deals of a sales line as columns, one per stage, with exact sums."""
    response = session.call(
        Stubs(session).deals.GetBoard,
        deals_pb2.GetBoardRequest(
            sales_line_id=line_id(session, sales_line),
            team_id=team_id(session, team) if team else "",
        ),
    )
    if session.output != "table":
        print_record(session.output, message_to_dict(response))
        return
    console().print(board_table(response, names(session)))
    if response.truncated:
        click.echo("(more open deals than a board shows: the oldest are shown)")


def board_table(response: deals_pb2.GetBoardResponse, named=None) -> Table:
    """One column per stage: its name, deal count and total as the heading; a cell per deal
    with its name, owner and amount."""
    table = Table(
        title=f"{response.pipeline.name} (version {response.pipeline.version})", show_lines=True
    )
    for column in response.columns:
        totals = ", ".join(money_text(t) for t in column.totals) or "-"
        table.add_column(
            f"{column.stage.name}\n{len(column.deals)} deal(s) · {totals}", overflow="fold"
        )
    depth = max((len(c.deals) for c in response.columns), default=0)
    for i in range(depth):
        table.add_row(
            *(_card(c.deals[i], named) if i < len(c.deals) else "" for c in response.columns)
        )
    return table


def _card(deal: resources_pb2.Opportunity, named=None) -> str:
    owner = named.user(deal.owner_user_id) if named else deal.owner_user_id
    return f"{deal.name}\n{owner} · {money_text(deal.estimated_revenue) or '-'}"
