"""``crmctl leads import``: the leads of a CSV file, streamed with a per-row report."""

from __future__ import annotations

import csv
import hashlib
import json
from pathlib import Path

import click
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from crm.leads.v1 import lead_pb2, lead_service_pb2
from crmctl.commands.leads.arguments import pairs
from crmctl.commands.leads.stubs import Stubs
from crmctl.commands.leads.wait import wait_routed
from crmctl.commands.territory.lookup import line_id
from crmctl.options import output_option, pass_session
from crmctl.output import print_rows
from crmctl.session import CliError
from crmctl.wire import enum_choice, enum_value

IMPORT_TIMEOUT_SECONDS = 3600  # a stream of a large file; each batch is committed on its own


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


def import_requests(header: lead_service_pb2.ImportHeader, rows: list[dict[str, str]]):
    yield lead_service_pb2.ImportLeadsRequest(header=header)
    for number, values in enumerate(rows, start=1):
        yield lead_service_pb2.ImportLeadsRequest(
            row=lead_service_pb2.ImportRow(row_number=number, values=values)
        )


@click.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--map",
    "mapping",
    multiple=True,
    metavar="COLUMN=FIELD",
    help="Map a column to a lead field, e.g. 'E-Mail=person.email' or "
    "'Budget=custom_attributes.budget' (repeatable). Without any, columns named "
    "like fields or common aliases (E-Mail, Last name, Company, Zip) map "
    "themselves.",
)
@click.option(
    "--channel",
    "-c",
    type=enum_choice(lead_pb2.Channel),
    help="Channel of rows without a source.channel column.",
)
@click.option("--campaign", default="", help="Campaign of rows without a campaign column.")
@click.option("--sales-line", default="", help="Sales line (id or name) of rows without one.")
@click.option(
    "--import-id",
    default="",
    help="Default: the SHA-256 of the file, so running the same file again accepts no row twice.",
)
@click.option("--delimiter", default=",", show_default=True)
@click.option(
    "--wait",
    is_flag=True,
    help="Then wait until the accepted leads are routed to your teams and show where "
    "each went (team and owner).",
)
@output_option
@pass_session
def import_leads(session, file, mapping, channel, campaign, sales_line, import_id, delimiter, wait):
    """Import the leads of a CSV file (header line first) with a per-row report.

    Valid rows are accepted, invalid ones rejected whole; each batch is committed on its own,
    so after a crash just run the command again. Exits 1 when no row was accepted (or, with
    --wait, when not every accepted lead reached your teams in time).
    """
    columns, rows = read_csv(file, delimiter)
    header = lead_service_pb2.ImportHeader(
        import_id=import_id or f"sha256:{file_hash(file)}",
        columns=columns,
        column_mapping=pairs(mapping, "--map"),
        default_channel=enum_value(lead_pb2.Channel, channel),
        default_campaign_id=campaign,
        default_sales_line_id=line_id(session, sales_line) if sales_line else "",
    )
    accepted, problems, final = [], [], None
    progress = Progress(
        TextColumn("importing {task.fields[file]}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[rejected]} rejected"),
        TimeRemainingColumn(),
        console=Console(stderr=True),
        transient=True,
    )
    with progress:
        task = progress.add_task("import", total=len(rows), file=file.name, rejected=0)
        responses = Stubs(session).leads.ImportLeads(
            import_requests(header, rows),
            metadata=session.metadata(),
            timeout=IMPORT_TIMEOUT_SECONDS,
        )
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
        return (
            "no row was accepted: every row lacks a channel; run again with --channel "
            "<channel> (e.g. --channel purchased_list) or add a channel column to the file"
        )
    return "no row was accepted: fix the rows listed above and run the command again"


def report_import(session, import_id, accepted, problems, final) -> None:
    again = sum(1 for row in accepted if row.already_imported)
    summary = {
        "import_id": import_id,
        "rows_read": final.rows_read,
        "rows_accepted": final.rows_accepted,
        "rows_rejected": final.rows_rejected,
        "already_imported": again,
        "accepted": [
            {"row": a.row_number, "lead_id": a.lead_id, "already_imported": a.already_imported}
            for a in accepted
        ],
        "problems": [{"row": p.row_number, "field": p.field, "reason": p.reason} for p in problems],
    }
    if session.output == "json":
        click.echo(json.dumps(summary, indent=2))
        return
    if session.output == "id":
        for row in summary["accepted"]:
            click.echo(row["lead_id"])
        return
    if problems:
        print_rows(
            "table", summary["problems"], [("row", "row"), ("field", "field"), ("reason", "reason")]
        )
    click.echo(
        f"{final.rows_read} rows read: {final.rows_accepted} accepted "
        f"({final.rows_accepted - again} new, {again} imported before), "
        f"{final.rows_rejected} rejected"
    )
