"""Printing results as a table (for people), JSON (for scripts) or only the ids (for a shell
variable: ``deal=$(crmctl deals list --line SMB -o id)``): ``--output table|json|id``."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Iterable, Sequence
from typing import Any

import click
from google.protobuf import json_format
from rich.console import Console
from rich.table import Table

OUTPUT_CHOICE = click.Choice(["table", "json", "id"])
UNBROKEN_KEYS = {"id", "email", "client_id"}


def _unbroken(key: str) -> bool:
    # Ids (team_id, owner_user_id...) and e-mails are copied into the next command.
    return key in UNBROKEN_KEYS or key.endswith(("_id", "email"))


def message_to_dict(message) -> dict[str, Any]:
    """A protobuf message as JSON-ready dict: proto field names, every field present, int64s
    as numbers when they fit."""
    return json_format.MessageToDict(
        message,
        always_print_fields_with_no_presence=True,
        preserving_proto_field_name=True,
        unquote_int64_if_possible=True,
    )


def console() -> Console:
    # Created per use: click's test runner and pipes replace sys.stdout between invocations.
    # Piped output gets wide lines (rich would assume 80 columns and fold every cell).
    piped = not sys.stdout.isatty() and not os.environ.get("COLUMNS")
    return Console(highlight=False, soft_wrap=False, width=200 if piped else None)


def _cell(value: Any) -> str:
    if isinstance(value, (list, tuple)):
        return ", ".join(str(v) for v in value)
    if value is None:
        return ""
    return str(value)


def _id_of(record: dict[str, Any]) -> str:
    if not record.get("id"):
        raise click.ClickException("this result has no id to print: use --output table or json")
    return str(record["id"])


def print_rows(
    output: str,
    rows: Sequence[dict[str, Any]],
    columns: Iterable[tuple[str, str]],
    *,
    empty: str = "nothing found",
) -> None:
    """A list of records: a JSON array, or a table with the given (key, heading) columns."""
    if output == "json":
        click.echo(json.dumps(list(rows), indent=2, default=str))
        return
    if output == "id":
        for row in rows:
            click.echo(_id_of(row))
        return
    if not rows:
        click.echo(empty)
        return
    columns = list(columns)
    table = Table(show_lines=False)
    for key, heading in columns:
        # Ids and e-mails are copied into the next command: never break them across lines.
        table.add_column(heading, overflow="fold", no_wrap=_unbroken(key))
    for row in rows:
        table.add_row(*(_cell(row.get(key)) for key, _ in columns))
    console().print(table)


def print_record(
    output: str, record: dict[str, Any], *, fields: Sequence[tuple[str, str]] = ()
) -> None:
    """One record: a JSON object, or a two-column field/value table."""
    if output == "json":
        click.echo(json.dumps(record, indent=2, default=str))
        return
    if output == "id":
        click.echo(_id_of(record))
        return
    table = Table(show_header=False)
    table.add_column("field", style="bold")
    table.add_column("value", overflow="fold")
    for key, heading in fields or [(k, k) for k in record]:
        table.add_row(heading, _cell(record.get(key)))
    console().print(table)


def print_message(output: str, text: str, **data: Any) -> None:
    """A confirmation: the sentence for people, or ``data`` as a JSON object for scripts."""
    if output == "json":
        click.echo(json.dumps(data, indent=2, default=str))
    elif output == "id" and data.get("id"):
        click.echo(data["id"])
    else:
        click.echo(text)
