"""``crmctl lines ...``: sales lines and their targets."""

from __future__ import annotations

import click
from google.protobuf import field_mask_pb2

from crm.territory.v1 import sales_lines_pb2
from crmctl.commands.territory.lookup import line_id, team_id
from crmctl.commands.territory.rows import row, words
from crmctl.commands.territory.stubs import Stubs
from crmctl.names import names
from crmctl.options import output_option, pass_session
from crmctl.output import print_record, print_rows
from crmctl.paging import pages
from crmctl.session import CliError
from crmctl.wire import money, money_text

WORKFLOWS = words(sales_lines_pb2.WorkflowKind)
LINE_FIELDS = [
    ("id", "id"),
    ("name", "name"),
    ("workflow_kind", "workflow"),
    ("pipeline_id", "pipeline"),
    ("team_ids", "teams"),
    ("active", "active"),
    ("version", "version"),
]
TARGET_COLUMNS = [
    ("period", "period"),
    ("team_id", "team"),
    ("amount", "amount"),
    ("deal_count", "deals"),
    ("units", "units"),
]


def _line_row(line, session=None) -> dict:
    """A line for printing; for a person (table output) its pipeline is the one deals holds
    for it, and its teams are named."""
    data = row(line, workflow_kind=sales_lines_pb2.WorkflowKind)
    if session is not None and session.output == "table":
        named = names(session)
        data["pipeline_id"] = named.pipeline_of_line(line.id) or line.pipeline_id
        data["team_ids"] = [named.team(t) for t in line.team_ids]
    return data


def _print_line(session, line) -> None:
    print_record(
        session.output,
        _line_row(line, session),
        fields=[*LINE_FIELDS[:2], ("description", "description"), *LINE_FIELDS[2:]],
    )


def _target_row(target) -> dict:
    data = row(target)
    data["amount"] = money_text(target.amount)
    data["units"] = ", ".join(
        f"{u.quantity} {u.unit or 'x'} {u.product_id or u.product_group}" for u in target.units
    )
    return data


@click.group()
def lines() -> None:
    """Sales lines (changes need the admin role) and their targets."""


@lines.command("list")
@click.option("--team", default="", help="Only lines this team works (id or name).")
@click.option("--all", "include_inactive", is_flag=True, help="Include deactivated lines.")
@output_option
@pass_session
def list_lines(session, team, include_inactive):
    """List sales lines ordered by name."""
    request = sales_lines_pb2.ListSalesLinesRequest(
        team_id=team_id(session, team) if team else "", include_inactive=include_inactive
    )
    rows = [
        _line_row(x, session) for x in pages(session, Stubs(session).lines.ListSalesLines, request)
    ]
    print_rows(session.output, rows, LINE_FIELDS, empty="no sales lines")


@lines.command("show")
@click.argument("line")
@output_option
@pass_session
def show(session, line):
    """Show one sales line."""
    found = session.call(
        Stubs(session).lines.GetSalesLine,
        sales_lines_pb2.GetSalesLineRequest(id=line_id(session, line)),
    )
    _print_line(session, found.sales_line)


@lines.command("create")
@click.argument("name")
@click.option(
    "--workflow", type=click.Choice(sorted(WORKFLOWS)), required=True, help="How its deals close."
)
@click.option(
    "--pipeline",
    default="",
    help="Not needed: deals keeps the line's pipeline (`crmctl pipelines create "
    "--line NAME`); if given, deals puts the line's deals into this pipeline of the line.",
)
@click.option("--team", "teams", multiple=True, help="A team working it (repeatable).")
@click.option("--description", default="")
@output_option
@pass_session
def create(session, name, workflow, pipeline, teams, description):
    """Create a sales line; then give it its pipeline with `crmctl pipelines create --line
    NAME`."""
    created = session.call(
        Stubs(session).lines.CreateSalesLine,
        sales_lines_pb2.CreateSalesLineRequest(
            name=name,
            description=description,
            workflow_kind=WORKFLOWS[workflow],
            pipeline_id=pipeline,
            team_ids=[team_id(session, t) for t in teams],
        ),
    )
    _print_line(session, created.sales_line)


@lines.command("update")
@click.argument("line")
@click.option("--name", default=None)
@click.option("--description", default=None)
@click.option("--workflow", type=click.Choice(sorted(WORKFLOWS)), default=None)
@click.option("--pipeline", default=None)
@click.option(
    "--team",
    "teams",
    multiple=True,
    help="The complete new set of teams (repeatable); see --no-teams.",
)
@click.option("--no-teams", is_flag=True, help="Remove every team.")
@click.option("--expected-version", type=int, default=0)
@output_option
@pass_session
def update(session, line, name, description, workflow, pipeline, teams, no_teams, expected_version):
    """Change a line (only the options given)."""
    if teams and no_teams:
        raise CliError("give either --team or --no-teams, not both")
    changes = sales_lines_pb2.SalesLine(
        name=name or "",
        description=description or "",
        workflow_kind=WORKFLOWS.get(workflow, 0),
        pipeline_id=pipeline or "",
        team_ids=[team_id(session, t) for t in teams],
    )
    given = {
        "name": name is not None,
        "description": description is not None,
        "workflow_kind": workflow is not None,
        "pipeline_id": pipeline is not None,
        "team_ids": bool(teams) or no_teams,
    }
    paths = [path for path, present in given.items() if present]
    if not paths:
        raise CliError(
            "nothing to change: give --name, --description, --workflow, --pipeline, "
            "--team or --no-teams"
        )
    updated = session.call(
        Stubs(session).lines.UpdateSalesLine,
        sales_lines_pb2.UpdateSalesLineRequest(
            id=line_id(session, line),
            sales_line=changes,
            update_mask=field_mask_pb2.FieldMask(paths=paths),
            expected_version=expected_version,
        ),
    )
    _print_line(session, updated.sales_line)


@lines.command("deactivate")
@click.argument("line")
@output_option
@pass_session
def deactivate(session, line):
    """Deactivate a line (refused while it has active territories)."""
    result = session.call(
        Stubs(session).lines.DeactivateSalesLine,
        sales_lines_pb2.DeactivateSalesLineRequest(id=line_id(session, line)),
    )
    _print_line(session, result.sales_line)


@lines.group("targets")
def targets() -> None:
    """What each team should achieve on a line per period (2026, 2026-Q1, 2026-03)."""


@targets.command("list")
@click.argument("line")
@click.option("--period", default="", help="Only this period.")
@click.option("--team", default="", help="Only this team (id or name).")
@output_option
@pass_session
def list_targets(session, line, period, team):
    """List a line's targets by period, then team."""
    result = session.call(
        Stubs(session).lines.ListTargets,
        sales_lines_pb2.ListTargetsRequest(
            sales_line_id=line_id(session, line),
            period=period,
            team_id=team_id(session, team) if team else "",
        ),
    )
    print_rows(
        session.output, [_target_row(t) for t in result.targets], TARGET_COLUMNS, empty="no targets"
    )


def _target_input(session, text: str) -> sales_lines_pb2.TargetInput:
    parts = text.split(":")
    if len(parts) not in (3, 4):
        raise CliError(
            f"--target {text!r}: write TEAM:AMOUNT:CURRENCY[:DEALS], "
            "e.g. 'Berlin Reps:150000:EUR:12'"
        )
    deals = parts[3] if len(parts) == 4 else "0"
    if not deals.isdigit():
        raise CliError(f"--target {text!r}: DEALS must be a whole number")
    try:
        amount = money(f"{parts[1]} {parts[2]}")
    except CliError as exc:
        raise CliError(f"--target {text!r}: {exc}") from None
    return sales_lines_pb2.TargetInput(
        team_id=team_id(session, parts[0]), deal_count=int(deals), amount=amount
    )


def _unit_target(text: str) -> tuple[str, sales_lines_pb2.UnitTarget]:
    """``TEAM:product=ID:QUANTITY[:UNIT]`` or ``TEAM:group=FAMILY:QUANTITY[:UNIT]``."""
    parts = text.split(":")
    what, _, name = parts[1].partition("=") if len(parts) > 1 else ("", "", "")
    if len(parts) not in (3, 4) or what not in ("product", "group") or not name:
        raise CliError(
            f"--units {text!r}: write TEAM:product=ID:QUANTITY[:UNIT] or "
            "TEAM:group=FAMILY:QUANTITY[:UNIT], e.g. 'Berlin Reps:group=Beverages:2500'"
        )
    return parts[0], sales_lines_pb2.UnitTarget(
        product_id=name if what == "product" else "",
        product_group=name if what == "group" else "",
        quantity=parts[2],
        unit=parts[3] if len(parts) == 4 else "",
    )


@targets.command("set")
@click.argument("line")
@click.argument("period")
@click.option(
    "--target",
    "rows",
    multiple=True,
    required=True,
    metavar="TEAM:AMOUNT:CURRENCY[:DEALS]",
    help="One team's target (repeatable).",
)
@click.option(
    "--units",
    "unit_rows",
    multiple=True,
    metavar="TEAM:product=ID|group=FAMILY:QUANTITY[:UNIT]",
    help="Units to sell beside a --target of the same team (repeatable).",
)
@output_option
@pass_session
def set_targets(session, line, period, rows, unit_rows):
    """Replace the targets of the listed teams for PERIOD (other teams keep theirs)."""
    inputs = [_target_input(session, r) for r in rows]
    by_team = {t.team_id: t for t in inputs}
    for text in unit_rows:
        team, unit_target = _unit_target(text)
        target = by_team.get(team_id(session, team))
        if target is None:
            raise CliError(f"--units {text!r}: give the team's --target too")
        target.units.append(unit_target)
    result = session.call(
        Stubs(session).lines.SetTargets,
        sales_lines_pb2.SetTargetsRequest(
            sales_line_id=line_id(session, line), period=period, targets=inputs
        ),
    )
    print_rows(session.output, [_target_row(t) for t in result.targets], TARGET_COLUMNS)
