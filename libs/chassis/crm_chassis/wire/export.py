"""Exports: the records of a list call streamed as CSV or JSON Lines (``crm.common.v1``
``ExportFormat`` / ``ExportChunk``), page after page, never the whole list in memory.

Every service exports by walking its own list call with the caller's token, so an export holds
exactly what that caller may list, and a record of a team the caller cannot see is never read.

CSV columns come from the record's message type, not from the records: every scalar field, with
nested messages flattened to dotted names (``estimated_revenue.amount``), timestamps in RFC 3339,
enums by name, lists and maps as JSON text. So two exports of the same list have the same
header, even when a page holds no record with a given field set.

**Spreadsheet formula injection.** A spreadsheet runs a cell beginning with ``=``, ``+``, ``-``,
``@`` (and, in some, after a tab or a carriage return) as a formula: a contact named
``=HYPERLINK(...)`` would run when the file is opened. Such a cell is written with a leading
``'`` (OWASP's advice), which makes spreadsheets show it as text. A plain number (``-12.50``)
cannot execute and is left as it is so amounts stay numbers. JSON Lines is data for programs
and carries every value exactly.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from google.protobuf.descriptor import Descriptor, FieldDescriptor
from google.protobuf.message import Message

from crm.common.v1 import export_pb2
from crm_chassis.errors import InvalidArgument
from crm_chassis.proto_json import message_to_dict

#: The first characters a spreadsheet may run as a formula.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"-?\d+(\.\d+)?")
#: Records per chunk on the stream (a chunk is a few hundred kB at most).
CHUNK_RECORDS = 500

CSV = export_pb2.EXPORT_FORMAT_CSV
JSON_LINES = export_pb2.EXPORT_FORMAT_JSON_LINES
_TIMESTAMP = "google.protobuf.Timestamp"

#: One page of a list: (records, next cursor) for a cursor ("" = first page).
PageFetcher = Callable[[str], tuple[list[Message], str]]


def neutralise(cell: str) -> str:
    """``cell`` safe to open in a spreadsheet: a leading ``'`` before a formula trigger."""
    if cell and cell.startswith(FORMULA_TRIGGERS) and not _PLAIN_NUMBER.fullmatch(cell):
        return "'" + cell
    return cell


def check_format(value: int, field: str = "format") -> int:
    """The export format, or INVALID_ARGUMENT naming the choices."""
    if value not in (CSV, JSON_LINES):
        raise InvalidArgument(f"{field} is required: csv or json_lines", field=field)
    return value


def _leaves(
    descriptor: Descriptor, prefix: str = ""
) -> list[tuple[str, tuple[FieldDescriptor, ...]]]:
    columns: list[tuple[str, tuple[FieldDescriptor, ...]]] = []
    for field in descriptor.fields:
        name = prefix + field.name
        nested = field.message_type
        is_list = field.is_repeated
        if nested is not None and not is_list and nested.full_name != _TIMESTAMP:
            columns += [(leaf, (field, *path)) for leaf, path in _leaves(nested, name + ".")]
        else:
            columns.append((name, (field,)))
    return columns


def _cell(value: Any, field: FieldDescriptor) -> str:
    if field.is_repeated and field.message_type is not None and _is_map(field):
        entries = {
            str(k): message_to_dict(v) if isinstance(v, Message) else v for k, v in value.items()
        }
        return json.dumps(entries, ensure_ascii=False, default=str) if entries else ""
    if field.is_repeated:
        items: list[Any]
        if field.enum_type is not None:
            items = [field.enum_type.values_by_number[v].name for v in value]
        else:
            items = [message_to_dict(v) if isinstance(v, Message) else v for v in value]
        return json.dumps(items, ensure_ascii=False, default=str) if items else ""
    if field.message_type is not None:  # a Timestamp
        return value.ToJsonString() if value.seconds or value.nanos else ""
    if field.enum_type is not None:
        found = field.enum_type.values_by_number.get(value)
        return found.name if found is not None and value else ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, bytes):
        return value.hex()
    return str(value)


def _is_map(field: FieldDescriptor) -> bool:
    nested = field.message_type
    return nested is not None and bool(nested.GetOptions().map_entry)


class CsvWriter:
    """CSV rows of records of one message type."""

    def __init__(self, descriptor: Descriptor):
        self.columns = _leaves(descriptor)

    def header(self) -> str:
        return self._line([name for name, _ in self.columns])

    def row(self, record: Message) -> str:
        cells = []
        for _, path in self.columns:
            value: Any = record
            for field in path[:-1]:
                value = getattr(value, field.name)
            cells.append(neutralise(_cell(getattr(value, path[-1].name), path[-1])))
        return self._line(cells)

    @staticmethod
    def _line(cells: list[str]) -> str:
        out = io.StringIO()
        csv.writer(out, lineterminator="\r\n").writerow(cells)
        return out.getvalue()


def _json_line(record: Message) -> str:
    return json.dumps(message_to_dict(record), ensure_ascii=False, separators=(",", ":")) + "\n"


def export_chunks(
    records: Iterable[Message], descriptor: Descriptor, format: int
) -> Iterator[export_pb2.ExportChunk]:
    """``records`` as chunks of the file in ``format`` (the CSV header first, even with none)."""
    csv_writer = CsvWriter(descriptor) if format == CSV else None
    parts: list[str] = [csv_writer.header()] if csv_writer else []
    count = 0
    for record in records:
        parts.append(csv_writer.row(record) if csv_writer else _json_line(record))
        count += 1
        if count == CHUNK_RECORDS:
            yield export_pb2.ExportChunk(data="".join(parts).encode(), records=count)
            parts, count = [], 0
    if parts or count:
        yield export_pb2.ExportChunk(data="".join(parts).encode(), records=count)


def walk_pages(fetch: PageFetcher) -> Iterator[Message]:
    """Every record of a paged list, page after page, until the list has no next cursor."""
    cursor = ""
    while True:
        records, cursor = fetch(cursor)
        yield from records
        if not cursor:
            return
