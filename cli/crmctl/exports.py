"""``<noun> export``: a service's export stream written to a file (or standard output).

The service formats the file (CSV with formula cells neutralised, or JSON Lines) and streams it
in chunks; this writes the chunks in order. A file is written beside its name and renamed when
the stream ends, so an export cut short leaves no half file behind.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import click

from crm.common.v1 import export_pb2
from crmctl.session import Session

#: How long an export may stream (a large list takes minutes, not hours).
EXPORT_TIMEOUT_SECONDS = 3600.0
FORMATS = {"csv": export_pb2.EXPORT_FORMAT_CSV, "jsonl": export_pb2.EXPORT_FORMAT_JSON_LINES}


def export_options(command: Callable) -> Callable:
    """``--format csv|jsonl`` and ``--file PATH`` (default: standard output)."""
    command = click.option(
        "--file",
        "path",
        type=click.Path(dir_okay=False, path_type=Path),
        default=None,
        help="Write to this file (default: standard output).",
    )(command)
    return click.option(
        "--format",
        "format_word",
        type=click.Choice(sorted(FORMATS)),
        default="csv",
        show_default=True,
        help="CSV (formula cells neutralised) or JSON Lines.",
    )(command)


def write_export(session: Session, method, request, path: Path | None) -> int:
    """Streams ``method(request)`` to ``path`` (or stdout); the number of records written.
    Reports the count on standard error when writing a file."""
    chunks = method(request, metadata=session.metadata(), timeout=EXPORT_TIMEOUT_SECONDS)
    records = 0
    if path is None:
        out = click.get_binary_stream("stdout")
        for chunk in chunks:
            out.write(chunk.data)
            records += chunk.records
        out.flush()
        return records
    partial = path.with_name(path.name + ".part")
    try:
        with partial.open("wb") as handle:
            for chunk in chunks:
                handle.write(chunk.data)
                records += chunk.records
        os.replace(partial, path)
    finally:
        partial.unlink(missing_ok=True)
    click.echo(f"{records} records written to {path}", err=True)
    return records
