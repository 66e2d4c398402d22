"""``crmctl import accounts|contacts|deals|activities FILE.csv``: migration from another CRM through deals'
MigrationService (every row kept under its external id: a re-run adds nothing).

Columns map to record fields by name or with ``--map COLUMN=FIELD``. Two fields are resolved
here, as a person writes them: ``team`` (a team's name or id -> ``team_id``) and
``owner_email`` (a user's e-mail or id -> ``owner_user_id``); each distinct value is looked up
once, and an unknown one stops the command before anything is sent.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

import click

from crm.deals.v1 import migration_pb2 as M
from crmctl.commands.deals.stubs import Stubs
from crmctl.commands.identity.lookup import user_id
from crmctl.commands.territory.lookup import team_id
from crmctl.errors import CliError
from crmctl.options import output_option, pass_session
from crmctl.output import print_rows

IMPORT_TIMEOUT_SECONDS = 3600
#: field a person writes -> (field the service takes, how the CLI resolves a value)
RESOLVED = {"team": ("team_id", team_id), "owner_email": ("owner_user_id", user_id)}


def read_rows(path: Path, delimiter: str) -> tuple[list[str], list[dict[str, str]]]:
    with path.open(newline="", encoding="utf-8-sig") as handle:
        reader = csv.DictReader(handle, delimiter=delimiter)
        rows = [{k: (v or "") for k, v in row.items() if k is not None} for row in reader]
        columns = list(reader.fieldnames or [])
    if not columns:
        raise CliError(f"{path} has no header line naming its columns")
    return columns, rows


def resolve(session, columns, rows, mapping) -> tuple[dict[str, str], list[dict[str, str]]]:
    """The mapping and rows with ``team``/``owner_email`` columns replaced by resolved ids."""
    mapping = {**{c: c for c in columns if c in RESOLVED}, **mapping}
    for column, field in list(mapping.items()):
        if field not in RESOLVED:
            continue
        target, lookup = RESOLVED[field]
        found: dict[str, str] = {}
        for value in sorted({row.get(column, "").strip() for row in rows} - {""}):
            try:
                found[value] = lookup(session, value)
            except CliError as error:
                raise CliError(f"column {column}: {error}") from None
        resolved_column = f"{column} ({target})"
        for row in rows:
            row[resolved_column] = found.get(row.get(column, "").strip(), "")
        del mapping[column]
        mapping[resolved_column] = target
    return mapping, rows


def requests(kind: str, header: M.MigrationHeader, rows: list[dict[str, str]]):
    message = getattr(M, f"Import{kind.title()}Request")
    yield message(header=header)
    for number, values in enumerate(rows, start=1):
        yield message(row=M.MigrationRow(row_number=number, values=values))


def _run(session, kind: str, file: Path, mapping, dry_run: bool, delimiter: str) -> None:
    pairs = {}
    for item in mapping:
        column, sep, field = item.partition("=")
        if not sep:
            raise CliError(f"--map '{item}' is not COLUMN=FIELD")
        pairs[column.strip()] = field.strip()
    columns, rows = read_rows(file, delimiter)
    pairs, rows = resolve(session, columns, rows, pairs)
    header = M.MigrationHeader(column_mapping=pairs, columns=columns, dry_run=dry_run)
    stub = Stubs(session).migration
    method = getattr(stub, f"Import{kind.title()}")
    accepted, problems, final = [], [], None
    for response in method(
        requests(kind, header, rows), metadata=session.metadata(), timeout=IMPORT_TIMEOUT_SECONDS
    ):
        accepted += response.accepted
        problems += response.problems
        final = response
    assert final is not None and final.done
    again = sum(1 for a in accepted if a.already_imported)
    summary = {
        "kind": kind,
        "dry_run": dry_run,
        "rows_read": final.rows_read,
        "rows_accepted": final.rows_accepted,
        "rows_rejected": final.rows_rejected,
        "already_imported": again,
        "accepted": [
            {
                "row": a.row_number,
                "id": a.record_id,
                "already_imported": a.already_imported,
                "possible_duplicates": list(a.possible_duplicate_ids),
            }
            for a in accepted
        ],
        "problems": [{"row": p.row_number, "field": p.field, "reason": p.reason} for p in problems],
    }
    if session.output == "json":
        click.echo(json.dumps(summary, indent=2))
        return
    if session.output == "id":
        for row in summary["accepted"]:
            click.echo(row["id"])
        return
    if problems:
        print_rows(
            "table", summary["problems"], [("row", "row"), ("field", "field"), ("reason", "reason")]
        )
    for a in accepted:
        if a.possible_duplicate_ids:  # imported all the same: a person decides (merge)
            click.echo(
                f"row {a.row_number}: {a.record_id} looks like "
                f"{', '.join(a.possible_duplicate_ids)} (crmctl {kind} duplicates / merge)"
            )
    what = "would be accepted (dry run: nothing stored)" if dry_run else "accepted"
    click.echo(
        f"{final.rows_read} rows read: {final.rows_accepted} {what} "
        f"({final.rows_accepted - again} new, {again} imported before), "
        f"{final.rows_rejected} rejected"
    )


@click.group("import")
def migration_import() -> None:
    """Migration from another CRM: accounts, then contacts and deals, each row under its
    external id."""


def _command(kind: str, fields: str):
    @migration_import.command(kind, help=f"Import {kind} from FILE.csv. Fields: {fields}.")
    @click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
    @click.option(
        "--map",
        "mapping",
        multiple=True,
        metavar="COLUMN=FIELD",
        help="Map a column to a field (a column named like a field maps to it).",
    )
    @click.option("--dry-run", is_flag=True, help="Check and report every row; store nothing.")
    @click.option("--delimiter", default=",", show_default=True, help="Column separator.")
    @output_option
    @pass_session
    def run(session, file, mapping, dry_run, delimiter):
        _run(session, kind, file, mapping, dry_run, delimiter)

    return run


import_accounts = _command(
    "accounts",
    "external_id, team (name) or team_id, owner_email or owner_user_id, name, industry, "
    "website, phone, created_at",
)
import_contacts = _command(
    "contacts",
    "external_id, account_external_id or account_id, owner_email or owner_user_id, "
    "first_name, last_name, email, phone, job_title, created_at",
)
import_deals = _command(
    "deals",
    "external_id, account_external_id or account_id, sales_line_id, owner_email or "
    "owner_user_id, name, stage_key, currency, amount, status (open/won/lost), close_date, "
    "actual_revenue, lost_reason, competitor, note, created_at, stage_history "
    "(STAGE=DATE;STAGE=DATE, oldest first)",
)
import_activities = _command(
    "activities",
    "external_id, target_type (account/contact/deal), target_external_id or target_id, kind, "
    "subject, body, owner_email or owner_user_id, occurred_at, due_at, direction, "
    "duration_minutes",
)
