"""Exports: formula injection neutralised, columns from the message type, chunks, every page."""

import csv
import io
import json

import pytest

from crm.catalog.v1 import exchange_rates_pb2 as X
from crm.common.v1 import export_pb2
from crm_chassis.errors import InvalidArgument
from crm_chassis.wire import export


@pytest.mark.parametrize(
    "cell,safe",
    [
        ("=1+1", "'=1+1"),
        ("+49 30 123", "'+49 30 123"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=cmd", "'\t=cmd"),
        ("\r=cmd", "'\r=cmd"),
        ("-12.50", "-12.50"),  # a plain number cannot execute
        ("42", "42"),
        ("Acme = best", "Acme = best"),
        ("", ""),
    ],
)
def test_cells_a_spreadsheet_would_run_are_written_as_text(cell, safe):
    assert export.neutralise(cell) == safe


def rates(n):
    for i in range(n):
        message = X.ExchangeRate(
            base="EUR",
            quote="USD",
            effective_on=f"2026-01-{i + 1:02}",
            rate="1.1",
            source='=HYPERLINK("x")' if i == 0 else "ECB",
        )
        message.set_at.FromJsonString("2026-01-01T00:00:00Z")
        yield message


def test_csv_has_a_header_from_the_type_and_neutralised_cells():
    data = b"".join(
        c.data for c in export.export_chunks(rates(2), X.ExchangeRate.DESCRIPTOR, export.CSV)
    )
    rows = list(csv.DictReader(io.StringIO(data.decode())))
    assert list(rows[0]) == ["base", "quote", "effective_on", "rate", "source", "set_by", "set_at"]
    assert rows[0]["source"] == '\'=HYPERLINK("x")' and rows[1]["source"] == "ECB"
    assert rows[0]["set_at"] == "2026-01-01T00:00:00Z"


def test_nested_messages_flatten_to_dotted_columns_and_lists_to_json():
    response = X.ListCurrenciesResponse(currencies=[X.Currency(code="IRR", minor_units=2)])
    convert = X.ConvertAmountRequest(to_currency="EUR")
    convert.amount.amount, convert.amount.currency = "10", "IRR"
    (chunk,) = export.export_chunks([convert], X.ConvertAmountRequest.DESCRIPTOR, export.CSV)
    header, row = chunk.data.decode().splitlines()
    assert header == "amount.amount,amount.currency,to_currency,on"
    assert row == "10,IRR,EUR,"
    (chunk,) = export.export_chunks([response], X.ListCurrenciesResponse.DESCRIPTOR, export.CSV)
    cell = next(csv.DictReader(io.StringIO(chunk.data.decode())))["currencies"]
    assert json.loads(cell) == [{"code": "IRR", "minor_units": 2}]


def test_an_empty_csv_export_still_names_its_columns_and_jsonl_is_empty():
    (chunk,) = export.export_chunks([], X.ExchangeRate.DESCRIPTOR, export.CSV)
    assert chunk.records == 0 and chunk.data.startswith(b"base,quote")
    assert list(export.export_chunks([], X.ExchangeRate.DESCRIPTOR, export.JSON_LINES)) == []


def test_json_lines_keep_values_exactly_in_chunks(monkeypatch):
    monkeypatch.setattr(export, "CHUNK_RECORDS", 2)
    chunks = list(export.export_chunks(rates(5), X.ExchangeRate.DESCRIPTOR, export.JSON_LINES))
    assert [c.records for c in chunks] == [2, 2, 1]
    lines = b"".join(c.data for c in chunks).decode().splitlines()
    assert json.loads(lines[0])["source"] == '=HYPERLINK("x")'  # data for programs, exact


def test_pages_are_walked_until_no_cursor():
    pages = {"": (["a", "b"], "c1"), "c1": (["c"], "c2"), "c2": ([], "")}
    assert list(export.walk_pages(lambda cursor: pages[cursor])) == ["a", "b", "c"]


def test_a_missing_format_is_named():
    with pytest.raises(InvalidArgument, match="csv or json_lines"):
        export.check_format(export_pb2.EXPORT_FORMAT_UNSPECIFIED)
